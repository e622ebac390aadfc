import { accumulateCredits, attributeOrder, CreditAccumulator, AttributionModel, DAY_MS, inWindow, type OrderTouchRow, type Touch } from '../../src/orders/attribution';
import { checkDays, checkHalfLifeDays, checkWindowDays } from '../../src/orders/attribution-input';
import { bucketEdges, percentile, summarizeTimeToConversion } from '../../src/orders/time-to-conversion';

const { FIRST_TOUCH, LAST_TOUCH, LINEAR, TIME_DECAY, POSITION_BASED } = AttributionModel;
const ALL = [FIRST_TOUCH, LAST_TOUCH, LINEAR, TIME_DECAY, POSITION_BASED];
const H = 3_600_000;
const T = Date.parse('2026-06-15T12:00:00Z');
const opts = { windowMs: 7 * DAY_MS, halfLifeMs: 7 * DAY_MS };
/** A touch `daysBefore` the order T (campaign named c<i>). */
const touch = (daysBefore: number, campaignId = 'c', variantId: string | null = null): Touch => ({ campaignId, variantId, sentAt: T - daysBefore * DAY_MS });

function expectCredits(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => expect(a).toBeCloseTo(expected[i]!, 12));
}

describe('attributeOrder', () => {
  // Touches given out of time order on purpose: 1, 5, 3 and 6 days before.
  const four = [touch(1), touch(5), touch(3), touch(6)];

  it('FIRST_TOUCH and LAST_TOUCH credit the earliest and the latest touch', () => {
    expectCredits(attributeOrder(FIRST_TOUCH, T, four, opts), [0, 0, 0, 1]);
    expectCredits(attributeOrder(LAST_TOUCH, T, four, opts), [1, 0, 0, 0]);
  });

  it('LINEAR gives 1/n each', () => {
    expectCredits(attributeOrder(LINEAR, T, four, opts), [1 / 4, 1 / 4, 1 / 4, 1 / 4]);
  });

  it('POSITION_BASED: 40 % first, 40 % last, 20 % shared by the middle ones', () => {
    // first = 6 d (0.4), last = 1 d (0.4), middle 5 d and 3 d: 0.2 / 2 = 0.1 each.
    expectCredits(attributeOrder(POSITION_BASED, T, four, opts), [0.4, 0.1, 0.1, 0.4]);
    // Three touches: the middle one takes the whole 20 %.
    expectCredits(attributeOrder(POSITION_BASED, T, [touch(2), touch(4), touch(3)], opts), [0.4, 0.4, 0.2]);
    // Two: 50/50; one: 100 %.
    expectCredits(attributeOrder(POSITION_BASED, T, [touch(2), touch(4)], opts), [0.5, 0.5]);
    expectCredits(attributeOrder(POSITION_BASED, T, [touch(2)], opts), [1]);
  });

  it('TIME_DECAY matches values computed independently (test/fixtures/time-decay.py)', () => {
    const wide = { windowMs: 10 * DAY_MS, halfLifeMs: 7 * DAY_MS };
    // python3 test/fixtures/time-decay.py: 2^(-d/7) for d = 1, 3, 8, normalised.
    expectCredits(attributeOrder(TIME_DECAY, T, [touch(1), touch(3), touch(8)], wide), [0.43097218572775486, 0.3535417214083676, 0.21548609286387743]);
    // By hand: half-life ½ day, touches 0 and 1 day before: weights 1 and 2^-2 = ¼ → 4/5 and 1/5.
    expectCredits(attributeOrder(TIME_DECAY, T, [touch(0), touch(1)], { windowMs: 7 * DAY_MS, halfLifeMs: DAY_MS / 2 }), [0.8, 0.2]);
    // A touch 8 days before is exactly one half-life older than one 1 day before: half its weight.
    const [a, , c] = attributeOrder(TIME_DECAY, T, [touch(1), touch(3), touch(8)], wide);
    expect(c! / a!).toBeCloseTo(0.5, 12);
  });

  it('TIME_DECAY stays finite for a long window and a short half-life', () => {
    const credits = attributeOrder(TIME_DECAY, T, [touch(300), touch(364)], { windowMs: 365 * DAY_MS, halfLifeMs: 0.01 * DAY_MS });
    expect(credits.every(Number.isFinite)).toBe(true);
    expect(credits[0]! + credits[1]!).toBeCloseTo(1, 12);
    expect(credits[0]).toBeCloseTo(1, 12);
  });

  it('ties at the earliest / latest instant share the first / last credit equally', () => {
    // a, b at 5 d (first group), c at 3 d, d, e at 1 d (last group).
    const tied = [touch(5, 'a'), touch(1, 'd'), touch(3, 'c'), touch(5, 'b'), touch(1, 'e')];
    expectCredits(attributeOrder(FIRST_TOUCH, T, tied, opts), [1 / 2, 0, 0, 1 / 2, 0]);
    expectCredits(attributeOrder(LAST_TOUCH, T, tied, opts), [0, 1 / 2, 0, 0, 1 / 2]);
    expectCredits(attributeOrder(LINEAR, T, tied, opts), [1 / 5, 1 / 5, 1 / 5, 1 / 5, 1 / 5]);
    // 40 % / 2 = 0.2 for a, b and for d, e; the middle c takes the 20 %.
    expectCredits(attributeOrder(POSITION_BASED, T, tied, opts), [0.2, 0.2, 0.2, 0.2, 0.2]);
    // Tied touches get equal TIME_DECAY weights: w(5 d) = 2^(-5/7), w(3 d) = 2^(-3/7), w(1 d) = 2^(-1/7).
    const w5 = 2 ** (-5 / 7), w3 = 2 ** (-3 / 7), w1 = 2 ** (-1 / 7);
    const sum = 2 * w5 + w3 + 2 * w1;
    expectCredits(attributeOrder(TIME_DECAY, T, tied, opts), [w5 / sum, w1 / sum, w3 / sum, w5 / sum, w1 / sum]);
  });

  it('POSITION_BASED with two distinct instants: 50/50 between the groups, shared within each', () => {
    // Three at 4 d, one at 2 d: 0.5 / 3 each for the first group, 0.5 for the last.
    expectCredits(attributeOrder(POSITION_BASED, T, [touch(4), touch(2), touch(4), touch(4)], opts), [1 / 6, 1 / 2, 1 / 6, 1 / 6]);
  });

  it('all touches at one instant: every model gives equal shares', () => {
    const same = [touch(2, 'a'), touch(2, 'b'), touch(2, 'c')];
    for (const model of ALL) expectCredits(attributeOrder(model, T, same, opts), [1 / 3, 1 / 3, 1 / 3]);
  });

  it('the window is inclusive at both ends; touches outside it (and after the order) get nothing', () => {
    const edge = [touch(7), touch(0), touch(7 + 1 / DAY_MS), touch(-1 / DAY_MS)];
    expect(edge.map((t) => inWindow(t.sentAt, T, opts.windowMs))).toEqual([true, true, false, false]);
    expectCredits(attributeOrder(LINEAR, T, edge, opts), [1 / 2, 1 / 2, 0, 0]);
    expectCredits(attributeOrder(FIRST_TOUCH, T, edge, opts), [1, 0, 0, 0]);
    for (const model of ALL) expectCredits(attributeOrder(model, T, [touch(8), touch(-1)], opts), [0, 0]);
    expect(attributeOrder(LINEAR, T, [], opts)).toEqual([]);
  });

  it('credits sum to 1 for every model', () => {
    const many = Array.from({ length: 9 }, (_, i) => touch((i * 37) % 7, `c${i}`));
    for (const model of ALL) expect(attributeOrder(model, T, many, opts).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });
});

describe('accumulateCredits', () => {
  it('sums credits and credit × value per (campaign, variant) over orders given one after another', () => {
    const row = (orderId: string, value: number, occurredAt: number, campaignId: string, variantId: string | null, sentAt: number): OrderTouchRow => ({
      orderId, value, occurredAt, campaignId, variantId, sentAt,
    });
    // Order 1 (100): A/a1 at T−2d, B/– at T−1d. Order 2 (30): A/a1 at T2−1h only.
    const T2 = T + DAY_MS;
    const rows = [row('o1', 100, T, 'A', 'a1', T - 2 * DAY_MS), row('o1', 100, T, 'B', null, T - DAY_MS), row('o2', 30, T2, 'A', 'a1', T2 - H)];
    const linear = accumulateCredits(LINEAR, rows, opts);
    // A/a1: ½ + 1 = 1.5 conversions, 50 + 30 = 80; B: ½, 50.
    expect([...linear.values()]).toEqual([
      { campaignId: 'A', variantId: 'a1', conversions: 1.5, revenue: 80 },
      { campaignId: 'B', variantId: null, conversions: 0.5, revenue: 50 },
    ]);
    // LAST_TOUCH: B takes order 1; A/a1 only order 2; no row with zero credit.
    const last = accumulateCredits(LAST_TOUCH, rows, opts);
    expect(last.get('A/a1')).toEqual({ campaignId: 'A', variantId: 'a1', conversions: 1, revenue: 30 });
    expect(last.get('B/')).toEqual({ campaignId: 'B', variantId: null, conversions: 1, revenue: 100 });
    expect(accumulateCredits(FIRST_TOUCH, rows, opts).get('B/')).toBeUndefined();

    // Streamed in batches that cut order 1 between its two touches (as the cursor's batches may):
    // the same totals as all rows at once.
    const streamed = new CreditAccumulator(LINEAR, opts);
    streamed.add(rows.slice(0, 1));
    streamed.add(rows.slice(1, 2));
    streamed.add([]);
    streamed.add(rows.slice(2));
    expect(streamed.totals()).toEqual(linear);
  });
});

describe('attribution arguments', () => {
  const reason = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return (e as { reason?: string }).reason;
    }
    return undefined;
  };
  it('bounds days, windowDays and halfLifeDays', () => {
    expect(reason(() => checkDays(0))).toBe('INVALID_DAYS');
    expect(reason(() => checkDays(3651))).toBe('INVALID_DAYS');
    expect(checkDays(3650)).toBe(3650);
    expect(reason(() => checkWindowDays(0))).toBe('INVALID_WINDOW');
    expect(reason(() => checkWindowDays(366))).toBe('INVALID_WINDOW');
    expect(checkWindowDays(1)).toBe(1);
    expect(reason(() => checkHalfLifeDays(0))).toBe('INVALID_HALF_LIFE');
    expect(reason(() => checkHalfLifeDays(-1))).toBe('INVALID_HALF_LIFE');
    expect(reason(() => checkHalfLifeDays(365.5))).toBe('INVALID_HALF_LIFE');
    expect(reason(() => checkHalfLifeDays(Number.NaN))).toBe('INVALID_HALF_LIFE');
    expect(checkHalfLifeDays(0.25)).toBe(0.25);
  });
});

