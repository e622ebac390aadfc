/**
 * The experiment engine: from a campaign's per-variant counters to a decision. Pure and
 * O(variants): no events are read. The statistics it combines live in ./stats (each cites its
 * method); this file only decides which of them apply, and when a result is strong enough.
 *
 * Rules, per method (α = 1 − confidenceLevel):
 * - No messages sent: NOT_STARTED. No responses anywhere: NO_RESPONSES.
 * - Any variant below minSampleSize sent: INSUFFICIENT_SAMPLE, never significant.
 * - Sample ratio mismatch (sent counts vs weights, p < 0.001, every variant ≥ 8 sent): results are
 *   reported but no winner is proposed (SAMPLE_RATIO_MISMATCH).
 * - FIXED_HORIZON: decides only once every variant reached the required sample size (from the
 *   control's rate, the minimum detectable effect, α and power 0.8); then Holm-adjusted
 *   two-proportion z-tests (Welch's t-test for REVENUE) against the control.
 * - SEQUENTIAL: always-valid confidence sequences (stats/sequential.ts), Holm-adjusted; may
 *   decide at any look.
 * - BAYESIAN: the leader wins when its probability to beat the control (or, for a leading control,
 *   to beat every variant) is at least confidenceLevel and the expected loss of choosing it is
 *   below BAYESIAN_LOSS_THRESHOLD (for REVENUE: that share of the control's revenue per
 *   recipient). Rates use Beta(1,1) posteriors; REVENUE uses the normal approximation of the
 *   difference of means (flat prior).
 * - For OPT_OUT lower is better: "beating" the control means a lower rate.
 * - The horizon (FIXED_HORIZON) and the sample advice use the control's rate and the minimum
 *   detectable effect (upwards, or downwards when up would exceed 100 %); for REVENUE the
 *   two-sample formula for means with the observed variances; when neither can be computed,
 *   minSampleSize is the horizon.
 * - The winner is the leader (best rate; for OPT_OUT the lowest), provided it differs
 *   significantly from the control — or, when the control leads, every variant is significantly
 *   worse. Two leaders with the same rate: TIED_RESULTS.
 */
import { Metric, TestMethod } from '../campaigns/experiment-enums';
import {
  achievedPower,
  chiSquareTest,
  expectedLoss,
  holmAdjust,
  newcombeDifference,
  normalCdf,
  normalQuantile,
  probabilityToBeatControl,
  requiredSampleSize,
  sequentialDifferenceTest,
  sequentialEstimateTest,
  srmTest,
  twoProportionZTest,
  welchTTest,
} from './stats';

export const SRM_P_THRESHOLD = 0.001;
export const SRM_MIN_PER_VARIANT = 8;
/** Relative effect the test is sized for when the campaign does not set minimumDetectableEffect. */
export const DEFAULT_MDE = 0.1;
/** BAYESIAN: largest acceptable expected loss of the chosen variant, absolute (0.1 percentage point). */
export const BAYESIAN_LOSS_THRESHOLD = 0.001;
export const TARGET_POWER = 0.8;

export type TestStatusValue = 'NOT_STARTED' | 'COLLECTING' | 'SIGNIFICANT' | 'INCONCLUSIVE' | 'WINNER_DECLARED';
export type NoWinnerReasonValue = 'NOT_STARTED' | 'NO_RESPONSES' | 'INSUFFICIENT_SAMPLE' | 'TIED_RESULTS' | 'INSUFFICIENT_CONFIDENCE' | 'SAMPLE_RATIO_MISMATCH';

export interface VariantInput {
  variantId: string;
  key: string;
  isControl: boolean;
  /** Percent; sums to 100 over the campaign. */
  weight: number;
  sent: number;
  /** Unique recipients with the metric's fact (for REVENUE: unused). */
  successes: number;
  /** Revenue over recipients and the sum of squares of per-recipient revenue (REVENUE). */
  revenue: number;
  revenueSumOfSquares: number;
}

export interface EngineInput {
  metric: Metric;
  method: TestMethod;
  confidenceLevel: number;
  minSampleSize: number;
  minimumDetectableEffect?: number | null;
  variants: readonly VariantInput[];
  /** A winner already declared (manually or automatically): reported, not re-decided. */
  declaredWinnerId?: string | null;
  now: Date;
}

