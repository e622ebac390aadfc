import { DEFAULT_SEQUENTIAL_TUNING, normalQuantile, sequentialDifferenceTest, sequentialRho } from '../../src/experiments/stats';
import { expectClose, expectP, reference } from '../fixtures/stats/reference';

describe('sequentialDifferenceTest (GrowthBook asymptotic confidence sequence)', () => {
  it.each(reference.sequential)(
    '$variantSuccesses/$variantTrials vs $controlSuccesses/$controlTrials, α $alpha, N $tuning',
    ({ controlSuccesses, controlTrials, variantSuccesses, variantTrials, alpha, tuning, rho, lower, upper, pValue, significant }) => {
      expectClose(sequentialRho(alpha, tuning), rho, 'rho', 1e-12);
      const r = sequentialDifferenceTest(controlSuccesses, controlTrials, variantSuccesses, variantTrials, alpha, tuning);
      expectClose(r.lower, lower, 'lower');
      expectClose(r.upper, upper, 'upper');
      expectP(r.pValue, pValue);
      expect(r.significant).toBe(significant);
    },
  );

  it('defaults to GrowthBook’s tuning parameter of 5000', () => {
    expect(DEFAULT_SEQUENTIAL_TUNING).toBe(5000);
    expect(sequentialDifferenceTest(500, 5000, 600, 5000, 0.05)).toEqual(sequentialDifferenceTest(500, 5000, 600, 5000, 0.05, 5000));
  });

  it('pValue ≤ alpha exactly when the interval excludes 0, over a grid of outcomes', () => {
    let checked = 0;
    for (const n of [50, 200, 1000, 5000]) {
      for (let vs = 0; vs <= n * 0.3; vs += Math.max(1, Math.floor(n / 200))) {
        for (const alpha of [0.01, 0.05, 0.1]) {
          const r = sequentialDifferenceTest(Math.round(n * 0.1), n, vs, n, alpha);
          expect(r.significant).toBe(r.lower > 0 || r.upper < 0);
          expect(r.pValue <= alpha).toBe(r.significant);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(500);
  });

  it('is wider than the fixed-horizon interval at every sample size, and tightest relative to it at N', () => {
    const z = -normalQuantile(0.025);
    let best = { ratio: Infinity, n: 0 };
    for (let n = 100; n <= 40000; n += 100) {
      const r = sequentialDifferenceTest(Math.round(n * 0.1), n, Math.round(n * 0.11), n, 0.05);
      const pc = Math.round(n * 0.1) / n;
      const pv = Math.round(n * 0.11) / n;
      const fixed = z * Math.sqrt((pc * (1 - pc)) / n + (pv * (1 - pv)) / n);
      const ratio = (r.upper - r.lower) / 2 / fixed;
      expect(ratio).toBeGreaterThan(1);
      if (ratio < best.ratio) best = { ratio, n: 2 * n };
    }
    // ρ is tuned so that the ratio is smallest at a total sample of N = 5000 (found: 5200 on this 200-step grid)
    expect(best.n).toBeGreaterThanOrEqual(0.8 * DEFAULT_SEQUENTIAL_TUNING);
    expect(best.n).toBeLessThanOrEqual(1.25 * DEFAULT_SEQUENTIAL_TUNING);
  });

  it('p = 1 when the estimate is 0; tiny p-values stay positive', () => {
    expect(sequentialDifferenceTest(100, 1000, 100, 1000, 0.05).pValue).toBe(1);
    const strong = sequentialDifferenceTest(1000, 100000, 3000, 100000, 0.05);
    expect(strong.significant).toBe(true);
    expect(strong.pValue).toBeGreaterThanOrEqual(0);
    expect(strong.pValue).toBeLessThan(1e-100);
  });

  it('degenerate: an empty arm or zero variance is uninformative', () => {
    const none = { lower: 0, upper: 0, pValue: 1, significant: false };
    expect(sequentialDifferenceTest(0, 0, 5, 10, 0.05)).toEqual(none);
    expect(sequentialDifferenceTest(0, 100, 0, 100, 0.05)).toEqual(none);
    expect(sequentialDifferenceTest(0, 100, 100, 100, 0.05)).toEqual(none);
  });

  it('rejects invalid α or tuning', () => {
    expect(() => sequentialDifferenceTest(1, 10, 2, 10, 0)).toThrow(RangeError);
    expect(() => sequentialDifferenceTest(1, 10, 2, 10, 0.05, 0)).toThrow(RangeError);
  });
});
