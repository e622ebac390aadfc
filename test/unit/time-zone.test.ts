import { isValidTimeZone } from '../../src/shared/time-zone';

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