export interface ComparisonResult {
  variantId: string;
  controlId: string;
  rate: number;
  controlRate: number;
  absoluteLift: number;
  /** Percent; null when the control's rate is 0. */
  relativeLift: number | null;
  liftLower: number;
  liftUpper: number;
  zScore: number | null;
  pValue: number;
  adjustedPValue: number;
  significant: boolean;
  probabilityToBeatControl: number;
  expectedLoss: number;
  /** Expected loss of keeping the control instead of this variant (BAYESIAN, control leading). */
  controlLoss: number;
}

export interface EngineResult {
  metric: Metric;
  method: TestMethod;
  status: TestStatusValue;
  pValue: number | null;
  chiSquare: number | null;
  degreesOfFreedom: number | null;
  confidenceLevel: number | null;
  significant: boolean;
  insufficientSampleSize: boolean;
  sampleRatioMismatch: { pValue: number; detected: boolean; expectedShares: number[]; observed: number[] };
  comparisons: ComparisonResult[];
  leaderId: string | null;
  /** The declared winner, or the winner the method now allows (`proposedWinnerId`). */
  winnerId: string | null;
  proposedWinnerId: string | null;
  noWinnerReason: NoWinnerReasonValue | null;
  power: number | null;
  requiredSampleSizePerVariant: number | null;
  recommendations: string[];
  computedAt: Date;
}

const pct = (x: number, digits = 1) => `${(x * 100).toFixed(digits)} %`;

