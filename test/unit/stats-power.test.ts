import { achievedPower, minimumDetectableEffect, requiredSampleSize } from '../../src/experiments/stats';
import { expectClose, expectP, reference } from '../fixtures/stats/reference';

describe('requiredSampleSize (Fleiss, no continuity correction)', () => {
  it.each(reference.power.requiredSampleSize)('baseline $baseline, effect $relativeEffect, α $alpha, power $power → $n', (c) => {
    expect(requiredSampleSize({ baseline: c.baseline, relativeEffect: c.relativeEffect, alpha: c.alpha, power: c.power })).toBe(c.n);
  });

  it('10 % vs 12 % at α 0.05 and 80 % power needs 3841 per variant (textbook value 3840.85 rounded up)', () => {
    expect(requiredSampleSize({ baseline: 0.1, relativeEffect: 0.2, alpha: 0.05 })).toBe(3841);
  });

  it('null when it cannot be computed: baseline 0 or 1, no effect, p₂ outside [0, 1]', () => {
    expect(requiredSampleSize({ baseline: 0, relativeEffect: 0.2, alpha: 0.05 })).toBeNull();
    expect(requiredSampleSize({ baseline: 1, relativeEffect: -0.2, alpha: 0.05 })).toBeNull();
    expect(requiredSampleSize({ baseline: 0.1, relativeEffect: 0, alpha: 0.05 })).toBeNull();
    expect(requiredSampleSize({ baseline: 0.6, relativeEffect: 1, alpha: 0.05 })).toBeNull();
  });

  it('rejects α or power outside their ranges', () => {
    expect(() => requiredSampleSize({ baseline: 0.1, relativeEffect: 0.2, alpha: 0 })).toThrow(RangeError);
    expect(() => requiredSampleSize({ baseline: 0.1, relativeEffect: 0.2, alpha: 0.05, power: 1 })).toThrow(RangeError);
    expect(() => requiredSampleSize({ baseline: 0.1, relativeEffect: 0.2, alpha: 0.05, power: 0.3 })).toThrow(RangeError);
  });
});

describe('achievedPower', () => {
  it.each(reference.power.achievedPower)('$p1 vs $p2 with $n1/$n2 at α $alpha', (c) => {
    expectP(achievedPower(c), c.power, 'power');
  });

  it('is about 80 % at the required sample size', () => {
    expect(achievedPower({ p1: 0.1, p2: 0.12, n1: 3841, n2: 3841, alpha: 0.05 })).toBeCloseTo(0.8, 2);
  });

  it('degenerate: an empty arm gives 0; zero standard error gives 0 without and 1 with a difference', () => {
    expect(achievedPower({ p1: 0.1, p2: 0.12, n1: 0, n2: 100, alpha: 0.05 })).toBe(0);
    expect(achievedPower({ p1: 0, p2: 0, n1: 10, n2: 10, alpha: 0.05 })).toBe(0);
    expect(achievedPower({ p1: 0, p2: 1, n1: 10, n2: 10, alpha: 0.05 })).toBe(1);
  });
});

describe('minimumDetectableEffect', () => {
  it.each(reference.power.minimumDetectableEffect)('baseline $baseline with $n per variant', (c) => {
    expectClose(minimumDetectableEffect(c)!, c.relativeEffect, 'MDE');
  });

  it('inverts requiredSampleSize', () => {
    const mde = minimumDetectableEffect({ baseline: 0.1, n: 3841, alpha: 0.05 })!;
    expect(mde).toBeCloseTo(0.2, 4);
    expect(requiredSampleSize({ baseline: 0.1, relativeEffect: mde, alpha: 0.05 })).toBe(3841);
  });

  it('null when it cannot be computed', () => {
    expect(minimumDetectableEffect({ baseline: 0, n: 1000, alpha: 0.05 })).toBeNull();
    expect(minimumDetectableEffect({ baseline: 0.1, n: 0, alpha: 0.05 })).toBeNull();
    expect(minimumDetectableEffect({ baseline: 0.9, n: 2, alpha: 0.05 })).toBeNull(); // not even 100 % is detectable
  });
});
