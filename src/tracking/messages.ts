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
 * crash carries the same links): 16 base62 characters of HMAC-SHA256(message secret, n). One-way:
 * a shared link reveals nothing of the secret (the message's unsubscribe token).
 */
export function derivedLinkToken(secret: string, n: number): string {
  const bytes = createHmac('sha256', secret).update(`link:${n}`, 'utf8').digest();
  let token = '';
  for (let i = 0; i < 16; i++) token += BASE62[bytes[i]! % 62];
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

/**
 * Records many messages and their links in one statement (the sender's batch). A message that
 * conflicts with an existing one (same provider message id, or same email tracking token: a send
 * retried after a crash, which the provider deduplicated) is not inserted and gets `null`; its
 * links are not inserted either (the existing message has its own). Atomic: a message never
 * exists without its links.
 */
export async function recordMessages(sql: Sql, list: NewMessage[]): Promise<(RecordedMessage | null)[]> {
  if (list.length === 0) return [];
  const rows = list.map((m) => ({
    id: newId(),
    workspace_id: m.workspaceId,
    campaign_id: m.campaignId,
    contact_id: m.contactId,
    variant_id: m.variantId,
    provider: m.provider,
    provider_message_id: m.providerMessageId ?? null,
    body: m.body ?? null,
    channel: m.channel ?? Channel.SMS,
    tracking_token: m.trackingToken ?? null,
  }));
  const links = list.map((m) => [...(m.tokens ?? []), ...(m.links ?? []).map((url) => ({ token: linkToken(), url }))]);
  const linkRows = links.flatMap((ls, i) => ls.map((l) => ({ token: l.token, url: l.url, message_id: rows[i]!.id })));
  const inserted = await sql.query<{ id: string }>(
    `with m as (
       insert into messages (id, workspace_id, campaign_id, contact_id, variant_id, provider, provider_message_id, status, body, sent_at, channel, tracking_token)
       select x.id, x.workspace_id, x.campaign_id, x.contact_id, x.variant_id, x.provider, x.provider_message_id, 'SENT', x.body, now(), x.channel, x.tracking_token
       from jsonb_to_recordset($1::jsonb) as x(id uuid, workspace_id uuid, campaign_id uuid, contact_id uuid, variant_id uuid, provider text,
                                               provider_message_id text, body text, channel text, tracking_token text)
       on conflict do nothing
       returning id, workspace_id, campaign_id, contact_id
     ), l as (
       insert into links (token, workspace_id, message_id, campaign_id, contact_id, url)
       select y.token, m.workspace_id, m.id, m.campaign_id, m.contact_id, y.url
       from jsonb_to_recordset($2::jsonb) as y(token text, url text, message_id uuid) join m on m.id = y.message_id
     )
     select id from m`,
    [JSON.stringify(rows), JSON.stringify(linkRows)],
  );
  const ok = new Set(inserted.map((r) => r.id));
  return rows.map((r, i) => (ok.has(r.id) ? { id: r.id, links: links[i]! } : null));
}