export function analyze(input: EngineInput): EngineResult {
  const { metric, method, variants } = input;
  const alpha = 1 - input.confidenceLevel;
  const control = variants.find((v) => v.isControl) ?? variants[0]!;
  const others = variants.filter((v) => v !== control);
  const revenue = metric === Metric.REVENUE;
  const lowerIsBetter = metric === Metric.OPT_OUT;
  const rateOf = (v: VariantInput) => (v.sent > 0 ? (revenue ? v.revenue : v.successes) / v.sent : 0);
  const totalSent = variants.reduce((a, v) => a + v.sent, 0);
  const totalResponses = variants.reduce((a, v) => a + (revenue ? v.revenue : v.successes), 0);

  // Sample ratio mismatch: sent (exposures) against the weights.
  const expectedShares = variants.map((v) => v.weight / 100);
  const observed = variants.map((v) => v.sent);
  const srm = srmTest(observed, expectedShares);
  const srmDetected = variants.every((v) => v.sent >= SRM_MIN_PER_VARIANT) && srm.pValue < SRM_P_THRESHOLD;

  // Omnibus test across all variants (rate metrics).
  const omnibus = revenue ? null : chiSquareTest(variants.map((v) => v.successes), variants.map((v) => v.sent));

  // Pairwise comparisons against the control.
  const raw = others.map((v) => compare(v, control, method, metric, alpha));
  const adjusted = holmAdjust(raw.map((c) => c.pValue));
  const lossThreshold = revenue ? BAYESIAN_LOSS_THRESHOLD * rateOf(control) : BAYESIAN_LOSS_THRESHOLD;
  // A comparison is significant by the method's own rule (Bayesian: credibly better or worse).
  const comparisons = raw.map((c, i) => ({
    ...c,
    adjustedPValue: adjusted[i]!,
    significant:
      method === TestMethod.BAYESIAN
        ? c.probabilityToBeatControl >= input.confidenceLevel || 1 - c.probabilityToBeatControl >= input.confidenceLevel
        : adjusted[i]! <= alpha && c.pValue <= alpha,
  }));

  // Leader: best rate (lowest for OPT_OUT); ties broken towards the control.
  // Variants that sent nothing have no rate to lead with.
  const better = (a: VariantInput, b: VariantInput) =>
    a.sent > 0 && b.sent === 0 ? true : a.sent === 0 ? false : lowerIsBetter ? rateOf(a) < rateOf(b) : rateOf(a) > rateOf(b);
  const ranked = [...variants].sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : a === control ? -1 : b === control ? 1 : 0));
  const leader = ranked[0]!;
  const runnerUp = ranked[1];
  const tied = runnerUp !== undefined && rateOf(leader) === rateOf(runnerUp);
  const leaderComparison = comparisons.find((c) => c.variantId === leader.variantId);

  // Sample size the test is designed for, and power at the current sample.
  const baseline = rateOf(control) > 0 ? rateOf(control) : totalSent > 0 ? totalResponses / totalSent : 0;
  const mde = input.minimumDetectableEffect ?? DEFAULT_MDE;
  const required = revenue ? requiredForMeans(control, others, mde, alpha) : requiredForRates(baseline, mde, alpha);
  const best = leader === control ? (others.length ? ranked.find((v) => v !== control)! : control) : leader;
  const power = revenue || control.sent === 0 || best.sent === 0 ? null : achievedPower({ p1: rateOf(control), p2: rateOf(best), n1: control.sent, n2: best.sent, alpha });
  const minSent = Math.min(...variants.map((v) => v.sent));

  // The decision.
  let proposed: VariantInput | null = null;
  let reason: NoWinnerReasonValue | null = null;
  let significant = false;
  const insufficient = minSent < input.minSampleSize;
  if (totalSent === 0) reason = 'NOT_STARTED';
  else if (totalResponses === 0) reason = 'NO_RESPONSES';
  else if (insufficient) reason = 'INSUFFICIENT_SAMPLE';
  else if (method === TestMethod.FIXED_HORIZON && minSent < (required ?? input.minSampleSize)) reason = 'INSUFFICIENT_SAMPLE';
  else if (tied) reason = 'TIED_RESULTS';
  else {
    significant = decides(method, leader, control, comparisons, input.confidenceLevel, lossThreshold, leaderComparison);
    if (!significant) reason = 'INSUFFICIENT_CONFIDENCE';
    else if (srmDetected) reason = 'SAMPLE_RATIO_MISMATCH';
    else proposed = leader;
  }

  const declared = input.declaredWinnerId ? variants.find((v) => v.variantId === input.declaredWinnerId) ?? null : null;
  const status: TestStatusValue = declared
    ? 'WINNER_DECLARED'
    : reason === 'NOT_STARTED'
      ? 'NOT_STARTED'
      : significant && !srmDetected
        ? 'SIGNIFICANT'
        : reason === 'SAMPLE_RATIO_MISMATCH' || (reason === 'INSUFFICIENT_CONFIDENCE' && method === TestMethod.FIXED_HORIZON) || reason === 'TIED_RESULTS'
          ? 'INCONCLUSIVE'
          : 'COLLECTING';

  const leadP = leaderComparison?.adjustedPValue ?? (comparisons.length ? Math.min(...comparisons.map((c) => c.adjustedPValue)) : null);
  const result: EngineResult = {
    metric,
    method,
    status,
    pValue: omnibus ? omnibus.pValue : leadP,
    chiSquare: omnibus ? omnibus.statistic : null,
    degreesOfFreedom: omnibus ? omnibus.df : null,
    confidenceLevel: leadP === null ? null : 1 - leadP,
    significant: significant && !insufficient,
    insufficientSampleSize: insufficient,
    sampleRatioMismatch: { pValue: srm.pValue, detected: srmDetected, expectedShares, observed },
    comparisons,
    leaderId: totalResponses > 0 ? leader.variantId : null,
    winnerId: declared?.variantId ?? proposed?.variantId ?? null,
    proposedWinnerId: proposed?.variantId ?? null,
    noWinnerReason: declared ? null : reason,
    power,
    requiredSampleSizePerVariant: required,
    recommendations: [],
    computedAt: input.now,
  };
  result.recommendations = recommend(input, result, { leader, control, minSent, required, srmP: srm.pValue, rateOf });
  return result;
}

/** Per-variant sample for rate metrics: the effect upwards, or downwards when up would pass 100 %. */
function requiredForRates(baseline: number, mde: number, alpha: number): number | null {
  if (baseline <= 0 || baseline >= 1) return null;
  const up = baseline * (1 + mde) < 1;
  return requiredSampleSize({ baseline, relativeEffect: up ? mde : -Math.min(mde, 0.99), alpha, power: TARGET_POWER });
}

/**
 * Per-variant sample for REVENUE: n = (z₁₋α/₂ + z₀.₈)² · (σ²_c + σ²_v) / δ², δ = mde × the control's
 * mean revenue per recipient, σ² the observed variances (the largest variant's, conservatively).
 */
