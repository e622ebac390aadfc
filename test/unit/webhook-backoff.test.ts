import { MAX_ATTEMPTS, backoffMs } from '../../src/tracking/webhooks/retries';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

describe('MAX_ATTEMPTS', () => {
  it('is 8', () => {
    expect(MAX_ATTEMPTS).toBe(8);
  });
});

describe('backoffMs', () => {
  it.each([
    [1, 30 * SECOND],
    [2, 1 * MINUTE],
    [3, 2 * MINUTE],
    [4, 4 * MINUTE],
    [5, 8 * MINUTE],
    [6, 16 * MINUTE],
    [7, 32 * MINUTE],
    [8, HOUR], // 64 min, capped
    [9, HOUR],
    [20, HOUR],
    [1100, HOUR], // 2 ** 1099 is Infinity: still the cap
  ])('backoffMs(%d) = %d ms', (attempts, expected) => {
    expect(backoffMs(attempts)).toBe(expected);
  });

  it.each([0, -1])('waits the base 30 s for attempts = %d', (attempts) => {
    expect(backoffMs(attempts)).toBe(30 * SECOND);
  });

  it('doubles from one attempt to the next until the cap', () => {
    for (let n = 1; backoffMs(n + 1) < HOUR; n++) expect(backoffMs(n + 1)).toBe(2 * backoffMs(n));
  });

  it('is monotone non-decreasing and never above 1 hour, well past MAX_ATTEMPTS', () => {
    for (let n = 1; n < MAX_ATTEMPTS + 50; n++) {
      expect(backoffMs(n + 1)).toBeGreaterThanOrEqual(backoffMs(n));
      expect(backoffMs(n)).toBeLessThanOrEqual(HOUR);
    }
  });

  it('reaches the cap within MAX_ATTEMPTS', () => {
    expect(backoffMs(MAX_ATTEMPTS)).toBe(HOUR);
    expect(backoffMs(MAX_ATTEMPTS - 1)).toBeLessThan(HOUR);
  });
});
