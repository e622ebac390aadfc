import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { assignIndex, bucketRanges, campaignAssigner, campaignRanges, chooseVariation, fnv1a32, growthbookHash, type BucketRange } from '../../src/campaigns/assignment';

/** GrowthBook SDK spec vectors (see `source` in the fixture). */
const vectors = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'growthbook-vectors.json'), 'utf8')) as {
  hash: [string, string, number, number | null][];
  getBucketRange: [string, [number, number, number[] | null], [number, number][]][];
  chooseVariation: [string, number, [number, number][], number][];
};

describe('GrowthBook SDK vectors', () => {
  it('has the three sections', () => {
    expect(vectors.hash.length).toBeGreaterThan(10);
    expect(vectors.getBucketRange.length).toBeGreaterThan(10);
    expect(vectors.chooseVariation.length).toBeGreaterThan(10);
  });

  it.each(vectors.hash)('hash(%j, %j, v%d) = %p', (seed, value, version, expected) => {
    expect(growthbookHash(seed, value, version)).toBe(expected);
  });

  // GrowthBook's own test compares ranges floored to 8 decimals (0.2 * 0.2 is 0.04000000000000001).
  const floor8 = (ranges: readonly BucketRange[]) => ranges.map(([a, b]) => [Math.floor(a * 1e8) / 1e8, Math.floor(b * 1e8) / 1e8]);
  it.each(vectors.getBucketRange)('getBucketRange: %s', (_name, [n, coverage, weights], expected) => {
    expect(floor8(bucketRanges(n, coverage, weights))).toEqual(floor8(expected));
  });

  it.each(vectors.chooseVariation)('chooseVariation: %s', (_name, n, ranges, expected) => {
    expect(chooseVariation(n, ranges)).toBe(expected);
  });
});

describe('fnv1a32', () => {
  // Reference values of 32-bit FNV-1a (Fowler/Noll/Vo test suite).
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('fnv1a32(%j)', (text, expected) => {
    expect(fnv1a32(text)).toBe(expected);
  });
});

describe('campaign assignment', () => {
  const ids = Array.from({ length: 10_000 }, () => randomUUID());
  const shares = (weights: number[], tested = 100, salt = 'salt-1') => {
    const ranges = campaignRanges(weights, tested);
    const counts = new Map<number, number>();
    for (const id of ids) {
      const i = assignIndex(salt, id, ranges);
      counts.set(i, (counts.get(i) ?? 0) + 1);
    }
    return (i: number) => (counts.get(i) ?? 0) / ids.length;
  };

  it('splits 70/30 within ±2 percentage points over 10,000 contacts', () => {
    const share = shares([70, 30]);
    expect(Math.abs(share(0) - 0.7)).toBeLessThan(0.02);
    expect(Math.abs(share(1) - 0.3)).toBeLessThan(0.02);
    expect(share(-1)).toBe(0);
  });

  it('honours a 1/99 split', () => {
    const share = shares([1, 99]);
    expect(share(0)).toBeGreaterThan(0.003);
    expect(share(0)).toBeLessThan(0.02);
    expect(share(0) + share(1)).toBe(1);
  });

  it('splits eight equal variants evenly', () => {
    const share = shares(Array(8).fill(12.5));
    for (let i = 0; i < 8; i++) expect(Math.abs(share(i) - 0.125)).toBeLessThan(0.02);
  });

  it('holds out the untested share (testAudiencePercent) as -1', () => {
    const share = shares([50, 50], 20);
    expect(Math.abs(share(-1) - 0.8)).toBeLessThan(0.02);
    expect(Math.abs(share(0) - 0.1)).toBeLessThan(0.02);
  });

  it('campaignAssigner gives exactly assignIndex, for every contact', () => {
    const ranges = campaignRanges([20, 30, 50], 60);
    for (const salt of ['', 'a', 'f3c9e2b1a0d4c5e6', 'ünïcødé']) {
      const assign = campaignAssigner(salt, ranges);
      for (const id of [...ids.slice(0, 2000), '', '0', 'user-42']) expect(assign(id)).toBe(assignIndex(salt, id, ranges));
    }
  });

  it('is deterministic per (salt, contact) and independent across salts', () => {
    const ranges = campaignRanges([50, 50]);
    const id = ids[0]!;
    expect(assignIndex('s', id, ranges)).toBe(assignIndex('s', id, ranges));
    const agree = ids.filter((x) => assignIndex('salt-a', x, ranges) === assignIndex('salt-b', x, ranges)).length / ids.length;
    expect(Math.abs(agree - 0.5)).toBeLessThan(0.03); // two campaigns do not split the same way
  });
});
