/**
 * Running totals over a time series. Pure: the buckets (in order, per variant) and each variant's
 * totals from before the first bucket in; the same buckets with counts since the campaign began.
 */
import type { TimeBucket } from './analytics.types';

export type BucketCounts = Pick<TimeBucket, 'sent' | 'delivered' | 'clicked' | 'replied' | 'converted' | 'revenue'>;
const KEYS = ['sent', 'delivered', 'clicked', 'replied', 'converted', 'revenue'] as const;

export const zeroBucketCounts = (): BucketCounts => ({ sent: 0, delivered: 0, clicked: 0, replied: 0, converted: 0, revenue: 0 });

/** The counts of `a` plus those of `b` (either may be absent: zeros). */
export function addCounts(a: BucketCounts | undefined, b: BucketCounts | undefined): BucketCounts {
  const out = zeroBucketCounts();
  for (const k of KEYS) out[k] = (a?.[k] ?? 0) + (b?.[k] ?? 0);
  return out;
}

/**
 * Each bucket becomes the sum of its variant's `before` and every bucket of that variant up to and
 * including it. Buckets keep their order; revenue is rounded to 1e-6 so repeated float additions do
 * not show as 149.99999999999997.
 */
export function runningTotals(buckets: readonly TimeBucket[], before: ReadonlyMap<string, BucketCounts>): TimeBucket[] {
  const running = new Map<string, BucketCounts>();
  return buckets.map((b) => {
    const key = b.variantId ?? '';
    let acc = running.get(key);
    if (!acc) {
      acc = { ...zeroBucketCounts(), ...before.get(key) };
      running.set(key, acc);
    }
    for (const k of KEYS) acc[k] += b[k];
    return { ...b, ...acc, revenue: Math.round(acc.revenue * 1e6) / 1e6 };
  });
}
