import 'reflect-metadata';
import { EventType } from '../../src/domain/event-type';
import type { SentimentValue } from '../../src/tracking/event-input';
import {
  FACTS,
  applyEvents,
  factOf,
  hourOf,
  recipientKey,
  type CountedEvent,
  type Counts,
  type Fact,
  type RecipientState,
} from '../../src/tracking/engagement';

const WORKSPACE = '0190a000-0000-7000-8000-00000000000a';
const CAMPAIGN = '0190a000-0000-7000-8000-0000000000c1';
const V1 = '0190a000-0000-7000-8000-0000000000b1';
const V2 = '0190a000-0000-7000-8000-0000000000b2';
const K1 = '0190a000-0000-7000-8000-000000000001';
const K2 = '0190a000-0000-7000-8000-000000000002';
const K3 = '0190a000-0000-7000-8000-000000000003';

const at = (iso: string) => new Date(iso);
const T10 = '2024-03-05T10:15:00.000Z';

function recipient(contactId: string, variantId = V1, first: RecipientState['first'] = {}, revenue = 0): RecipientState {
  return { campaignId: CAMPAIGN, contactId, variantId, workspaceId: WORKSPACE, first, revenue };
}

function statesOf(...states: RecipientState[]): Map<string, RecipientState> {
  return new Map(states.map((s) => [recipientKey(s.campaignId, s.contactId), s]));
}

function event(contactId: string, type: EventType, occurredAt = T10, extra: { value?: number | null; sentiment?: SentimentValue | null } = {}): CountedEvent {
  return { campaignId: CAMPAIGN, contactId, type, occurredAt: at(occurredAt), value: extra.value ?? null, sentiment: extra.sentiment ?? null };
}

const zero: Counts = { messages: 0, sent: 0, delivered: 0, failed: 0, opened: 0, clicked: 0, replied: 0, positiveReplies: 0, negativeReplies: 0, neutralReplies: 0, converted: 0, optedOut: 0, revenue: 0 };
const counts = (c: Partial<Counts>): Counts => ({ ...zero, ...c });
const countsOf = (row: Counts): Counts => {
  const out = { ...zero };
  for (const k of Object.keys(zero) as (keyof Counts)[]) out[k] = row[k];
  return out;
};

describe('FACTS', () => {
  it('lists the eleven unique facts in counter order', () => {
    expect([...FACTS]).toEqual(['sent', 'delivered', 'failed', 'opened', 'clicked', 'replied', 'positiveReplies', 'negativeReplies', 'neutralReplies', 'converted', 'optedOut']);
  });
});

describe('factOf', () => {
  it.each<[EventType, SentimentValue | null, Fact[]]>([
    [EventType.SENT, null, ['sent']],
    [EventType.DELIVERED, null, ['delivered']],
    [EventType.FAILED, null, ['failed']],
    [EventType.OPENED, null, ['opened']],
    [EventType.CLICKED, null, ['clicked']],
    [EventType.REPLIED, null, ['replied']],
    [EventType.REPLIED, 'POSITIVE', ['replied', 'positiveReplies']],
    [EventType.REPLIED, 'NEGATIVE', ['replied', 'negativeReplies']],
    [EventType.REPLIED, 'NEUTRAL', ['replied', 'neutralReplies']],
    [EventType.CONVERTED, null, ['converted']],
    [EventType.OPTED_OUT, null, ['optedOut']],
    [EventType.OPTED_IN, null, []],
  ])('%s with sentiment %p gives %j', (type, sentiment, facts) => {
    expect(factOf(type, sentiment)).toEqual(facts);
  });
});

describe('recipientKey', () => {
  it('joins campaign and contact with a bar', () => {
    expect(recipientKey('c', 'k')).toBe('c|k');
  });

  it('depends on the order of campaign and contact', () => {
    expect(recipientKey(K1, K2)).not.toBe(recipientKey(K2, K1));
  });
});