function requiredForMeans(control: VariantInput, others: readonly VariantInput[], mde: number, alpha: number): number | null {
  const c = moments(control);
  const delta = mde * c.mean;
  const variance = Math.max(c.variance, ...others.map((v) => moments(v).variance));
  if (!(delta > 0) || !(variance > 0)) return null;
  const z = normalQuantile(1 - alpha / 2) + normalQuantile(TARGET_POWER);
  return Math.ceil((z * z * 2 * variance) / (delta * delta));
}

function moments(v: VariantInput): { mean: number; variance: number } {
  const mean = v.sent > 0 ? v.revenue / v.sent : 0;
  const variance = v.sent > 1 ? Math.max((v.revenueSumOfSquares - v.sent * mean * mean) / (v.sent - 1), 0) : 0;
  return { mean, variance };
}

/** E[max(X, 0)] for X ~ N(mu, sigma²). */
function positivePartMean(mu: number, sigma: number): number {
  if (!(sigma > 0)) return Math.max(mu, 0);
  const z = mu / sigma;
  return mu * normalCdf(z) + (sigma * Math.exp(-0.5 * z * z)) / Math.sqrt(2 * Math.PI);
}

function compare(v: VariantInput, control: VariantInput, method: TestMethod, metric: Metric, alpha: number): Omit<ComparisonResult, 'adjustedPValue' | 'significant'> {
  const revenue = metric === Metric.REVENUE;
  const lowerIsBetter = metric === Metric.OPT_OUT;
  const rate = v.sent > 0 ? (revenue ? v.revenue : v.successes) / v.sent : 0;
  const controlRate = control.sent > 0 ? (revenue ? control.revenue : control.successes) / control.sent : 0;
  const absoluteLift = rate - controlRate;
  const relativeLift = controlRate > 0 ? (absoluteLift / controlRate) * 100 : null;
  const base = { variantId: v.variantId, controlId: control.variantId, rate, controlRate, absoluteLift, relativeLift };

  if (revenue) {
    const w = welchTTest({ n: control.sent, sum: control.revenue, sumSq: control.revenueSumOfSquares }, { n: v.sent, sum: v.revenue, sumSq: v.revenueSumOfSquares }, 1 - alpha);
    const mc = moments(control);
    const mv = moments(v);
    const se2 = (control.sent > 0 ? mc.variance / control.sent : 0) + (v.sent > 0 ? mv.variance / v.sent : 0);
    const se = Math.sqrt(se2);
    // Flat-prior normal posterior of the difference of means.
    const probabilityToBeatControl = se > 0 ? normalCdf(absoluteLift / se) : absoluteLift > 0 ? 1 : absoluteLift < 0 ? 0 : 0.5;
    const expectedLoss = positivePartMean(-absoluteLift, se);
    const controlLoss = positivePartMean(absoluteLift, se);
    if (method === TestMethod.SEQUENTIAL) {
      const s = sequentialEstimateTest(absoluteLift, se2, control.sent + v.sent, alpha);
      return { ...base, liftLower: s.lower, liftUpper: s.upper, zScore: w.t, pValue: s.pValue, probabilityToBeatControl, expectedLoss, controlLoss };
    }
    return { ...base, liftLower: w.lower, liftUpper: w.upper, zScore: w.t, pValue: w.pValue, probabilityToBeatControl, expectedLoss, controlLoss };
  }

  const c = { successes: control.successes, trials: control.sent };
  const t = { successes: v.successes, trials: v.sent };
  // "Beating" the control is a higher rate, or a lower one for OPT_OUT.
  const bayes = lowerIsBetter
    ? { probabilityToBeatControl: 1 - probabilityToBeatControl(c, t), expectedLoss: expectedLoss(t, c), controlLoss: expectedLoss(c, t) }
    : { probabilityToBeatControl: probabilityToBeatControl(c, t), expectedLoss: expectedLoss(c, t), controlLoss: expectedLoss(t, c) };
  const z = twoProportionZTest(control.successes, control.sent, v.successes, v.sent);
  if (method === TestMethod.SEQUENTIAL) {
    const s = sequentialDifferenceTest(control.successes, control.sent, v.successes, v.sent, alpha);
    return { ...base, liftLower: s.lower, liftUpper: s.upper, zScore: z.z, pValue: s.pValue, ...bayes };
  }
  const ci = newcombeDifference(control.successes, control.sent, v.successes, v.sent, 1 - alpha);
  return { ...base, liftLower: ci.lower, liftUpper: ci.upper, zScore: z.z, pValue: z.pValue, ...bayes };
}

