/**
 * Campaign schedules: a first send instant (`sendAt`), the IANA zone the campaign is planned in,
 * and an optional RFC 5545 recurrence rule (the RRULE value, without DTSTART). Pure, no I/O.
 *
 * Recurrences repeat the LOCAL wall-clock time of `sendAt` (RFC 5545 §3.3.10 with a DTSTART of
 * "date with local time and time zone reference"): a weekly Monday 09:00 in America/New_York is
 * 13:00Z in summer and 14:00Z in winter. rrule's own `tzid` support converts through the host
 * process's zone and is easy to get wrong, so rrule only ever sees "floating" time — Dates whose UTC
 * fields are the wall-clock fields (rrule's README: returned "UTC" dates are meant to be read as
 * local wall-clock times) — and each wall-clock result is turned into an instant here, with
 * offsets read from `Intl.DateTimeFormat` (no time-zone package).
 */
import { RRule, Weekday, type Options } from 'rrule';
import { isValidTimeZone } from '../shared/time-zone';

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/**
 * Every UTC offset in the tz database, historical ones included, is within ±16 h, so an instant is
 * within a day of its own wall-clock time read as UTC.
 */
const OFFSET_BOUND_MS = DAY_MS;

export interface ScheduleInput {
  /** The first send, an absolute instant. */
  sendAt: Date;
  /** IANA zone whose wall clock recurrences keep (e.g. `America/New_York`). */
  timezone: string;
  /** RFC 5545 RRULE value without DTSTART/TZID, e.g. `FREQ=WEEKLY;BYDAY=MO`; null for a one-off. */
  recurrence?: string | null;
}

export type ScheduleInvalidReason = 'INVALID_TIMEZONE' | 'INVALID_RECURRENCE' | 'INVALID_SEND_AT';

export type ScheduleValidation = { ok: true } | { ok: false; reason: ScheduleInvalidReason; message: string };

// ---------------------------------------------------------------------------------------------
// Wall clock ↔ instant
// ---------------------------------------------------------------------------------------------

/** Local calendar fields; `month` is 1–12. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** One formatter per zone (they are costly to build). Throws RangeError for an unknown zone. */
function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    if (formatters.size >= 1000) formatters.clear(); // zone spellings are case-insensitive: bound the cache
    formatters.set(timezone, f);
  }
  return f;
}

/**
 * Wall-clock fields as a millisecond count on the UTC time line ("floating" time). Out-of-range
 * fields roll over as in `Date.UTC` (day 32 is the next month's 1st), but years 0–99 are not
 * mapped to 1900–1999.
 */
function floatingMs(year: number, month: number, day: number, hour: number, minute: number, second = 0, millisecond = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, millisecond);
  return d.getTime();
}

/** The wall clock in `timezone` at `epochMs`, as floating milliseconds. */
function toFloatingMs(epochMs: number, timezone: string): number {
  const seconds = Math.floor(epochMs / SECOND_MS) * SECOND_MS;
  const f: Record<string, number> = {};
  for (const part of formatter(timezone).formatToParts(seconds)) {
    if (part.type !== 'literal') f[part.type] = Number(part.value);
  }
  const hour = f.hour === 24 ? 0 : f.hour!; // very old ICU versions print midnight as 24 even with h23
  return floatingMs(f.year!, f.month!, f.day!, hour, f.minute!, f.second!) + (epochMs - seconds);
}

/** The UTC offset (east positive, in ms) of `timezone` at `epochMs`. */
function offsetMs(epochMs: number, timezone: string): number {
  return toFloatingMs(epochMs, timezone) - epochMs;
}

/**
 * The instant at which the wall clock in `timezone` shows the floating time `local`, resolved as
 * Temporal's `disambiguation: 'compatible'` (the TC39 Temporal proposal, GetPossibleInstantsFor /
 * DisambiguatePossibleInstants, which java.time and RFC 5545 §3.3.5 also follow):
 *  - the candidates are `local − offset` for the offsets in force a day before and a day after
 *    `local` (no zone changes offset twice within two days), kept when they really show `local`;
 *  - one candidate: that instant;
 *  - two (a fall-back overlap, e.g. 01:30 on the day New York leaves DST): the earlier one, i.e.
 *    the first time the wall clock shows it;
 *  - none (a spring-forward gap, e.g. 02:30 on the day New York enters DST): `local` read with the
 *    offset in force before the gap, which is `local` shifted forward by the length of the gap
 *    (02:30 EST = 03:30 EDT).
 */
