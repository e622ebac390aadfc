/** Welch's unequal-variance t-test for a difference of means from per-arm moments. Pure. */
import t = require('@stdlib/stats-base-dists-t');
import { checkCount, checkFinite, checkOpenUnit } from './checks';
import { studentTTwoSidedP } from './distributions';

/** Sufficient statistics of one arm's per-recipient values: count, Σx and Σx². */
export interface Moments {
  n: number;
  sum: number;
  sumSq: number;
}

export interface WelchResult {
  t: number;
  df: number;
  pValue: number;
  /** mean_variant − mean_control (0 when an arm is empty). */
  meanDifference: number;
  /** Confidence interval for meanDifference (95 % unless another confidence is given). */
  lower: number;
  upper: number;
}

/**
 * Unbiased sample variance (Σx² − n·x̄²)/(n − 1), clamped at 0. A remainder within rounding error of
 * Σx² (8 ulps) is taken as exactly 0, so constant samples have zero variance rather than noise.
 */
function variance(m: Moments): number {
  const mean = m.sum / m.n;
  const ss = m.sumSq - m.n * mean * mean;
  if (ss <= 8 * Number.EPSILON * Math.abs(m.sumSq)) return 0;
  return ss / (m.n - 1);
}

function checkMoments(name: string, m: Moments): void {
  checkCount(`${name} n`, m.n);
  checkFinite(`${name} sum`, m.sum);
  checkFinite(`${name} sumSq`, m.sumSq);
  if (m.sumSq < 0) throw new RangeError(`${name} sumSq must be non-negative, got ${m.sumSq}`);
}

/**
 * Welch (1947) t-test, two-sided: t = (x̄_v − x̄_c)/sqrt(s²_v/n_v + s²_c/n_c) with the
 * Welch–Satterthwaite df = (s²_v/n_v + s²_c/n_c)² / ((s²_v/n_v)²/(n_v − 1) + (s²_c/n_c)²/(n_c − 1)),
 * p from Student's t (incomplete beta), interval x̄_v − x̄_c ± t_{1−(1−confidence)/2, df}·se with
 * confidence 0.95 by default (as scipy.stats.ttest_ind(variant, control, equal_var=False) and its
 * confidence_interval()).
 *
 * Degenerate input: an arm with fewer than 2 values (no variance estimate), or a standard error of
 * 0 (both arms constant), is uninformative: { t: 0, df: 0, pValue: 1, lower: 0, upper: 0 } with
 * meanDifference still the observed difference (0 if an arm is empty).
 */
export function welchTTest(control: Moments, variant: Moments, confidence = 0.95): WelchResult {
  checkOpenUnit('confidence', confidence);
  checkMoments('control', control);
  checkMoments('variant', variant);
  const meanDifference = control.n > 0 && variant.n > 0 ? variant.sum / variant.n - control.sum / control.n : 0;
  const uninformative: WelchResult = { t: 0, df: 0, pValue: 1, meanDifference, lower: 0, upper: 0 };
  if (control.n < 2 || variant.n < 2) return uninformative;
  const vc = variance(control) / control.n;
  const vv = variance(variant) / variant.n;
  const se2 = vc + vv;
  if (!(se2 > 0)) return uninformative;
  const se = Math.sqrt(se2);
  const statistic = meanDifference / se;
  const df = (se2 * se2) / ((vc * vc) / (control.n - 1) + (vv * vv) / (variant.n - 1));
  const half = t.quantile(1 - (1 - confidence) / 2, df) * se;
  return { t: statistic, df, pValue: studentTTwoSidedP(statistic, df), meanDifference, lower: meanDifference - half, upper: meanDifference + half };
}
