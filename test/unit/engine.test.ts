/**
 * The experiment decision engine (src/experiments/engine.ts, `analyze`) and its campaign mapping
 * (src/experiments/analysis.ts, `campaignAnalysis`). The statistics themselves are tested in the
 * stats-*.test.ts files; here the question is which of them apply and what gets decided.
 */
import type { Campaign } from '../../src/campaigns/campaign.entity';
import type { Variant } from '../../src/campaigns/variant.entity';
import { campaignAnalysis } from '../../src/experiments/analysis';
import { analyze, BAYESIAN_LOSS_THRESHOLD, DEFAULT_MDE, type EngineInput, type EngineResult, type VariantInput } from '../../src/experiments/engine';
import { Metric, TestMethod } from '../../src/campaigns/experiment-enums';
import { newcombeDifference, requiredSampleSize, sequentialDifferenceTest, twoProportionZTest, welchTTest } from '../../src/experiments/stats';
import type { Winner } from '../../src/experiments/winner.entity';

/** Variant "A" is the control; `run` replaces the weights with an even split. */
function v(key: string, sent: number, successes: number, extra: Partial<VariantInput> = {}): VariantInput {
  return { variantId: `id-${key}`, key, isControl: key === 'A', weight: 50, sent, successes, revenue: 0, revenueSumOfSquares: 0, ...extra };
}

/** Even weights over the given variants (the last one takes the rounding remainder). */
function even(variants: VariantInput[]): VariantInput[] {
  const w = Math.floor((100 / variants.length) * 1000) / 1000;
  return variants.map((x, i) => ({ ...x, weight: i === variants.length - 1 ? 100 - w * (variants.length - 1) : w }));
}

const NOW = new Date('2025-01-01T00:00:00Z');

function run(variants: VariantInput[], overrides: Partial<EngineInput> = {}): EngineResult {
  return analyze({
    metric: Metric.CONVERSION,
    method: TestMethod.SEQUENTIAL,
    confidenceLevel: 0.95,
    minSampleSize: 100,
    variants: even(variants),
    now: NOW,
    ...overrides,
  });
}

const cmp = (r: EngineResult, key: string) => {
  const c = r.comparisons.find((x) => x.variantId === `id-${key}`);
  if (!c) throw new Error(`no comparison for ${key}`);
  return c;
};

/** Throws on the first NaN / ±Infinity (JSON.stringify would silently turn them into null). */
function nonFinite(value: unknown): string[] {
  const bad: string[] = [];
  JSON.stringify(value, function (key, x: unknown) {
    if (typeof x === 'number' && !Number.isFinite(x)) bad.push(`${key}: ${x}`);
    if (typeof x === 'string' && /NaN|Infinity/.test(x)) bad.push(`${key}: ${x}`);
    return x;
  });
  return bad;
}

