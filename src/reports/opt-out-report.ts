/**
 * The opt-out report's pure parts: the `days` window, the bucket keys of null values and the
 * ordering of the KeyCount lists. No I/O (unit-tested in test/unit/opt-out-report.test.ts).
 */
import { badInput } from '../errors';

export const MIN_DAYS = 1;
export const MAX_DAYS = 3650;
const DAY_MS = 86_400_000;

/** The key a null source or keyword is counted under. */
export const NONE_KEY = '(none)';
/** The key a null channel (an opt-out of every channel) is counted under. */
export const ALL_CHANNELS_KEY = 'ALL';

export interface KeyCountRow {
  key: string;
  count: number;
}

/** The start of the window: `days` whole days of 24 h before `now`. Throws INVALID_DAYS. */
export function windowStart(days: number, now: Date): Date {
  if (!Number.isInteger(days) || days < MIN_DAYS || days > MAX_DAYS) {
    throw badInput('INVALID_DAYS', `days must be an integer between ${MIN_DAYS} and ${MAX_DAYS}`, 'days');
  }
  return new Date(now.getTime() - days * DAY_MS);
}

/** Count descending, then key ascending (code-point order, the same in every locale). */
export function sortKeyCounts(rows: KeyCountRow[]): KeyCountRow[] {
  return [...rows].sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** One row of the grouping-sets statement: which set it belongs to, its value, its count. */
export interface GroupedRow {
  dimension: 'channel' | 'source' | 'keyword' | 'total';
  value: string | null;
  count: number;
}

export interface OptOutCounts {
  total: number;
  byChannel: KeyCountRow[];
  bySource: KeyCountRow[];
  byKeyword: KeyCountRow[];
}

/** Splits the grouping-sets rows into the report's lists, naming the null buckets. */
export function toCounts(rows: GroupedRow[]): OptOutCounts {
  const pick = (dimension: GroupedRow['dimension'], nullKey: string) =>
    sortKeyCounts(rows.filter((r) => r.dimension === dimension).map((r) => ({ key: r.value ?? nullKey, count: r.count })));
  return {
    total: rows.find((r) => r.dimension === 'total')?.count ?? 0,
    byChannel: pick('channel', ALL_CHANNELS_KEY),
    bySource: pick('source', NONE_KEY),
    byKeyword: pick('keyword', NONE_KEY),
  };
}
