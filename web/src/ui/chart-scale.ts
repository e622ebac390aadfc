/** Time-axis choices for charts, pure so they can be tested without a canvas. */

const DAY = 86_400;

/** Tick spacings (seconds) for an axis of daily or coarser buckets: whole days only. */
export const DAY_INCREMENTS = [1, 2, 7, 14, 30, 61, 91, 182, 365, 730].map((d) => d * DAY);

/**
 * Whether unix-second x values are daily or coarser buckets. A local day across a clock change
 * lasts 23 hours, so anything from 23 hours up counts as a day.
 */
export function isDailyOrCoarser(x: readonly number[]): boolean {
  if (x.length < 2) return false;
  for (let i = 1; i < x.length; i++) if (x[i]! - x[i - 1]! < DAY - 3600) return false;
  return true;
}
