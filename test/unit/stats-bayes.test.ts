import { betaProbabilityGreater, expectedLoss, probabilityToBeatControl } from '../../src/experiments/stats';
import { expectClose, reference } from '../fixtures/stats/reference';

describe('probabilityToBeatControl and expectedLoss vs scipy.integrate.quad', () => {
  it.each(reference.bayes)('$control.successes/$control.trials vs $variant.successes/$variant.trials', (c) => {
    const p = probabilityToBeatControl(c.control, c.variant);
    const loss = expectedLoss(c.control, c.variant);
    expectClose(p, c.probabilityToBeatControl, 'P(beat)');
    expectClose(loss, c.expectedLoss, 'expected loss');
    // and to 1e-10 against the 40-digit closed form
    expectClose(p, c.closedForm.probabilityToBeatControl, 'P(beat) closed form', 1e-10);
    expectClose(loss, c.closedForm.expectedLoss, 'loss closed form', 1e-10);
  });
});

describe('identities', () => {
  const cases: [number, number, number, number][] = [
    [0, 0, 0, 0],
    [3, 10, 5, 12],
    [120, 1000, 95, 1000],
    [12000, 100000, 12100, 100000],
    [999, 1000, 1000, 1000],
    [0, 5000, 1, 5000],
  ];

  it('P(v > c) + P(c > v) = 1', () => {
    for (const [cs, cn, vs, vn] of cases) {
      const a = probabilityToBeatControl({ successes: cs, trials: cn }, { successes: vs, trials: vn });
      const b = probabilityToBeatControl({ successes: vs, trials: vn }, { successes: cs, trials: cn });
      expect(a + b).toBeCloseTo(1, 12);
    }
  });

  it('loss(v) − loss(c) = E[θ_c] − E[θ_v] (E[max(x, 0)] − E[max(−x, 0)] = E[x])', () => {
    for (const [cs, cn, vs, vn] of cases) {
      const c = { successes: cs, trials: cn };
      const v = { successes: vs, trials: vn };
      const meanC = (1 + cs) / (2 + cn);
      const meanV = (1 + vs) / (2 + vn);
      expect(expectedLoss(c, v) - expectedLoss(v, c)).toBeCloseTo(meanC - meanV, 12);
    }
  });

  it('the four forms of the Miller sum agree (non-symmetric parameters)', () => {
    // a is smallest / d is smallest / c is smallest / b is smallest: all computed by different sums
    const direct = (a: number, b: number, c: number, d: number) => betaProbabilityGreater(a, b, c, d);
    expect(direct(2, 40, 30, 50) + direct(30, 50, 2, 40)).toBeCloseTo(1, 13);
    expect(direct(40, 2, 50, 30) + direct(50, 30, 40, 2)).toBeCloseTo(1, 13);
    expect(direct(5, 5, 5, 5)).toBeCloseTo(0.5, 14);
  });

  it('no data in either arm: probability 0.5, loss 1/6 (uniform priors)', () => {
    const empty = { successes: 0, trials: 0 };
    expect(probabilityToBeatControl(empty, empty)).toBeCloseTo(0.5, 14);
    expect(expectedLoss(empty, empty)).toBeCloseTo(1 / 6, 14);
  });

  it('all successes and no successes stay finite and in range', () => {
    const all = { successes: 1000, trials: 1000 };
    const none = { successes: 0, trials: 1000 };
    expect(probabilityToBeatControl(none, all)).toBeCloseTo(1, 14);
    expect(probabilityToBeatControl(all, none)).toBeCloseTo(0, 14);
    expect(expectedLoss(none, all)).toBeGreaterThanOrEqual(0);
    expect(expectedLoss(none, all)).toBeLessThan(1e-12);
    expect(expectedLoss(all, none)).toBeCloseTo(1001 / 1002 - 1 / 1002, 12); // posterior means, P(θ_c > θ_v) ≈ 1
  });

  it('rejects invalid counts', () => {
    expect(() => probabilityToBeatControl({ successes: 5, trials: 4 }, { successes: 1, trials: 2 })).toThrow(RangeError);
    expect(() => expectedLoss({ successes: 1.5, trials: 4 }, { successes: 1, trials: 2 })).toThrow(RangeError);
  });
});

describe('speed', () => {
  it('100,000 trials with 12,000 successes: under 1 ms per call for both functions', () => {
    const control = { successes: 12000, trials: 100000 };
    const variants = Array.from({ length: 200 }, (_, i) => ({ successes: 11900 + i, trials: 100000 }));
    for (const v of variants.slice(0, 20)) probabilityToBeatControl(control, v); // warm-up
    const start = process.hrtime.bigint();
    let sink = 0;
    for (const v of variants) sink += probabilityToBeatControl(control, v) + expectedLoss(control, v);
    const perCall = Number(process.hrtime.bigint() - start) / 1e6 / (2 * variants.length);
    console.log(`bayes: ${perCall.toFixed(4)} ms per call at 100,000 trials / ~12,000 successes`);
    expect(Number.isFinite(sink)).toBe(true);
    expect(perCall).toBeLessThan(1);
  });

  it('a million trials per arm stays exact and finite', () => {
    const p = probabilityToBeatControl({ successes: 120000, trials: 1000000 }, { successes: 120500, trials: 1000000 });
    // normal approximation: d = 0.0005, sd = sqrt(2·0.12·0.88/1e6) ≈ 4.596e-4 → Φ(1.088) ≈ 0.8617
    expect(p).toBeGreaterThan(0.86);
    expect(p).toBeLessThan(0.863);
  });
});
