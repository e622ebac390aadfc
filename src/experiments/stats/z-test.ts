/** Two-proportion z-test (pooled standard error), two-sided. Pure. */
import { checkBinomial } from './checks';
import { normalSf } from './distributions';

export interface ZTestResult {
  z: number;
  pValue: number;
}

/**
 * z = (p_v − p_c) / sqrt(p̄(1 − p̄)(1/n_c + 1/n_v)) with the pooled rate p̄ = (s_c + s_v)/(n_c + n_v),
 * p = 2·P(Z > |z|) = erfc(|z|/√2). For two variants z² equals the Pearson chi-square statistic of
 * chiSquareTest (without continuity correction) and the p-values coincide.
 *
 * Degenerate input: an arm with 0 trials, or a pooled rate of 0 or 1 (standard error 0), gives
 * { z: 0, pValue: 1 }.
 */
export function twoProportionZTest(controlSuccesses: number, controlTrials: number, variantSuccesses: number, variantTrials: number): ZTestResult {
  checkBinomial('control', controlSuccesses, controlTrials);
  checkBinomial('variant', variantSuccesses, variantTrials);
  if (controlTrials === 0 || variantTrials === 0) return { z: 0, pValue: 1 };
  const pooled = (controlSuccesses + variantSuccesses) / (controlTrials + variantTrials);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / controlTrials + 1 / variantTrials));
  if (!(se > 0)) return { z: 0, pValue: 1 };
  const z = (variantSuccesses / variantTrials - controlSuccesses / controlTrials) / se;
  return { z, pValue: 2 * normalSf(Math.abs(z)) };
}
