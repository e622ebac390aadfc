/**
 * Inbound messages (SMS / WhatsApp replies from providers). The sender's number finds the
 * contact; the contact's most recent campaign message on the same channel in the last 72 hours
 * gives the campaign and variant. Keywords act before anything else: STOP & co. opt out (even without a recent
 * campaign: compliance does not depend on attribution), START & co. opt back in, HELP answers;
 * each queues exactly one automatic reply. Any other text is a REPLIED event with a sentiment.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { toE164 } from '../contacts/phone';
import { ContactService } from '../contacts/contact.service';
import { newId } from '../shared/ids';
import { EventType } from '../domain/event-type';
import { Channel } from '../domain/channel';
import type { IngestionPipeline, Outcome } from './ingestion';
import { classifyInbound } from './keywords';

export const ATTRIBUTION_WINDOW_HOURS = 72;

export const DEFAULT_REPLIES = {
  OPT_OUT: 'You are unsubscribed and will get no more messages. Reply START to subscribe again.',
  OPT_IN: 'You are subscribed again. Reply STOP to unsubscribe, HELP for help.',
  HELP: 'Reply STOP to unsubscribe. Message and data rates may apply.',
} as const;

export interface InboundMessage {
  workspaceId: string;
  /** e.g. `twilio`, `openphone`: also the opt-out log source (`sms:<provider>`). */
  provider: string;
  providerMessageId: string;
  /** The sender's address on `channel`: a phone number (SMS, WhatsApp; a `whatsapp:` prefix is dropped). */
  from: string;
  body: string;
  receivedAt: Date;
  /** Keywords act on this channel only: STOP by SMS opts out of SMS, on WhatsApp out of WhatsApp. */
  channel: Channel;
}

export type InboundResult =
  | { status: 'UNKNOWN_CONTACT' }
  | { status: 'NO_RECENT_CAMPAIGN'; action: string }
  | { status: 'PROCESSED'; action: string; outcome?: Outcome };

export async function handleInbound(em: EntityManager, pipeline: IngestionPipeline, m: InboundMessage): Promise<InboundResult> {
  const [ws] = await em.execute<{ settings: { defaultCountry?: string; helpReply?: string } }[]>('select settings from workspaces where id = ?', [m.workspaceId]);
  const phone = toE164(m.from, ws?.settings.defaultCountry);
  const [contact] = phone
    ? await em.execute<{ id: string }[]>('select id from contacts where workspace_id = ? and phone = ?', [m.workspaceId, phone])
    : [];
  if (!contact) return { status: 'UNKNOWN_CONTACT' };
  if (m.channel === Channel.WHATSAPP) {
    // The contact wrote to us: WhatsApp's 24-hour customer-service window (re)opens, so the sender
    // may send free text instead of a template. greatest(): a late redelivery never shortens it;
    // least(…, now()): a provider clock running ahead never lengthens it.
    await em.execute('update contacts set whatsapp_inbound_at = greatest(whatsapp_inbound_at, least(?::timestamptz, now())) where workspace_id = ? and id = ?', [m.receivedAt.toISOString(), m.workspaceId, contact.id]);
  }

  // The campaign a message answers is the latest one on the same channel: an SMS reply never
  // counts for an email campaign, and a keyword acts on its channel only (the ingestion pipeline
  // opts out of the channel of the event's campaign).
  const [recent] = await em.execute<{ id: string; campaign_id: string }[]>(
    `select id, campaign_id from messages
     where workspace_id = ? and contact_id = ? and channel = ? and created_at > ?::timestamptz - make_interval(hours => ?)
     order by created_at desc limit 1`,
    [m.workspaceId, contact.id, m.channel, m.receivedAt.toISOString(), ATTRIBUTION_WINDOW_HOURS],
  );
  const intent = classifyInbound(m.body);
  const source = `${m.channel.toLowerCase()}:${m.provider}`;
  const dedupe = `${m.provider}:${m.providerMessageId}`;

  const queueReply = (kind: keyof typeof DEFAULT_REPLIES) =>
    em.execute(
      // Answered on the channel the keyword came on (a WhatsApp STOP is confirmed on WhatsApp).
      `insert into outbox (id, workspace_id, contact_id, kind, body, dedupe_key, channel) values (?, ?, ?, ?, ?, ?, ?)
       on conflict (workspace_id, dedupe_key) do nothing`,
      [newId(), m.workspaceId, contact.id, kind, kind === 'HELP' ? (ws?.settings.helpReply ?? DEFAULT_REPLIES.HELP) : DEFAULT_REPLIES[kind], `${dedupe}:reply`, m.channel],
    );
  const ingest = (type: EventType, extra: { sentiment?: 'POSITIVE' | 'NEGATIVE' | 'NEUTRAL'; keyword?: string } = {}) =>
    pipeline
      .ingest(
        m.workspaceId,
        [
          {
            campaignId: recent!.campaign_id,
            contactId: contact.id,
            type,
            variantId: null,
            occurredAt: m.receivedAt,
            value: null,
            sentiment: extra.sentiment ?? null,
            url: null,
            merchantId: null,
            idempotencyKey: `${dedupe}:${type}`,
            messageId: recent!.id,
            keyword: extra.keyword ?? null,
          },
        ],
        source,
      )
      .then((o) => o[0]!);

  switch (intent.kind) {
    case 'OPT_OUT':
    case 'OPT_IN': {
      await queueReply(intent.kind);
      const optedOut = intent.kind === 'OPT_OUT';
      if (!recent) {
        await new ContactService(em, m.workspaceId).setOptedOut(contact.id, m.channel, optedOut, { source, keyword: intent.keyword });
        return { status: 'NO_RECENT_CAMPAIGN', action: intent.kind };
      }
      const outcome = await ingest(optedOut ? EventType.OPTED_OUT : EventType.OPTED_IN, { keyword: intent.keyword });
      return { status: 'PROCESSED', action: intent.kind, outcome };
    }
    case 'HELP':
      await queueReply('HELP');
      return { status: recent ? 'PROCESSED' : 'NO_RECENT_CAMPAIGN', action: 'HELP' };
    case 'REPLY':
      if (!recent) return { status: 'NO_RECENT_CAMPAIGN', action: 'REPLY' };
      return { status: 'PROCESSED', action: 'REPLY', outcome: await ingest(EventType.REPLIED, { sentiment: intent.sentiment }) };
  }
}
