/** Pearson's chi-square test of homogeneity for conversion rates across k variants. Pure. */
import { checkBinomial } from './checks';
import { chiSquareSf } from './distributions';

export interface ChiSquareResult {
  statistic: number;
  df: number;
  pValue: number;
}

/**
 * Pearson chi-square on the k×2 table [successes, trials − successes], without Yates' continuity
 * correction (as scipy.stats.chi2_contingency(table, correction=False)): X² = Σ (O − E)²/E with
 * E = row total × column total / grand total, df = k − 1, p = P(χ²(df) > X²) from the upper
 * incomplete gamma.
 *
 * Degenerate input: rows with 0 trials carry no information and are dropped (df counts the rows
 * kept). If fewer than 2 rows remain, or no row has a success, or every trial is a success (a
 * column sums to 0), there is nothing to test: { statistic: 0, df: k − 1, pValue: 1 } with k the
 * number of rows given (0 for an empty input).
 */
export function chiSquareTest(successes: readonly number[], trials: readonly number[]): ChiSquareResult {
  if (successes.length !== trials.length) throw new RangeError(`successes (${successes.length}) and trials (${trials.length}) differ in length`);
  const k = successes.length;
  let kept = 0;
  let totalSuccesses = 0;
  let total = 0;
  for (let i = 0; i < k; i++) {
    checkBinomial(`variant ${i}`, successes[i]!, trials[i]!);
    if (trials[i]! > 0) kept++;
    totalSuccesses += successes[i]!;
    total += trials[i]!;
  }
  const totalFailures = total - totalSuccesses;
  if (kept < 2 || totalSuccesses === 0 || totalFailures === 0) return { statistic: 0, df: Math.max(k - 1, 0), pValue: 1 };
  let statistic = 0;
  for (let i = 0; i < k; i++) {
    const n = trials[i]!;
    if (n === 0) continue;
    const expectedSuccesses = (n * totalSuccesses) / total;
    const expectedFailures = (n * totalFailures) / total;
    const ds = successes[i]! - expectedSuccesses;
    const dfail = n - successes[i]! - expectedFailures;
    statistic += (ds * ds) / expectedSuccesses + (dfail * dfail) / expectedFailures;
  }
  const df = kept - 1;
  return { statistic, df, pValue: chiSquareSf(statistic, df) };
}
