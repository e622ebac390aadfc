/**
 * Deterministic variant assignment, compatible with GrowthBook's SDKs (hash version 2 and
 * bucket ranges as in the GrowthBook SDK specification, packages/sdk-js/src/util.ts): any
 * GrowthBook SDK given the campaign's salt as the seed and the contact id as the hash value
 * puts the contact in the same variant. Pure functions, no I/O.
 */

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * 32-bit FNV-1a over UTF-16 code units (what GrowthBook's JS SDK hashes), unsigned. `basis` other
 * than the standard offset basis gives a family of independent hashes (seeded uses elsewhere).
 */
export function fnv1a32(text: string, basis = FNV_OFFSET_BASIS): number {
  return fnvUpdate(basis, text) >>> 0;
}

/** FNV-1a is a stream: hashing `a + b` is hashing `b` from the state left by `a`. */
function fnvUpdate(state: number, text: string): number {
  let h = state;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME); // multiplication modulo 2^32, as the SDK's shift-and-add form
  }
  return h;
}

/** fnv1a32(String(n)) for an unsigned 32-bit n, without building the string. */
const digits = new Uint8Array(10);
function fnv1a32OfDecimal(n: number): number {
  let len = 0;
  do {
    digits[len++] = 48 + (n % 10); // '0' + digit, least significant first
    n = Math.floor(n / 10);
  } while (n > 0);
  let h = FNV_OFFSET_BASIS;
  while (len > 0) h = Math.imul(h ^ digits[--len]!, FNV_PRIME);
  return h >>> 0;
}

/**
 * GrowthBook's `hash(seed, value, version)`: a number in [0, 1).
 * v2: fnv1a32(String(fnv1a32(seed + value))) % 10000 / 10000 (the double hash removes the bias
 * v1 had for similar seeds); v1: fnv1a32(value + seed) % 1000 / 1000. Other versions: null.
 */
export function growthbookHash(seed: string, value: string, version: number): number | null {
  if (version === 2) return (fnv1a32(String(fnv1a32(seed + value))) % 10000) / 10000;
  if (version === 1) return (fnv1a32(value + seed) % 1000) / 1000;
  return null;
}

export type BucketRange = readonly [start: number, end: number];

function equalWeights(n: number): number[] {
  return n <= 0 ? [] : new Array<number>(n).fill(1 / n);
}

/**
 * GrowthBook's `getBucketRanges`: consecutive ranges over [0, 1), one per variation, each
 * `coverage` × its weight long from the start of its slot. Coverage is clamped to [0, 1];
 * weights of the wrong length or not summing to 1 (±0.01) fall back to equal weights.
 */
export function bucketRanges(numVariations: number, coverage = 1, weights?: readonly number[] | null): BucketRange[] {
  const c = coverage < 0 ? 0 : coverage > 1 ? 1 : coverage;
  let w: readonly number[] = weights ?? equalWeights(numVariations);
  if (w.length !== numVariations) w = equalWeights(numVariations);
  const total = w.reduce((a, b) => a + b, 0);
  if (total < 0.99 || total > 1.01) w = equalWeights(numVariations);
  let cumulative = 0;
  return w.map((weight) => {
    const start = cumulative;
    cumulative += weight;
    return [start, start + c * weight] as const;
  });
}

/** GrowthBook's `chooseVariation`: the index whose range holds n (start inclusive, end exclusive), else -1. */
export function chooseVariation(n: number, ranges: readonly BucketRange[]): number {
  for (let i = 0; i < ranges.length; i++) {
    const [start, end] = ranges[i]!;
    if (n >= start && n < end) return i;
  }
  return -1;
}

/** A campaign's variant weights (percent, in position order) and tested share as bucket ranges. */
export function campaignRanges(weightsPercent: readonly number[], testAudiencePercent = 100): BucketRange[] {
  return bucketRanges(weightsPercent.length, testAudiencePercent / 100, weightsPercent.map((w) => w / 100));
}

/**
 * The variant index for a contact, or -1 when the contact falls outside the tested share
 * (the remainder that later receives the winner).
 */
export function assignIndex(salt: string, contactId: string, ranges: readonly BucketRange[]): number {
  return chooseVariation(growthbookHash(salt, contactId, 2)!, ranges);
}

/**
 * `assignIndex` for many contacts of one campaign: the same result, with the salt's part of the
 * hash computed once and no intermediate strings (the bulk path assigns 10,000 per page).
 */
export function campaignAssigner(salt: string, ranges: readonly BucketRange[]): (contactId: string) => number {
  const seeded = fnvUpdate(FNV_OFFSET_BASIS, salt);
  return (contactId) => chooseVariation((fnv1a32OfDecimal(fnvUpdate(seeded, contactId) >>> 0) % 10000) / 10000, ranges);
}