describe('hourOf', () => {
  it.each([
    ['2024-03-05T10:00:00.000Z', '2024-03-05T10:00:00.000Z'],
    ['2024-03-05T10:00:00.001Z', '2024-03-05T10:00:00.000Z'],
    ['2024-03-05T10:59:59.999Z', '2024-03-05T10:00:00.000Z'],
    ['2024-03-05T11:00:00.000Z', '2024-03-05T11:00:00.000Z'],
    ['2024-03-05T00:30:00+02:00', '2024-03-04T22:00:00.000Z'], // UTC hour, whatever the offset written
    ['2024-03-05T10:45:00+05:30', '2024-03-05T05:00:00.000Z'], // half-hour zone: still the UTC hour
  ])('hourOf(%s) = %s', (input, expected) => {
    expect(hourOf(at(input)).toISOString()).toBe(expected);
  });
});

describe('applyEvents: counting', () => {
  it.each<[EventType, SentimentValue | null, Partial<Counts>]>([
    [EventType.SENT, null, { sent: 1, messages: 1 }],
    [EventType.DELIVERED, null, { delivered: 1 }],
    [EventType.FAILED, null, { failed: 1 }],
    [EventType.OPENED, null, { opened: 1 }],
    [EventType.CLICKED, null, { clicked: 1 }],
    [EventType.REPLIED, null, { replied: 1 }],
    [EventType.REPLIED, 'NEGATIVE', { replied: 1, negativeReplies: 1 }],
    [EventType.REPLIED, 'NEUTRAL', { replied: 1, neutralReplies: 1 }],
    [EventType.REPLIED, 'POSITIVE', { replied: 1, positiveReplies: 1 }],
    [EventType.CONVERTED, null, { converted: 1 }],
    [EventType.OPTED_OUT, null, { optedOut: 1 }],
    [EventType.OPTED_IN, null, {}],
  ])('a first %s (sentiment %p) on a fresh recipient counts %j in the variant', (type, sentiment, expected) => {
    const { variants } = applyEvents(statesOf(recipient(K1)), [event(K1, type, T10, { sentiment })]);
    expect(variants).toHaveLength(1);
    expect(countsOf(variants[0]!)).toEqual(counts(expected));
    expect(variants[0]!.events).toBe(1);
  });

  it.each<[EventType, SentimentValue | null, Partial<Counts>]>([
    [EventType.DELIVERED, null, { delivered: 1 }],
    [EventType.REPLIED, 'POSITIVE', { replied: 1, positiveReplies: 1 }],
    [EventType.REPLIED, 'NEGATIVE', { replied: 1, negativeReplies: 1 }],
    [EventType.REPLIED, 'NEUTRAL', { replied: 1, neutralReplies: 1 }],
    [EventType.OPTED_IN, null, {}],
  ])('a first %s (sentiment %p) counts %j in its hourly bucket', (type, sentiment, expected) => {
    const { hourly } = applyEvents(statesOf(recipient(K1)), [event(K1, type, T10, { sentiment })]);
    const counted = hourly.filter((h) => Object.values(countsOf(h)).some((n) => n !== 0));
    expect(counted.map(countsOf)).toEqual(Object.keys(expected).length ? [counts(expected)] : []);
  });

  it('records the occurredAt of a first fact in the recipient state', () => {
    const { recipients } = applyEvents(statesOf(recipient(K1)), [event(K1, EventType.OPENED, T10)]);
    expect(recipients[0]!.first.opened).toEqual(at(T10));
  });

  it('counts a fact stored as null as not yet seen', () => {
    const { variants, recipients } = applyEvents(statesOf(recipient(K1, V1, { delivered: null })), [event(K1, EventType.DELIVERED, T10)]);
    expect(variants[0]!.delivered).toBe(1);
    expect(recipients[0]!.first.delivered).toEqual(at(T10));
  });

  it('counts a duplicate in the same batch once', () => {
    const { variants } = applyEvents(statesOf(recipient(K1)), [event(K1, EventType.CLICKED, T10), event(K1, EventType.CLICKED, '2024-03-05T10:20:00Z')]);
    expect(variants[0]!.clicked).toBe(1);
  });

  it('does not count a later duplicate of a fact already stored, nor move its time', () => {
    const stored = at('2024-03-05T09:00:00Z');
    const { variants, hourly, recipients } = applyEvents(statesOf(recipient(K1, V1, { delivered: stored })), [event(K1, EventType.DELIVERED, T10)]);
    expect(variants[0]!.delivered).toBe(0);
    expect(hourly.every((h) => h.delivered === 0)).toBe(true);
    expect(recipients[0]!.first.delivered).toEqual(stored);
  });

  it('moves a stored first time earlier for an earlier duplicate, without counting it again', () => {
    const stored = at('2024-03-05T12:00:00Z');
    const { variants, hourly, recipients } = applyEvents(statesOf(recipient(K1, V1, { opened: stored })), [event(K1, EventType.OPENED, T10)]);
    expect(recipients[0]!.first.opened).toEqual(at(T10));
    expect(variants[0]!.opened).toBe(0);
    expect(hourly.every((h) => h.opened === 0)).toBe(true);
  });

  it('keeps the earliest time when a batch holds the later event first, counting once', () => {
    const { variants, recipients } = applyEvents(statesOf(recipient(K1)), [event(K1, EventType.SENT, '2024-03-05T11:00:00Z'), event(K1, EventType.SENT, T10)]);
    expect(recipients[0]!.first.sent).toEqual(at(T10));
    expect(variants[0]!.sent).toBe(1);
  });

  it('counts positiveReplies for a positive reply after a non-positive one, but replied once', () => {
    const { variants } = applyEvents(statesOf(recipient(K1)), [
      event(K1, EventType.REPLIED, T10, { sentiment: 'NEGATIVE' }),
      event(K1, EventType.REPLIED, '2024-03-05T10:30:00Z', { sentiment: 'POSITIVE' }),
    ]);
    expect(countsOf(variants[0]!)).toEqual(counts({ replied: 1, positiveReplies: 1, negativeReplies: 1 }));
  });

  it('counts only positiveReplies when replied is already stored', () => {
    const { variants } = applyEvents(statesOf(recipient(K1, V1, { replied: at('2024-03-05T09:00:00Z') })), [event(K1, EventType.REPLIED, T10, { sentiment: 'POSITIVE' })]);
    expect(countsOf(variants[0]!)).toEqual(counts({ positiveReplies: 1 }));
  });

  it('counts only negativeReplies / neutralReplies when replied is already stored', () => {
    const state = recipient(K1, V1, { replied: at('2024-03-05T09:00:00Z'), positiveReplies: at('2024-03-05T09:00:00Z') });
    const neg = applyEvents(statesOf(state), [event(K1, EventType.REPLIED, T10, { sentiment: 'NEGATIVE' })]);
    expect(countsOf(neg.variants[0]!)).toEqual(counts({ negativeReplies: 1 }));
    expect(neg.recipients[0]!.first.negativeReplies).toEqual(at(T10));
    const neu = applyEvents(statesOf(state), [event(K1, EventType.REPLIED, T10, { sentiment: 'NEUTRAL' })]);
    expect(countsOf(neu.variants[0]!)).toEqual(counts({ neutralReplies: 1 }));
  });

  it('a recipient replying NEGATIVE then POSITIVE counts once in each, and in replied once', () => {
    const { variants, hourly, recipients } = applyEvents(statesOf(recipient(K1)), [
      event(K1, EventType.REPLIED, T10, { sentiment: 'NEGATIVE' }),
      event(K1, EventType.REPLIED, '2024-03-05T11:30:00Z', { sentiment: 'POSITIVE' }),
    ]);
    expect(countsOf(variants[0]!)).toEqual(counts({ replied: 1, negativeReplies: 1, positiveReplies: 1 }));
    const byHour = new Map(hourly.map((h) => [h.hour.toISOString(), h]));
    expect(countsOf(byHour.get('2024-03-05T10:00:00.000Z')!)).toEqual(counts({ replied: 1, negativeReplies: 1 }));
    expect(countsOf(byHour.get('2024-03-05T11:00:00.000Z')!)).toEqual(counts({ positiveReplies: 1 }));
    expect(recipients[0]!.first).toEqual({ replied: at(T10), negativeReplies: at(T10), positiveReplies: at('2024-03-05T11:30:00Z') });
  });

  it('counts repeated replies of one sentiment once, in the batch and across batches', () => {
    const first = applyEvents(statesOf(recipient(K1), recipient(K2)), [
      event(K1, EventType.REPLIED, T10, { sentiment: 'NEGATIVE' }),
      event(K1, EventType.REPLIED, '2024-03-05T10:20:00Z', { sentiment: 'NEGATIVE' }),
      event(K2, EventType.REPLIED, T10, { sentiment: 'NEUTRAL' }),
      event(K2, EventType.REPLIED, '2024-03-05T10:20:00Z', { sentiment: 'NEUTRAL' }),
      event(K2, EventType.REPLIED, '2024-03-05T10:25:00Z', { sentiment: 'NEUTRAL' }),
    ]);
    expect(countsOf(first.variants[0]!)).toEqual(counts({ replied: 2, negativeReplies: 1, neutralReplies: 1 }));
    const again = applyEvents(statesOf(...first.recipients), [
      event(K1, EventType.REPLIED, '2024-03-05T12:00:00Z', { sentiment: 'NEGATIVE' }),
      event(K2, EventType.REPLIED, '2024-03-05T12:00:00Z', { sentiment: 'NEUTRAL' }),
    ]);
    expect(countsOf(again.variants[0]!)).toEqual(counts({}));
    expect(again.variants[0]!.events).toBe(2);
    expect(again.hourly.every((h) => h.negativeReplies === 0 && h.neutralReplies === 0)).toBe(true);
  });

  it('a late earlier reply moves the first negative / neutral time without counting again', () => {
    const stored = at('2024-03-05T12:00:00Z');
    const { variants, hourly, recipients } = applyEvents(statesOf(recipient(K1, V1, { replied: stored, negativeReplies: stored, neutralReplies: stored })), [
      event(K1, EventType.REPLIED, T10, { sentiment: 'NEGATIVE' }),
      event(K1, EventType.REPLIED, '2024-03-05T11:00:00Z', { sentiment: 'NEUTRAL' }),
    ]);
    expect(countsOf(variants[0]!)).toEqual(counts({}));
    expect(hourly).toEqual([]);
    expect(recipients[0]!.first).toEqual({ replied: at(T10), negativeReplies: at(T10), neutralReplies: at('2024-03-05T11:00:00Z') });
  });

  it('counts a reply without a sentiment in replied only (not as neutral)', () => {
    const { variants, recipients } = applyEvents(statesOf(recipient(K1)), [event(K1, EventType.REPLIED, T10, { sentiment: null })]);
    expect(countsOf(variants[0]!)).toEqual(counts({ replied: 1 }));
    expect(recipients[0]!.first.neutralReplies).toBeUndefined();
  });

  it('counts every event in `events`, duplicates and OPTED_IN included', () => {
    const { variants } = applyEvents(statesOf(recipient(K1, V1, { sent: at('2024-03-05T09:00:00Z') })), [
      event(K1, EventType.SENT, T10),
      event(K1, EventType.SENT, T10),
      event(K1, EventType.OPTED_IN, T10),
      event(K1, EventType.DELIVERED, T10),
    ]);
    expect(variants[0]!.events).toBe(4);
    // The repeated sends count as messages (cost) but not as new recipients sent.
    expect(countsOf(variants[0]!)).toEqual(counts({ delivered: 1, messages: 2 }));
  });

  it('counts each recipient once per fact: two recipients, two sends each', () => {
    const { variants } = applyEvents(statesOf(recipient(K1), recipient(K2)), [
      event(K1, EventType.SENT, T10),
      event(K2, EventType.SENT, T10),
      event(K1, EventType.SENT, T10),
      event(K2, EventType.SENT, T10),
    ]);
    expect(variants[0]!.sent).toBe(2);
    expect(variants[0]!.events).toBe(4);
  });

  it('returns empty updates for no events', () => {
    expect(applyEvents(statesOf(recipient(K1)), [])).toEqual({ recipients: [], variants: [], hourly: [] });
  });

  it('throws for an event whose recipient has no state', () => {
    expect(() => applyEvents(statesOf(recipient(K1)), [event(K2, EventType.SENT)])).toThrow(`no recipient state for ${recipientKey(CAMPAIGN, K2)}`);
  });
});

