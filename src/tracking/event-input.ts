/**
 * Validation of one incoming event (GraphQL `trackEvents`, `POST /v1/events`, webhooks). Pure:
 * returns the normalised event or a rejection with a stable code.
 */
import { isUuid } from '../shared/ids';
import { checkText, INVALID_TEXT } from '../shared/input-text';
import { EventType } from '../domain/event-type';

export type SentimentValue = 'POSITIVE' | 'NEGATIVE' | 'NEUTRAL';

/** The shape clients send (TrackEventInput). */
export interface EventInput {
  campaignId: string;
  contactId: string;
  type: EventType | string;
  variantId?: string | null;
  occurredAt?: Date | string | null;
  value?: number | null;
  sentiment?: SentimentValue | string | null;
  url?: string | null;
  merchantId?: string | null;
  idempotencyKey?: string | null;
}

export interface NormalizedEvent {
  campaignId: string;
  contactId: string;
  type: EventType;
  /** As given; checked against the assignment by the pipeline. */
  variantId: string | null;
  occurredAt: Date;
  value: number | null;
  sentiment: SentimentValue | null;
  url: string | null;
  merchantId: string | null;
  idempotencyKey: string | null;
  /** Set by webhooks and tracked links, which know the message. */
  messageId?: string | null;
  /** The inbound keyword (STOP, START, …) behind an opt-out or opt-in, for the opt-out log. */
  keyword?: string | null;
}

export interface EventRejection {
  code: string;
  message: string;
}

const TYPES = new Set<string>(Object.values(EventType));
const SENTIMENTS = new Set<string>(['POSITIVE', 'NEGATIVE', 'NEUTRAL']);
/** Clocks drift; an event further ahead than this is a client bug, not a fact. */
const MAX_FUTURE_MS = 5 * 60_000;
const EARLIEST = Date.UTC(2000, 0, 1);
export const MAX_EVENT_VALUE = 1e9;
export const MAX_EVENTS_PER_CALL = 1000;

export function normalizeEvent(input: EventInput, now: Date = new Date()): NormalizedEvent | EventRejection {
  if (typeof input !== 'object' || input === null) return reject('INVALID_EVENT', 'An event must be an object');
  const { campaignId, contactId, type } = input;
  if (typeof campaignId !== 'string' || !isUuid(campaignId)) return reject('NOT_FOUND', `Campaign ${String(campaignId)} not found`);
  if (typeof contactId !== 'string' || !isUuid(contactId)) return reject('NOT_A_RECIPIENT', `Contact ${String(contactId)} is not a recipient of campaign ${campaignId}`);
  if (typeof type !== 'string' || !TYPES.has(type)) return reject('INVALID_EVENT', `Unknown event type ${String(type)}`);
  const variantId = input.variantId ?? null;
  if (variantId !== null && (typeof variantId !== 'string' || !isUuid(variantId))) {
    return reject('VARIANT_MISMATCH', `Variant ${String(variantId)} is not the contact's variant`);
  }

  const occurredAt = parseOccurredAt(input.occurredAt, now);
  if (isRejection(occurredAt)) return occurredAt;

  let value: number | null = null;
  if (input.value !== undefined && input.value !== null) {
    if (type !== EventType.CONVERTED) return reject('INVALID_VALUE', 'value is only for CONVERTED events');
    if (typeof input.value !== 'number' || !Number.isFinite(input.value) || input.value < 0 || input.value >= MAX_EVENT_VALUE) {
      return reject('INVALID_VALUE', `value must be a number from 0 to ${MAX_EVENT_VALUE}`);
    }
    value = input.value;
  }

  let sentiment: SentimentValue | null = null;
  if (input.sentiment !== undefined && input.sentiment !== null) {
    if (type !== EventType.REPLIED) return reject('INVALID_SENTIMENT', 'sentiment is only for REPLIED events');
    if (typeof input.sentiment !== 'string' || !SENTIMENTS.has(input.sentiment)) return reject('INVALID_SENTIMENT', 'sentiment must be POSITIVE, NEGATIVE or NEUTRAL');
    sentiment = input.sentiment as SentimentValue;
  }

  const url = optionalText(input.url, 'url', 2048);
  if (isRejection(url)) return url;
  const merchantId = optionalText(input.merchantId, 'merchantId', 200);
  if (isRejection(merchantId)) return merchantId;
  const idempotencyKey = optionalText(input.idempotencyKey, 'idempotencyKey', 200);
  if (isRejection(idempotencyKey)) return idempotencyKey;
  if (idempotencyKey?.startsWith(ORDER_CONVERSION_KEY_PREFIX)) {
    // A client's key in this namespace would take the place of a recipient's one order conversion.
    return reject('RESERVED_IDEMPOTENCY_KEY', `idempotencyKey must not start with "${ORDER_CONVERSION_KEY_PREFIX}" (reserved for conversions made by orders)`);
  }

  return {
    campaignId: campaignId.toLowerCase(),
    contactId: contactId.toLowerCase(),
    type: type as EventType,
    variantId: variantId?.toLowerCase() ?? null,
    occurredAt,
    value,
    sentiment,
    url,
    merchantId,
    idempotencyKey,
  };
}

