/**
 * Quiet hours: a workspace setting of local whole hours during which no message is sent, read in
 * the contact's time zone (callers pass the workspace zone for contacts without one). Pure, no I/O.
 *
 * `{ start, end }` covers local times from `start`:00 inclusive to `end`:00 exclusive. With
 * start < end it lies within a day (1→6 is 01:00–05:59); with start > end it wraps midnight
 * (21→8 is 21:00–07:59).
 */
import { wallClockAt, zonedTimeToInstant } from './schedule';

export interface QuietHours {
  /** First quiet local hour, 0–23. */
  start: number;
  /** First local hour after the quiet window, 0–23, ≠ start. */
  end: number;
}

const isHour = (h: unknown): h is number => Number.isInteger(h) && (h as number) >= 0 && (h as number) <= 23;

/** True for a usable setting: whole hours 0–23 with start ≠ end (equal hours would be ambiguous). */
export function isValidQuietHours(quiet: QuietHours): boolean {
  return isHour(quiet.start) && isHour(quiet.end) && quiet.start !== quiet.end;
}

function checkQuietHours(quiet: QuietHours): void {
  if (!isValidQuietHours(quiet)) {
    throw new RangeError(`Quiet hours must be whole hours 0–23 with start ≠ end, got ${quiet.start}→${quiet.end}`);
  }
}

/** True when local hour `hour` is inside the window. */
function quietHour(hour: number, { start, end }: QuietHours): boolean {
  return start < end ? hour >= start && hour < end : hour >= start || hour < end;
}

/**
 * Whether `at` falls in the quiet window in `timezone`. A null setting is never quiet. Throws
 * RangeError for an invalid setting or an unknown zone.
 */
export function isQuiet(at: Date, timezone: string, quiet: QuietHours | null): boolean {
  if (quiet === null) return false;
  checkQuietHours(quiet);
  return quietHour(wallClockAt(at, timezone).hour, quiet);
}

/**
 * `at` itself when it is not quiet; otherwise the first instant after `at` at which the local
 * wall clock shows `end`:00 — today's if the local hour is before `end`, else tomorrow's (only
 * possible in the evening part of a window that wraps midnight). The local time is converted by
 * `zonedTimeToInstant`, so it is right across DST changes: 08:00 the morning after the clocks
 * change is 08:00 in the new offset, and an `end`:00 skipped by a spring-forward change is the
 * moment of the change (e.g. 02:00 → 03:00 new time). Throws RangeError like `isQuiet`.
 */
export function nextAllowedTime(at: Date, timezone: string, quiet: QuietHours | null): Date {
  if (!isQuiet(at, timezone, quiet)) return at;
  const { end } = quiet!;
  const local = wallClockAt(at, timezone);
  let day = local.day + (local.hour < end ? 0 : 1);
  // One step normally suffices; the loop guards zones whose wall clock repeats or skips whole
  // hours around midnight, where the candidate could be at or before `at`.
  for (;;) {
    const candidate = zonedTimeToInstant(local.year, local.month, day, end, 0, timezone);
    if (candidate.getTime() > at.getTime()) return candidate;
    day += 1;
  }
}