describe('applyEvents: revenue', () => {
  it('sums repeated conversions of one recipient and gives revenueSq as the change of revenue²', () => {
    const { variants, recipients } = applyEvents(statesOf(recipient(K1, V1, {}, 10)), [
      event(K1, EventType.CONVERTED, T10, { value: 5 }),
      event(K1, EventType.CONVERTED, '2024-03-05T10:40:00Z', { value: 7 }),
    ]);
    expect(variants[0]!.revenue).toBe(12);
    expect(variants[0]!.revenueSq).toBe(22 ** 2 - 10 ** 2); // 384
    expect(variants[0]!.converted).toBe(1);
    expect(recipients[0]!.revenue).toBe(22);
  });

  it('adds revenue for a conversion by a recipient already counted as converted', () => {
    const { variants, recipients } = applyEvents(statesOf(recipient(K1, V1, { converted: at('2024-03-01T00:00:00Z') }, 4)), [
      event(K1, EventType.CONVERTED, T10, { value: 6 }),
    ]);
    expect(variants[0]!.converted).toBe(0);
    expect(variants[0]!.revenue).toBe(6);
    expect(variants[0]!.revenueSq).toBe(10 ** 2 - 4 ** 2); // 84
    expect(recipients[0]!.revenue).toBe(10);
  });

  it('sums revenueSq over recipients of one variant', () => {
    const { variants } = applyEvents(statesOf(recipient(K1, V1, {}, 0), recipient(K2, V1, {}, 4)), [
      event(K1, EventType.CONVERTED, T10, { value: 3 }),
      event(K2, EventType.CONVERTED, T10, { value: 2 }),
    ]);
    expect(variants[0]!.revenue).toBe(5);
    expect(variants[0]!.revenueSq).toBe(3 ** 2 + (6 ** 2 - 4 ** 2)); // 29
  });

  it('handles cents: 19.99 then 0.01 on prior 0.5', () => {
    const { variants, recipients } = applyEvents(statesOf(recipient(K1, V1, {}, 0.5)), [
      event(K1, EventType.CONVERTED, T10, { value: 19.99 }),
      event(K1, EventType.CONVERTED, T10, { value: 0.01 }),
    ]);
    expect(variants[0]!.revenue).toBeCloseTo(20, 9);
    expect(variants[0]!.revenueSq).toBeCloseTo(20.5 ** 2 - 0.5 ** 2, 9); // 420
    expect(recipients[0]!.revenue).toBeCloseTo(20.5, 9);
  });

  it.each([null, 0])('counts a CONVERTED with value %p as converted, with no revenue', (value) => {
    const { variants, recipients } = applyEvents(statesOf(recipient(K1, V1, {}, 3)), [event(K1, EventType.CONVERTED, T10, { value })]);
    expect(variants[0]!.converted).toBe(1);
    expect(variants[0]!.revenue).toBe(0);
    expect(variants[0]!.revenueSq).toBe(0);
    expect(recipients[0]!.revenue).toBe(3);
  });

  it('puts revenue in the hourly bucket of each conversion', () => {
    const { hourly } = applyEvents(statesOf(recipient(K1)), [
      event(K1, EventType.CONVERTED, '2024-03-05T10:59:59Z', { value: 5 }),
      event(K1, EventType.CONVERTED, '2024-03-05T11:00:00Z', { value: 7 }),
    ]);
    const byHour = new Map(hourly.map((h) => [h.hour.toISOString(), h]));
    expect(byHour.get('2024-03-05T10:00:00.000Z')?.revenue).toBe(5);
    expect(byHour.get('2024-03-05T10:00:00.000Z')?.converted).toBe(1);
    expect(byHour.get('2024-03-05T11:00:00.000Z')?.revenue).toBe(7);
    expect(byHour.get('2024-03-05T11:00:00.000Z')?.converted).toBe(0);
  });
});

