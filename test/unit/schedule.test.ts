import { nextRunAt, occurrences, parseLocalSendAt, validateSchedule, wallClockAt, zonedTimeToInstant, type ScheduleInput } from '../../src/sending/schedule';

const NY = 'America/New_York';
const iso = (dates: readonly Date[]) => dates.map((d) => d.toISOString());
const at = (text: string) => new Date(text);

describe('zonedTimeToInstant', () => {
  it('uses the offset in force at that local time', () => {
    expect(zonedTimeToInstant(2026, 7, 1, 9, 0, NY).toISOString()).toBe('2026-07-01T13:00:00.000Z'); // EDT, UTC−4
    expect(zonedTimeToInstant(2026, 1, 15, 9, 0, NY).toISOString()).toBe('2026-01-15T14:00:00.000Z'); // EST, UTC−5
    expect(zonedTimeToInstant(2026, 1, 15, 9, 0, 'UTC').toISOString()).toBe('2026-01-15T09:00:00.000Z');
    expect(zonedTimeToInstant(2026, 1, 15, 9, 0, 'Asia/Kolkata').toISOString()).toBe('2026-01-15T03:30:00.000Z');
  });

  it('shifts a time skipped by spring-forward forward by the gap (02:30 EST = 03:30 EDT)', () => {
    expect(zonedTimeToInstant(2026, 3, 8, 2, 30, NY).toISOString()).toBe('2026-03-08T07:30:00.000Z');
    expect(wallClockAt(zonedTimeToInstant(2026, 3, 8, 2, 30, NY), NY)).toMatchObject({ hour: 3, minute: 30 });
    expect(zonedTimeToInstant(2026, 3, 29, 1, 30, 'Europe/Lisbon').toISOString()).toBe('2026-03-29T01:30:00.000Z'); // 02:30 WEST
  });

  it('resolves a time repeated by fall-back to its first occurrence', () => {
    expect(zonedTimeToInstant(2026, 11, 1, 1, 30, NY).toISOString()).toBe('2026-11-01T05:30:00.000Z'); // 01:30 EDT, not EST (06:30Z)
    expect(zonedTimeToInstant(2026, 10, 25, 1, 30, 'Europe/Lisbon').toISOString()).toBe('2026-10-25T00:30:00.000Z'); // 01:30 WEST
  });

  it('handles the instants right around the changes', () => {
    expect(zonedTimeToInstant(2026, 3, 8, 1, 59, NY).toISOString()).toBe('2026-03-08T06:59:00.000Z');
    expect(zonedTimeToInstant(2026, 3, 8, 3, 0, NY).toISOString()).toBe('2026-03-08T07:00:00.000Z');
    expect(zonedTimeToInstant(2026, 11, 1, 0, 59, NY).toISOString()).toBe('2026-11-01T04:59:00.000Z');
    expect(zonedTimeToInstant(2026, 11, 1, 2, 0, NY).toISOString()).toBe('2026-11-01T07:00:00.000Z');
  });

  it('rolls over out-of-range fields like Date.UTC', () => {
    expect(zonedTimeToInstant(2026, 1, 32, 8, 0, 'UTC').toISOString()).toBe('2026-02-01T08:00:00.000Z');
  });

  it('throws for an unknown zone', () => {
    expect(() => zonedTimeToInstant(2026, 1, 1, 0, 0, 'Mars/Olympus')).toThrow(RangeError);
  });
});

describe('wallClockAt', () => {
  it('gives the local fields', () => {
    expect(wallClockAt(at('2026-03-08T07:30:00.250Z'), NY)).toEqual({ year: 2026, month: 3, day: 8, hour: 3, minute: 30, second: 0, millisecond: 250 });
    expect(wallClockAt(at('2026-01-01T00:30:00Z'), NY)).toMatchObject({ year: 2025, month: 12, day: 31, hour: 19 });
    expect(wallClockAt(at('2026-01-01T00:30:00Z'), 'Asia/Tokyo')).toMatchObject({ day: 1, hour: 9 });
  });
});

