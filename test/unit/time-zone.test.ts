import { canonicalTimeZone, isValidTimeZone, useDatabaseTimeZones } from '../../src/shared/time-zone';

describe('isValidTimeZone', () => {
  it.each([['Europe/Lisbon'], ['America/New_York'], ['Asia/Kolkata'], ['UTC'], ['Etc/GMT+5']])('accepts %s', (zone) => {
    expect(isValidTimeZone(zone)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['an unknown zone', 'Mars/Olympus'],
    ['a misspelt zone', 'Europe/Lisobn'],
    ['a UTC offset', '+01:00'],
    ['free text', 'Lisbon time'],
  ])('rejects %s', (_label, zone) => {
    expect(isValidTimeZone(zone)).toBe(false);
  });
});

describe('canonicalTimeZone', () => {
  it('returns the canonical spelling, or undefined for an unknown zone', () => {
    expect(canonicalTimeZone('europe/lisbon')).toBe('Europe/Lisbon');
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    expect(canonicalTimeZone('Mars/Olympus')).toBeUndefined();
    expect(canonicalTimeZone('')).toBeUndefined();
  });
});

describe('zones PostgreSQL knows too', () => {
  it('once the database list is registered, a zone the runtime knows but the database does not is refused', () => {
    expect(isValidTimeZone('Pacific/Kiritimati')).toBe(true);
    useDatabaseTimeZones(['UTC', 'Europe/Berlin']);
    try {
      expect(isValidTimeZone('europe/berlin')).toBe(true);
      expect(canonicalTimeZone('europe/berlin')).toBe('Europe/Berlin');
      expect(isValidTimeZone('Pacific/Kiritimati')).toBe(false);
      expect(canonicalTimeZone('Pacific/Kiritimati')).toBeUndefined();
    } finally {
      useDatabaseTimeZones(undefined);
    }
  });
});