describe('applyEvents: variants and hourly buckets', () => {
  it('gives two recipients in different variants different VariantDelta rows', () => {
    const { variants } = applyEvents(statesOf(recipient(K1, V1), recipient(K2, V2)), [
      event(K1, EventType.DELIVERED, T10),
      event(K2, EventType.DELIVERED, T10),
      event(K2, EventType.OPENED, T10),
    ]);
    const byVariant = new Map(variants.map((v) => [v.variantId, v]));
    expect(variants).toHaveLength(2);
    expect(byVariant.get(V1)).toMatchObject({ campaignId: CAMPAIGN, workspaceId: WORKSPACE, delivered: 1, opened: 0, events: 1 });
    expect(byVariant.get(V2)).toMatchObject({ campaignId: CAMPAIGN, workspaceId: WORKSPACE, delivered: 1, opened: 1, events: 2 });
  });

  it('splits hourly buckets by UTC hour of occurredAt and by variant', () => {
    const { hourly } = applyEvents(statesOf(recipient(K1, V1), recipient(K2, V1), recipient(K3, V2)), [
      event(K1, EventType.SENT, '2024-03-05T10:00:00Z'),
      event(K2, EventType.SENT, '2024-03-05T10:59:59.999Z'),
      event(K1, EventType.DELIVERED, '2024-03-05T11:00:00Z'),
      event(K3, EventType.SENT, '2024-03-05T12:30:00+02:00'), // 10:30 UTC
    ]);
    const rows = hourly
      .map((h) => ({ variantId: h.variantId, campaignId: h.campaignId, hour: h.hour.toISOString(), sent: h.sent, delivered: h.delivered }))
      .sort((a, b) => `${a.variantId}${a.hour}`.localeCompare(`${b.variantId}${b.hour}`));
    expect(rows).toEqual([
      { variantId: V1, campaignId: CAMPAIGN, hour: '2024-03-05T10:00:00.000Z', sent: 2, delivered: 0 },
      { variantId: V1, campaignId: CAMPAIGN, hour: '2024-03-05T11:00:00.000Z', sent: 0, delivered: 1 },
      { variantId: V2, campaignId: CAMPAIGN, hour: '2024-03-05T10:00:00.000Z', sent: 1, delivered: 0 },
    ]);
  });

  it('counts each first fact in the hour of its own event', () => {
    const { hourly } = applyEvents(statesOf(recipient(K1)), [event(K1, EventType.SENT, '2024-03-05T08:05:00Z'), event(K1, EventType.DELIVERED, '2024-03-05T09:05:00Z')]);
    const byHour = new Map(hourly.map((h) => [h.hour.toISOString(), h]));
    expect(countsOf(byHour.get('2024-03-05T08:00:00.000Z')!)).toEqual(counts({ sent: 1, messages: 1 }));
    expect(countsOf(byHour.get('2024-03-05T09:00:00.000Z')!)).toEqual(counts({ delivered: 1 }));
  });
});