describe('validateSchedule', () => {
  const base = { sendAt: at('2026-10-26T13:00:00Z'), timezone: NY };

  it('accepts one-offs and valid rules', () => {
    for (const recurrence of [
      undefined,
      null,
      'FREQ=WEEKLY;BYDAY=MO',
      'FREQ=DAILY;COUNT=5',
      'RRULE:FREQ=DAILY;INTERVAL=2',
      'freq=weekly;byday=mo,we;wkst=su',
      'FREQ=MONTHLY;BYDAY=-1FR',
      'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1',
      'FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1',
      'FREQ=DAILY;UNTIL=20261231T235959Z',
      'FREQ=DAILY;UNTIL=20261231',
      'FREQ=HOURLY;BYHOUR=9,12,15;BYMINUTE=0',
    ]) {
      expect([recurrence, validateSchedule({ ...base, recurrence })]).toEqual([recurrence, { ok: true }]);
    }
    expect(validateSchedule({ ...base, timezone: 'UTC' })).toEqual({ ok: true });
  });

  it('rejects an invalid sendAt', () => {
    expect(validateSchedule({ ...base, sendAt: new Date(Number.NaN) })).toMatchObject({ ok: false, reason: 'INVALID_SEND_AT' });
    expect(validateSchedule({ ...base, sendAt: new Date('not a date') })).toMatchObject({ ok: false, reason: 'INVALID_SEND_AT' });
  });

  it.each([['Mars/Olympus'], [''], ['+01:00'], ['Europe/Lisobn']])('rejects the zone %j', (timezone) => {
    expect(validateSchedule({ ...base, timezone })).toMatchObject({ ok: false, reason: 'INVALID_TIMEZONE' });
  });

  it.each([
    ['garbage', 'garbage'],
    ['an empty rule', ''],
    ['no FREQ', 'INTERVAL=2'],
    ['an unknown FREQ', 'FREQ=SOMETIMES'],
    ['a DTSTART line', 'DTSTART:20260101T090000Z\nRRULE:FREQ=DAILY'],
    ['DTSTART inside the rule', 'FREQ=DAILY;DTSTART=20260101T090000Z'],
    ['TZID inside the rule', 'FREQ=DAILY;TZID=America/New_York'],
    ['COUNT=0', 'FREQ=DAILY;COUNT=0'],
    ['a non-numeric COUNT', 'FREQ=DAILY;COUNT=abc'],
    ['COUNT and UNTIL', 'FREQ=DAILY;COUNT=2;UNTIL=20261231T000000Z'],
    ['an invalid UNTIL', 'FREQ=DAILY;UNTIL=20261301'],
    ['an unknown weekday', 'FREQ=WEEKLY;BYDAY=XX'],
    ['INTERVAL=0', 'FREQ=DAILY;INTERVAL=0'],
    ['BYHOUR out of range', 'FREQ=DAILY;BYHOUR=24'],
    ['BYMONTHDAY=0', 'FREQ=MONTHLY;BYMONTHDAY=0'],
    ['BYMONTHDAY with WEEKLY', 'FREQ=WEEKLY;BYMONTHDAY=1'],
    ['an ordinal BYDAY with WEEKLY', 'FREQ=WEEKLY;BYDAY=1MO'],
    ['BYWEEKNO with MONTHLY', 'FREQ=MONTHLY;BYWEEKNO=1'],
    ['BYSETPOS alone', 'FREQ=MONTHLY;BYSETPOS=1'],
    ['a duplicated part', 'FREQ=DAILY;FREQ=WEEKLY'],
    ['an unknown part', 'FREQ=DAILY;BYEASTER=0'],
    ['a trailing separator', 'FREQ=DAILY;'],
  ])('rejects %s', (_label, recurrence) => {
    const v = validateSchedule({ ...base, recurrence });
    expect(v).toMatchObject({ ok: false, reason: 'INVALID_RECURRENCE' });
    if (!v.ok) expect(v.message.length).toBeGreaterThan(0);
  });

  it('explains an embedded DTSTART/TZID', () => {
    expect(validateSchedule({ ...base, recurrence: 'FREQ=DAILY;TZID=America/New_York' })).toMatchObject({ message: expect.stringMatching(/TZID/) });
  });
});

