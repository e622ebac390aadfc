import { bernoulli, binomial, mulberry32 } from '../../src/experiments/stats';

describe('mulberry32', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(xs);
  });

  it('draws uniformly in [0, 1)', () => {
    const rng = mulberry32(7);
    const bins = new Array<number>(10).fill(0);
    const n = 200000;
    let sum = 0;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const u = rng();
      if (!(u >= 0 && u < 1)) outside++;
      sum += u;
      bins[Math.floor(u * 10)]!++;
    }
    expect(outside).toBe(0);
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.005);
    // chi-square goodness of fit with 9 df: 99.9 % quantile is 27.9
    const chi = bins.reduce((s, o) => s + (o - n / 10) ** 2 / (n / 10), 0);
    expect(chi).toBeLessThan(27.9);
  });
});

describe('bernoulli and binomial', () => {
  it('have the right means', () => {
    const rng = mulberry32(11);
    let k = 0;
    for (let i = 0; i < 2000; i++) k += binomial(50, 0.1, rng);
    expect(k / 2000).toBeGreaterThan(4.8);
    expect(k / 2000).toBeLessThan(5.2);
    let b = 0;
    for (let i = 0; i < 100000; i++) b += bernoulli(0.3, rng);
    expect(b / 100000).toBeCloseTo(0.3, 2);
  });

  it('handle the edges and reject invalid arguments', () => {
    const rng = mulberry32(1);
    expect(binomial(0, 0.5, rng)).toBe(0);
    expect(binomial(20, 0, rng)).toBe(0);
    expect(binomial(20, 1, rng)).toBe(20);
    expect(() => binomial(-1, 0.5, rng)).toThrow(RangeError);
    expect(() => binomial(5, 1.5, rng)).toThrow(RangeError);
  });
});
