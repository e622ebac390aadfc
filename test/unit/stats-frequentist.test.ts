import { chiSquareTest, holmAdjust, newcombeDifference, srmTest, twoProportionZTest, welchTTest, wilsonInterval } from '../../src/experiments/stats';
import { expectClose, expectP, reference } from '../fixtures/stats/reference';

describe('headline case: 500 vs 500 recipients, 50 vs 75 conversions', () => {
  const h = reference.headline;

  it('chi-square, p-value and z agree with scipy', () => {
    const chi = chiSquareTest([h.controlSuccesses, h.variantSuccesses], [h.controlTrials, h.variantTrials]);
    expectClose(chi.statistic, h.chiSquare, 'X²');
    expect(chi.df).toBe(1);
    expectP(chi.pValue, h.pValue);
    const z = twoProportionZTest(h.controlSuccesses, h.controlTrials, h.variantSuccesses, h.variantTrials);
    expectClose(z.z, h.z, 'z');
    expectP(z.pValue, h.zPValue);
    expect(chi.statistic).toBeCloseTo(40 / 7, 12); // 5.714285…
    expect(z.z * z.z).toBeCloseTo(chi.statistic, 12);
  });

  it('absolute lift 0.05 and relative lift 50 % (as the difference of means of the 0/1 outcomes)', () => {
    const w = welchTTest({ n: 500, sum: 50, sumSq: 50 }, { n: 500, sum: 75, sumSq: 75 });
    expectClose(w.meanDifference, h.absoluteLift, 'absolute lift');
    expectClose(w.meanDifference / (50 / 500), h.relativeLift, 'relative lift');
    expect(w.meanDifference).toBeCloseTo(0.05, 15);
  });
});

describe('chiSquareTest', () => {
  it.each(reference.chiSquare)('$name', ({ successes, trials, statistic, df, pValue }) => {
    const r = chiSquareTest(successes, trials);
    expectClose(r.statistic, statistic, 'X²');
    expect(r.df).toBe(df);
    expectP(r.pValue, pValue);
  });

  it('keeps p-values below 1e-12 accurate', () => {
    const tiny = reference.chiSquare.filter((c) => c.pValue < 1e-12);
    expect(tiny.length).toBeGreaterThanOrEqual(2);
    for (const c of tiny) expectP(chiSquareTest(c.successes, c.trials).pValue, c.pValue);
  });

  it('equal rates give statistic 0 and p = 1 exactly', () => {
    expect(chiSquareTest([10, 20, 30], [100, 200, 300])).toEqual({ statistic: 0, df: 2, pValue: 1 });
  });

  it('degenerate tables: no successes, all successes, < 2 non-empty rows, empty input', () => {
    expect(chiSquareTest([0, 0, 0], [10, 20, 30])).toEqual({ statistic: 0, df: 2, pValue: 1 });
    expect(chiSquareTest([10, 20], [10, 20])).toEqual({ statistic: 0, df: 1, pValue: 1 });
    expect(chiSquareTest([3, 0], [10, 0])).toEqual({ statistic: 0, df: 1, pValue: 1 });
    expect(chiSquareTest([0, 0], [0, 0])).toEqual({ statistic: 0, df: 1, pValue: 1 });
    expect(chiSquareTest([4], [9])).toEqual({ statistic: 0, df: 0, pValue: 1 });
    expect(chiSquareTest([], [])).toEqual({ statistic: 0, df: 0, pValue: 1 });
  });

  it('rejects invalid counts', () => {
    expect(() => chiSquareTest([1, 2], [3])).toThrow(RangeError);
    expect(() => chiSquareTest([5, 2], [3, 4])).toThrow(RangeError);
    expect(() => chiSquareTest([-1, 2], [3, 4])).toThrow(RangeError);
    expect(() => chiSquareTest([1.5, 2], [3, 4])).toThrow(RangeError);
    expect(() => chiSquareTest([NaN, 2], [3, 4])).toThrow(RangeError);
  });
});