describe('analyze: status and noWinnerReason', () => {
  it('NOT_STARTED when nothing was sent', () => {
    const r = run([v('A', 0, 0), v('B', 0, 0)]);
    expect(r.status).toBe('NOT_STARTED');
    expect(r.noWinnerReason).toBe('NOT_STARTED');
    expect(r.leaderId).toBeNull();
    expect(r.winnerId).toBeNull();
    expect(r.significant).toBe(false);
    expect(r.recommendations).toEqual(['No messages have been sent yet: launch the campaign to start collecting results.']);
  });

  it('NO_RESPONSES when messages went out but nobody converted: p-value 1, chi-square 0', () => {
    const r = run([v('A', 500, 0), v('B', 500, 0)]);
    expect(r.status).toBe('COLLECTING');
    expect(r.noWinnerReason).toBe('NO_RESPONSES');
    expect(r.pValue).toBe(1);
    expect(r.chiSquare).toBe(0);
    expect(r.degreesOfFreedom).toBe(1);
    expect(r.leaderId).toBeNull();
    expect(r.proposedWinnerId).toBeNull();
    expect(r.significant).toBe(false);
    expect(r.recommendations[0]).toMatch(/nobody has responded yet/);
  });

  it.each([TestMethod.FIXED_HORIZON, TestMethod.SEQUENTIAL, TestMethod.BAYESIAN])(
    'INSUFFICIENT_SAMPLE (%s): a variant below minSampleSize is never significant, even with a huge effect',
    (method) => {
      const r = run([v('A', 500, 10), v('B', 500, 250)], { method, minSampleSize: 1000, minimumDetectableEffect: 10 });
      expect(cmp(r, 'B').pValue).toBeLessThan(1e-10);
      expect(r.insufficientSampleSize).toBe(true);
      expect(r.significant).toBe(false);
      expect(r.noWinnerReason).toBe('INSUFFICIENT_SAMPLE');
      expect(r.status).toBe('COLLECTING');
      expect(r.proposedWinnerId).toBeNull();
      expect(r.winnerId).toBeNull();
      expect(r.leaderId).toBe('id-B');
    },
  );

  it('insufficientSampleSize is false once every variant reached minSampleSize', () => {
    const r = run([v('A', 100, 10), v('B', 100, 12)], { minSampleSize: 100 });
    expect(r.insufficientSampleSize).toBe(false);
    expect(r.noWinnerReason).not.toBe('INSUFFICIENT_SAMPLE');
  });

  it('TIED_RESULTS when the two leading variants have the same rate', () => {
    const r = run([v('A', 2000, 200), v('B', 2000, 300), v('C', 2000, 300)]);
    expect(cmp(r, 'B').significant).toBe(true);
    expect(r.noWinnerReason).toBe('TIED_RESULTS');
    expect(r.status).toBe('INCONCLUSIVE');
    expect(r.proposedWinnerId).toBeNull();
    expect(r.significant).toBe(false);
    expect(r.recommendations).toContain('The leading variants perform identically: keep the control, or keep testing if the difference matters to you.');
  });

  it('TIED_RESULTS with all rates equal: every p-value is 1, the control is the leader', () => {
    const r = run([v('A', 1000, 100), v('B', 1000, 100), v('C', 1000, 100)], { method: TestMethod.FIXED_HORIZON, minimumDetectableEffect: 2 });
    expect(r.noWinnerReason).toBe('TIED_RESULTS');
    expect(r.pValue).toBe(1);
    expect(r.chiSquare).toBe(0);
    expect(r.degreesOfFreedom).toBe(2);
    expect(r.comparisons.map((c) => c.pValue)).toEqual([1, 1]);
    expect(r.comparisons.map((c) => c.adjustedPValue)).toEqual([1, 1]);
    expect(r.leaderId).toBe('id-A');
  });

  it('INSUFFICIENT_CONFIDENCE while a small lead is not significant (SEQUENTIAL keeps COLLECTING)', () => {
    const r = run([v('A', 2000, 200), v('B', 2000, 220)]);
    expect(r.noWinnerReason).toBe('INSUFFICIENT_CONFIDENCE');
    expect(r.status).toBe('COLLECTING');
    expect(r.leaderId).toBe('id-B');
    expect(r.proposedWinnerId).toBeNull();
    expect(r.recommendations[0]).toBe('variant B leads (+10.0 % vs control) but the difference is not yet significant at 95 % confidence.');
  });

  describe('sample ratio mismatch', () => {
    // 1000 vs 500 sent at 50/50, and a real effect (10 % vs 20 %).
    const r = run([v('A', 1000, 100), v('B', 500, 100)]);

    it('is detected (p < 0.001) and reported with the observed counts and expected shares', () => {
      expect(r.sampleRatioMismatch.detected).toBe(true);
      expect(r.sampleRatioMismatch.pValue).toBeLessThan(0.001);
      expect(r.sampleRatioMismatch.observed).toEqual([1000, 500]);
      expect(r.sampleRatioMismatch.expectedShares).toEqual([0.5, 0.5]);
    });

    it('keeps the result significant but proposes no winner', () => {
      expect(cmp(r, 'B').significant).toBe(true);
      expect(r.significant).toBe(true);
      expect(r.noWinnerReason).toBe('SAMPLE_RATIO_MISMATCH');
      expect(r.status).toBe('INCONCLUSIVE');
      expect(r.proposedWinnerId).toBeNull();
      expect(r.winnerId).toBeNull();
      expect(r.leaderId).toBe('id-B');
    });

    it('says so in the recommendations', () => {
      expect(r.recommendations[0]).toMatch(/^Sample ratio mismatch \(p = [0-9.]+e-\d+\): the sent counts do not match the weights/);
      expect(r.recommendations).toContain('A winner would be significant, but it is withheld until the sample ratio mismatch is explained.');
      expect(r.recommendations.join(' ')).not.toMatch(/is the winner/);
    });

    it('is not flagged when a variant has fewer than 8 sent, however skewed', () => {
      const small = run([v('A', 1000, 100), v('B', 7, 7)], { minSampleSize: 1 });
      expect(small.sampleRatioMismatch.pValue).toBeLessThan(1e-100);
      expect(small.sampleRatioMismatch.detected).toBe(false);
      expect(small.noWinnerReason).not.toBe('SAMPLE_RATIO_MISMATCH');
    });

    it('is not flagged when the sent counts follow unequal weights', () => {
      const r7030 = analyze({
        metric: Metric.CONVERSION,
        method: TestMethod.SEQUENTIAL,
        confidenceLevel: 0.95,
        minSampleSize: 100,
        variants: [v('A', 7000, 700, { weight: 70 }), v('B', 3000, 450, { weight: 30 })],
        now: NOW,
      });
      expect(r7030.sampleRatioMismatch.detected).toBe(false);
      expect(r7030.sampleRatioMismatch.expectedShares).toEqual([0.7, 0.3]);
      expect(r7030.proposedWinnerId).toBe('id-B');
    });

    it('is flagged against unequal weights when the counts are even', () => {
      const r = analyze({
        metric: Metric.CONVERSION,
        method: TestMethod.SEQUENTIAL,
        confidenceLevel: 0.95,
        minSampleSize: 100,
        variants: [v('A', 5000, 500, { weight: 70 }), v('B', 5000, 750, { weight: 30 })],
        now: NOW,
      });
      expect(r.sampleRatioMismatch.detected).toBe(true);
      expect(r.proposedWinnerId).toBeNull();
    });
  });
});

