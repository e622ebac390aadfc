/**
 * Lifetime-value bands. Pure: boundaries in, bands out. Band 0 is "no orders" (order_count = 0);
 * then, for contacts with orders, one band below the first boundary and one from each boundary to
 * the next, the last open-ended: boundaries [100, 500] give [0, 100), [100, 500), [500, ∞). A value
 * on a boundary lands in the upper band.
 */
import { badInput } from '../errors';

export const DEFAULT_VALUE_BOUNDARIES = [100, 500, 1000];
export const MAX_VALUE_BOUNDARIES = 20;

export interface ValueBand {
  /** 0: no orders; 1..n+1: the spend bands. */
  index: number;
  label: string;
  minSpend: number;
  /** Exclusive; null: open-ended. */
  maxSpend: number | null;
}

/** Throws BAD_USER_INPUT `INVALID_VALUE_BOUNDARIES` unless 1–20 finite, positive, strictly ascending numbers. */
export function validateBoundaries(boundaries: readonly number[]): number[] {
  const fail = (why: string) => badInput('INVALID_VALUE_BOUNDARIES', `boundaries ${why}`, 'boundaries');
  if (boundaries.length === 0) throw fail('must list at least one value');
  if (boundaries.length > MAX_VALUE_BOUNDARIES) throw fail(`may list at most ${MAX_VALUE_BOUNDARIES} values, got ${boundaries.length}`);
  boundaries.forEach((b, i) => {
    if (!Number.isFinite(b)) throw fail(`must be finite numbers (position ${i})`);
    if (b <= 0) throw fail(`must be greater than 0, got ${b} at position ${i}`);
    if (i > 0 && b <= boundaries[i - 1]!) throw fail(`must be strictly ascending, got ${boundaries[i - 1]} then ${b}`);
  });
  return [...boundaries];
}

const fmt = (n: number) => String(n);

/** The bands of (validated) boundaries, "no orders" first. */
export function valueBands(boundaries: readonly number[]): ValueBand[] {
  const lows = [0, ...boundaries];
  return [
    { index: 0, label: 'no orders', minSpend: 0, maxSpend: 0 },
    ...lows.map((min, i) => {
      const max = i < boundaries.length ? boundaries[i]! : null;
      return { index: i + 1, label: max === null ? `[${fmt(min)}, ∞)` : `[${fmt(min)}, ${fmt(max)})`, minSpend: min, maxSpend: max };
    }),
  ];
}

/**
 * The band index of a contact: 0 without orders, else 1 + the number of boundaries at or below its
 * spend. The SQL does the same with
 * `width_bucket(total_spend, boundaries)`; this is its reference.
 */
export function bandIndex(orderCount: number, totalSpend: number, boundaries: readonly number[]): number {
  if (orderCount === 0) return 0;
  return 1 + boundaries.filter((b) => b <= totalSpend).length;
}