describe('applyEvents: recipients and immutability', () => {
  it('returns only the recipients touched, each once, with their new state', () => {
    const { recipients } = applyEvents(statesOf(recipient(K1), recipient(K2, V2), recipient(K3)), [
      event(K1, EventType.SENT, T10),
      event(K2, EventType.CONVERTED, T10, { value: 9 }),
      event(K1, EventType.DELIVERED, '2024-03-05T10:16:00Z'),
    ]);
    const byContact = new Map(recipients.map((r) => [r.contactId, r]));
    expect(recipients).toHaveLength(2);
    expect(byContact.has(K3)).toBe(false);
    expect(byContact.get(K1)).toEqual(recipient(K1, V1, { sent: at(T10), delivered: at('2024-03-05T10:16:00Z') }));
    expect(byContact.get(K2)).toEqual(recipient(K2, V2, { converted: at(T10) }, 9));
  });

  it('does not mutate the input states or their `first` maps', () => {
    const s1 = recipient(K1, V1, { sent: at('2024-03-05T12:00:00Z') }, 10);
    const s2 = recipient(K2, V2);
    const states = statesOf(s1, s2);
    const before = structuredClone([...states.entries()]);
    const firstBefore = s1.first;
    const { recipients } = applyEvents(states, [
      event(K1, EventType.SENT, T10), // moves `sent` earlier
      event(K1, EventType.OPENED, T10),
      event(K1, EventType.CONVERTED, T10, { value: 5 }),
      event(K2, EventType.REPLIED, T10, { sentiment: 'POSITIVE' }),
    ]);
    expect([...states.entries()]).toEqual(before);
    expect(states.get(recipientKey(CAMPAIGN, K1))).toBe(s1);
    expect(s1.first).toBe(firstBefore);
    for (const r of recipients) {
      expect(r).not.toBe(states.get(recipientKey(r.campaignId, r.contactId)));
      expect(r.first).not.toBe(states.get(recipientKey(r.campaignId, r.contactId))!.first);
    }
  });
});

