import { applyFloor, probabilityBest, roundPercent, thompsonWeights, type ArmStats } from '../../src/sending/bandit';
import { betaSample, gammaSample } from '../../src/experiments/stats/random';
import { binomial, mulberry32 } from '../../src/experiments/stats/random';

const arm = (variantId: string, sent: number, successes: number): ArmStats => ({ variantId, sent, successes });
/** The sum in hundredths of a percent, free of floating-point addition error. */
const hundredths = (weights: readonly number[]) => weights.reduce((sum, w) => sum + Math.round(w * 100), 0);
const twoDecimals = (w: number) => Math.abs(w * 100 - Math.round(w * 100)) < 1e-9;

describe('gammaSample / betaSample', () => {
  const rng = mulberry32(42);
  const moments = (draw: () => number, n: number) => {
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const x = draw();
      sum += x;
      sumSq += x * x;
    }
    const mean = sum / n;
    return { mean, variance: sumSq / n - mean * mean };
  };

  it.each([[0.3], [1], [2.5], [50]])('Gamma(%p) has mean and variance equal to the shape', (shape) => {
    const { mean, variance } = moments(() => gammaSample(shape, rng), 100_000);
    expect(Math.abs(mean - shape)).toBeLessThan(0.02 * shape + 0.01);
    expect(Math.abs(variance - shape)).toBeLessThan(0.05 * shape + 0.01);
  });

  it('Beta(a, b) has mean a/(a+b) and variance ab/((a+b)²(a+b+1))', () => {
    const [a, b] = [21, 181];
    const { mean, variance } = moments(() => betaSample(a, b, rng), 100_000);
    expect(mean).toBeCloseTo(a / (a + b), 3);
    expect(variance / ((a * b) / ((a + b) ** 2 * (a + b + 1)))).toBeCloseTo(1, 1);
  });

  it('rejects a non-positive shape', () => {
    expect(() => gammaSample(0, rng)).toThrow(RangeError);
    expect(() => gammaSample(Number.NaN, rng)).toThrow(RangeError);
  });
});

describe('probabilityBest', () => {
  it('matches the closed form for two arms', () => {
    // Two arms with the same data: each is best half of the time.
    const p = probabilityBest([arm('a', 500, 50), arm('b', 500, 50)], 20_000, mulberry32(1));
    expect(p[0]! + p[1]!).toBeCloseTo(1, 12);
    expect(Math.abs(p[0]! - 0.5)).toBeLessThan(0.02);
  });
});

describe('applyFloor', () => {
  it('raises small shares and scales the rest, repeating as needed', () => {
    expect(applyFloor([1, 0, 0], 0.01).map((x) => +x.toFixed(12))).toEqual([0.98, 0.01, 0.01]);
    const out = applyFloor([0.9, 0.095, 0.005], 0.1);
    expect(out.map((x) => +x.toFixed(12))).toEqual([0.8, 0.1, 0.1]);
    expect(applyFloor([0.5, 0.3, 0.2], 0.01)).toEqual([0.5, 0.3, 0.2]);
  });
});

describe('roundPercent', () => {
  it('rounds to hundredths summing to exactly 100', () => {
    expect(roundPercent([1 / 3, 1 / 3, 1 / 3])).toEqual([33.34, 33.33, 33.33]);
    expect(roundPercent([1 / 7, 1 / 7, 1 / 7, 1 / 7, 1 / 7, 1 / 7, 1 / 7])).toEqual([14.29, 14.29, 14.29, 14.29, 14.28, 14.28, 14.28]);
    expect(hundredths(roundPercent([0.123456, 0.654321, 0.222223]))).toBe(10000);
  });
});

