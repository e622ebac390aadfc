import {
  decayedSum,
  decayedWeight,
  engagementScore,
  ENGAGEMENT_HALF_LIFE_DAYS,
  ENGAGEMENT_HORIZON_DAYS,
  ENGAGEMENT_WEIGHTS,
  scoreOfSum,
  type EngagementSignal,
} from '../../src/orders/engagement-score';

const now = new Date('2026-06-01T12:00:00Z');
const ago = (days: number) => new Date(now.getTime() - days * 86_400_000);

describe('engagement score constants', () => {
  it('are the decided ones', () => {
    expect(ENGAGEMENT_WEIGHTS).toEqual({ opened: 1, clicked: 3, replied: 5, converted: 8, optedOut: -10, order: 4 });
    expect(ENGAGEMENT_HALF_LIFE_DAYS).toBe(30);
    expect(ENGAGEMENT_HORIZON_DAYS).toBe(180);
  });
});

describe('decayedWeight', () => {
  it('halves every 30 days', () => {
    expect(decayedWeight('clicked', now, now)).toBe(3);
    expect(decayedWeight('clicked', ago(30), now)).toBeCloseTo(1.5, 12);
    expect(decayedWeight('order', ago(60), now)).toBeCloseTo(1, 12);
    expect(decayedWeight('optedOut', ago(90), now)).toBeCloseTo(-1.25, 12);
  });

  it('counts a signal exactly 180 days old, and none older (179 vs 181 days)', () => {
    expect(decayedWeight('converted', ago(180), now)).toBeCloseTo(8 / 64, 12); // 8 × 2^−6 = 0.125
    expect(decayedWeight('converted', ago(179), now)).toBeCloseTo(8 * 2 ** (-179 / 30), 12);
    expect(decayedWeight('converted', new Date(ago(180).getTime() - 1), now)).toBe(0);
    expect(decayedWeight('converted', ago(181), now)).toBe(0);
  });

  it('counts a time in the future as now (no weight above the signal’s own)', () => {
    expect(decayedWeight('replied', new Date(now.getTime() + 3_600_000), now)).toBe(5);
  });
});

describe('scoreOfSum', () => {
  it('is 0 for nothing and for a negative sum', () => {
    expect(scoreOfSum(0)).toBe(0);
    expect(scoreOfSum(-10)).toBe(0);
    expect(scoreOfSum(-Infinity)).toBe(0);
    expect(scoreOfSum(Number.NaN)).toBe(0);
  });

  it('matches values computed by hand', () => {
    expect(scoreOfSum(3)).toBe(25.9); // 100 × (1 − e^−0.3) = 25.918
    expect(scoreOfSum(8)).toBe(55.1); // a click and a reply today: 100 × (1 − e^−0.8) = 55.067
    expect(scoreOfSum(10)).toBe(63.2); // 100 × (1 − e^−1) = 63.212
    expect(scoreOfSum(1)).toBe(9.5); // 100 × (1 − e^−0.1) = 9.516
    expect(scoreOfSum(0.125)).toBe(1.2); // 100 × (1 − e^−0.0125) = 1.242
  });

  it('stays below 100 for a large S and never exceeds it', () => {
    expect(scoreOfSum(30)).toBe(95); // 100 × (1 − e^−3) = 95.021
    expect(scoreOfSum(50)).toBeLessThan(100); // 99.326 → 99.3
    expect(scoreOfSum(50)).toBe(99.3);
    expect(scoreOfSum(1e6)).toBeLessThanOrEqual(100);
    expect(scoreOfSum(Infinity)).toBe(100);
  });
});

describe('engagementScore', () => {
  const at = (kind: EngagementSignal['kind'], days: number): EngagementSignal => ({ kind, at: ago(days) });

  it('is 0 without signals', () => {
    expect(engagementScore([], now)).toBe(0);
  });

  it('one click today: 25.9; a click and a reply today: 55.1', () => {
    expect(engagementScore([at('clicked', 0)], now)).toBe(25.9);
    expect(engagementScore([at('clicked', 0), at('replied', 0)], now)).toBe(55.1);
  });

  it('sums decayed signals (by hand)', () => {
    // click 30 d (1.5) + order 60 d (1) + open today (1) = 3.5 → 100 × (1 − e^−0.35) = 29.531
    expect(decayedSum([at('clicked', 30), at('order', 60), at('opened', 0)], now)).toBeCloseTo(3.5, 12);
    expect(engagementScore([at('clicked', 30), at('order', 60), at('opened', 0)], now)).toBe(29.5);
  });

  it('an opt-out outweighs a click: 3 − 10 < 0 → 0', () => {
    expect(engagementScore([at('clicked', 0), at('optedOut', 0)], now)).toBe(0);
  });

  it('an opt-out long ago only takes part of a recent conversion away', () => {
    // converted today 8 + opted out 60 d ago −10 × 1/4 = 5.5 → 100 × (1 − e^−0.55) = 42.305
    expect(engagementScore([at('converted', 0), at('optedOut', 60)], now)).toBe(42.3);
  });

  it('leaves out a signal older than 180 days', () => {
    expect(engagementScore([at('converted', 181)], now)).toBe(0);
    // 8 × 2^(−179/30) = 0.12792 → 100 × (1 − e^−0.012792) = 1.271
    expect(engagementScore([at('converted', 179)], now)).toBe(1.3);
  });
});