describe('twoProportionZTest', () => {
  it.each(reference.zTest)('$name', ({ controlSuccesses, controlTrials, variantSuccesses, variantTrials, z, pValue }) => {
    const r = twoProportionZTest(controlSuccesses, controlTrials, variantSuccesses, variantTrials);
    expectClose(r.z, z, 'z');
    expectP(r.pValue, pValue);
  });

  it('z² equals the 2-variant chi-square statistic and the p-values coincide', () => {
    for (const [cs, cn, vs, vn] of [[7, 90, 15, 110], [300, 2000, 260, 2100], [1, 5000, 30, 4000], [45, 50, 40, 50]] as const) {
      const z = twoProportionZTest(cs, cn, vs, vn);
      const chi = chiSquareTest([cs, vs], [cn, vn]);
      expect(z.z * z.z).toBeCloseTo(chi.statistic, 9);
      expectP(z.pValue, chi.pValue, 'p', 1e-9);
    }
  });

  it('degenerate: an empty arm or a pooled rate of 0 or 1 gives z 0, p 1', () => {
    expect(twoProportionZTest(0, 0, 5, 10)).toEqual({ z: 0, pValue: 1 });
    expect(twoProportionZTest(0, 100, 0, 100)).toEqual({ z: 0, pValue: 1 });
    expect(twoProportionZTest(100, 100, 50, 50)).toEqual({ z: 0, pValue: 1 });
  });
});

describe('holmAdjust', () => {
  it.each(reference.holm)('$p', ({ p, adjusted }) => {
    const a = holmAdjust(p);
    expect(a).toHaveLength(adjusted.length);
    a.forEach((x, i) => expectP(x, adjusted[i]!, `adjusted[${i}]`, 1e-12));
  });

  it('is monotone in the raw p-values, never below them, capped at 1', () => {
    const p = [0.03, 0.2, 0.001, 0.04, 0.04, 0.7, 0.011];
    const a = holmAdjust(p);
    for (let i = 0; i < p.length; i++) {
      expect(a[i]).toBeGreaterThanOrEqual(p[i]!);
      expect(a[i]).toBeLessThanOrEqual(1);
      for (let j = 0; j < p.length; j++) if (p[i]! <= p[j]!) expect(a[i]).toBeLessThanOrEqual(a[j]!);
    }
  });

  it('rejects values outside [0, 1]', () => {
    expect(() => holmAdjust([0.1, 1.2])).toThrow(RangeError);
    expect(() => holmAdjust([NaN])).toThrow(RangeError);
  });
});

describe('wilsonInterval', () => {
  it.each(reference.wilson)('$successes/$trials at $confidence', ({ successes, trials, confidence, lower, upper }) => {
    const r = wilsonInterval(successes, trials, confidence);
    expectClose(r.lower, lower, 'lower');
    expectClose(r.upper, upper, 'upper');
  });

  it('0 trials gives [0, 1]; invalid confidence throws', () => {
    expect(wilsonInterval(0, 0, 0.95)).toEqual({ lower: 0, upper: 1 });
    expect(() => wilsonInterval(1, 2, 1)).toThrow(RangeError);
    expect(() => wilsonInterval(1, 2, 95)).toThrow(RangeError);
  });
});

describe('newcombeDifference (method 10)', () => {
  it.each(reference.newcombe)(
    '$variantSuccesses/$variantTrials − $controlSuccesses/$controlTrials at $confidence',
    ({ controlSuccesses, controlTrials, variantSuccesses, variantTrials, confidence, lower, upper, published }) => {
      const r = newcombeDifference(controlSuccesses, controlTrials, variantSuccesses, variantTrials, confidence);
      expectClose(r.lower, lower, 'lower');
      expectClose(r.upper, upper, 'upper');
      if (published) {
        // Newcombe (1998) Table II prints 4 decimals.
        expect(Math.round(r.lower * 1e4) / 1e4).toBeCloseTo(published.lower, 10);
        expect(Math.round(r.upper * 1e4) / 1e4).toBeCloseTo(published.upper, 10);
      }
    },
  );

  it('reproduces the printed values of five of Newcombe’s examples', () => {
    expect(reference.newcombe.filter((c) => c.published).length).toBe(5);
  });

  it('contains the observed difference and an empty arm gives [−1, 1]', () => {
    const r = newcombeDifference(50, 500, 75, 500, 0.95);
    expect(r.lower).toBeLessThan(0.05);
    expect(r.upper).toBeGreaterThan(0.05);
    expect(newcombeDifference(0, 0, 3, 10, 0.95)).toEqual({ lower: -1, upper: 1 });
  });
});

