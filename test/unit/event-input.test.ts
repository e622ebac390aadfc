import 'reflect-metadata';
import { EventType } from '../../src/domain/event-type';
import { MAX_EVENT_VALUE, isRejection, normalizeEvent, type EventInput, type NormalizedEvent } from '../../src/tracking/event-input';

const NOW = new Date('2024-06-01T12:00:00.000Z');
const CAMPAIGN = '0190A000-0000-7000-8000-0000000000C1';
const CONTACT = '0190A000-0000-7000-8000-0000000000AB';
const VARIANT = '0190A000-0000-7000-8000-0000000000B1';

const base = (patch: Partial<EventInput> = {}): EventInput => ({ campaignId: CAMPAIGN, contactId: CONTACT, type: EventType.SENT, ...patch });

/** Normalises, failing the test if the event was rejected. */
function accepted(input: EventInput, now = NOW): NormalizedEvent {
  const r = normalizeEvent(input, now);
  if (isRejection(r)) throw new Error(`expected the event to be accepted, got ${r.code}: ${r.message}`);
  return r;
}

function codeOf(input: EventInput, now = NOW): string | undefined {
  const r = normalizeEvent(input, now);
  return isRejection(r) ? r.code : undefined;
}

const minutes = (n: number) => n * 60_000;

describe('normalizeEvent: defaults and normalisation', () => {
  it('fills the optional fields with null and occurredAt with now', () => {
    expect(accepted(base())).toEqual({
      campaignId: CAMPAIGN.toLowerCase(),
      contactId: CONTACT.toLowerCase(),
      type: EventType.SENT,
      variantId: null,
      occurredAt: NOW,
      value: null,
      sentiment: null,
      url: null,
      merchantId: null,
      idempotencyKey: null,
    });
  });

  it('treats explicit nulls as absent', () => {
    const e = accepted(base({ variantId: null, occurredAt: null, value: null, sentiment: null, url: null, merchantId: null, idempotencyKey: null }));
    expect(e.occurredAt.getTime()).toBe(NOW.getTime());
    expect([e.variantId, e.value, e.sentiment, e.url, e.merchantId, e.idempotencyKey]).toEqual([null, null, null, null, null, null]);
  });

  it('lower-cases campaignId, contactId and variantId', () => {
    const e = accepted(base({ variantId: VARIANT }));
    expect(e.campaignId).toBe('0190a000-0000-7000-8000-0000000000c1');
    expect(e.contactId).toBe('0190a000-0000-7000-8000-0000000000ab');
    expect(e.variantId).toBe('0190a000-0000-7000-8000-0000000000b1');
  });

  it('defaults occurredAt to the current time when no `now` is given', () => {
    const before = Date.now();
    const r = normalizeEvent(base());
    const after = Date.now();
    expect(isRejection(r)).toBe(false);
    const t = (r as NormalizedEvent).occurredAt.getTime();
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(after);
  });

  it('accepts occurredAt as an ISO string', () => {
    expect(accepted(base({ occurredAt: '2024-06-01T11:30:00Z' })).occurredAt.toISOString()).toBe('2024-06-01T11:30:00.000Z');
  });

  it('accepts occurredAt as an ISO string with an offset', () => {
    expect(accepted(base({ occurredAt: '2024-06-01T13:30:00+02:00' })).occurredAt.toISOString()).toBe('2024-06-01T11:30:00.000Z');
  });

  it('accepts ISO 8601 forms: a date alone (UTC midnight), a space for T, fractions, offsets without colon', () => {
    expect(accepted(base({ occurredAt: '2024-05-01' })).occurredAt.toISOString()).toBe('2024-05-01T00:00:00.000Z');
    expect(accepted(base({ occurredAt: '2024-05-01 10:20:30Z' })).occurredAt.toISOString()).toBe('2024-05-01T10:20:30.000Z');
    expect(accepted(base({ occurredAt: '2024-05-01T10:20:30.123456+0200' })).occurredAt.toISOString()).toBe('2024-05-01T08:20:30.123Z');
    expect(accepted(base({ occurredAt: '2024-02-29T23:59:59z' })).occurredAt.toISOString()).toBe('2024-02-29T23:59:59.000Z');
  });

  it('accepts occurredAt as a Date', () => {
    const d = new Date('2024-06-01T11:30:00Z');
    expect(accepted(base({ occurredAt: d })).occurredAt.getTime()).toBe(d.getTime());
  });

  it.each(Object.values(EventType))('accepts type %s', (type) => {
    expect(accepted(base({ type })).type).toBe(type);
  });

  it('keeps url, merchantId and idempotencyKey as given', () => {
    const e = accepted(base({ type: EventType.CLICKED, url: 'https://example.com/p?q=1', merchantId: 'shop-42', idempotencyKey: 'Key-ABC' }));
    expect([e.url, e.merchantId, e.idempotencyKey]).toEqual(['https://example.com/p?q=1', 'shop-42', 'Key-ABC']);
  });

  it('refuses idempotency keys in the namespace of the conversions orders make', () => {
    expect(codeOf(base({ type: EventType.CONVERTED, idempotencyKey: `order-conversion:${CAMPAIGN}:${CONTACT}` }))).toBe('RESERVED_IDEMPOTENCY_KEY');
    expect(accepted(base({ idempotencyKey: 'my-order-conversion:1' })).idempotencyKey).toBe('my-order-conversion:1');
  });

  it.each([0, 0.01, 19.99, MAX_EVENT_VALUE - 1])('accepts value %p on CONVERTED', (value) => {
    expect(accepted(base({ type: EventType.CONVERTED, value })).value).toBe(value);
  });

  it.each(['POSITIVE', 'NEGATIVE', 'NEUTRAL'])('accepts sentiment %s on REPLIED', (sentiment) => {
    expect(accepted(base({ type: EventType.REPLIED, sentiment })).sentiment).toBe(sentiment);
  });
});