function floatingToEpochMs(local: number, timezone: string): number {
  const before = offsetMs(local - DAY_MS, timezone);
  const after = offsetMs(local + DAY_MS, timezone);
  let best: number | undefined;
  for (const offset of before === after ? [before] : [before, after]) {
    const candidate = local - offset;
    if (toFloatingMs(candidate, timezone) === local && (best === undefined || candidate < best)) best = candidate;
  }
  return best ?? local - before;
}

/** The wall clock in `timezone` at instant `at`. Throws RangeError for an unknown zone. */
export function wallClockAt(at: Date, timezone: string): WallClock {
  const f = new Date(toFloatingMs(at.getTime(), timezone));
  return {
    year: f.getUTCFullYear(),
    month: f.getUTCMonth() + 1,
    day: f.getUTCDate(),
    hour: f.getUTCHours(),
    minute: f.getUTCMinutes(),
    second: f.getUTCSeconds(),
    millisecond: f.getUTCMilliseconds(),
  };
}

/**
 * The instant at which the wall clock in `timezone` shows the given local date and time (`month`
 * 1–12; out-of-range fields roll over, so day 32 of January is February 1st). A time skipped by a
 * spring-forward change is shifted forward by the gap; a time repeated by a fall-back change
 * resolves to its first occurrence (see `floatingToEpochMs`). Throws RangeError for an unknown zone.
 */
export function zonedTimeToInstant(year: number, month: number, day: number, hour: number, minute: number, timezone: string): Date {
  return new Date(floatingToEpochMs(floatingMs(year, month, day, hour, minute), timezone));
}

// ---------------------------------------------------------------------------------------------
// Recurrence rules
// ---------------------------------------------------------------------------------------------

/** UNTIL as an instant (UTC form, `…T…Z`) or as a wall-clock time in the schedule's zone. */
type Until = { kind: 'instant'; ms: number } | { kind: 'floating'; ms: number };

interface ParsedRule {
  /** rrule options without dtstart, count and until (which `occurrences` handles itself). */
  options: Partial<Options>;
  freq: string;
  interval: number;
  count: number | null;
  until: Until | null;
}

const FREQUENCIES: Readonly<Record<string, number>> = {
  YEARLY: RRule.YEARLY,
  MONTHLY: RRule.MONTHLY,
  WEEKLY: RRule.WEEKLY,
  DAILY: RRule.DAILY,
  HOURLY: RRule.HOURLY,
  MINUTELY: RRule.MINUTELY,
  SECONDLY: RRule.SECONDLY,
};

/** Frequencies whose periods have a fixed length in floating time (see `occurrences`). */
const FIXED_PERIOD_MS: Readonly<Record<string, number>> = {
  WEEKLY: 7 * DAY_MS,
  DAILY: DAY_MS,
  HOURLY: HOUR_MS,
  MINUTELY: MINUTE_MS,
  SECONDLY: SECOND_MS,
};

/** rrule's weekday numbers: MO = 0 … SU = 6. */
const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;

class RuleError extends Error {}

/** A comma-separated list of integers with |n| in [min, max]; `signed` allows a sign (and excludes 0). */
function intList(name: string, value: string, min: number, max: number, signed: boolean): number[] {
  return value.split(',').map((item) => {
    if (!(signed ? /^[+-]?\d{1,3}$/ : /^\d{1,2}$/).test(item)) throw new RuleError(`${name} has an invalid value "${item}"`);
    const n = Number(item);
    const magnitude = Math.abs(n);
    if (magnitude < min || magnitude > max) throw new RuleError(`${name} value ${item} is out of range`);
    return n;
  });
}

function positiveInt(name: string, value: string): number {
  if (!/^\d{1,9}$/.test(value) || Number(value) < 1) throw new RuleError(`${name} must be a positive integer, got "${value}"`);
  return Number(value);
}

function daysInMonth(year: number, month: number): number {
  return new Date(floatingMs(year, month + 1, 0, 0, 0)).getUTCDate();
}

