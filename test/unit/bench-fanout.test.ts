/** The fan-out bench's pure parts: targets per level, the breaking point, and latencies from acknowledgements. */
import { breakingPoint, freshnessTarget, Histogram, subscriberLatencies } from '../../bench/fanout';

it('targets window + 50 ms up to 1,000 subscribers and window + 150 ms above', () => {
  expect(freshnessTarget(1000, 250)).toBe(300);
  expect(freshnessTarget(10_000, 250)).toBe(400);
  expect(freshnessTarget(100, 100)).toBe(150);
});

it('names the first measured level over its target as the breaking point', () => {
  const levels = [
    { subscribers: 1000, rate: 2000, p99: 290 },
    { subscribers: 5000, rate: 2000, p99: 420 },
    { subscribers: 10_000, rate: 2000, p99: 390 },
  ];
  expect(breakingPoint(levels, 250)).toEqual(levels[1]);
  expect(breakingPoint([levels[0]!, levels[2]!], 250)).toBeUndefined();
  expect(breakingPoint([{ subscribers: 1000, rate: 2000, p99: Infinity }], 250)?.subscribers).toBe(1000); // failed requests
});

it('measures freshness from each acknowledgement to the first message covering it', () => {
  const fresh = new Histogram();
  const delivery = new Histogram();
  // Requests acknowledged at 100 (10 events) and 200 (20 in all); messages at 150 (total 10) and 450 (total 20).
  const uncovered = subscriberLatencies({ cum: [10, 20], at: [100, 200] }, [150, 450], [10, 20], fresh, delivery);
  expect(uncovered).toBe(0);
  expect(fresh.count).toBe(2);
  expect(fresh.percentile(50)).toBe(50);
  expect(fresh.percentile(100)).toBe(250);
  expect(delivery.percentile(100)).toBe(250);
});