/** Whether the method lets the leader win now. */
function decides(
  method: TestMethod,
  leader: VariantInput,
  control: VariantInput,
  comparisons: ComparisonResult[],
  confidence: number,
  lossThreshold: number,
  leaderComparison?: ComparisonResult,
): boolean {
  if (comparisons.length === 0) return false;
  if (method === TestMethod.BAYESIAN) {
    if (leader !== control) {
      return !!leaderComparison && leaderComparison.probabilityToBeatControl >= confidence && leaderComparison.expectedLoss < lossThreshold;
    }
    // The control leads: it must beat every variant, and choosing it must cost little against each.
    return comparisons.every((c) => 1 - c.probabilityToBeatControl >= confidence && c.controlLoss < lossThreshold);
  }
  if (leader !== control) return !!leaderComparison?.significant;
  return comparisons.every((c) => c.significant);
}

function recommend(
  input: EngineInput,
  r: EngineResult,
  ctx: { leader: VariantInput; control: VariantInput; minSent: number; required: number | null; srmP: number; rateOf: (v: VariantInput) => number },
): string[] {
  const out: string[] = [];
  const name = (v: VariantInput) => `variant ${v.key}`;
  if (r.sampleRatioMismatch.detected) {
    out.push(`Sample ratio mismatch (p = ${ctx.srmP.toExponential(1)}): the sent counts do not match the weights. Check the sending pipeline before trusting these results.`);
  }
  switch (r.noWinnerReason) {
    case 'NOT_STARTED':
      out.push('No messages have been sent yet: launch the campaign to start collecting results.');
      break;
    case 'NO_RESPONSES':
      out.push('Messages went out but nobody has responded yet: wait for responses before reading anything into the numbers.');
      break;
    case 'INSUFFICIENT_SAMPLE': {
      const target = input.method === TestMethod.FIXED_HORIZON && ctx.required !== null ? Math.max(ctx.required, input.minSampleSize) : input.minSampleSize;
      const missing = Math.max(target - ctx.minSent, 0);
      out.push(`Collect about ${missing.toLocaleString('en-US')} more recipients per variant (the smallest variant has ${ctx.minSent.toLocaleString('en-US')} of ${target.toLocaleString('en-US')}) before a decision is possible.`);
      break;
    }
    case 'TIED_RESULTS':
      out.push('The leading variants perform identically: keep the control, or keep testing if the difference matters to you.');
      break;
    case 'INSUFFICIENT_CONFIDENCE':
      if (r.leaderId && r.leaderId !== ctx.control.variantId) {
        const c = r.comparisons.find((x) => x.variantId === r.leaderId);
        const lift = c?.relativeLift === null || c === undefined ? '' : ` (${c.relativeLift >= 0 ? '+' : ''}${c.relativeLift.toFixed(1)} % vs control)`;
        out.push(`${name(ctx.leader)} leads${lift} but the difference is not yet significant at ${pct(input.confidenceLevel, 0)} confidence.`);
      } else {
        out.push(`The control leads, but not significantly at ${pct(input.confidenceLevel, 0)} confidence.`);
      }
      if (ctx.required !== null && ctx.minSent < ctx.required) {
        out.push(`About ${(ctx.required - ctx.minSent).toLocaleString('en-US')} more recipients per variant would detect a ${pct(input.minimumDetectableEffect ?? DEFAULT_MDE, 0)} relative lift with 80 % power.`);
      } else if (input.method === TestMethod.FIXED_HORIZON) {
        out.push('The planned sample size is reached without a significant difference: the variants likely perform alike; pick on other grounds (cost, brand).');
      }
      break;
    case 'SAMPLE_RATIO_MISMATCH':
      out.push('A winner would be significant, but it is withheld until the sample ratio mismatch is explained.');
      break;
    default:
      break;
  }
  if (r.winnerId) {
    const w = input.variants.find((v) => v.variantId === r.winnerId)!;
    out.push(
      r.status === 'WINNER_DECLARED'
        ? `${name(w)} is the declared winner: send it to the rest of the audience.`
        : `${name(w)} is the winner at ${pct(input.confidenceLevel, 0)} confidence: declare it and send it to the rest of the audience.`,
    );
  }
  return out;
}