describe('normalizeEvent: boundaries accepted', () => {
  it('accepts occurredAt exactly 5 minutes in the future', () => {
    const at = new Date(NOW.getTime() + minutes(5));
    expect(accepted(base({ occurredAt: at })).occurredAt.getTime()).toBe(at.getTime());
  });

  it('accepts occurredAt exactly 2000-01-01T00:00:00Z', () => {
    expect(accepted(base({ occurredAt: '2000-01-01T00:00:00.000Z' })).occurredAt.toISOString()).toBe('2000-01-01T00:00:00.000Z');
  });

  type TextField = 'url' | 'merchantId' | 'idempotencyKey';
  it.each<[TextField, number]>([
    ['url', 2048],
    ['merchantId', 200],
    ['idempotencyKey', 200],
  ])('accepts %s of %d characters', (field, max) => {
    expect(accepted(base({ [field]: 'x'.repeat(max) }))[field]).toHaveLength(max);
  });

  it.each<[TextField]>([['url'], ['merchantId'], ['idempotencyKey']])('accepts %s of 1 character', (field) => {
    expect(accepted(base({ [field]: 'x' }))[field]).toBe('x');
  });
});

describe('normalizeEvent: rejections', () => {
  const future = (ms: number) => new Date(NOW.getTime() + ms);
  it.each<[string, Partial<EventInput>, string]>([
    // ids
    ['campaignId not a UUID', { campaignId: 'campaign-1' }, 'NOT_FOUND'],
    ['campaignId empty', { campaignId: '' }, 'NOT_FOUND'],
    ['campaignId a UUID with extra text', { campaignId: `${CAMPAIGN}x` }, 'NOT_FOUND'],
    ['campaignId not a string', { campaignId: 42 as unknown as string }, 'NOT_FOUND'],
    ['contactId not a UUID', { contactId: 'alice' }, 'NOT_A_RECIPIENT'],
    ['contactId empty', { contactId: '' }, 'NOT_A_RECIPIENT'],
    ['contactId not a string', { contactId: null as unknown as string }, 'NOT_A_RECIPIENT'],
    ['variantId not a UUID', { variantId: 'control' }, 'VARIANT_MISMATCH'],
    ['variantId not a string', { variantId: 7 as unknown as string }, 'VARIANT_MISMATCH'],
    // type
    ['unknown type', { type: 'BOUNCED' }, 'INVALID_EVENT'],
    ['lower-case type', { type: 'sent' }, 'INVALID_EVENT'],
    ['empty type', { type: '' }, 'INVALID_EVENT'],
    ['type not a string', { type: 1 as unknown as string }, 'INVALID_EVENT'],
    // text fields
    ['empty url', { url: '' }, 'INVALID_EVENT'],
    ['url of 2049 characters', { url: 'x'.repeat(2049) }, 'INVALID_EVENT'],
    ['url not a string', { url: 5 as unknown as string }, 'INVALID_EVENT'],
    ['empty merchantId', { merchantId: '' }, 'INVALID_EVENT'],
    ['merchantId of 201 characters', { merchantId: 'm'.repeat(201) }, 'INVALID_EVENT'],
    ['empty idempotencyKey', { idempotencyKey: '' }, 'INVALID_EVENT'],
    ['idempotencyKey of 201 characters', { idempotencyKey: 'k'.repeat(201) }, 'INVALID_EVENT'],
    // occurredAt
    ['unparsable occurredAt', { occurredAt: 'yesterday' }, 'INVALID_OCCURRED_AT'],
    ['empty occurredAt', { occurredAt: '' }, 'INVALID_OCCURRED_AT'],
    ['invalid Date occurredAt', { occurredAt: new Date(Number.NaN) }, 'INVALID_OCCURRED_AT'],
    ['occurredAt 5 minutes and 1 ms in the future', { occurredAt: future(minutes(5) + 1) }, 'INVALID_OCCURRED_AT'],
    ['occurredAt a day in the future', { occurredAt: future(minutes(24 * 60)) }, 'INVALID_OCCURRED_AT'],
    ['occurredAt 1 ms before 2000', { occurredAt: '1999-12-31T23:59:59.999Z' }, 'INVALID_OCCURRED_AT'],
    ['occurredAt at the Unix epoch', { occurredAt: new Date(0) }, 'INVALID_OCCURRED_AT'],
    // Not ISO 8601, though JavaScript's lenient Date parser reads them (as 2000-01-01, 2001-05-01, …).
    ['occurredAt as the number 0 (JSON)', { occurredAt: 0 as unknown as string }, 'INVALID_OCCURRED_AT'],
    ['occurredAt as epoch milliseconds (JSON)', { occurredAt: NOW.getTime() as unknown as string }, 'INVALID_OCCURRED_AT'],
    ['occurredAt "5"', { occurredAt: '5' }, 'INVALID_OCCURRED_AT'],
    ['occurredAt "0"', { occurredAt: '0' }, 'INVALID_OCCURRED_AT'],
    ['occurredAt "May 5 2024"', { occurredAt: 'May 5 2024' }, 'INVALID_OCCURRED_AT'],
    ['occurredAt "2024-06-01 garbage"', { occurredAt: '2024/05/01 10:00' }, 'INVALID_OCCURRED_AT'],
    ['occurredAt on 30 February (would roll over to 1 March)', { occurredAt: '2024-02-30T10:00:00Z' }, 'INVALID_OCCURRED_AT'],
    ['occurredAt at 25 o\'clock', { occurredAt: '2024-05-01T25:00:00Z' }, 'INVALID_OCCURRED_AT'],
    ['occurredAt as true', { occurredAt: true as unknown as string }, 'INVALID_OCCURRED_AT'],
    // value
    ['value on SENT', { type: EventType.SENT, value: 5 }, 'INVALID_VALUE'],
    ['value 0 on CLICKED', { type: EventType.CLICKED, value: 0 }, 'INVALID_VALUE'],
    ['negative value', { type: EventType.CONVERTED, value: -0.01 }, 'INVALID_VALUE'],
    ['NaN value', { type: EventType.CONVERTED, value: Number.NaN }, 'INVALID_VALUE'],
    ['Infinity value', { type: EventType.CONVERTED, value: Number.POSITIVE_INFINITY }, 'INVALID_VALUE'],
    ['-Infinity value', { type: EventType.CONVERTED, value: Number.NEGATIVE_INFINITY }, 'INVALID_VALUE'],
    ['value of exactly 1e9', { type: EventType.CONVERTED, value: 1e9 }, 'INVALID_VALUE'],
    ['value above 1e9', { type: EventType.CONVERTED, value: 2e9 }, 'INVALID_VALUE'],
    ['value as a string', { type: EventType.CONVERTED, value: '5' as unknown as number }, 'INVALID_VALUE'],
    // sentiment
    ['sentiment on SENT', { type: EventType.SENT, sentiment: 'POSITIVE' }, 'INVALID_SENTIMENT'],
    ['sentiment on CONVERTED', { type: EventType.CONVERTED, sentiment: 'NEGATIVE' }, 'INVALID_SENTIMENT'],
    ['unknown sentiment label', { type: EventType.REPLIED, sentiment: 'HAPPY' }, 'INVALID_SENTIMENT'],
    ['lower-case sentiment label', { type: EventType.REPLIED, sentiment: 'positive' }, 'INVALID_SENTIMENT'],
    ['empty sentiment', { type: EventType.REPLIED, sentiment: '' }, 'INVALID_SENTIMENT'],
  ])('rejects %s as %s', (_name, patch, code) => {
    expect(codeOf(base(patch))).toBe(code);
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'SENT'],
    ['a number', 1],
  ])('rejects %s instead of an object as INVALID_EVENT', (_name, input) => {
    expect(codeOf(input as EventInput)).toBe('INVALID_EVENT');
  });

  it('gives a non-empty message with the code', () => {
    const r = normalizeEvent(base({ type: EventType.CONVERTED, value: -1 }), NOW);
    expect(isRejection(r)).toBe(true);
    expect((r as { message: string }).message.length).toBeGreaterThan(0);
  });

  it('measures "future" from the `now` given', () => {
    const input = base({ occurredAt: '2024-06-01T12:10:00Z' });
    expect(codeOf(input, NOW)).toBe('INVALID_OCCURRED_AT');
    expect(codeOf(input, new Date('2024-06-01T12:05:00Z'))).toBeUndefined();
  });
});

describe('isRejection', () => {
  it('is true for a rejection', () => {
    expect(isRejection(normalizeEvent(base({ campaignId: 'nope' }), NOW))).toBe(true);
  });

  it('is false for a normalised event', () => {
    expect(isRejection(normalizeEvent(base(), NOW))).toBe(false);
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'NOT_FOUND'],
    ['an object with only a code', { code: 'X' }],
    ['an object with only a message', { message: 'x' }],
    ['an object with code, message and type', { code: 'X', message: 'x', type: 'SENT' }],
  ])('is false for %s', (_name, value) => {
    expect(isRejection(value)).toBe(false);
  });
});