describe('analyze: FIXED_HORIZON', () => {
  // Control at 10 %, sized for a +50 % relative lift.
  const mde = 0.5;
  const required = requiredSampleSize({ baseline: 0.1, relativeEffect: mde, alpha: 0.05, power: 0.8 })!;
  const fixed = (variants: VariantInput[]) => run(variants, { method: TestMethod.FIXED_HORIZON, minimumDetectableEffect: mde });

  it('sizes the test from the control rate, the MDE, alpha and 80 % power', () => {
    expect(required).toBeGreaterThan(600);
    expect(required).toBeLessThan(700);
    expect(fixed([v('A', 600, 60), v('B', 600, 66)]).requiredSampleSizePerVariant).toBe(required);
  });

  it('falls back to DEFAULT_MDE when the campaign sets none', () => {
    const r = run([v('A', 600, 60), v('B', 600, 66)], { method: TestMethod.FIXED_HORIZON });
    expect(r.requiredSampleSizePerVariant).toBe(requiredSampleSize({ baseline: 0.1, relativeEffect: DEFAULT_MDE, alpha: 0.05 }));
  });

  it('does not decide before the required sample size, even at p < 0.001', () => {
    const r = fixed([v('A', 600, 60), v('B', 600, 120)]);
    expect(cmp(r, 'B').pValue).toBeLessThan(0.001);
    expect(r.noWinnerReason).toBe('INSUFFICIENT_SAMPLE');
    expect(r.status).toBe('COLLECTING');
    expect(r.significant).toBe(false);
    expect(r.insufficientSampleSize).toBe(false); // minSampleSize (100) is reached; the horizon is not
    expect(r.proposedWinnerId).toBeNull();
  });

  it('decides once every variant reached it: SIGNIFICANT with the better variant proposed', () => {
    const r = fixed([v('A', 700, 70), v('B', 700, 140)]);
    expect(r.requiredSampleSizePerVariant).toBe(required);
    expect(r.status).toBe('SIGNIFICANT');
    expect(r.significant).toBe(true);
    expect(r.noWinnerReason).toBeNull();
    expect(r.proposedWinnerId).toBe('id-B');
    expect(r.winnerId).toBe('id-B');
    expect(r.recommendations).toEqual(['variant B is the winner at 95 % confidence: declare it and send it to the rest of the audience.']);
  });

  it('waits for the smallest variant, not the control', () => {
    const r = fixed([v('A', 700, 70), v('B', 700, 140), v('C', 600, 60)]);
    expect(r.noWinnerReason).toBe('INSUFFICIENT_SAMPLE');
    expect(r.proposedWinnerId).toBeNull();
  });

  it('uses the pooled two-proportion z-test and the Newcombe interval', () => {
    const r = fixed([v('A', 700, 70), v('B', 700, 140)]);
    const z = twoProportionZTest(70, 700, 140, 700);
    const ci = newcombeDifference(70, 700, 140, 700, 0.95);
    expect(cmp(r, 'B').zScore).toBeCloseTo(z.z, 12);
    expect(cmp(r, 'B').pValue).toBeCloseTo(z.pValue, 15);
    expect(cmp(r, 'B').liftLower).toBeCloseTo(ci.lower, 12);
    expect(cmp(r, 'B').liftUpper).toBeCloseTo(ci.upper, 12);
  });

  it('reaching the sample without significance is INCONCLUSIVE', () => {
    const r = fixed([v('A', 700, 70), v('B', 700, 75)]);
    expect(r.noWinnerReason).toBe('INSUFFICIENT_CONFIDENCE');
    expect(r.status).toBe('INCONCLUSIVE');
    expect(r.proposedWinnerId).toBeNull();
    expect(r.recommendations).toContain(
      'The planned sample size is reached without a significant difference: the variants likely perform alike; pick on other grounds (cost, brand).',
    );
  });
});

describe('analyze: SEQUENTIAL', () => {
  it('a large effect decides early (2,000 per arm, 10 % vs 15 %)', () => {
    const r = run([v('A', 2000, 200), v('B', 2000, 300)]);
    expect(r.requiredSampleSizePerVariant).toBeGreaterThan(2000);
    expect(r.status).toBe('SIGNIFICANT');
    expect(r.proposedWinnerId).toBe('id-B');
    expect(cmp(r, 'B').significant).toBe(true);
  });

  it('a small effect at the same sample does not (10 % vs 11 %)', () => {
    const r = run([v('A', 2000, 200), v('B', 2000, 220)]);
    expect(r.significant).toBe(false);
    expect(cmp(r, 'B').significant).toBe(false);
    expect(r.proposedWinnerId).toBeNull();
  });

  it('takes the p-value and interval from the confidence sequence, wider than Newcombe', () => {
    const r = run([v('A', 2000, 200), v('B', 2000, 300)]);
    const c = cmp(r, 'B');
    const s = sequentialDifferenceTest(200, 2000, 300, 2000, 0.05);
    const n = newcombeDifference(200, 2000, 300, 2000, 0.95);
    expect(c.liftLower).toBe(s.lower);
    expect(c.liftUpper).toBe(s.upper);
    expect(c.pValue).toBe(s.pValue);
    expect(c.liftLower).toBeLessThan(n.lower);
    expect(c.liftUpper).toBeGreaterThan(n.upper);
    expect(c.pValue).toBeGreaterThan(twoProportionZTest(200, 2000, 300, 2000).pValue);
    expect(c.zScore).toBeCloseTo(twoProportionZTest(200, 2000, 300, 2000).z, 12);
  });

  it('an effect significant by the fixed z-test need not be significant sequentially', () => {
    // 10 % vs 12 % at 2,000 each: z-test p ≈ 0.04, the confidence sequence still covers 0.
    const r = run([v('A', 2000, 200), v('B', 2000, 240)]);
    expect(twoProportionZTest(200, 2000, 240, 2000).pValue).toBeLessThan(0.05);
    expect(cmp(r, 'B').significant).toBe(false);
    expect(r.noWinnerReason).toBe('INSUFFICIENT_CONFIDENCE');
  });
});

