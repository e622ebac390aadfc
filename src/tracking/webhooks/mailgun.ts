/**
 * Mailgun's HTTP webhook payload (https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/webhook-payloads)
 * → what Splitcast records. Pure. The body is `{ "signature": {…}, "event-data": {…} }`; the
 * message is found by `event-data.message.headers.message-id` (Mailgun writes it without angle
 * brackets; the SMTP provider records the same id, see sending/providers/smtp.ts).
 *
 * | event | recorded |
 * |---|---|
 * | delivered | DELIVERED |
 * | opened | OPENED |
 * | clicked | CLICKED (with the url) |
 * | failed, severity permanent (hard bounce) | FAILED, and the address is suppressed |
 * | failed, severity temporary | nothing: Mailgun retries |
 * | complained (spam report) | OPTED_OUT |
 * | unsubscribed | OPTED_OUT |
 * | anything else (accepted, rejected, stored, …) | nothing |
 */
import { z } from 'zod';
import { EventType } from '../../domain/event-type';
import type { WebhookPayload } from './process';

/** The route's provider name: messages sent by email are recorded under it. */
export const EMAIL_PROVIDER = 'email';

const EventData = z.object({
  event: z.string().min(1).max(100),
  id: z.string().min(1).max(500).optional(),
  /** Unix seconds with a fraction. */
  timestamp: z.number().finite().nonnegative().optional(),
  severity: z.string().max(100).optional(),
  recipient: z.string().max(1000).optional(),
  url: z.string().max(8000).optional(),
  message: z.object({ headers: z.object({ 'message-id': z.string().min(1).max(1000) }) }),
});

export type MailgunOutcome =
  | { kind: 'record'; payload: Extract<WebhookPayload, { kind: 'status' }> }
  | { kind: 'ignored'; event: string }
  | { kind: 'malformed'; message: string };

const TYPES: Record<string, EventType> = {
  delivered: EventType.DELIVERED,
  opened: EventType.OPENED,
  clicked: EventType.CLICKED,
  failed: EventType.FAILED,
  complained: EventType.OPTED_OUT,
  unsubscribed: EventType.OPTED_OUT,
};

/** Reads a (signature-checked) body. `now` stamps events that carry no timestamp. */
export function parseMailgunEvent(body: unknown, now: Date = new Date()): MailgunOutcome {
  const data = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>)['event-data'] : undefined;
  const parsed = EventData.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { kind: 'malformed', message: `Not a Mailgun event: event-data${issue?.path.length ? '.' + issue.path.join('.') : ''}: ${issue?.message ?? 'invalid'}` };
  }
  const e = parsed.data;
  const type = TYPES[e.event];
  if (!type) return { kind: 'ignored', event: e.event };
  // A temporary failure: Mailgun keeps trying; only the final outcome counts.
  if (e.event === 'failed' && e.severity !== 'permanent') return { kind: 'ignored', event: `failed (${e.severity ?? 'no severity'})` };
  if (e.event === 'clicked' && !e.url) return { kind: 'malformed', message: 'A clicked event needs event-data.url' };
  if (e.event === 'failed' && !e.recipient) return { kind: 'malformed', message: 'A failed event needs event-data.recipient' };
  const providerMessageId = e.message.headers['message-id'].trim().replace(/^<(.*)>$/, '$1');
  const at = e.timestamp !== undefined ? new Date(Math.round(e.timestamp * 1000)) : now;
  if (Number.isNaN(at.getTime())) return { kind: 'malformed', message: 'event-data.timestamp is not a time' };
  return {
    kind: 'record',
    payload: {
      kind: 'status',
      provider: EMAIL_PROVIDER,
      providerMessageId,
      type,
      // Mailgun's event id is unique (within a day, per its docs; per message is what we need).
      eventKey: `email:${e.id ?? `${providerMessageId}:${e.event}:${e.timestamp ?? at.getTime()}`}`,
      at: at.toISOString(),
      ...(type === EventType.CLICKED ? { url: e.url } : {}),
      ...(e.event === 'failed' ? { bouncedAddress: e.recipient } : {}),
      ...(type === EventType.OPTED_OUT ? { keyword: e.event } : {}),
    },
  };
}
