/**
 * When a scheduled report runs: an RFC 5545 RRULE read in an IANA zone, through the campaign
 * schedules' parser and zone code (src/sending/schedule.ts), so "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;
 * BYMINUTE=0" in Europe/Paris is 09:00 Paris time in summer and in winter. Pure, no I/O.
 *
 * The rule's DTSTART is the schedule's creation time cut to the minute: time fields the rule does
 * not give (BYHOUR, BYMINUTE) come from it, and COUNT counts it as the first occurrence (RFC 5545);
 * it is never itself a run (runs are strictly after now).
 */
import { occurrences, validateSchedule } from '../sending/schedule';

/** Reports are a digest: a rule firing twice within this is refused. */
export const MIN_INTERVAL_MS = 3_600_000;
/** Occurrences looked at for the interval check: enough to see every BYxxx list repeat at least once. */
const CHECKED_OCCURRENCES = 60;

export type RecurrenceCheck = { ok: true; nextRunAt: Date } | { ok: false; reason: 'INVALID_RECURRENCE' | 'INVALID_TIMEZONE'; message: string };

/** The rule's DTSTART for a schedule created at `createdAt`. */
export function anchorOf(createdAt: Date): Date {
  return new Date(Math.floor(createdAt.getTime() / 60_000) * 60_000);
}

/** The first run strictly after `now`, or null when the rule has no more. The rule must be valid. */
export function nextReportRun(recurrence: string, timezone: string, createdAt: Date, now: Date): Date | null {
  return occurrences({ sendAt: anchorOf(createdAt), timezone, recurrence }, now, 1)[0] ?? null;
}

/**
 * Checks a new schedule's rule: strict RRULE grammar, a zone both the runtime and PostgreSQL know,
 * no two runs within an hour (MINUTELY and SECONDLY always fail; so does HOURLY with two
 * BYMINUTE values), and at least one run after `now`.
 */
export function checkRecurrence(recurrence: string, timezone: string, now: Date): RecurrenceCheck {
  const anchor = anchorOf(now);
  const v = validateSchedule({ sendAt: anchor, timezone, recurrence });
  if (!v.ok) return { ok: false, reason: v.reason === 'INVALID_TIMEZONE' ? 'INVALID_TIMEZONE' : 'INVALID_RECURRENCE', message: v.message };
  if (/FREQ=(MINUTELY|SECONDLY)/i.test(recurrence)) return { ok: false, reason: 'INVALID_RECURRENCE', message: 'A report runs at most hourly: FREQ=MINUTELY and SECONDLY are refused' };
  const runs = occurrences({ sendAt: anchor, timezone, recurrence }, now, CHECKED_OCCURRENCES);
  if (runs.length === 0) return { ok: false, reason: 'INVALID_RECURRENCE', message: 'The recurrence has no occurrence after now' };
  for (let i = 1; i < runs.length; i++) {
    if (runs[i]!.getTime() - runs[i - 1]!.getTime() < MIN_INTERVAL_MS) {
      return { ok: false, reason: 'INVALID_RECURRENCE', message: `A report runs at most hourly; this rule runs at ${runs[i - 1]!.toISOString()} and ${runs[i]!.toISOString()}` };
    }
  }
  return { ok: true, nextRunAt: runs[0]! };
}
