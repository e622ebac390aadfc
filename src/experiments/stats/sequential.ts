/**
 * Always-valid (anytime-valid) inference for a difference of conversion rates, safe to look at
 * after every recipient: GrowthBook's sequential testing, i.e. the asymptotic confidence sequences
 * of Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas, "Time-uniform central limit theory and
 * asymptotic confidence sequences" (arXiv:2103.06476, v7 2023), as GrowthBook's stats engine
 * implements them (growthbook/growthbook, packages/stats/gbstats/frequentist/tests.py:
 * sequential_rho = eq. 161, sequential_interval_halfwidth = eq. 9, the two-sided p-value = eq. 155;
 * docs: docs/docs/statistics/sequential.mdx). Pure.
 */
import { checkBinomial, checkOpenUnit } from './checks';

/** GrowthBook's default tuning parameter: the total sample (both arms) where the sequence is tightest. */
export const DEFAULT_SEQUENTIAL_TUNING = 5000;

export interface SequentialResult {
  /** Always-valid (1 − α) confidence sequence for p_v − p_c at the current sample. */
  lower: number;
  upper: number;
  /** Always-valid p-value: the smallest α′ whose sequence (same ρ) excludes 0. */
  pValue: number;
  /** True iff the interval excludes 0 (equivalently pValue ≤ alpha). */
  significant: boolean;
}

/**
 * Mixing parameter ρ that makes the two-sided sequence tightest at total sample N (eq. 161):
 * ρ = sqrt((−2 ln α + ln(1 − 2 ln α)) / N).
 */
export function sequentialRho(alpha: number, tuning: number = DEFAULT_SEQUENTIAL_TUNING): number {
  checkOpenUnit('alpha', alpha);
  if (!(tuning > 0 && Number.isFinite(tuning))) throw new RangeError(`tuning must be positive, got ${tuning}`);
  const l = -2 * Math.log(alpha);
  return Math.sqrt((l + Math.log(l + 1)) / tuning);
}

/**
 * Sequential test of p_v − p_c with always-valid (1 − α) intervals (GrowthBook's asymptotic
 * confidence sequence, absolute difference):
 *   d = p̂_v − p̂_c, SE² = p̂_c(1 − p̂_c)/n_c + p̂_v(1 − p̂_v)/n_v (unpooled), n = n_c + n_v,
 *   σ̂² = SE²·n (per-observation variance), ρ from sequentialRho(α, tuning),
 *   halfwidth = σ̂·sqrt(2(nρ² + 1)·ln(sqrt(nρ² + 1)/α) / (nρ)²)        (eq. 9)
 *   interval  = [d − halfwidth, d + halfwidth].
 * The p-value is 1/E capped at 1, with the e-value (eq. 155)
 *   ln E = ρ²·n·(d/SE)² / (2(nρ² + 1)) − ½·ln(nρ² + 1),
 * which is exactly the smallest α′ at which the interval (with ρ kept at its tuned value, as
 * GrowthBook does) excludes 0; it is 1 when d = 0. At the boundary the two are made to agree, so
 * pValue ≤ alpha ⇔ significant holds to the last bit.
 *
 * tuning: GrowthBook's N (default 5000), the total sample across both arms at which decisions are
 * expected; it must stay fixed for the whole experiment.
 * Degenerate input: an arm with 0 trials, or SE = 0 (both arms all-or-nothing), is uninformative
 * ({ lower: 0, upper: 0, pValue: 1, significant: false }, GrowthBook's default output).
 * Asymptotic: validity rests on the central limit theorem, so it is approximate with very few
 * conversions (the interval is then very wide: about 6.7·SE at 100 recipients in total with N = 5000).
 */
export function sequentialDifferenceTest(
  controlSuccesses: number,
  controlTrials: number,
  variantSuccesses: number,
  variantTrials: number,
  alpha: number,
  tuning: number = DEFAULT_SEQUENTIAL_TUNING,
): SequentialResult {
  checkBinomial('control', controlSuccesses, controlTrials);
  checkBinomial('variant', variantSuccesses, variantTrials);
  if (controlTrials === 0 || variantTrials === 0) return { lower: 0, upper: 0, pValue: 1, significant: false };
  const pc = controlSuccesses / controlTrials;
  const pv = variantSuccesses / variantTrials;
  const se2 = (pc * (1 - pc)) / controlTrials + (pv * (1 - pv)) / variantTrials;
  return sequentialEstimateTest(pv - pc, se2, controlTrials + variantTrials, alpha, tuning);
}

/**
 * The same confidence sequence for any difference estimate d with squared standard error se2 over
 * n observations in total (e.g. a difference of mean revenue per recipient, with Welch's SE²).
 */
export function sequentialEstimateTest(d: number, se2: number, n: number, alpha: number, tuning: number = DEFAULT_SEQUENTIAL_TUNING): SequentialResult {
  const rho = sequentialRho(alpha, tuning);
  if (!(se2 > 0) || !(n > 0) || !Number.isFinite(d)) return { lower: 0, upper: 0, pValue: 1, significant: false };
  const nr2 = n * rho * rho;
  const s2 = se2 * n;
  const halfwidth = Math.sqrt(s2 * 2 * (nr2 + 1) * Math.log(Math.sqrt(nr2 + 1) / alpha)) / (n * rho);
  const lower = d - halfwidth;
  const upper = d + halfwidth;
  const significant = lower > 0 || upper < 0;
  const logE = (nr2 * ((d * d) / se2)) / (2 * (nr2 + 1)) - 0.5 * Math.log(nr2 + 1);
  let pValue = logE <= 0 ? 1 : Math.exp(-logE);
  // Same inequality in two algebraic forms: settle rounding at the boundary in favour of the interval.
  if (significant && pValue > alpha) pValue = alpha;
  if (!significant && pValue <= alpha) pValue = Math.min(1, alpha + alpha * Number.EPSILON); // a double just above alpha
  return { lower, upper, pValue, significant };
}