describe('occurrences', () => {
  it('keeps 09:00 local across the November DST change (13:00Z before, 14:00Z after)', () => {
    const s: ScheduleInput = { sendAt: at('2026-10-19T13:00:00Z'), timezone: NY, recurrence: 'FREQ=WEEKLY;BYDAY=MO' }; // Mon 09:00 EDT
    expect(iso(occurrences(s, at('2026-10-01T00:00:00Z'), 4))).toEqual([
      '2026-10-19T13:00:00.000Z',
      '2026-10-26T13:00:00.000Z',
      '2026-11-02T14:00:00.000Z', // DST ended Sunday 1 November
      '2026-11-09T14:00:00.000Z',
    ]);
  });

  it('keeps 09:00 local across the March DST change (14:00Z before, 13:00Z after)', () => {
    const s: ScheduleInput = { sendAt: at('2026-02-23T14:00:00Z'), timezone: NY, recurrence: 'FREQ=WEEKLY;BYDAY=MO' }; // Mon 09:00 EST
    expect(iso(occurrences(s, at('2026-02-24T00:00:00Z'), 3))).toEqual([
      '2026-03-02T14:00:00.000Z',
      '2026-03-09T13:00:00.000Z', // DST started Sunday 8 March
      '2026-03-16T13:00:00.000Z',
    ]);
  });

  it('moves a daily 02:30 to 03:30 local on the spring-forward day', () => {
    const s: ScheduleInput = { sendAt: at('2026-03-06T07:30:00Z'), timezone: NY, recurrence: 'FREQ=DAILY' }; // Fri 02:30 EST
    const runs = occurrences(s, at('2026-03-01T00:00:00Z'), 4);
    expect(iso(runs)).toEqual(['2026-03-06T07:30:00.000Z', '2026-03-07T07:30:00.000Z', '2026-03-08T07:30:00.000Z', '2026-03-09T06:30:00.000Z']);
    expect(runs.map((d) => wallClockAt(d, NY)).map((w) => `${w.day} ${w.hour}:${w.minute}`)).toEqual(['6 2:30', '7 2:30', '8 3:30', '9 2:30']);
  });

  it('takes the first 01:30 on the fall-back day', () => {
    const s: ScheduleInput = { sendAt: at('2026-10-31T05:30:00Z'), timezone: NY, recurrence: 'FREQ=DAILY' }; // Sat 01:30 EDT
    expect(iso(occurrences(s, at('2026-10-31T00:00:00Z'), 3))).toEqual(['2026-10-31T05:30:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
  });

  it('keeps the exact sendAt even when it is the second 01:30 of a fall-back night', () => {
    const s: ScheduleInput = { sendAt: at('2026-11-01T06:30:00Z'), timezone: NY, recurrence: 'FREQ=DAILY' }; // 01:30 EST
    expect(iso(occurrences(s, at('2026-11-01T00:00:00Z'), 2))).toEqual(['2026-11-01T06:30:00.000Z', '2026-11-02T06:30:00.000Z']);
  });

  it('follows Europe/Lisbon summer time (UTC+1) and winter time (UTC+0)', () => {
    const s: ScheduleInput = { sendAt: at('2026-10-23T08:00:00Z'), timezone: 'Europe/Lisbon', recurrence: 'FREQ=DAILY' }; // 09:00 WEST
    expect(iso(occurrences(s, at('2026-10-01T00:00:00Z'), 4))).toEqual([
      '2026-10-23T08:00:00.000Z',
      '2026-10-24T08:00:00.000Z',
      '2026-10-25T09:00:00.000Z', // summer time ended that night
      '2026-10-26T09:00:00.000Z',
    ]);
  });

  it('is plain arithmetic in UTC', () => {
    const s: ScheduleInput = { sendAt: at('2026-03-07T09:00:00Z'), timezone: 'UTC', recurrence: 'FREQ=DAILY;COUNT=5' };
    expect(iso(occurrences(s, at('2026-01-01T00:00:00Z'), 10))).toEqual([
      '2026-03-07T09:00:00.000Z',
      '2026-03-08T09:00:00.000Z',
      '2026-03-09T09:00:00.000Z',
      '2026-03-10T09:00:00.000Z',
      '2026-03-11T09:00:00.000Z',
    ]);
  });

  describe('COUNT', () => {
    const s: ScheduleInput = { sendAt: at('2026-03-05T14:00:00Z'), timezone: NY, recurrence: 'FREQ=DAILY;COUNT=5' };

    it('bounds the runs, counting sendAt', () => {
      expect(occurrences(s, at('2026-03-01T00:00:00Z'), 100)).toHaveLength(5);
      expect(occurrences(s, at('2026-03-01T00:00:00Z'), 100).at(-1)!.toISOString()).toBe('2026-03-09T13:00:00.000Z');
    });

    it('counts runs already past', () => {
      expect(iso(occurrences(s, at('2026-03-07T00:00:00Z'), 100))).toEqual(['2026-03-07T14:00:00.000Z', '2026-03-08T13:00:00.000Z', '2026-03-09T13:00:00.000Z']);
      expect(occurrences(s, at('2026-03-09T13:00:00Z'), 100)).toEqual([]);
    });

    it('counts a sendAt the rule would not produce as the first run (RFC 5545)', () => {
      // Wednesday 4 March 2026, 09:00 EST; the rule only produces Mondays.
      const wed: ScheduleInput = { sendAt: at('2026-03-04T14:00:00Z'), timezone: NY, recurrence: 'FREQ=WEEKLY;BYDAY=MO;COUNT=3' };
      expect(iso(occurrences(wed, at('2026-01-01T00:00:00Z'), 10))).toEqual(['2026-03-04T14:00:00.000Z', '2026-03-09T13:00:00.000Z', '2026-03-16T13:00:00.000Z']);
    });
  });

  describe('UNTIL', () => {
    const from = at('2026-01-01T00:00:00Z');
    const daily = (until: string): ScheduleInput => ({ sendAt: at('2026-03-05T14:00:00Z'), timezone: NY, recurrence: `FREQ=DAILY;UNTIL=${until}` });

    it('is an inclusive instant in UTC form', () => {
      expect(occurrences(daily('20260309T130000Z'), from, 100).at(-1)!.toISOString()).toBe('2026-03-09T13:00:00.000Z');
      expect(occurrences(daily('20260309T125959Z'), from, 100).at(-1)!.toISOString()).toBe('2026-03-08T13:00:00.000Z');
    });

    it('is local wall-clock time without Z', () => {
      expect(occurrences(daily('20260309T090000'), from, 100).at(-1)!.toISOString()).toBe('2026-03-09T13:00:00.000Z');
      expect(occurrences(daily('20260309T085959'), from, 100).at(-1)!.toISOString()).toBe('2026-03-08T13:00:00.000Z');
    });

    it('includes the whole local day as a date', () => {
      expect(occurrences(daily('20260309'), from, 100).at(-1)!.toISOString()).toBe('2026-03-09T13:00:00.000Z');
      expect(occurrences(daily('20260309'), from, 100)).toHaveLength(5);
    });

    it('still runs sendAt when UNTIL is before it', () => {
      expect(iso(occurrences(daily('20260101'), from, 100))).toEqual(['2026-03-05T14:00:00.000Z']);
    });
  });

  it('is strictly after `after`', () => {
    const s: ScheduleInput = { sendAt: at('2026-10-19T13:00:00Z'), timezone: NY, recurrence: 'FREQ=WEEKLY;BYDAY=MO' };
    expect(occurrences(s, s.sendAt, 1)[0]!.toISOString()).toBe('2026-10-26T13:00:00.000Z');
    expect(occurrences(s, new Date(s.sendAt.getTime() - 1), 1)[0]!.toISOString()).toBe('2026-10-19T13:00:00.000Z');
    expect(occurrences(s, at('2026-10-26T13:00:00Z'), 1)[0]!.toISOString()).toBe('2026-11-02T14:00:00.000Z');
    expect(occurrences(s, at('2026-10-26T12:59:59.999Z'), 1)[0]!.toISOString()).toBe('2026-10-26T13:00:00.000Z');
  });

  it('gives a one-off only while it is in the future', () => {
    const s: ScheduleInput = { sendAt: at('2026-05-01T12:00:00Z'), timezone: NY };
    expect(iso(occurrences(s, at('2026-04-01T00:00:00Z'), 5))).toEqual(['2026-05-01T12:00:00.000Z']);
    expect(occurrences(s, at('2026-05-01T12:00:00Z'), 5)).toEqual([]);
  });

  it('respects limit', () => {
    const s: ScheduleInput = { sendAt: at('2026-05-01T12:00:00Z'), timezone: NY, recurrence: 'FREQ=DAILY' };
    expect(occurrences(s, at('2026-04-01T00:00:00Z'), 0)).toEqual([]);
    expect(occurrences(s, at('2026-04-01T00:00:00Z'), 1)).toHaveLength(1);
    expect(occurrences(s, at('2026-04-01T00:00:00Z'), 30)).toHaveLength(30);
  });

  it('gives the same runs when `after` is years past sendAt (skipping ahead) as when listing from the start', () => {
    for (const recurrence of ['FREQ=HOURLY;INTERVAL=7;BYMINUTE=0,30', 'FREQ=WEEKLY;INTERVAL=3;BYDAY=TU,SA', 'FREQ=DAILY;INTERVAL=5', 'FREQ=MINUTELY;INTERVAL=97']) {
      const s: ScheduleInput = { sendAt: at('2026-01-07T14:00:00Z'), timezone: NY, recurrence };
      const all = occurrences(s, at('2026-01-01T00:00:00Z'), 5000).map((d) => d.getTime());
      const after = at('2026-11-01T05:45:00Z');
      const expected = all.filter((t) => t > after.getTime()).slice(0, 12);
      expect(expected).toHaveLength(12);
      expect([recurrence, occurrences(s, after, 12).map((d) => d.getTime())]).toEqual([recurrence, expected]);
    }
  });

  it('handles monthly rules', () => {
    const s: ScheduleInput = { sendAt: at('2026-01-30T14:00:00Z'), timezone: NY, recurrence: 'FREQ=MONTHLY;BYDAY=-1FR' }; // last Friday, 09:00
    expect(iso(occurrences(s, at('2026-01-01T00:00:00Z'), 4))).toEqual([
      '2026-01-30T14:00:00.000Z',
      '2026-02-27T14:00:00.000Z',
      '2026-03-27T13:00:00.000Z',
      '2026-04-24T13:00:00.000Z',
    ]);
  });

  it('throws for an invalid schedule or arguments', () => {
    const s: ScheduleInput = { sendAt: at('2026-05-01T12:00:00Z'), timezone: NY, recurrence: 'FREQ=DAILY' };
    expect(() => occurrences({ ...s, timezone: 'Mars/Olympus' }, s.sendAt, 1)).toThrow(/INVALID_TIMEZONE/);
    expect(() => occurrences({ ...s, recurrence: 'FREQ=NEVER' }, s.sendAt, 1)).toThrow(/INVALID_RECURRENCE/);
    expect(() => occurrences(s, s.sendAt, -1)).toThrow(RangeError);
    expect(() => occurrences(s, s.sendAt, 1.5)).toThrow(RangeError);
    expect(() => occurrences(s, new Date(Number.NaN), 1)).toThrow(RangeError);
  });
});

describe('nextRunAt', () => {
  const s: ScheduleInput = { sendAt: at('2026-10-19T13:00:00Z'), timezone: NY, recurrence: 'FREQ=WEEKLY;BYDAY=MO;COUNT=3' };

  it('is the first run after now', () => {
    expect(nextRunAt(s, at('2026-01-01T00:00:00Z'))!.toISOString()).toBe('2026-10-19T13:00:00.000Z');
    expect(nextRunAt(s, at('2026-10-28T00:00:00Z'))!.toISOString()).toBe('2026-11-02T14:00:00.000Z');
  });

  it('is null when the schedule is over', () => {
    expect(nextRunAt(s, at('2026-11-02T14:00:00Z'))).toBeNull();
    expect(nextRunAt({ sendAt: s.sendAt, timezone: NY }, s.sendAt)).toBeNull();
  });
});

describe('parseLocalSendAt', () => {
  it('reads text without an offset as wall-clock time in the zone', () => {
    expect(parseLocalSendAt('2026-11-02T09:00:00', NY).toISOString()).toBe('2026-11-02T14:00:00.000Z');
    expect(parseLocalSendAt('2026-07-02T09:00:00', NY).toISOString()).toBe('2026-07-02T13:00:00.000Z');
    expect(parseLocalSendAt('2026-07-02T09:00', 'Europe/Lisbon').toISOString()).toBe('2026-07-02T08:00:00.000Z');
    expect(parseLocalSendAt('2026-01-02 09:00:00.5', 'Europe/Lisbon').toISOString()).toBe('2026-01-02T09:00:00.500Z');
    expect(parseLocalSendAt('2026-01-02T09:00:00', 'UTC').toISOString()).toBe('2026-01-02T09:00:00.000Z');
  });

  it('resolves skipped and repeated local times like zonedTimeToInstant', () => {
    expect(parseLocalSendAt('2026-03-08T02:30:00', NY).toISOString()).toBe('2026-03-08T07:30:00.000Z');
    expect(parseLocalSendAt('2026-11-01T01:30:00', NY).toISOString()).toBe('2026-11-01T05:30:00.000Z');
  });

  it('reads text with Z or an offset as that instant, whatever the zone', () => {
    expect(parseLocalSendAt('2026-11-02T09:00:00Z', NY).toISOString()).toBe('2026-11-02T09:00:00.000Z');
    expect(parseLocalSendAt('2026-11-02T09:00:00+05:30', NY).toISOString()).toBe('2026-11-02T03:30:00.000Z');
    expect(parseLocalSendAt('2026-11-02T09:00:00-0300', NY).toISOString()).toBe('2026-11-02T12:00:00.000Z');
    expect(parseLocalSendAt('2026-11-02T09:00:00.123+01', 'UTC').toISOString()).toBe('2026-11-02T08:00:00.123Z');
  });

  it.each([['2026-11-02'], ['2026-13-01T09:00:00'], ['2026-02-30T09:00:00'], ['2026-11-02T24:00:00'], ['2026-11-02T09:00:00+25:00'], ['tomorrow at nine'], ['']])(
    'rejects %j',
    (text) => {
      expect(() => parseLocalSendAt(text, NY)).toThrow(RangeError);
    },
  );

  it('rejects an unknown zone', () => {
    expect(() => parseLocalSendAt('2026-11-02T09:00:00', 'Mars/Olympus')).toThrow(RangeError);
  });
});