/** True when the fields name a real calendar date and time (no rollover). */
function validFields(year: number, month: number, day: number, hour: number, minute: number, second: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour <= 23 && minute <= 59 && second <= 59;
}

/**
 * UNTIL (RFC 5545 §3.3.10), inclusive: `YYYYMMDDTHHMMSSZ` is an instant (the form the RFC
 * requires with a zoned DTSTART); `YYYYMMDDTHHMMSS` a wall-clock time in the schedule's zone; a
 * bare date `YYYYMMDD` the end of that local day.
 */
function parseUntil(value: string): Until {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(value);
  if (!m) throw new RuleError(`UNTIL must be YYYYMMDD, YYYYMMDDTHHMMSS or YYYYMMDDTHHMMSSZ, got "${value}"`);
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number];
  if (!validFields(year, month, day, hour, minute, second)) throw new RuleError(`UNTIL ${value} is not a valid date-time`);
  if (m[4] === undefined) return { kind: 'floating', ms: floatingMs(year, month, day, 23, 59, 59, 999) };
  return { kind: m[7] ? 'instant' : 'floating', ms: floatingMs(year, month, day, hour, minute, second) };
}

/**
 * Strict RRULE parsing (RFC 5545 §3.3.10 grammar and its MUST/MUST NOT rules). rrule's own
 * `RRule.parseString` is lenient: it accepts `FREQ=BOGUS`, `COUNT=abc`, `BYDAY=XX` and an empty
 * string without error, and silently lifts an embedded DTSTART/TZID into the options.
 */
