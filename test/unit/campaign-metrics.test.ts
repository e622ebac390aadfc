import { runningTotals, zeroBucketCounts } from '../../src/analytics/cumulative';
import { testDurationHours, type TestTimes } from '../../src/analytics/test-duration';
import { CampaignStatus, CampaignType } from '../../src/campaigns/enums';
import { bandIndex, DEFAULT_VALUE_BOUNDARIES, validateBoundaries, valueBands } from '../../src/orders/value-segments';

describe('runningTotals', () => {
  const b = (start: string, variantId: string, sent: number, revenue: number) => ({ start: new Date(start), variantId, ...zeroBucketCounts(), sent, revenue });

  it('sums each variant on its own, starting from its totals before the first bucket', () => {
    const buckets = [b('2026-11-04', 'A', 1, 0.1), b('2026-11-04', 'B', 0, 0), b('2026-11-05', 'A', 2, 0.2), b('2026-11-05', 'B', 3, 5)];
    const before = new Map([['A', { ...zeroBucketCounts(), sent: 10, revenue: 1 }]]);
    expect(runningTotals(buckets, before).map((x) => [x.variantId, x.sent, x.revenue])).toEqual([
      ['A', 11, 1.1],
      ['B', 0, 0],
      ['A', 13, 1.3], // 1 + 0.1 + 0.2 rounded, not 1.3000000000000003
      ['B', 3, 5],
    ]);
    expect(buckets[0]!.sent).toBe(1); // the input is not changed
  });

  it('answers no buckets for no buckets', () => {
    expect(runningTotals([], new Map())).toEqual([]);
  });
});

describe('testDurationHours', () => {
  const start = new Date('2026-11-02T10:00:00Z');
  const now = new Date('2026-11-03T10:00:00Z');
  const c = (over: Partial<TestTimes>): TestTimes => ({ type: CampaignType.AB_TEST, status: CampaignStatus.RUNNING, startedAt: start, updatedAt: new Date('2026-11-02T11:00:00Z'), ...over });

  it('is null without a test or before its start', () => {
    expect(testDurationHours(c({ type: CampaignType.STANDARD }), null, now)).toBeNull();
    expect(testDurationHours(c({ status: CampaignStatus.DRAFT, startedAt: null }), null, now)).toBeNull();
  });

  it('runs to now while RUNNING or PAUSED', () => {
    expect(testDurationHours(c({}), null, now)).toBe(24);
    expect(testDurationHours(c({ status: CampaignStatus.PAUSED }), null, now)).toBe(24);
  });

  it('ends at the earliest of the first winner, endTest and completion', () => {
    const at = (iso: string) => new Date(iso);
    expect(testDurationHours(c({}), at('2026-11-02T16:30:00Z'), now)).toBe(6.5);
    expect(testDurationHours(c({ status: CampaignStatus.COMPLETED, testEndedAt: at('2026-11-02T12:00:00Z'), completedAt: at('2026-11-02T12:00:00Z') }), at('2026-11-02T16:30:00Z'), now)).toBe(2);
    expect(testDurationHours(c({ status: CampaignStatus.COMPLETED, completedAt: at('2026-11-04T10:00:00Z') }), null, now)).toBe(48);
  });

  it('takes archivedAt, else updatedAt, for a test stopped without an end stamp, and never goes negative', () => {
    expect(testDurationHours(c({ status: CampaignStatus.CANCELED }), null, now)).toBe(1);
    expect(testDurationHours(c({ status: CampaignStatus.ARCHIVED, archivedAt: new Date('2026-11-02T13:00:00Z') }), null, now)).toBe(3);
    expect(testDurationHours(c({}), new Date('2026-11-01T00:00:00Z'), now)).toBe(0);
  });
});

describe('value bands', () => {
  it('starts with "no orders", then [0, b1) … [bn, ∞)', () => {
    expect(valueBands(DEFAULT_VALUE_BOUNDARIES)).toEqual([
      { index: 0, label: 'no orders', minSpend: 0, maxSpend: 0 },
      { index: 1, label: '[0, 100)', minSpend: 0, maxSpend: 100 },
      { index: 2, label: '[100, 500)', minSpend: 100, maxSpend: 500 },
      { index: 3, label: '[500, 1000)', minSpend: 500, maxSpend: 1000 },
      { index: 4, label: '[1000, ∞)', minSpend: 1000, maxSpend: null },
    ]);
    expect(valueBands([0.5]).map((b) => b.label)).toEqual(['no orders', '[0, 0.5)', '[0.5, ∞)']);
  });

  it('puts a value on a boundary in the upper band, no orders in band 0, refunds below 0 in the lowest spend band', () => {
    const b = DEFAULT_VALUE_BOUNDARIES;
    expect([bandIndex(0, 0, b), bandIndex(1, 0, b), bandIndex(1, 99.99, b), bandIndex(1, 100, b), bandIndex(1, 999.99, b), bandIndex(1, 1000, b), bandIndex(1, 1e12, b), bandIndex(2, -30, b)]).toEqual([
      0, 1, 1, 2, 3, 4, 4, 1,
    ]);
  });

  it.each([
    [[], 'at least one'],
    [[100, 100], 'strictly ascending'],
    [[500, 100], 'strictly ascending'],
    [[0], 'greater than 0'],
    [[-1, 5], 'greater than 0'],
    [[1, Infinity], 'finite'],
    [[Number.NaN], 'finite'],
    [Array.from({ length: 21 }, (_, i) => i + 1), 'at most 20'],
  ])('rejects %j (%s)', (boundaries, why) => {
    let err: unknown;
    try {
      validateBoundaries(boundaries);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_VALUE_BOUNDARIES', field: 'boundaries' });
    expect((err as Error).message).toContain(why);
  });

  it('accepts 20 ascending positive values', () => {
    const twenty = Array.from({ length: 20 }, (_, i) => (i + 1) * 10);
    expect(validateBoundaries(twenty)).toEqual(twenty);
  });
});