describe('analyze: BAYESIAN', () => {
  const bayes = (variants: VariantInput[]) => run(variants, { method: TestMethod.BAYESIAN });

  it('decides when P(beat control) ≥ confidence and the expected loss is below the threshold', () => {
    const r = bayes([v('A', 2000, 200), v('B', 2000, 300)]);
    const c = cmp(r, 'B');
    expect(c.probabilityToBeatControl).toBeGreaterThanOrEqual(0.95);
    expect(c.expectedLoss).toBeLessThan(BAYESIAN_LOSS_THRESHOLD);
    expect(r.status).toBe('SIGNIFICANT');
    expect(r.proposedWinnerId).toBe('id-B');
  });

  it('does not decide when the expected loss is too large (few samples), though P ≥ confidence', () => {
    const r = bayes([v('A', 100, 46), v('B', 100, 58)]);
    const c = cmp(r, 'B');
    expect(c.probabilityToBeatControl).toBeGreaterThanOrEqual(0.95);
    expect(c.expectedLoss).toBeGreaterThanOrEqual(BAYESIAN_LOSS_THRESHOLD);
    expect(r.noWinnerReason).toBe('INSUFFICIENT_CONFIDENCE');
    expect(r.status).toBe('COLLECTING');
    expect(r.proposedWinnerId).toBeNull();
  });

  it('does not decide when P(beat control) is below confidence', () => {
    const r = bayes([v('A', 2000, 200), v('B', 2000, 215)]);
    expect(cmp(r, 'B').probabilityToBeatControl).toBeLessThan(0.95);
    expect(r.noWinnerReason).toBe('INSUFFICIENT_CONFIDENCE');
    expect(r.proposedWinnerId).toBeNull();
  });

  it('proposes a leading control that beats every variant with probability ≥ confidence', () => {
    const r = bayes([v('A', 2000, 300), v('B', 2000, 200), v('C', 2000, 210)]);
    for (const c of r.comparisons) expect(1 - c.probabilityToBeatControl).toBeGreaterThanOrEqual(0.95);
    expect(r.leaderId).toBe('id-A');
    expect(r.proposedWinnerId).toBe('id-A');
    expect(r.status).toBe('SIGNIFICANT');
  });

  it('the Bayesian fields are filled for every method', () => {
    const r = run([v('A', 1000, 100), v('B', 1000, 120)], { method: TestMethod.FIXED_HORIZON });
    expect(cmp(r, 'B').probabilityToBeatControl).toBeGreaterThan(0.5);
    expect(cmp(r, 'B').probabilityToBeatControl).toBeLessThan(1);
    expect(cmp(r, 'B').expectedLoss).toBeGreaterThan(0);
  });
});

describe('analyze: the control as winner', () => {
  it('is proposed when it leads and every variant is significantly worse', () => {
    const r = run([v('A', 2000, 300), v('B', 2000, 200), v('C', 2000, 190)]);
    expect(r.comparisons.every((c) => c.significant && c.absoluteLift < 0)).toBe(true);
    expect(r.leaderId).toBe('id-A');
    expect(r.proposedWinnerId).toBe('id-A');
    expect(r.status).toBe('SIGNIFICANT');
  });

  it('is not proposed when only one of three variants is significantly worse', () => {
    const r = run([v('A', 2000, 300), v('B', 2000, 200), v('C', 2000, 290), v('D', 2000, 295)]);
    expect(cmp(r, 'B').significant).toBe(true);
    expect(cmp(r, 'C').significant).toBe(false);
    expect(cmp(r, 'D').significant).toBe(false);
    expect(r.leaderId).toBe('id-A');
    expect(r.proposedWinnerId).toBeNull();
    expect(r.noWinnerReason).toBe('INSUFFICIENT_CONFIDENCE');
    expect(r.recommendations[0]).toBe('The control leads, but not significantly at 95 % confidence.');
  });

  it('ties between the control and a variant are broken towards the control', () => {
    const r = run([v('B', 1000, 150), v('A', 1000, 150), v('C', 1000, 100)]);
    expect(r.leaderId).toBe('id-A');
  });
});