describe('response times (avgResponseSeconds)', () => {
  const T11 = '2024-03-05T10:16:30.000Z'; // 90 s after T10
  const T09 = '2024-03-05T10:14:00.000Z'; // 60 s before T10

  it('a first reply after a send adds its seconds and one recipient', () => {
    const u = applyEvents(statesOf(recipient(K1)), [event(K1, EventType.SENT, T10), event(K1, EventType.REPLIED, T11)]);
    expect(u.variants[0]).toMatchObject({ responseSeconds: 90, responses: 1 });
  });

  it('a second reply counts nothing; a reply without a send counts nothing yet', () => {
    const u = applyEvents(statesOf(recipient(K1, V1, { sent: at(T10), replied: at(T11) }), recipient(K2)), [
      event(K1, EventType.REPLIED, '2024-03-05T11:00:00.000Z'),
      event(K2, EventType.REPLIED, T11),
    ]);
    expect(u.variants[0]).toMatchObject({ responseSeconds: 0, responses: 0 });
  });

  it('the send arriving after the reply completes the pair', () => {
    const u = applyEvents(statesOf(recipient(K2, V1, { replied: at(T11) })), [event(K2, EventType.SENT, T10)]);
    expect(u.variants[0]).toMatchObject({ responseSeconds: 90, responses: 1 });
  });

  it('an earlier send arriving late moves the sum by the difference, not the count', () => {
    const u = applyEvents(statesOf(recipient(K3, V1, { sent: at(T10), replied: at(T11) })), [event(K3, EventType.SENT, T09)]);
    expect(u.variants[0]).toMatchObject({ responseSeconds: 60, responses: 0 });
  });

  it('a reply stamped before the send is not a response time', () => {
    const u = applyEvents(statesOf(recipient(K1)), [event(K1, EventType.REPLIED, T09), event(K1, EventType.SENT, T10)]);
    expect(u.variants[0]).toMatchObject({ responseSeconds: 0, responses: 0 });
  });
});
