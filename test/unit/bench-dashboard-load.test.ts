/** The dashboard load bench's pure parts: bytes of a load by kind, and the summary of its times. */
import { kb, loadBytes, summarize } from '../../bench/dashboard-load';

const origin = 'http://127.0.0.1:4000';
const entries = [
  { name: `${origin}/tests`, encodedBodySize: 310, decodedBodySize: 520 },
  { name: `${origin}/assets/app-AB12.js`, encodedBodySize: 65_000, decodedBodySize: 210_000 },
  { name: `${origin}/assets/app-CD34.css`, encodedBodySize: 1_200, decodedBodySize: 3_100 },
  { name: `${origin}/assets/extra-EF56.js`, encodedBodySize: 500, decodedBodySize: 500 },
  { name: `${origin}/graphql`, encodedBodySize: 9_000, decodedBodySize: 40_000 },
];

it('sums what a load transferred by kind, leaving out API requests', () => {
  const encodings = new Map<string, string | undefined>([
    [`${origin}/tests`, 'gzip'],
    [`${origin}/assets/app-AB12.js`, 'gzip'],
    [`${origin}/assets/app-CD34.css`, 'gzip'],
    [`${origin}/assets/extra-EF56.js`, 'gzip'],
    [`${origin}/graphql`, undefined],
  ]);
  expect(loadBytes(entries, encodings)).toEqual({
    js: { files: 2, wire: 65_500, raw: 210_500 },
    css: { files: 1, wire: 1_200, raw: 3_100 },
    html: { files: 1, wire: 310, raw: 520 },
    notGzipped: [],
  });
});

it('names JavaScript and CSS served without gzip (the document itself may be plain)', () => {
  const encodings = new Map<string, string | undefined>([
    [`${origin}/assets/app-AB12.js`, 'gzip'],
    [`${origin}/assets/app-CD34.css`, 'br'],
  ]);
  expect(loadBytes(entries, encodings).notGzipped).toEqual([`${origin}/assets/app-CD34.css`, `${origin}/assets/extra-EF56.js`]);
});

it('summarizes times: median and p95 by nearest rank, min and max', () => {
  // 15 loads: the median is the 8th smallest (120 … 180, then 190), p95 the 15th (ceil(0.95 × 15) = 15).
  const times = [310, 120, 150, 900, 140, 130, 160, 170, 180, 190, 200, 210, 220, 230, 240];
  expect(summarize(times)).toEqual({ n: 15, median: 190, p95: 900, min: 120, max: 900 });
  // 20 loads of 1..20 ms: p95 is the 19th smallest.
  expect(summarize(Array.from({ length: 20 }, (_, i) => 20 - i))).toMatchObject({ median: 10, p95: 19 });
  expect(summarize([161.4, 279.6])).toEqual({ n: 2, median: 161, p95: 280, min: 161.4, max: 279.6 });
});

it('prints kilobytes of 1,024 bytes', () => {
  expect(kb(65_946)).toBe('64.4 KB');
});