/** The idempotency keys of the conversions orders make (src/orders/): not for clients' events. */
export const ORDER_CONVERSION_KEY_PREFIX = 'order-conversion:';

/**
 * When something happened: absent → now; refused when not a date, more than 5 minutes ahead
 * (clock drift is tolerated, a future fact is a client bug) or before 2000. Shared with orders.
 */
export function parseOccurredAt(v: unknown, now: Date): Date | EventRejection {
  if (v === undefined || v === null) return now;
  const at = v instanceof Date ? v : typeof v === 'string' ? parseIso(v) : null;
  if (at === null || Number.isNaN(at.getTime())) return reject('INVALID_OCCURRED_AT', 'occurredAt must be an ISO 8601 date-time');
  if (at.getTime() > now.getTime() + MAX_FUTURE_MS) return reject('INVALID_OCCURRED_AT', 'occurredAt is in the future');
  if (at.getTime() < EARLIEST) return reject('INVALID_OCCURRED_AT', 'occurredAt is before 2000');
  return at;
}

/** YYYY-MM-DD, then optionally [T or space]hh:mm[:ss[.fraction]] and Z or ±hh[:mm]. */
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * An ISO 8601 date-time, strictly: JavaScript's own Date parser also reads "0" (2000-01-01), "5"
 * (May 2001) or "May 5 2024", and rolls 30 February over to 1 March — silently wrong times.
 * A date alone is midnight UTC; a time without offset keeps JavaScript's reading (local time).
 */
function parseIso(v: string): Date | null {
  const m = ISO.exec(v.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  const year = Number(y), month = Number(mo), day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
  if (h === undefined) return new Date(Date.UTC(year, month - 1, day));
  if (Number(h) > 23 || Number(mi) > 59 || Number(sec ?? 0) > 59) return null;
  const offset = zone === undefined ? '' : /^[Zz]$/.test(zone) ? 'Z' : zone.length === 3 ? `${zone}:00` : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  return new Date(`${y}-${mo}-${d}T${h}:${mi}:${sec ?? '00'}${frac ? frac.slice(0, 4) : ''}${offset}`);
}

/** An optional text field: absent → null; else 1 to `max` characters PostgreSQL can store. Shared with orders. */
export function optionalText(v: unknown, name: string, max: number, code = 'INVALID_EVENT'): string | null | EventRejection {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || v.length === 0 || v.length > max) return reject(code, `${name} must be a string of 1 to ${max} characters`);
  const bad = checkText(v, name);
  if (bad) return reject(INVALID_TEXT, bad);
  return v;
}

function reject(code: string, message: string): EventRejection {
  return { code, message };
}

export function isRejection(v: unknown): v is EventRejection {
  return typeof v === 'object' && v !== null && 'code' in v && 'message' in v && !('type' in v);
}