describe('analyze: OPT_OUT (lower is better)', () => {
  it('the lowest opt-out rate leads and wins', () => {
    const r = run([v('A', 5000, 250), v('B', 5000, 100), v('C', 5000, 240)], { metric: Metric.OPT_OUT });
    expect(r.leaderId).toBe('id-B');
    expect(cmp(r, 'B').absoluteLift).toBeLessThan(0);
    expect(r.proposedWinnerId).toBe('id-B');
    expect(r.recommendations[0]).toMatch(/^variant B is the winner/);
  });

  it('a control with the lowest rate leads', () => {
    const r = run([v('A', 5000, 100), v('B', 5000, 250)], { metric: Metric.OPT_OUT });
    expect(r.leaderId).toBe('id-A');
    expect(r.proposedWinnerId).toBe('id-A');
  });

  it('a variant with a higher opt-out rate is not the leader, even if significantly different', () => {
    const r = run([v('A', 5000, 100), v('B', 5000, 250)], { metric: Metric.OPT_OUT });
    expect(cmp(r, 'B').significant).toBe(true);
    expect(r.proposedWinnerId).not.toBe('id-B');
  });
});

describe('analyze: REVENUE (Welch)', () => {
  // 1,000 recipients per arm; 100 vs 150 buyers at 10 each. FIXED_HORIZON: plain Welch p-values.
  const rev = (key: string, buyers: number) => v(key, 1000, buyers, { revenue: buyers * 10, revenueSumOfSquares: buyers * 100 });
  const r = run([rev('A', 100), rev('B', 150)], { metric: Metric.REVENUE, method: TestMethod.FIXED_HORIZON });
  const w = welchTTest({ n: 1000, sum: 1000, sumSq: 10000 }, { n: 1000, sum: 1500, sumSq: 15000 }, 0.95);

  it('has no chi-square; the p-value is the leading comparison', () => {
    expect(r.chiSquare).toBeNull();
    expect(r.degreesOfFreedom).toBeNull();
    expect(r.pValue).toBe(cmp(r, 'B').adjustedPValue);
    // Two-sample formula for means: (z.975 + z.8)² · 2σ² / δ², σ² the larger observed variance,
    // δ = 10 % of the control's 1.0 per recipient.
    const sigma2 = (15000 - 1000 * 1.5 * 1.5) / 999;
    expect(r.requiredSampleSizePerVariant).toBe(Math.ceil(((1.959963984540054 + 0.8416212335729143) ** 2 * 2 * sigma2) / 0.01));
    expect(r.power).toBeNull();
  });

  it('uses the sequential confidence sequence for REVENUE under SEQUENTIAL (wider than Welch)', () => {
    const s = run([rev('A', 100), rev('B', 150)], { metric: Metric.REVENUE, method: TestMethod.SEQUENTIAL });
    const c = cmp(s, 'B');
    expect(c.pValue).toBeGreaterThan(w.pValue);
    expect(c.liftUpper - c.liftLower).toBeGreaterThan(w.upper - w.lower);
  });

  it('compares revenue per recipient, with the t statistic as zScore', () => {
    const c = cmp(r, 'B');
    expect(c.rate).toBe(1.5);
    expect(c.controlRate).toBe(1);
    expect(c.absoluteLift).toBe(0.5);
    expect(c.relativeLift).toBeCloseTo(50, 12);
    expect(c.zScore).toBe(w.t);
    expect(c.pValue).toBe(w.pValue);
    expect(c.liftLower).toBe(w.lower);
    expect(c.liftUpper).toBe(w.upper);
  });

  it('waits for the planned sample, then decides with a clear revenue difference', () => {
    expect(w.pValue).toBeLessThan(0.01);
    expect(r.noWinnerReason).toBe('INSUFFICIENT_SAMPLE'); // 1,000 < 20,035 planned for a 10 % lift
    const planned = run([rev('A', 100), rev('B', 150)], { metric: Metric.REVENUE, method: TestMethod.FIXED_HORIZON, minimumDetectableEffect: 0.5 });
    expect(planned.requiredSampleSizePerVariant).toBeLessThan(1000);
    expect(planned.status).toBe('SIGNIFICANT');
    expect(planned.proposedWinnerId).toBe('id-B');
  });

  it('does not decide on a small difference', () => {
    const small = run([rev('A', 100), rev('B', 105)], { metric: Metric.REVENUE });
    expect(small.noWinnerReason).toBe('INSUFFICIENT_CONFIDENCE');
    expect(small.proposedWinnerId).toBeNull();
  });

  it('NO_RESPONSES when there is no revenue at all', () => {
    const none = run([v('A', 500, 0), v('B', 500, 0)], { metric: Metric.REVENUE });
    expect(none.noWinnerReason).toBe('NO_RESPONSES');
  });
});

