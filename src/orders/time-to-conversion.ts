/**
 * Time to conversion (pure): for a campaign, the hours from its LAST touch before each order it
 * touched (a message of the campaign, not FAILED, sent in [occurredAt − window, occurredAt]) to
 * that order; summarised as a mean, a median, a 90th percentile and buckets up to the window.
 * Percentiles are linearly interpolated between the closest ranks (the "R-7" / numpy default /
 * Excel PERCENTILE.INC method): for sorted x₀…xₙ₋₁ and p in [0, 1], h = (n − 1)·p and the value is
 * x⌊h⌋ + (h − ⌊h⌋)·(x⌊h⌋₊₁ − x⌊h⌋); so the median of an even count is the mean of the two middle ones.
 */

export interface ConversionBucket {
  label: string;
  fromHours: number;
  toHours: number;
  orders: number;
}

export interface TimeToConversionValue {
  orders: number;
  meanHours: number | null;
  medianHours: number | null;
  p90Hours: number | null;
  buckets: ConversionBucket[];
}

/** Bucket edges in hours: < 1 h, 1–6 h, 6–24 h, 1–3 d, 3–7 d, 7–14 d, 14–30 d, 30–60 d, 60–90 d, 90–180 d, then up to the window. */
const EDGES_HOURS = [0, 1, 6, 24, 72, 168, 336, 720, 1440, 2160, 4320];

/** The value at quantile p (0..1) of ascending `sorted`, linearly interpolated; null when empty. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

const unit = (hours: number, inDays: boolean) => (inDays ? `${hours / 24}` : `${hours}`);

/**
 * The buckets for a window of `windowDays`: the fixed edges below the window, the last bucket
 * ending at the window (and, like the window, including its end). Each is [from, to) otherwise.
 */
export function bucketEdges(windowDays: number): { label: string; fromHours: number; toHours: number }[] {
  const end = windowDays * 24;
  const edges = [...EDGES_HOURS.filter((e) => e < end), end];
  const out: { label: string; fromHours: number; toHours: number }[] = [];
  for (let i = 0; i + 1 < edges.length; i++) {
    const from = edges[i]!;
    const to = edges[i + 1]!;
    const inDays = to > 24;
    const label = from === 0 ? `< ${unit(to, inDays)} ${inDays ? 'd' : 'h'}` : `${unit(from, inDays)}–${unit(to, inDays)} ${inDays ? 'd' : 'h'}`;
    out.push({ label, fromHours: from, toHours: to });
  }
  return out;
}

/** Summarises hours-to-conversion (one per order, each in [0, window]) for a window of `windowDays`. */
export function summarizeTimeToConversion(hours: readonly number[], windowDays: number): TimeToConversionValue {
  const sorted = [...hours].sort((a, b) => a - b);
  const buckets = bucketEdges(windowDays).map((b) => ({ ...b, orders: 0 }));
  for (const h of sorted) {
    // The last bucket takes the window's end (and anything past it, which the query never returns).
    let i = buckets.findIndex((b) => h < b.toHours);
    if (i < 0) i = buckets.length - 1;
    buckets[i]!.orders++;
  }
  const n = sorted.length;
  return {
    orders: n,
    meanHours: n ? sorted.reduce((a, b) => a + b, 0) / n : null,
    medianHours: percentile(sorted, 0.5),
    p90Hours: percentile(sorted, 0.9),
    buckets,
  };
}
