import { betaCdf, chiSquareSf, normalCdf, normalQuantile, normalSf, studentTTwoSidedP } from '../../src/experiments/stats';
import { expectClose, expectP, reference } from '../fixtures/stats/reference';

const d = reference.distributions;

describe('normal', () => {
  it.each(d.normal)('z = $z', ({ z, sf, cdf }) => {
    expectP(normalSf(z), sf, `sf(${z})`);
    expectP(normalCdf(z), cdf, `cdf(${z})`);
  });

  it.each(d.normalQuantile)('quantile($p)', ({ p, q }) => {
    expectClose(normalQuantile(p), q, `quantile(${p})`);
  });

  it('quantile inverts the cdf to near machine precision, deep into both tails', () => {
    for (const p of [1e-300, 1e-200, 1e-50, 1e-15, 1e-8, 0.001, 0.0242, 0.0243, 0.2, 0.5, 0.6, 0.97, 0.99, 0.999999]) {
      const x = normalQuantile(p);
      const back = p < 0.5 ? normalCdf(x) : normalSf(-x);
      // Round trip in p: an error dx in the quantile shows as |x|·dx relative error in p, and x's
      // own rounding grows with |x|, so the bound is 1e-13·max(1, x²) (at p = 1e-300, x ≈ −37:
      // 1e-10 in p, i.e. 3e-12 in x, 7e-14 relative).
      expect(Math.abs(back - p)).toBeLessThanOrEqual(1e-13 * Math.max(1, x * x) * p);
    }
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 14);
  });

  it('keeps tail p-values that 1 − cdf would round to 0', () => {
    expect(normalSf(10)).toBeGreaterThan(0);
    expect(1 - normalCdf(10)).toBe(0); // what the naive form would report
    expectP(normalSf(10), 7.61985302416047e-24);
  });

  it('rejects levels outside (0, 1) and NaN', () => {
    for (const p of [0, 1, -0.1, 1.5, NaN]) expect(() => normalQuantile(p)).toThrow(RangeError);
    expect(() => normalSf(NaN)).toThrow(RangeError);
  });
});

describe('chi-square upper tail', () => {
  it.each(d.chiSquareSf)('sf($x, $df)', ({ x, df, sf }) => {
    expectP(chiSquareSf(x, df), sf, `chiSquareSf(${x}, ${df})`);
  });

  it('is 1 at and below 0, 0 at infinity, and rejects df ≤ 0', () => {
    expect(chiSquareSf(0, 3)).toBe(1);
    expect(chiSquareSf(-2, 3)).toBe(1);
    expect(chiSquareSf(Infinity, 3)).toBe(0);
    expect(() => chiSquareSf(1, 0)).toThrow(RangeError);
  });
});

describe('Student t, two-sided', () => {
  it.each(d.studentTTwoSided)('p(t = $t, df = $df)', ({ t, df, p }) => {
    expectP(studentTTwoSidedP(t, df), p, `t(${t}, ${df})`);
  });

  it('is symmetric, 1 at t = 0, the normal at df = ∞', () => {
    expect(studentTTwoSidedP(2.1, 7)).toBe(studentTTwoSidedP(-2.1, 7));
    expect(studentTTwoSidedP(0, 7)).toBe(1);
    expect(studentTTwoSidedP(Infinity, 7)).toBe(0);
    expect(studentTTwoSidedP(2, Infinity)).toBe(2 * normalSf(2));
  });
});

describe('beta cdf', () => {
  it.each(d.betaCdf)('I_$x($a, $b)', ({ x, a, b, cdf }) => {
    expectP(betaCdf(x, a, b), cdf, `betaCdf(${x}, ${a}, ${b})`);
  });

  it('clamps outside [0, 1] and rejects non-positive parameters', () => {
    expect(betaCdf(-1, 2, 3)).toBe(0);
    expect(betaCdf(2, 2, 3)).toBe(1);
    expect(() => betaCdf(0.5, 0, 1)).toThrow(RangeError);
  });
});