describe('analyze: Holm adjustment', () => {
  // Control 10 %; three variants at increasing distances.
  const r = run([v('A', 3000, 300), v('B', 3000, 390), v('C', 3000, 350), v('D', 3000, 330)], { method: TestMethod.FIXED_HORIZON });
  const raw = r.comparisons.map((c) => c.pValue);

  it('adjusted p-values are at least the raw ones', () => {
    for (const c of r.comparisons) expect(c.adjustedPValue).toBeGreaterThanOrEqual(c.pValue);
  });

  it('equal the step-down values min(1, max over smaller ps of (m − rank)·p)', () => {
    const order = [0, 1, 2].sort((a, b) => raw[a]! - raw[b]!);
    const [i1, i2, i3] = order as [number, number, number];
    const a1 = Math.min(1, 3 * raw[i1]!);
    const a2 = Math.max(a1, Math.min(1, 2 * raw[i2]!));
    const a3 = Math.max(a2, Math.min(1, raw[i3]!));
    expect(r.comparisons[i1]!.adjustedPValue).toBeCloseTo(a1, 15);
    expect(r.comparisons[i2]!.adjustedPValue).toBeCloseTo(a2, 15);
    expect(r.comparisons[i3]!.adjustedPValue).toBeCloseTo(a3, 15);
    expect(order).toEqual([0, 1, 2]); // B, C, D: the largest lift has the smallest p
  });

  it('a comparison is significant only when its adjusted p ≤ α (raw p < α is not enough)', () => {
    const c = cmp(r, 'C');
    expect(c.pValue).toBeLessThan(0.05);
    expect(c.adjustedPValue).toBeGreaterThan(0.05);
    expect(c.significant).toBe(false);
    expect(cmp(r, 'B').significant).toBe(true);
    for (const x of r.comparisons) expect(x.significant).toBe(x.adjustedPValue <= 0.05);
  });

  it('a single comparison is not adjusted', () => {
    const one = run([v('A', 3000, 300), v('B', 3000, 360)], { method: TestMethod.FIXED_HORIZON });
    expect(one.comparisons[0]!.adjustedPValue).toBe(one.comparisons[0]!.pValue);
    expect(one.comparisons[0]!.significant).toBe(true);
  });
});

describe('analyze: declared winner', () => {
  it.each([
    ['a significant result', [v('A', 2000, 200), v('B', 2000, 300)]],
    ['too few recipients', [v('A', 10, 1), v('B', 10, 2)]],
    ['nothing sent', [v('A', 0, 0), v('B', 0, 0)]],
  ])('is reported as WINNER_DECLARED on %s', (_name, variants) => {
    const r = run(variants, { declaredWinnerId: 'id-A' });
    expect(r.status).toBe('WINNER_DECLARED');
    expect(r.winnerId).toBe('id-A');
    expect(r.noWinnerReason).toBeNull();
    expect(r.recommendations[r.recommendations.length - 1]).toBe('variant A is the declared winner: send it to the rest of the audience.');
  });

  it('does not re-decide: the method’s own choice stays in proposedWinnerId', () => {
    const r = run([v('A', 2000, 200), v('B', 2000, 300)], { declaredWinnerId: 'id-A' });
    expect(r.winnerId).toBe('id-A');
    expect(r.proposedWinnerId).toBe('id-B');
  });
});

describe('analyze: recommendations for INSUFFICIENT_SAMPLE', () => {
  it('asks for minSampleSize − the smallest sent', () => {
    const r = run([v('A', 330, 50), v('B', 320, 40), v('C', 325, 40)], { minSampleSize: 500 });
    expect(r.recommendations).toEqual([
      'Collect about 180 more recipients per variant (the smallest variant has 320 of 500) before a decision is possible.',
    ]);
  });

  it('FIXED_HORIZON: asks for the required sample size − the smallest sent', () => {
    const r = run([v('A', 2000, 200), v('B', 2000, 300)], { method: TestMethod.FIXED_HORIZON });
    const required = requiredSampleSize({ baseline: 0.1, relativeEffect: 0.1, alpha: 0.05 })!;
    expect(r.requiredSampleSizePerVariant).toBe(required);
    const missing = (required - 2000).toLocaleString('en-US');
    expect(r.recommendations).toEqual([
      `Collect about ${missing} more recipients per variant (the smallest variant has 2,000 of ${required.toLocaleString('en-US')}) before a decision is possible.`,
    ]);
  });

  it('FIXED_HORIZON below minSampleSize: the larger of the two targets', () => {
    const r = run([v('A', 50, 5), v('B', 50, 10)], { method: TestMethod.FIXED_HORIZON, minSampleSize: 5000, minimumDetectableEffect: 1 });
    expect(r.requiredSampleSizePerVariant).toBeLessThan(5000);
    expect(r.recommendations[0]).toBe('Collect about 4,950 more recipients per variant (the smallest variant has 50 of 5,000) before a decision is possible.');
  });

  it('INSUFFICIENT_CONFIDENCE: how many more recipients would detect the MDE', () => {
    const r = run([v('A', 2000, 200), v('B', 2000, 220)], { minimumDetectableEffect: 0.2 });
    const required = requiredSampleSize({ baseline: 0.1, relativeEffect: 0.2, alpha: 0.05 })!;
    expect(r.recommendations[1]).toBe(
      `About ${(required - 2000).toLocaleString('en-US')} more recipients per variant would detect a 20 % relative lift with 80 % power.`,
    );
  });
});

