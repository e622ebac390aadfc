import { isQuiet, isValidQuietHours, nextAllowedTime } from '../../src/sending/quiet-hours';

const at = (text: string) => new Date(text);
const NIGHT = { start: 21, end: 8 }; // wraps midnight: 21:00–07:59
const EARLY = { start: 1, end: 6 }; // within a day: 01:00–05:59

describe('isQuiet', () => {
  it.each([
    ['20:59:59', false],
    ['21:00:00', true],
    ['23:59:59', true],
    ['00:00:00', true],
    ['07:59:59', true],
    ['08:00:00', false],
    ['12:00:00', false],
  ])('21→8 (wraps midnight) at %s local: %p', (time, quiet) => {
    // Europe/Lisbon is UTC+0 in January, so local time = UTC.
    expect(isQuiet(at(`2026-01-15T${time}Z`), 'Europe/Lisbon', NIGHT)).toBe(quiet);
  });

  it.each([
    ['00:59:59', false],
    ['01:00:00', true],
    ['05:59:59', true],
    ['06:00:00', false],
    ['23:00:00', false],
  ])('1→6 (within a day) at %s local: %p', (time, quiet) => {
    expect(isQuiet(at(`2026-01-15T${time}Z`), 'UTC', EARLY)).toBe(quiet);
  });

  it('reads the hour in the given zone', () => {
    // 13:00Z on 15 June: 14:00 in Lisbon (WEST), 22:00 in Tokyo, 06:00 in Los Angeles (PDT).
    const instant = at('2026-06-15T13:00:00Z');
    expect(isQuiet(instant, 'Europe/Lisbon', NIGHT)).toBe(false);
    expect(isQuiet(instant, 'Asia/Tokyo', NIGHT)).toBe(true);
    expect(isQuiet(instant, 'America/Los_Angeles', NIGHT)).toBe(true);
    // 05:00Z: 14:00 in Tokyo, 22:00 the evening before in Los Angeles.
    expect(isQuiet(at('2026-06-15T05:00:00Z'), 'Asia/Tokyo', NIGHT)).toBe(false);
    expect(isQuiet(at('2026-06-15T05:00:00Z'), 'America/Los_Angeles', NIGHT)).toBe(true);
  });

  it('is never quiet without a setting', () => {
    expect(isQuiet(at('2026-01-15T03:00:00Z'), 'UTC', null)).toBe(false);
  });

  it('throws for an invalid setting or zone', () => {
    expect(() => isQuiet(at('2026-01-15T03:00:00Z'), 'UTC', { start: 8, end: 8 })).toThrow(RangeError);
    expect(() => isQuiet(at('2026-01-15T03:00:00Z'), 'UTC', { start: 24, end: 8 })).toThrow(RangeError);
    expect(() => isQuiet(at('2026-01-15T03:00:00Z'), 'UTC', { start: 21.5, end: 8 })).toThrow(RangeError);
    expect(() => isQuiet(at('2026-01-15T03:00:00Z'), 'Mars/Olympus', NIGHT)).toThrow(RangeError);
  });
});

describe('isValidQuietHours', () => {
  it('accepts whole hours 0–23 with start ≠ end', () => {
    expect(isValidQuietHours({ start: 21, end: 8 })).toBe(true);
    expect(isValidQuietHours({ start: 0, end: 23 })).toBe(true);
    expect(isValidQuietHours({ start: 5, end: 5 })).toBe(false);
    expect(isValidQuietHours({ start: -1, end: 5 })).toBe(false);
    expect(isValidQuietHours({ start: 1, end: Number.NaN })).toBe(false);
  });
});

