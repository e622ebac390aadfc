/**
 * What a verified webhook asks for, as a plain payload. Routes parse and verify, then call
 * `processWebhook`; when it cannot finish (the message is not known yet, or the database
 * failed) the payload goes to the retry queue and is processed again later by the same function.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { IngestionPipeline, Outcome } from '../ingestion';
import { EventType } from '../../domain/event-type';
import { Channel } from '../../domain/channel';
import { handleInbound } from '../inbound';
import { markEmailBounced } from '../../contacts/suppression';

export type WebhookPayload =
  /**
   * What happened to a message we sent (Twilio status callback, OpenPhone message.delivered, an
   * email event). Email adds: `url` (CLICKED), `bouncedAddress` (a hard bounce: that address is
   * suppressed), `keyword` (OPTED_OUT: why, for the opt-out log — `complained`, `unsubscribed`).
   */
  | {
      kind: 'status';
      provider: string;
      providerMessageId: string;
      type: EventType;
      eventKey: string;
      at: string;
      url?: string;
      bouncedAddress?: string;
      keyword?: string;
    }
  /** A message from a contact. `channel` absent (queued before channels): SMS. */
  | { kind: 'inbound'; provider: string; providerMessageId: string; from: string; body: string; at: string; channel?: Channel };

export type ProcessResult = { done: true; detail: string } | { done: false; retry: string };

export async function processWebhook(em: EntityManager, pipeline: IngestionPipeline, workspaceId: string, p: WebhookPayload): Promise<ProcessResult> {
  if (p.kind === 'inbound') {
    const r = await handleInbound(em, pipeline, { workspaceId, provider: p.provider, providerMessageId: p.providerMessageId, from: p.from, body: p.body, receivedAt: new Date(p.at), channel: p.channel ?? Channel.SMS });
    return { done: true, detail: r.status === 'PROCESSED' && r.outcome === 'DUPLICATE' ? 'DUPLICATE' : r.status };
  }
  // The lookup also stamps the message's first status callback (webhook health: lag, silence): a
  // callback must not cost a statement more than it did before (hot path). Writes only once per
  // message (u.first_status_at is checked again after a concurrent callback's lock); every later
  // callback and redelivery finds it set.
  const [message] = await em.execute<{ id: string; campaign_id: string; contact_id: string }[]>(
    `with m as (
       select id, workspace_id, campaign_id, contact_id, first_status_at from messages where workspace_id = ? and provider = ? and provider_message_id = ?
     ), stamp as (
       update messages u set first_status_at = now() from m where u.workspace_id = m.workspace_id and u.id = m.id and m.first_status_at is null and u.first_status_at is null
     )
     select id, campaign_id, contact_id from m`,
    [workspaceId, p.provider, p.providerMessageId],
  );
  // The callback can overtake the sender's own commit of the message: try again later.
  if (!message) return { done: false, retry: `unknown ${p.provider} message ${p.providerMessageId}` };
  const [outcome] = await pipeline.ingest(
    workspaceId,
    [
      {
        campaignId: message.campaign_id,
        contactId: message.contact_id,
        type: p.type,
        variantId: null,
        occurredAt: new Date(p.at),
        value: null,
        sentiment: null,
        url: p.url ?? null,
        merchantId: null,
        idempotencyKey: p.eventKey,
        messageId: message.id,
        keyword: p.keyword ?? null,
      },
    ],
    `webhook:${p.provider}`,
  );
  if (p.bouncedAddress) {
    await markEmailBounced(em, { workspaceId, contactId: message.contact_id, email: p.bouncedAddress, at: new Date(p.at) });
  }
  if (p.type === EventType.DELIVERED || p.type === EventType.FAILED) {
    await em.execute(`update messages set status = ? where id = ? and workspace_id = ? and status not in ('DELIVERED', 'FAILED')`, [p.type, message.id, workspaceId]);
  }
  return { done: true, detail: describe(outcome!) };
}

function describe(o: Outcome): string {
  return typeof o === 'string' ? o : o.code;
}