describe('analyze: no NaN or Infinity on degenerate input', () => {
  const eight = (sent: number, rate: (i: number) => number) =>
    'ABCDEFGH'.split('').map((k, i) => v(k, sent, Math.round(sent * rate(i)), { revenue: Math.round(sent * rate(i)) * 5, revenueSumOfSquares: Math.round(sent * rate(i)) * 25 }));
  const rev = (key: string, sent: number, s: number, extra: Partial<VariantInput> = {}) => v(key, sent, s, { revenue: s * 3, revenueSumOfSquares: s * 9, ...extra });
  const cases: [string, VariantInput[]][] = [
    ['zero sent in a variant', [rev('A', 500, 50), rev('B', 0, 0)]],
    ['zero sent in the control', [rev('A', 0, 0), rev('B', 500, 50)]],
    ['everything zero', [rev('A', 0, 0), rev('B', 0, 0)]],
    ['all converted', [rev('A', 500, 500), rev('B', 500, 500)]],
    ['all converted in one', [rev('A', 500, 50), rev('B', 500, 500)]],
    ['control all converted', [rev('A', 500, 500), rev('B', 500, 50)]],
    ['nothing converted in the control', [rev('A', 500, 0), rev('B', 500, 40)]],
    ['one recipient each', [rev('A', 1, 1), rev('B', 1, 0)]],
    ['eight variants', eight(1000, (i) => 0.05 + 0.01 * i)],
    ['eight equal variants', eight(1000, () => 0.1)],
    ['eight variants, one empty', eight(1000, (i) => 0.05 + 0.01 * i).map((x, i) => (i === 5 ? { ...x, sent: 0, successes: 0, revenue: 0, revenueSumOfSquares: 0 } : x))],
    ['1 %/99 % weights', [rev('A', 10, 1, { weight: 1 }), rev('B', 990, 120, { weight: 99 })]],
    ['1 %/99 % weights, inverted counts', [rev('A', 990, 99, { weight: 1 }), rev('B', 10, 5, { weight: 99 })]],
    ['constant revenue per buyer, all buy', [v('A', 100, 100, { revenue: 100, revenueSumOfSquares: 100 }), v('B', 100, 100, { revenue: 100, revenueSumOfSquares: 100 })]],
  ];
  const table: [string, Metric, TestMethod, VariantInput[]][] = [];
  for (const [name, variants] of cases)
    for (const metric of [Metric.CONVERSION, Metric.OPT_OUT, Metric.REVENUE])
      for (const method of [TestMethod.FIXED_HORIZON, TestMethod.SEQUENTIAL, TestMethod.BAYESIAN]) table.push([name, metric, method, variants]);

  it.each(table)('%s (%s, %s)', (_name, metric, method, variants) => {
    // Weights as given when they sum to 100, else even.
    const total = variants.reduce((a, x) => a + x.weight, 0);
    const input = { metric, method, confidenceLevel: 0.95, minSampleSize: 0, now: NOW };
    const r = total === 100 ? analyze({ ...input, variants }) : run(variants, input);
    expect(nonFinite(r)).toEqual([]);
    expect(r.comparisons).toHaveLength(variants.length - 1);
    for (const c of r.comparisons) {
      expect(c.pValue).toBeGreaterThanOrEqual(0);
      expect(c.pValue).toBeLessThanOrEqual(1);
      expect(c.adjustedPValue).toBeGreaterThanOrEqual(c.pValue);
      expect(c.adjustedPValue).toBeLessThanOrEqual(1);
      expect(c.liftLower).toBeLessThanOrEqual(c.liftUpper);
    }
  });

  it('the non-finite check itself catches NaN and Infinity', () => {
    expect(nonFinite({ a: [1, NaN], b: { c: Infinity }, d: 'NaN %' })).toHaveLength(3);
  });

  it('relativeLift is null when the control rate is 0', () => {
    const r = run([v('A', 500, 0), v('B', 500, 40)], { minSampleSize: 0 });
    expect(cmp(r, 'B').relativeLift).toBeNull();
    expect(r.leaderId).toBe('id-B');
  });
});

