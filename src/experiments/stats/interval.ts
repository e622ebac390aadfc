/** Score confidence intervals for a proportion and for a difference of proportions. Pure. */
import { checkBinomial, checkOpenUnit } from './checks';
import { normalQuantile } from './distributions';

export interface Interval {
  lower: number;
  upper: number;
}

/** z_{1−(1−confidence)/2}, computed from the small tail probability for accuracy. */
function twoSidedZ(confidence: number): number {
  checkOpenUnit('confidence', confidence);
  return -normalQuantile((1 - confidence) / 2);
}

function wilson(successes: number, trials: number, z: number): Interval {
  if (trials === 0) return { lower: 0, upper: 1 };
  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denominator;
  // The exact endpoints at 0 and 1 successes are 0 and 1; clamp the rounding there.
  return {
    lower: successes === 0 ? 0 : Math.max(0, centre - half),
    upper: successes === trials ? 1 : Math.min(1, centre + half),
  };
}

/**
 * Wilson (1927) score interval for a binomial proportion:
 * (p̂ + z²/2n ± z·sqrt(p̂(1 − p̂)/n + z²/4n²)) / (1 + z²/n), z = Φ⁻¹(1 − (1 − confidence)/2).
 * 0 trials gives [0, 1] (the limit of the formula as n → 0: no information).
 */
export function wilsonInterval(successes: number, trials: number, confidence: number): Interval {
  checkBinomial('sample', successes, trials);
  return wilson(successes, trials, twoSidedZ(confidence));
}

/**
 * Confidence interval for p_v − p_c by Newcombe (1998), method 10 (hybrid score): with Wilson
 * intervals (l_c, u_c) and (l_v, u_v) and d = p̂_v − p̂_c,
 * lower = d − sqrt((p̂_v − l_v)² + (u_c − p̂_c)²), upper = d + sqrt((u_v − p̂_v)² + (p̂_c − l_c)²).
 * An arm with 0 trials gives [−1, 1] (nothing is known about the difference).
 */
export function newcombeDifference(controlSuccesses: number, controlTrials: number, variantSuccesses: number, variantTrials: number, confidence: number): Interval {
  checkBinomial('control', controlSuccesses, controlTrials);
  checkBinomial('variant', variantSuccesses, variantTrials);
  const z = twoSidedZ(confidence);
  if (controlTrials === 0 || variantTrials === 0) return { lower: -1, upper: 1 };
  const pc = controlSuccesses / controlTrials;
  const pv = variantSuccesses / variantTrials;
  const c = wilson(controlSuccesses, controlTrials, z);
  const v = wilson(variantSuccesses, variantTrials, z);
  const d = pv - pc;
  return {
    lower: Math.max(-1, d - Math.hypot(pv - v.lower, c.upper - pc)),
    upper: Math.min(1, d + Math.hypot(v.upper - pv, pc - c.lower)),
  };
}
