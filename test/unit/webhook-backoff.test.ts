import { MAX_ATTEMPTS, backoffMs } from '../../src/tracking/webhooks/retries';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

describe('MAX_ATTEMPTS', () => {
  it('is 12', () => {
    expect(MAX_ATTEMPTS).toBe(12);
  });
});

describe('backoffMs', () => {
  it.each([
    [1, 5 * SECOND],
    [2, 10 * SECOND],
    [3, 20 * SECOND],
    [4, 40 * SECOND],
    [5, 80 * SECOND],
    [9, 1280 * SECOND],
    [10, 2560 * SECOND],
    [11, HOUR], // 5120 s, capped
    [12, HOUR],
    [20, HOUR],
    [1100, HOUR], // 2 ** 1099 is Infinity: still the cap
  ])('backoffMs(%d) = %d ms', (attempts, expected) => {
    expect(backoffMs(attempts)).toBe(expected);
  });

  it.each([0, -1])('waits the base 5 s for attempts = %d', (attempts) => {
    expect(backoffMs(attempts)).toBe(5 * SECOND);
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

  it('reaches the cap before the last attempt', () => {
    expect(backoffMs(MAX_ATTEMPTS - 1)).toBe(HOUR);
    expect(backoffMs(MAX_ATTEMPTS - 2)).toBeLessThan(HOUR);
  });
});
