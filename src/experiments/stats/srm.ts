/** Sample ratio mismatch check: chi-square goodness of fit of assignment counts. Pure. */
import { checkCount } from './checks';
import { chiSquareSf } from './distributions';

export interface SrmResult {
  statistic: number;
  pValue: number;
}

/**
 * Pearson chi-square goodness of fit of the observed counts per variant against the expected
 * shares (normalised to sum to 1): X² = Σ (O − E)²/E with E = share × total, df = k − 1, as
 * scipy.stats.chisquare(observed, f_exp = shares · total).
 *
 * Degenerate input: categories with share 0 and no units are left out (df counts the positive
 * shares). A unit observed in a category with share 0 cannot be a sampling fluctuation: the mismatch
 * is certain, reported as { statistic: Number.MAX_VALUE, pValue: 0 } (X² is +∞ there; scipy
 * returns inf). A total of 0, or fewer than 2 positive shares, gives { statistic: 0, pValue: 1 }.
 */
export function srmTest(observed: readonly number[], expectedShares: readonly number[]): SrmResult {
  if (observed.length !== expectedShares.length) throw new RangeError(`observed (${observed.length}) and expectedShares (${expectedShares.length}) differ in length`);
  let total = 0;
  let shareTotal = 0;
  let categories = 0;
  for (let i = 0; i < observed.length; i++) {
    checkCount(`observed[${i}]`, observed[i]!);
    const share = expectedShares[i]!;
    if (!(share >= 0 && Number.isFinite(share))) throw new RangeError(`expectedShares[${i}] must be finite and non-negative, got ${share}`);
    if (share > 0) categories++;
    total += observed[i]!;
    shareTotal += share;
  }
  if (total === 0) return { statistic: 0, pValue: 1 };
  if (observed.some((o, i) => o > 0 && expectedShares[i] === 0)) return { statistic: Number.MAX_VALUE, pValue: 0 };
  if (categories < 2) return { statistic: 0, pValue: 1 };
  let statistic = 0;
  for (let i = 0; i < observed.length; i++) {
    if (expectedShares[i] === 0) continue;
    const expected = (expectedShares[i]! / shareTotal) * total;
    const d = observed[i]! - expected;
    statistic += (d * d) / expected;
  }
  return { statistic, pValue: chiSquareSf(statistic, categories - 1) };
}