describe('thompsonWeights', () => {
  it('gives equal weights until every arm has minPerArm sends', () => {
    expect(thompsonWeights([arm('a', 0, 0), arm('b', 0, 0)])).toEqual([50, 50]);
    expect(thompsonWeights([arm('a', 5000, 10), arm('b', 99, 90)])).toEqual([50, 50]);
    expect(thompsonWeights([arm('a', 500, 10), arm('b', 500, 90), arm('c', 20, 0)])).toEqual([33.34, 33.33, 33.33]);
    expect(thompsonWeights([arm('a', 50, 10), arm('b', 50, 40)], { minPerArm: 50 })).not.toEqual([50, 50]);
  });

  it('puts > 90 % on a clearly better arm and exactly the floor on the worse', () => {
    const w = thompsonWeights([arm('a', 1000, 100), arm('b', 1000, 200)]);
    expect(w[1]).toBeGreaterThan(90);
    expect(w[0]).toBe(1);
    expect(w).toEqual([1, 99]);
  });

  it('honours a custom floor', () => {
    expect(thompsonWeights([arm('a', 1000, 100), arm('b', 1000, 200)], { floor: 0.05 })).toEqual([5, 95]);
    expect(thompsonWeights([arm('a', 1000, 100), arm('b', 1000, 200)], { floor: 0 })).toEqual([0, 100]);
  });

  it('is deterministic for a seed (and by default)', () => {
    const arms = [arm('a', 400, 40), arm('b', 400, 46), arm('c', 400, 44)];
    expect(thompsonWeights(arms, { seed: 7 })).toEqual(thompsonWeights(arms, { seed: 7 }));
    expect(thompsonWeights(arms)).toEqual(thompsonWeights(arms));
    expect(thompsonWeights(arms, { seed: 7 })).not.toEqual(thompsonWeights(arms, { seed: 8 }));
  });

  it('estimates P(best) close to the exact two-arm value', () => {
    // Same data in both arms: P(best) = 1/2 each.
    const w = thompsonWeights([arm('a', 300, 30), arm('b', 300, 30)], { draws: 40_000 });
    expect(Math.abs(w[0]! - 50)).toBeLessThan(1.5);
  });

  it('sums to exactly 100 with two decimals', () => {
    const rng = mulberry32(99);
    for (let trial = 0; trial < 50; trial++) {
      const n = 2 + (trial % 7);
      const arms = Array.from({ length: n }, (_, i) => {
        const sent = 100 + Math.floor(rng() * 400);
        return arm(`v${i}`, sent, binomial(sent, 0.05 + 0.1 * rng(), rng));
      });
      const w = thompsonWeights(arms, { seed: trial, draws: 2000 });
      expect(w).toHaveLength(n);
      expect(hundredths(w)).toBe(10000);
      expect(Math.abs(w.reduce((a, b) => a + b, 0) - 100)).toBeLessThan(1e-9);
      for (const x of w) {
        expect(twoDecimals(x)).toBe(true);
        expect(x).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it('handles 8 arms', () => {
    const rates = [0.05, 0.06, 0.07, 0.08, 0.09, 0.1, 0.11, 0.2];
    const w = thompsonWeights(rates.map((r, i) => arm(`v${i}`, 1000, Math.round(r * 1000))));
    expect(w).toHaveLength(8);
    expect(hundredths(w)).toBe(10000);
    expect(w[7]).toBeGreaterThan(90);
    expect(w.slice(0, 7)).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(thompsonWeights(rates.map((_, i) => arm(`v${i}`, 10, 1)))).toEqual([12.5, 12.5, 12.5, 12.5, 12.5, 12.5, 12.5, 12.5]);
  });

  it('returns [] for no arms', () => {
    expect(thompsonWeights([])).toEqual([]);
  });

  it('rejects invalid counts and options', () => {
    expect(() => thompsonWeights([arm('a', 10, 11), arm('b', 10, 1)])).toThrow(RangeError);
    expect(() => thompsonWeights([arm('a', -1, 0), arm('b', 10, 1)])).toThrow(RangeError);
    expect(() => thompsonWeights([arm('a', 10, 1), arm('b', 10, 1)], { floor: 0.6 })).toThrow(RangeError);
    expect(() => thompsonWeights([arm('a', 10, 1), arm('b', 10, 1)], { draws: 0 })).toThrow(RangeError);
    expect(() => thompsonWeights([arm('a', 10, 1), arm('b', 10, 1)], { minPerArm: -1 })).toThrow(RangeError);
  });

  it('shifts traffic to the best arm over 20 waves of 300 (true rates 5 %, 10 %, 15 %)', () => {
    const started = Date.now();
    const rates = [0.05, 0.1, 0.15];
    const rng = mulberry32(2026);
    const stats = rates.map((_, i) => arm(`v${i}`, 0, 0));
    for (let wave = 0; wave < 20; wave++) {
      const weights = thompsonWeights(stats, { seed: wave + 1 });
      // Split the wave by weight (largest remainder), then draw each recipient's outcome.
      const exact = weights.map((w) => (300 * w) / 100);
      const counts = exact.map(Math.floor);
      const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0]);
      for (let k = 0; counts.reduce((a, b) => a + b, 0) < 300; k++) counts[order[k]![1]]! += 1;
      counts.forEach((n, i) => {
        stats[i]!.sent += n;
        stats[i]!.successes += binomial(n, rates[i]!, rng);
      });
    }
    const total = stats.reduce((sum, s) => sum + s.sent, 0);
    expect(total).toBe(6000);
    expect(stats[2]!.sent / total).toBeGreaterThan(0.6);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
