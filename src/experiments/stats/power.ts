/** Sample size, power and minimum detectable effect for a two-sided two-proportion z-test. Pure. */
import { checkCount, checkOpenUnit } from './checks';
import { normalCdf, normalQuantile } from './distributions';

export interface SampleSizeInput {
  /** Control conversion rate p₁, in (0, 1). */
  baseline: number;
  /** Relative lift to detect: p₂ = baseline·(1 + relativeEffect). */
  relativeEffect: number;
  /** Two-sided significance level, in (0, 1). */
  alpha: number;
  /** Target power, in [0.5, 1); default 0.8. */
  power?: number;
}

export interface AchievedPowerInput {
  p1: number;
  p2: number;
  n1: number;
  n2: number;
  alpha: number;
}

export interface MdeInput {
  baseline: number;
  /** Recipients per variant. */
  n: number;
  alpha: number;
  power?: number;
}

function checkPower(power: number): void {
  if (!(power >= 0.5 && power < 1)) throw new RangeError(`power must be in [0.5, 1), got ${power}`);
}

function checkRate(name: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`${name} must be in [0, 1], got ${p}`);
}

/** Unrounded Fleiss per-arm sample size; null when p₁ ∉ (0, 1), p₂ ∉ [0, 1] or p₂ = p₁. */
function fleissN(p1: number, p2: number, alpha: number, power: number): number | null {
  if (!(p1 > 0 && p1 < 1) || !(p2 >= 0 && p2 <= 1) || p2 === p1) return null;
  const zAlpha = -normalQuantile(alpha / 2);
  const zBeta = normalQuantile(power);
  const pBar = (p1 + p2) / 2;
  const root = zAlpha * Math.sqrt(2 * pBar * (1 - pBar)) + zBeta * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  return (root * root) / ((p2 - p1) * (p2 - p1));
}

/**
 * Recipients per variant for a two-sided two-proportion z-test at level alpha to reach the given
 * power (Fleiss, Levin & Paik, "Statistical Methods for Rates and Proportions",
 * 3rd ed. 2003, the formula without continuity correction):
 * n = (z_{1−α/2}·sqrt(2p̄(1 − p̄)) + z_{power}·sqrt(p₁(1 − p₁) + p₂(1 − p₂)))² / (p₂ − p₁)²,
 * p₂ = baseline·(1 + relativeEffect), p̄ = (p₁ + p₂)/2, rounded up.
 * null = cannot be computed: baseline 0 or 1, effect 0, or p₂ outside [0, 1].
 */
export function requiredSampleSize({ baseline, relativeEffect, alpha, power = 0.8 }: SampleSizeInput): number | null {
  checkOpenUnit('alpha', alpha);
  checkPower(power);
  if (!Number.isFinite(baseline) || !Number.isFinite(relativeEffect)) throw new RangeError('baseline and relativeEffect must be finite');
  const n = fleissN(baseline, baseline * (1 + relativeEffect), alpha, power);
  return n === null ? null : Math.ceil(n);
}

/**
 * Power of the two-sided z-test with unpooled standard error se = sqrt(p₁(1 − p₁)/n₁ + p₂(1 − p₂)/n₂):
 * Φ(|δ|/se − z_{1−α/2}) + Φ(−|δ|/se − z_{1−α/2}), δ = p₂ − p₁. An empty arm gives 0; se = 0 gives
 * 0 when δ = 0 and 1 otherwise (the difference is then observed without error).
 */
export function achievedPower({ p1, p2, n1, n2, alpha }: AchievedPowerInput): number {
  checkRate('p1', p1);
  checkRate('p2', p2);
  checkCount('n1', n1);
  checkCount('n2', n2);
  checkOpenUnit('alpha', alpha);
  if (n1 === 0 || n2 === 0) return 0;
  const delta = Math.abs(p2 - p1);
  const se = Math.sqrt((p1 * (1 - p1)) / n1 + (p2 * (1 - p2)) / n2);
  if (!(se > 0)) return delta === 0 ? 0 : 1;
  const z = -normalQuantile(alpha / 2);
  return normalCdf(delta / se - z) + normalCdf(-delta / se - z);
}

/**
 * Smallest upward relative effect r (p₂ = baseline·(1 + r)) that requiredSampleSize detects with
 * n recipients per variant: the root of the unrounded Fleiss formula n(r) = n, by bisection to
 * 1e-12 relative (n(r) decreases in r). null = cannot be computed: baseline 0 or 1, n = 0, or not
 * even p₂ = 1 is detectable with n per variant.
 */
export function minimumDetectableEffect({ baseline, n, alpha, power = 0.8 }: MdeInput): number | null {
  checkOpenUnit('alpha', alpha);
  checkPower(power);
  checkCount('n', n);
  if (!(baseline > 0 && baseline < 1) || n === 0) return null;
  const size = (r: number) => fleissN(baseline, baseline * (1 + r), alpha, power)!;
  let hi = (1 - baseline) / baseline; // p₂ = 1
  if (size(hi) > n) return null;
  let lo = 0;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (size(mid) > n) lo = mid;
    else hi = mid;
  }
  return hi;
}
