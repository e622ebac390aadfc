/**
 * Messages (one per recipient send) and their tracked links. The sender records each message
 * here; webhooks find it again by the provider's message id, and `/l/:token` by its link.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Sql } from '../db/pool';
import { newId } from '../shared/ids';
import { Channel } from '../domain/channel';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** 10 base62 characters (~59 bits): short enough for SMS, too many to guess. */
export function linkToken(): string {
  const bytes = randomBytes(10);
  let token = '';
  for (const b of bytes) token += BASE62[b % 62];
  return token;
}

/**
 * The n-th link token of a message whose links must be reproducible (an email sent again after a
 * crash carries the same links): `length` base62 characters of HMAC-SHA256(message secret, n) —
 * 16 for email, 10 (~59 bits, as linkToken) for text messages. One-way: a shared link reveals
 * nothing of the secret (an email's unsubscribe token).
 */
export function derivedLinkToken(secret: string, n: number, length = 16): string {
  const bytes = createHmac('sha256', secret).update(`link:${n}`, 'utf8').digest();
  let token = '';
  for (let i = 0; i < length; i++) token += BASE62[bytes[i]! % 62];
  return token;
}

export interface NewMessage {
  workspaceId: string;
  campaignId: string;
  contactId: string;
  variantId: string | null;
  provider: string;
  providerMessageId?: string | null;
  /** SMS when absent. */
  channel?: Channel;
  /** EMAIL: the open-pixel / unsubscribe token already in the sent message. */
  trackingToken?: string | null;
  body?: string | null;
  /** Target URLs to track; each gets its own token. */
  links?: string[];
  /** Links whose tokens are already in the sent body (the sender makes them before sending). */
  tokens?: { token: string; url: string }[];
}

export interface RecordedMessage {
  id: string;
  links: { token: string; url: string }[];
}

export async function recordMessage(em: EntityManager, m: NewMessage): Promise<RecordedMessage> {
  const id = newId();
  await em.execute(
    `insert into messages (id, workspace_id, campaign_id, contact_id, variant_id, provider, provider_message_id, status, body, sent_at, channel, tracking_token)
     values (?, ?, ?, ?, ?, ?, ?, 'SENT', ?, now(), ?, ?)`,
    [id, m.workspaceId, m.campaignId, m.contactId, m.variantId, m.provider, m.providerMessageId ?? null, m.body ?? null, m.channel ?? Channel.SMS, m.trackingToken ?? null],
  );
  const links = [...(m.tokens ?? []), ...(m.links ?? []).map((url) => ({ token: linkToken(), url }))];
  if (links.length > 0) {
    await em.execute(
      `insert into links (token, workspace_id, message_id, campaign_id, contact_id, url)
       select x.token, ?, ?, ?, ?, x.url from jsonb_to_recordset(?::jsonb) as x(token text, url text)`,
      [m.workspaceId, id, m.campaignId, m.contactId, JSON.stringify(links)],
    );
  }
  return { id, links };
}

/** A message recorded before its provider call: its id is the send's, its links' tokens derived. */
export interface PendingMessage extends Omit<NewMessage, 'providerMessageId' | 'links'> {
  id: string;
}

/**
 * Records a batch of messages and their links BEFORE the provider is called (one statement), so
 * that a click on a link, which may come back within milliseconds of the provider's acceptance,
 * always finds it. The rows are QUEUED and have no provider message id yet (markMessagesSent fills
 * it in once the provider accepted). Idempotent: the id is the send's and the link tokens derive
 * from the send's token, so a send retried (after a crash or a provider error) finds its row —
 * `on conflict do nothing` — and gets that row's id back; its links are the ones it renders again.
 * Atomic: a message never exists without its links. Returns each message's id (null: none found).
 */
export async function preRecordMessages(sql: Sql, list: PendingMessage[]): Promise<(string | null)[]> {
  if (list.length === 0) return [];
  const rows = list.map((m, i) => ({
    i: i + 1,
    id: m.id,
    workspace_id: m.workspaceId,
    campaign_id: m.campaignId,
    contact_id: m.contactId,
    variant_id: m.variantId,
    provider: m.provider,
    body: m.body ?? null,
    channel: m.channel ?? Channel.SMS,
    tracking_token: m.trackingToken ?? null,
  }));
  const linkRows = list.flatMap((m) => (m.tokens ?? []).map((l) => ({ token: l.token, url: l.url, message_id: m.id })));
  const found = await sql.query<{ i: number; id: string | null }>(
    `with x as (
       select * from jsonb_to_recordset($1::jsonb) as x(i int, id uuid, workspace_id uuid, campaign_id uuid, contact_id uuid, variant_id uuid,
                                                      provider text, body text, channel text, tracking_token text)
     ), m as (
       insert into messages (id, workspace_id, campaign_id, contact_id, variant_id, provider, status, body, channel, tracking_token)
       select x.id, x.workspace_id, x.campaign_id, x.contact_id, x.variant_id, x.provider, 'QUEUED', x.body, x.channel, x.tracking_token from x
       on conflict do nothing
       returning id, workspace_id, campaign_id, contact_id
     ), l as (
       insert into links (token, workspace_id, message_id, campaign_id, contact_id, url)
       select y.token, m.workspace_id, m.id, m.campaign_id, m.contact_id, y.url
       from jsonb_to_recordset($2::jsonb) as y(token text, url text, message_id uuid) join m on m.id = y.message_id
     )
     -- Not inserted: the row of an earlier attempt (same id, or an email's same tracking token).
     select x.i, coalesce(m.id, (select e.id from messages e
                                 where e.workspace_id = x.workspace_id and (e.id = x.id or (x.tracking_token is not null and e.tracking_token = x.tracking_token))
                                 limit 1)) as id
     from x left join m on m.id = x.id`,
    [JSON.stringify(rows), JSON.stringify(linkRows)],
  );
  const ids: (string | null)[] = list.map(() => null);
  for (const r of found) ids[Number(r.i) - 1] = r.id;
  return ids;
}

/**
 * The provider accepted these messages: their provider ids (by which status callbacks find them)
 * in one statement. A callback that came before finds no message and waits in the webhook retry
 * queue. A status a callback already set (a retried send's row) is kept.
 */
export async function markMessagesSent(sql: Sql, list: { id: string; workspaceId: string; provider: string; providerMessageId: string }[]): Promise<void> {
  if (list.length === 0) return;
  await sql.query(
    `update messages m set provider = x.provider, provider_message_id = x.pmid, status = case when m.status = 'QUEUED' then 'SENT' else m.status end,
       sent_at = coalesce(m.sent_at, now())
     from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) as x(id, ws, provider, pmid)
     where m.id = x.id and m.workspace_id = x.ws`,
    [list.map((m) => m.id), list.map((m) => m.workspaceId), list.map((m) => m.provider), list.map((m) => m.providerMessageId)],
  );
}