describe('nextAllowedTime', () => {
  it('returns `at` itself when it is not quiet', () => {
    const instant = at('2026-01-15T12:34:56.789Z');
    expect(nextAllowedTime(instant, 'UTC', NIGHT)).toBe(instant);
    expect(nextAllowedTime(instant, 'UTC', null)).toBe(instant);
    expect(nextAllowedTime(at('2026-01-15T08:00:00Z'), 'UTC', NIGHT).toISOString()).toBe('2026-01-15T08:00:00.000Z');
  });

  it('defers an evening send to the next morning and an early-morning send to the same morning', () => {
    expect(nextAllowedTime(at('2026-01-15T21:00:00Z'), 'UTC', NIGHT).toISOString()).toBe('2026-01-16T08:00:00.000Z');
    expect(nextAllowedTime(at('2026-01-15T23:59:59Z'), 'UTC', NIGHT).toISOString()).toBe('2026-01-16T08:00:00.000Z');
    expect(nextAllowedTime(at('2026-01-16T03:00:00Z'), 'UTC', NIGHT).toISOString()).toBe('2026-01-16T08:00:00.000Z');
    expect(nextAllowedTime(at('2026-01-16T07:59:59.999Z'), 'UTC', NIGHT).toISOString()).toBe('2026-01-16T08:00:00.000Z');
    expect(nextAllowedTime(at('2026-01-16T01:00:00Z'), 'UTC', EARLY).toISOString()).toBe('2026-01-16T06:00:00.000Z');
  });

  it('crosses month and year ends', () => {
    expect(nextAllowedTime(at('2026-12-31T22:00:00Z'), 'UTC', NIGHT).toISOString()).toBe('2027-01-01T08:00:00.000Z');
  });

  it('defers to 08:00 local of each contact: Tokyo vs Los Angeles at the same instant', () => {
    const instant = at('2026-06-15T13:00:00Z'); // 22:00 JST on the 15th; 06:00 PDT on the 15th
    expect(nextAllowedTime(instant, 'Asia/Tokyo', NIGHT).toISOString()).toBe('2026-06-15T23:00:00.000Z'); // 08:00 JST on the 16th
    expect(nextAllowedTime(instant, 'America/Los_Angeles', NIGHT).toISOString()).toBe('2026-06-15T15:00:00.000Z'); // 08:00 PDT on the 15th
  });

  it('lands on 08:00 in the new offset across a DST change', () => {
    // New York, Saturday 7 March 2026 22:00 EST → Sunday 8 March 08:00 EDT (clocks went forward at 02:00).
    expect(nextAllowedTime(at('2026-03-08T03:00:00Z'), 'America/New_York', NIGHT).toISOString()).toBe('2026-03-08T12:00:00.000Z');
    // Saturday 31 October 22:00 EDT → Sunday 1 November 08:00 EST (clocks went back at 02:00).
    expect(nextAllowedTime(at('2026-11-01T02:00:00Z'), 'America/New_York', NIGHT).toISOString()).toBe('2026-11-01T13:00:00.000Z');
    // Los Angeles, the same two nights.
    expect(nextAllowedTime(at('2026-03-08T06:00:00Z'), 'America/Los_Angeles', NIGHT).toISOString()).toBe('2026-03-08T15:00:00.000Z');
    expect(nextAllowedTime(at('2026-11-01T05:00:00Z'), 'America/Los_Angeles', NIGHT).toISOString()).toBe('2026-11-01T16:00:00.000Z');
  });

  it('ends at the moment of the change when the end hour is skipped', () => {
    // 22→2 in New York: 02:00 does not exist on 8 March 2026; the wall clock jumps from 01:59:59 EST to 03:00 EDT (07:00Z).
    expect(nextAllowedTime(at('2026-03-08T06:30:00Z'), 'America/New_York', { start: 22, end: 2 }).toISOString()).toBe('2026-03-08T07:00:00.000Z');
    expect(isQuiet(at('2026-03-08T07:00:00Z'), 'America/New_York', { start: 22, end: 2 })).toBe(false);
  });

  it('waits through both passes of a repeated hour', () => {
    // 1→2 in New York on 1 November 2026: 01:00–01:59 happens twice (EDT, then EST); 02:00 EST is 07:00Z.
    const window = { start: 1, end: 2 };
    expect(nextAllowedTime(at('2026-11-01T05:30:00Z'), 'America/New_York', window).toISOString()).toBe('2026-11-01T07:00:00.000Z');
    expect(nextAllowedTime(at('2026-11-01T06:30:00Z'), 'America/New_York', window).toISOString()).toBe('2026-11-01T07:00:00.000Z');
  });

  it('never returns a quiet or earlier instant (a year of DST changes, three zones)', () => {
    for (const zone of ['America/New_York', 'Europe/Lisbon', 'Australia/Lord_Howe']) {
      for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 247 * 60 * 1000) {
        const next = nextAllowedTime(new Date(t), zone, NIGHT);
        expect(next.getTime()).toBeGreaterThanOrEqual(t);
        expect(isQuiet(next, zone, NIGHT)).toBe(false);
        expect(next.getTime() - t).toBeLessThanOrEqual(11 * 3600 * 1000 + 3600 * 1000);
      }
    }
  });
});