describe('campaignAnalysis', () => {
  const experiment = {
    primaryMetric: Metric.CONVERSION,
    method: TestMethod.SEQUENTIAL,
    confidenceLevel: 0.95,
    minSampleSize: 100,
    autoSelectWinner: true,
    testAudiencePercent: 100,
    minimumDetectableEffect: null as number | null,
  };
  const campaign = (type: string, exp: Partial<typeof experiment> = {}) => ({ id: 'c1', type, experiment: { ...experiment, ...exp } }) as unknown as Campaign;
  const variant = (id: string, key: string, isControl: boolean, weight = 50) => ({ id, key, isControl, weight, name: key, campaignId: 'c1' }) as unknown as Variant;
  const A = variant('va', 'A', true);
  const B = variant('vb', 'B', false);
  const row = (sent: number, converted: number, extra: Record<string, string> = {}) => ({
    sent: String(sent),
    converted: String(converted),
    revenue: '0',
    revenue_sq: '0',
    ...extra,
  });
  const counters = new Map([
    ['va', row(2000, 200)],
    ['vb', row(2000, 300)],
  ]);

  it('is null for a STANDARD campaign', () => {
    expect(campaignAnalysis(campaign('STANDARD'), [A, B], counters, null, NOW)).toBeNull();
  });

  it('is null for a single variant', () => {
    expect(campaignAnalysis(campaign('AB_TEST'), [A], counters, null, NOW)).toBeNull();
  });

  it('maps the engine result to the Variant objects', () => {
    const out = campaignAnalysis(campaign('AB_TEST'), [A, B], counters, null, NOW)!;
    expect(out).not.toBeNull();
    const a = out.analysis;
    expect(a.status).toBe('SIGNIFICANT');
    expect(a.comparisons).toHaveLength(1);
    expect(a.comparisons[0]!.variant).toBe(B);
    expect(a.comparisons[0]!.control).toBe(A);
    expect(a.comparisons[0]!.rate).toBe(0.15);
    expect(a.comparisons[0]!.controlRate).toBe(0.1);
    expect(a.leader).toBe(B);
    expect(a.winner).toBe(B);
    expect(a.computedAt).toBe(NOW);
    expect(a.recommendations).toEqual(out.engine.recommendations);
    expect(a.sampleRatioMismatch.observed).toEqual([2000, 2000]);
  });

  it('passes the experiment settings to the engine', () => {
    const out = campaignAnalysis(campaign('AB_TEST', { method: TestMethod.FIXED_HORIZON, minimumDetectableEffect: 0.5 }), [A, B], counters, null, NOW)!;
    expect(out.engine.method).toBe(TestMethod.FIXED_HORIZON);
    expect(out.engine.requiredSampleSizePerVariant).toBe(requiredSampleSize({ baseline: 0.1, relativeEffect: 0.5, alpha: 0.05 }));
  });

  it('reads the counter column of the primary metric', () => {
    const clicks = new Map([
      ['va', row(2000, 0, { clicked: '400' })],
      ['vb', row(2000, 0, { clicked: '200' })],
    ]);
    const out = campaignAnalysis(campaign('AB_TEST', { primaryMetric: Metric.CLICK }), [A, B], clicks, null, NOW)!;
    expect(out.analysis.comparisons[0]!.controlRate).toBe(0.2);
    expect(out.analysis.comparisons[0]!.rate).toBe(0.1);
    expect(out.analysis.leader).toBe(A);
  });

  it('clamps successes to sent (converted > sent does not throw)', () => {
    const odd = new Map([
      ['va', row(500, 600)],
      ['vb', row(500, 50)],
    ]);
    const out = campaignAnalysis(campaign('AB_TEST'), [A, B], odd, null, NOW)!;
    expect(out.analysis.comparisons[0]!.controlRate).toBe(1);
    expect(nonFinite(out.engine)).toEqual([]);
  });

  it('treats a variant without a counters row as all zeros', () => {
    const out = campaignAnalysis(campaign('AB_TEST'), [A, B], new Map([['va', row(500, 50)]]), null, NOW)!;
    expect(out.analysis.sampleRatioMismatch.observed).toEqual([500, 0]);
    expect(out.analysis.insufficientSampleSize).toBe(true);
    expect(out.analysis.noWinnerReason).toBe('INSUFFICIENT_SAMPLE');
  });

  it('reports a declared winner', () => {
    const winner = { variantId: 'va' } as unknown as Winner;
    const out = campaignAnalysis(campaign('AB_TEST'), [A, B], counters, winner, NOW)!;
    expect(out.analysis.status).toBe('WINNER_DECLARED');
    expect(out.analysis.winner).toBe(A);
    expect(out.analysis.noWinnerReason).toBeNull();
  });
});

describe('analyze: regressions', () => {
  it('BAYESIAN: a leading control also needs a small expected loss (58/100 vs 46/100 is not enough)', () => {
    const r = run([v('A', 100, 58), v('B', 100, 46)], { method: TestMethod.BAYESIAN, minSampleSize: 100 });
    expect(r.noWinnerReason).toBe('INSUFFICIENT_CONFIDENCE');
    expect(r.proposedWinnerId).toBeNull();
  });

  it('FIXED_HORIZON: high delivery rates get a horizon (the effect is sized downwards) and decide', () => {
    const r = run([v('A', 5000, 4750), v('B', 5000, 4950)], { method: TestMethod.FIXED_HORIZON, metric: Metric.DELIVERY });
    expect(r.requiredSampleSizePerVariant).not.toBeNull();
    expect(r.status).toBe('SIGNIFICANT');
    expect(r.proposedWinnerId).toBe('id-B');
  });

  it('BAYESIAN with OPT_OUT: the lower opt-out rate beats the control', () => {
    const r = run([v('A', 5000, 250), v('B', 5000, 100)], { method: TestMethod.BAYESIAN, metric: Metric.OPT_OUT });
    expect(cmp(r, 'B').probabilityToBeatControl).toBeGreaterThan(0.999);
    expect(r.proposedWinnerId).toBe('id-B');
  });

  it('BAYESIAN with REVENUE: a negligible difference is not a winner even at 50 % confidence', () => {
    const rev = (key: string, buyers: number) => v(key, 1000, buyers, { revenue: buyers * 10, revenueSumOfSquares: buyers * 100 });
    const r = run([rev('A', 100), rev('B', 101)], { method: TestMethod.BAYESIAN, metric: Metric.REVENUE, confidenceLevel: 0.5 });
    expect(cmp(r, 'B').probabilityToBeatControl).toBeGreaterThan(0.5);
    expect(r.proposedWinnerId).toBeNull();
  });

  it('a declared winner id that matches no variant is not reported as declared', () => {
    const r = run([v('A', 2000, 200), v('B', 2000, 300)], { declaredWinnerId: 'Z' });
    expect(r.status).not.toBe('WINNER_DECLARED');
    expect(r.recommendations.join(' ')).not.toMatch(/declared winner/);
  });

  it('BAYESIAN with a single variant proposes nothing', () => {
    const r = run([v('A', 2000, 200)], { method: TestMethod.BAYESIAN });
    expect(r.proposedWinnerId).toBeNull();
  });
});
