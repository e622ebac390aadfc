import { betaSample as beta, gammaSample as gamma, mulberry32, normalSample as normal } from '../../src/experiments/stats/random';

/** Sample mean and variance of n draws. */
function moments(n: number, draw: () => number) {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    s += x;
    s2 += x * x;
  }
  const mean = s / n;
  return { mean, variance: s2 / n - mean * mean };
}

describe('seeded samplers', () => {
  const n = 100000;

  it('normal: mean 0, variance 1', () => {
    const rng = mulberry32(1);
    const m = moments(n, () => normal(rng));
    expect(Math.abs(m.mean)).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(m.variance - 1)).toBeLessThan(0.02);
  });

  it.each([0.3, 1, 2.5, 40])('gamma(%p): mean and variance equal the shape', (shape) => {
    const rng = mulberry32(2);
    const m = moments(n, () => gamma(shape, rng));
    expect(Math.abs(m.mean - shape)).toBeLessThan(4 * Math.sqrt(shape / n));
    expect(Math.abs(m.variance / shape - 1)).toBeLessThan(0.05);
  });

  it.each([[0.5, 0.5], [2, 18], [30, 270]])('beta(%p, %p): mean a/(a + b), variance ab/((a + b)²(a + b + 1))', (a, b) => {
    const rng = mulberry32(3);
    const m = moments(n, () => beta(a, b, rng));
    const mean = a / (a + b);
    const variance = (a * b) / ((a + b) ** 2 * (a + b + 1));
    expect(Math.abs(m.mean - mean)).toBeLessThan(4 * Math.sqrt(variance / n));
    expect(Math.abs(m.variance / variance - 1)).toBeLessThan(0.05);
  });

  it('refuses a non-positive shape', () => {
    expect(() => gamma(0, mulberry32(1))).toThrow(RangeError);
  });
});