describe('welchTTest', () => {
  it.each(reference.welch)('$name', ({ control, variant, t, df, pValue, meanDifference, lower, upper, lower90, upper90 }) => {
    const r = welchTTest(control, variant);
    expectClose(r.t, t, 't');
    expectClose(r.df, df, 'df');
    expectP(r.pValue, pValue);
    expectClose(r.meanDifference, meanDifference, 'meanDifference');
    expectClose(r.lower, lower, 'lower');
    expectClose(r.upper, upper, 'upper');
    const r90 = welchTTest(control, variant, 0.9);
    expectClose(r90.lower, lower90, 'lower (90 %)');
    expectClose(r90.upper, upper90, 'upper (90 %)');
  });

  it('degenerate: fewer than 2 values in an arm, or zero variance, is uninformative', () => {
    expect(welchTTest({ n: 1, sum: 3, sumSq: 9 }, { n: 5, sum: 10, sumSq: 30 })).toEqual({ t: 0, df: 0, pValue: 1, meanDifference: -1, lower: 0, upper: 0 });
    expect(welchTTest({ n: 0, sum: 0, sumSq: 0 }, { n: 0, sum: 0, sumSq: 0 })).toEqual({ t: 0, df: 0, pValue: 1, meanDifference: 0, lower: 0, upper: 0 });
    // constant samples 0.1 × 10 and 0.3 × 10: Σx² carries rounding, the variance is still exactly 0
    const c = { n: 10, sum: 0.1 * 10, sumSq: 0.1 * 0.1 * 10 };
    const v = { n: 10, sum: 0.3 * 10, sumSq: 0.3 * 0.3 * 10 };
    const r = welchTTest(c, v);
    expect(r).toMatchObject({ t: 0, df: 0, pValue: 1, lower: 0, upper: 0 });
    expect(r.meanDifference).toBeCloseTo(0.2, 15);
  });

  it('rejects invalid moments', () => {
    expect(() => welchTTest({ n: 2.5, sum: 1, sumSq: 1 }, { n: 3, sum: 1, sumSq: 1 })).toThrow(RangeError);
    expect(() => welchTTest({ n: 2, sum: Infinity, sumSq: 1 }, { n: 3, sum: 1, sumSq: 1 })).toThrow(RangeError);
  });
});

describe('srmTest', () => {
  it.each(reference.srm)('$observed vs $shares', ({ observed, shares, statistic, pValue }) => {
    const r = srmTest(observed, shares);
    expectClose(r.statistic, statistic, 'X²');
    expectP(r.pValue, pValue);
  });

  it('degenerate: total 0 or one category gives statistic 0, p 1', () => {
    expect(srmTest([0, 0], [0.5, 0.5])).toEqual({ statistic: 0, pValue: 1 });
    expect(srmTest([10], [1])).toEqual({ statistic: 0, pValue: 1 });
  });

  it('leaves out empty zero-share categories; units in a zero-share category are a certain mismatch', () => {
    const r = srmTest([5100, 0, 4900], [0.5, 0, 0.5]);
    const same = srmTest([5100, 4900], [0.5, 0.5]);
    expect(r).toEqual(same);
    expect(srmTest([10, 3], [1, 0])).toEqual({ statistic: Number.MAX_VALUE, pValue: 0 });
    expect(srmTest([10, 3, 0], [0.5, 0, 0.5])).toEqual({ statistic: Number.MAX_VALUE, pValue: 0 });
    expect(() => srmTest([10, 3], [1, -1])).toThrow(RangeError);
    expect(() => srmTest([10, 3], [1])).toThrow(RangeError);
  });
});