function parseRule(text: string): ParsedRule {
  if (/[\r\n]/.test(text)) throw new RuleError('The recurrence must be a single RRULE value (no DTSTART or other lines)');
  const body = text.trim().replace(/^RRULE:/i, '').toUpperCase();
  if (body === '') throw new RuleError('The recurrence is empty; use null for a one-off send');
  const parts = new Map<string, string>();
  for (const part of body.split(';')) {
    const m = /^([A-Z-]+)=([^=]+)$/.exec(part);
    if (!m) throw new RuleError(`"${part}" is not a NAME=VALUE rule part`);
    const [, name, value] = m as unknown as [string, string, string];
    if (name === 'DTSTART' || name === 'TZID') {
      throw new RuleError(`The recurrence must not contain ${name}; the schedule's sendAt and timezone define the start`);
    }
    if (parts.has(name)) throw new RuleError(`${name} appears more than once`);
    parts.set(name, value);
  }

  const freq = parts.get('FREQ');
  if (freq === undefined) throw new RuleError('FREQ is required');
  if (!(freq in FREQUENCIES)) throw new RuleError(`FREQ must be one of ${Object.keys(FREQUENCIES).join(', ')}; got "${freq}"`);
  const options: Partial<Options> = { freq: FREQUENCIES[freq]! };
  let interval = 1;
  let count: number | null = null;
  let until: Until | null = null;

  for (const [name, value] of parts) {
    switch (name) {
      case 'FREQ':
        break;
      case 'INTERVAL':
        interval = positiveInt(name, value);
        options.interval = interval;
        break;
      case 'COUNT':
        count = positiveInt(name, value);
        break;
      case 'UNTIL':
        until = parseUntil(value);
        break;
      case 'BYSECOND':
        options.bysecond = intList(name, value, 0, 59, false);
        break;
      case 'BYMINUTE':
        options.byminute = intList(name, value, 0, 59, false);
        break;
      case 'BYHOUR':
        options.byhour = intList(name, value, 0, 23, false);
        break;
      case 'BYMONTHDAY':
        options.bymonthday = intList(name, value, 1, 31, true);
        break;
      case 'BYYEARDAY':
        options.byyearday = intList(name, value, 1, 366, true);
        break;
      case 'BYWEEKNO':
        options.byweekno = intList(name, value, 1, 53, true);
        break;
      case 'BYMONTH':
        options.bymonth = intList(name, value, 1, 12, false);
        break;
      case 'BYSETPOS':
        options.bysetpos = intList(name, value, 1, 366, true);
        break;
      case 'BYDAY':
        options.byweekday = value.split(',').map((item) => {
          const m = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/.exec(item);
          const n = m?.[1] === undefined ? undefined : Number(m[1]);
          if (!m || (n !== undefined && (n === 0 || Math.abs(n) > 53))) throw new RuleError(`BYDAY has an invalid value "${item}"`);
          return new Weekday(WEEKDAYS.indexOf(m[2] as (typeof WEEKDAYS)[number]), n);
        });
        break;
      case 'WKST': {
        const day = WEEKDAYS.indexOf(value as (typeof WEEKDAYS)[number]);
        if (day < 0) throw new RuleError(`WKST must be a weekday (MO … SU), got "${value}"`);
        options.wkst = day;
        break;
      }
      default:
        throw new RuleError(`Unsupported rule part ${name}`);
    }
  }

  if (count !== null && until !== null) throw new RuleError('COUNT and UNTIL must not both be given');
  const ordinalDay = /\d/.test(parts.get('BYDAY') ?? '');
  if (ordinalDay && freq !== 'MONTHLY' && freq !== 'YEARLY') throw new RuleError('BYDAY with an ordinal (e.g. 1MO) needs FREQ=MONTHLY or YEARLY');
  if (ordinalDay && freq === 'YEARLY' && parts.has('BYWEEKNO')) throw new RuleError('BYDAY with an ordinal cannot be combined with BYWEEKNO');
  if (parts.has('BYMONTHDAY') && freq === 'WEEKLY') throw new RuleError('BYMONTHDAY cannot be used with FREQ=WEEKLY');
  if (parts.has('BYYEARDAY') && ['DAILY', 'WEEKLY', 'MONTHLY'].includes(freq)) throw new RuleError(`BYYEARDAY cannot be used with FREQ=${freq}`);
  if (parts.has('BYWEEKNO') && freq !== 'YEARLY') throw new RuleError('BYWEEKNO needs FREQ=YEARLY');
  if (parts.has('BYSETPOS') && ![...parts.keys()].some((k) => k.startsWith('BY') && k !== 'BYSETPOS')) {
    throw new RuleError('BYSETPOS needs another BYxxx rule part');
  }
  return { options, freq, interval, count, until };
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/** Checks a schedule: `sendAt` a real instant, a zone the runtime knows, a strict RRULE value. */
export function validateSchedule(input: ScheduleInput): ScheduleValidation {
  if (!(input.sendAt instanceof Date) || Number.isNaN(input.sendAt.getTime())) {
    return { ok: false, reason: 'INVALID_SEND_AT', message: 'sendAt is not a valid date-time' };
  }
  if (typeof input.timezone !== 'string' || !isValidTimeZone(input.timezone)) {
    return { ok: false, reason: 'INVALID_TIMEZONE', message: `Unknown IANA time zone "${String(input.timezone)}"` };
  }
  if (input.recurrence !== undefined && input.recurrence !== null) {
    try {
      parseRule(input.recurrence);
    } catch (e) {
      if (e instanceof RuleError) return { ok: false, reason: 'INVALID_RECURRENCE', message: e.message };
      throw e;
    }
  }
  return { ok: true };
}

function checkedRule(input: ScheduleInput): ParsedRule | null {
  const v = validateSchedule(input);
  if (!v.ok) throw new RangeError(`${v.reason}: ${v.message}`);
  return input.recurrence === undefined || input.recurrence === null ? null : parseRule(input.recurrence);
}

/**
 * The schedule's run instants strictly after `after`, ascending, at most `limit` of them.
 *
 * As RFC 5545 says, `sendAt` (DTSTART) is always the first run and counts towards COUNT, even
 * when the rule would not produce it. The rule runs in floating time from sendAt's wall clock;
 * each wall-clock result becomes an instant by `floatingToEpochMs` (skipped times shift forward,
 * repeated ones take their first occurrence). Results that coincide (a skipped time shifted onto
 * an existing one) are one run; results not after `sendAt` are dropped.
 *
 * Throws RangeError for an invalid schedule (see `validateSchedule`), `after` or `limit`.
 */
export function occurrences(input: ScheduleInput, after: Date, limit: number): Date[] {
  const rule = checkedRule(input);
  if (Number.isNaN(after.getTime())) throw new RangeError('after is not a valid date-time');
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
  if (limit === 0) return [];
  const start = input.sendAt.getTime();
  const afterMs = after.getTime();
  const found: number[] = start > afterMs ? [start] : [];
  if (rule !== null) collectRuleRuns(rule, start, input.timezone, afterMs, limit, found);
  found.sort((a, b) => a - b);
  return found.filter((t, i) => i === 0 || t !== found[i - 1]).slice(0, limit).map((t) => new Date(t));
}

function collectRuleRuns(rule: ParsedRule, start: number, timezone: string, afterMs: number, limit: number, found: number[]): void {
  const dtstart = toFloatingMs(start, timezone);
  // Without COUNT, a rule whose periods have a fixed floating length (WEEKLY and finer) produces
  // the same runs from any start shifted by whole INTERVAL periods (same weekday, time of day and
  // period alignment), so skip ahead to a day before `after` instead of iterating from sendAt.
  let iterStart = dtstart;
  const period = FIXED_PERIOD_MS[rule.freq];
  if (rule.count === null && period !== undefined) {
    const step = rule.interval * period;
    const skip = Math.floor((afterMs - OFFSET_BOUND_MS - dtstart) / step);
    if (skip > 0) iterStart = dtstart + skip * step;
  }
  // An instant UNTIL bounds the floating iteration loosely; the exact test is on instants below.
  const until = rule.until;
  const floatingUntil = until === null ? null : until.kind === 'floating' ? until.ms : until.ms + OFFSET_BOUND_MS;
  const rrule = new RRule({ ...rule.options, dtstart: new Date(iterStart), until: floatingUntil === null ? null : new Date(floatingUntil) }, true);

  let emitted = 1; // sendAt
  let threshold = found.length >= limit ? Math.max(...found) : undefined; // max of the first `limit` runs collected
  rrule.all((date) => {
    const local = date.getTime();
    if (local === dtstart) return true; // sendAt itself, already counted
    if (rule.count !== null && ++emitted > rule.count) return false;
    // A run at floating time L is at an instant ≥ L − OFFSET_BOUND_MS, so once that is past the
    // limit-th run found, nothing later can be among the first `limit`.
    if (threshold !== undefined && local - OFFSET_BOUND_MS > threshold) return false;
    const t = floatingToEpochMs(local, timezone);
    if (t > afterMs && t > start && (until?.kind !== 'instant' || t <= until.ms)) {
      found.push(t);
      if (found.length === limit) threshold = Math.max(...found);
    }
    return true;
  });
}

/** The first run strictly after `now`, or null when the schedule has no more runs. */
export function nextRunAt(input: ScheduleInput, now: Date): Date | null {
  return occurrences(input, now, 1)[0] ?? null;
}

/**
 * Reads a `sendAt` given as ISO 8601 text. With `Z` or an offset (`+05:30`, `+0530`, `+05`) it is
 * that absolute instant; without, it is wall-clock time in `timezone` ("2026-11-02T09:00:00" in
 * America/New_York is 14:00Z), resolved like `zonedTimeToInstant`. Seconds and fractions are
 * optional; `T` may be a space. Throws RangeError for malformed text, impossible fields or an
 * unknown zone.
 */
export function parseLocalSendAt(text: string, timezone: string): Date {
  if (!isValidTimeZone(timezone)) throw new RangeError(`Unknown IANA time zone "${timezone}"`);
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/.exec(text.trim());
  if (!m) throw new RangeError(`"${text}" is not an ISO 8601 date-time such as 2026-11-02T09:00:00`);
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number];
  if (!validFields(year, month, day, hour, minute, second)) throw new RangeError(`"${text}" is not a valid date-time`);
  const millisecond = Math.floor(Number(`0.${m[7] ?? '0'}`) * 1000);
  const local = floatingMs(year, month, day, hour, minute, second, millisecond);
  if (m[8] !== undefined) return new Date(local);
  if (m[9] !== undefined) {
    const offsetHours = Number(m[10]);
    const offsetMinutes = Number(m[11] ?? 0);
    if (offsetHours > 23 || offsetMinutes > 59) throw new RangeError(`"${text}" has an invalid UTC offset`);
    const sign = m[9] === '-' ? -1 : 1;
    return new Date(local - sign * (offsetHours * HOUR_MS + offsetMinutes * MINUTE_MS));
  }
  return new Date(floatingToEpochMs(local, timezone));
}
