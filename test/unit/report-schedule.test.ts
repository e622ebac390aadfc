import { anchorOf, checkRecurrence, nextReportRun } from '../../src/reports/report-recurrence';
import { checkReportDays, MAX_DESTINATIONS, validateScheduleInput } from '../../src/reports/report-schedule-input';

const WEEKLY_9 = 'FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0';

describe('nextReportRun in a zone', () => {
  const created = new Date('2026-09-01T10:17:42Z');
  it('fires at 09:00 Paris time on both sides of the autumn change (CEST then CET)', () => {
    // Sunday 25 Oct 2026 Paris leaves summer time: Monday 19 Oct 09:00 is 07:00Z, Monday 26 Oct 09:00 is 08:00Z.
    const first = nextReportRun(WEEKLY_9, 'Europe/Paris', created, new Date('2026-10-15T00:00:00Z'));
    expect(first?.toISOString()).toBe('2026-10-19T07:00:00.000Z');
    const second = nextReportRun(WEEKLY_9, 'Europe/Paris', created, first!);
    expect(second?.toISOString()).toBe('2026-10-26T08:00:00.000Z');
  });
  it('and on both sides of the spring change (CET then CEST)', () => {
    const first = nextReportRun(WEEKLY_9, 'Europe/Paris', created, new Date('2027-03-20T00:00:00Z'));
    expect(first?.toISOString()).toBe('2027-03-22T08:00:00.000Z');
    expect(nextReportRun(WEEKLY_9, 'Europe/Paris', created, first!)?.toISOString()).toBe('2027-03-29T07:00:00.000Z');
  });
  it('is strictly after now: a run due now gives the next one (missed occurrences collapse into one)', () => {
    const now = new Date('2026-10-19T07:00:00Z');
    expect(nextReportRun(WEEKLY_9, 'Europe/Paris', created, now)?.toISOString()).toBe('2026-10-26T08:00:00.000Z');
    // Down for three weeks: the next run is the one after now, not the first missed one.
    expect(nextReportRun(WEEKLY_9, 'Europe/Paris', created, new Date('2026-11-10T12:00:00Z'))?.toISOString()).toBe('2026-11-16T08:00:00.000Z');
  });
  it('takes the time fields a rule leaves out from the creation time, cut to the minute', () => {
    expect(anchorOf(created).toISOString()).toBe('2026-09-01T10:17:00.000Z');
    expect(nextReportRun('FREQ=DAILY', 'UTC', created, new Date('2026-09-05T12:00:00Z'))?.toISOString()).toBe('2026-09-06T10:17:00.000Z');
  });
  it('is null once a rule ends', () => {
    expect(nextReportRun('FREQ=DAILY;COUNT=3', 'UTC', created, new Date('2026-09-10T00:00:00Z'))).toBeNull();
  });
});

describe('checkRecurrence', () => {
  const now = new Date('2026-09-01T10:17:42Z');
  it('accepts a weekly rule and gives its first run', () => {
    expect(checkRecurrence(WEEKLY_9, 'Europe/Paris', now)).toEqual({ ok: true, nextRunAt: new Date('2026-09-07T07:00:00Z') });
    expect(checkRecurrence('FREQ=HOURLY', 'UTC', now)).toEqual({ ok: true, nextRunAt: new Date('2026-09-01T11:17:00Z') });
  });
  it.each([
    ['FREQ=MINUTELY;INTERVAL=90', 'at most hourly'],
    ['FREQ=SECONDLY', 'at most hourly'],
    ['FREQ=HOURLY;BYMINUTE=0,30', 'at most hourly'],
    ['FREQ=DAILY;BYHOUR=9;BYMINUTE=0,15', 'at most hourly'],
    ['FREQ=DAILY;UNTIL=20250101T000000Z', 'no occurrence after now'],
    ['FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30', 'no occurrence after now'],
    ['FREQ=BOGUS', 'FREQ must be'],
    ['', 'empty'],
    ['DTSTART=20260101T000000Z;FREQ=DAILY', 'must not contain DTSTART'],
  ])('refuses %p (INVALID_RECURRENCE)', (rule, message) => {
    const r = checkRecurrence(rule, 'UTC', now);
    expect(r).toMatchObject({ ok: false, reason: 'INVALID_RECURRENCE' });
    expect((r as { message: string }).message).toContain(message);
  });
  it('refuses an unknown zone (INVALID_TIMEZONE)', () => {
    expect(checkRecurrence(WEEKLY_9, 'Mars/Olympus', now)).toMatchObject({ ok: false, reason: 'INVALID_TIMEZONE' });
  });
});

describe('validateScheduleInput', () => {
  const now = new Date('2026-09-01T10:17:42Z');
  const ok = { recurrence: WEEKLY_9, timezone: 'europe/paris', emails: ['Ops@Shop.EXAMPLE', 'Ops@shop.example'], webhookUrls: ['https://hooks.example.com/r'], days: 14 };
  const reason = (input: Record<string, unknown>, allowCustom = false) => {
    try {
      validateScheduleInput({ ...ok, ...input }, now, allowCustom);
      return 'ok';
    } catch (e) {
      const err = e as { reason: string; field: string };
      return `${err.reason} ${err.field}`;
    }
  };
  it('normalises zone, rule, emails (domain lower-cased, duplicates removed)', () => {
    expect(validateScheduleInput({ ...ok, recurrence: `rrule:${WEEKLY_9.toLowerCase()}` }, now, false)).toEqual({
      recurrence: WEEKLY_9,
      timezone: 'Europe/Paris',
      emails: ['Ops@shop.example'],
      webhookUrls: ['https://hooks.example.com/r'],
      days: 14,
      nextRunAt: new Date('2026-09-07T07:00:00Z'),
    });
  });
  it('refuses each bad field with its reason', () => {
    expect(reason({ timezone: 'Nowhere/Land' })).toBe('INVALID_TIMEZONE input.timezone');
    expect(reason({ recurrence: 'FREQ=MINUTELY' })).toBe('INVALID_RECURRENCE input.recurrence');
    expect(reason({ emails: [], webhookUrls: [] })).toBe('NO_DESTINATION input');
    expect(reason({ emails: null, webhookUrls: null })).toBe('NO_DESTINATION input');
    expect(reason({ emails: ['ops at shop'] })).toBe('INVALID_EMAIL input.emails.0');
    expect(reason({ emails: ['a@b.example', 'a@b.example, c@d.example'] })).toBe('INVALID_EMAIL input.emails.1');
    expect(reason({ webhookUrls: ['http://hooks.example.com/r'] })).toBe('INVALID_ALERT_WEBHOOK_URL input.webhookUrls.0');
    expect(reason({ webhookUrls: ['https://169.254.169.254/latest'] })).toBe('INVALID_ALERT_WEBHOOK_URL input.webhookUrls.0');
    expect(reason({ webhookUrls: ['http://127.0.0.1:9/r'] }, true)).toBe('ok');
    expect(reason({ days: 0 })).toBe('INVALID_DAYS input.days');
    expect(reason({ days: 367 })).toBe('INVALID_DAYS input.days');
    expect(reason({ emails: Array.from({ length: MAX_DESTINATIONS }, (_, i) => `u${i}@shop.example`) })).toBe('TOO_MANY_DESTINATIONS input');
  });
  it('defaults days to 7', () => {
    expect(checkReportDays(null)).toBe(7);
    expect(checkReportDays(366)).toBe(366);
  });
});