describe('time to conversion', () => {
  it('percentiles interpolate linearly between closest ranks (R-7)', () => {
    // [1, 2, 4, 10]: median h = 1.5 → 2 + 0.5 × 2 = 3; p90 h = 2.7 → 4 + 0.7 × 6 = 8.2.
    expect(percentile([1, 2, 4, 10], 0.5)).toBeCloseTo(3, 12);
    expect(percentile([1, 2, 4, 10], 0.9)).toBeCloseTo(8.2, 12);
    expect(percentile([5], 0.9)).toBe(5);
    expect(percentile([], 0.5)).toBeNull();
  });

  it('buckets go up to the window, the last one ending at it', () => {
    expect(bucketEdges(7).map((b) => [b.label, b.fromHours, b.toHours])).toEqual([
      ['< 1 h', 0, 1], ['1–6 h', 1, 6], ['6–24 h', 6, 24], ['1–3 d', 24, 72], ['3–7 d', 72, 168],
    ]);
    expect(bucketEdges(1).map((b) => b.label)).toEqual(['< 1 h', '1–6 h', '6–24 h']);
    expect(bucketEdges(10).map((b) => b.label).slice(-2)).toEqual(['3–7 d', '7–10 d']);
    expect(bucketEdges(365).map((b) => b.label).slice(-3)).toEqual(['60–90 d', '90–180 d', '180–365 d']);
  });

  it('summarises hours: mean, median, p90, bucket counts; nulls without orders', () => {
    // 0.5 → <1 h; 1 → 1–6 h (from inclusive); 30 → 1–3 d; 168 (the window's end) → 3–7 d.
    const s = summarizeTimeToConversion([30, 0.5, 168, 1], 7);
    expect(s.orders).toBe(4);
    expect(s.meanHours).toBeCloseTo(199.5 / 4, 12);
    // sorted [0.5, 1, 30, 168]: median = (1 + 30) / 2 = 15.5; p90: h = 2.7 → 30 + 0.7 × 138 = 126.6.
    expect(s.medianHours).toBeCloseTo(15.5, 12);
    expect(s.p90Hours).toBeCloseTo(126.6, 12);
    expect(s.buckets.map((b) => b.orders)).toEqual([1, 1, 0, 1, 1]);
    const none = summarizeTimeToConversion([], 7);
    expect(none).toMatchObject({ orders: 0, meanHours: null, medianHours: null, p90Hours: null });
    expect(none.buckets.map((b) => b.orders)).toEqual([0, 0, 0, 0, 0]);
  });
});
