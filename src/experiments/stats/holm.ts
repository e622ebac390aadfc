/** Holm–Bonferroni step-down adjustment for multiple comparisons. Pure. */

/**
 * Holm (1979) adjusted p-values, in the input order: with p₍₁₎ ≤ … ≤ p₍ₘ₎ sorted ascending,
 * p̃₍ⱼ₎ = min(1, max_{i ≤ j} (m − i + 1)·p₍ᵢ₎), so the adjusted values are monotone in the raw ones
 * and capped at 1 (statsmodels multipletests(method='holm')). Rejecting where p̃ ≤ α controls the
 * family-wise error rate at α. Each p-value must be in [0, 1]; an empty input gives [].
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  for (const p of pValues) if (!(p >= 0 && p <= 1)) throw new RangeError(`p-values must be in [0, 1], got ${p}`);
  const order = pValues.map((_, i) => i).sort((a, b) => pValues[a]! - pValues[b]! || a - b);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach((index, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * pValues[index]!));
    adjusted[index] = running;
  });
  return adjusted;
}
