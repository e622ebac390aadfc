import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { agreedOffers, withSection, capturedShare, empiricalOfferChoice, nearestGridIndex, offerFigures, pluralityFavourite, rocAuc, sendTimeFigures, uplift } from './evaluate';
import { generateWorld } from './world';

const reference = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'test', 'learning', 'auc-reference.json'), 'utf8')) as {
  cases: { scores: number[]; labels: boolean[]; auc: number }[];
};

describe('rocAuc (Mann–Whitney with ties)', () => {
  it('matches hand-computed values', () => {
    // sklearn's documented example: 3 of 4 (positive, negative) pairs ordered right.
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toBeCloseTo(0.75, 12);
    // One tied pair counts ½: pairs (0.5 vs 0.5) ½, (0.5 vs 0.2) 1 → 1.5 / 2.
    expect(rocAuc([0.5, 0.5, 0.2], [true, false, false])).toBeCloseTo(0.75, 12);
    expect(rocAuc([1, 2, 3], [true, true, true])).toBeNaN();
  });

  it('matches scikit-learn on the committed reference cases (make_auc_reference.py)', () => {
    expect(reference.cases.length).toBe(5);
    for (const c of reference.cases) expect(rocAuc(c.scores, c.labels)).toBeCloseTo(c.auc, 10);
  });
});

describe('captured share of the oracle uplift', () => {
  const a = [0.1, 0.3, 0.2, 0.2]; // mean 0.2, oracle hour 1 (+0.1)
  const b = [0.4, 0.2, 0.2, 0.4]; // mean 0.3, oracle hour 0 (+0.1)

  it('is 1 for the oracle, 0 for an average hour, negative for worse than random', () => {
    expect(uplift(a, 1)).toBeCloseTo(0.1, 12);
    expect(capturedShare([a, b], [1, 0])).toBeCloseTo(1, 12);
    expect(capturedShare([a, b], [2, 3])).toBeCloseTo((0 + 0.1) / 0.2, 12);
    expect(capturedShare([a], [0])).toBeCloseTo(-1, 12);
  });

  it('sums uplifts over contacts (a flat contact adds nothing to either side)', () => {
    const flat = [0.2, 0.2, 0.2, 0.2];
    expect(capturedShare([a, flat], [1, 3])).toBeCloseTo(1, 12);
  });
});

describe('offer and affinity scoring', () => {
  it('maps values to the nearest grid point and breaks plurality ties by popularity', () => {
    expect(nearestGridIndex([0, 5, 10, 15, 20], 12.4)).toBe(2);
    expect(nearestGridIndex([0, 5, 10, 15, 20], 13)).toBe(3);
    expect(pluralityFavourite([2, 3, 3], [0.5, 0.2, 0.3])).toBe(2);
    expect(pluralityFavourite([0, 0, 0], [0.5, 0.2, 0.3])).toBe(0);
  });

  it('counts a segment within one step, and a segment without a recommendation as a miss', () => {
    const world = generateWorld({ contacts: 300, segments: 4, campaignPeriodDays: 7, seed: 5 });
    const grid = world.options.offers;
    const chosen = new Map<string, { value: number; confidence: number | null }>();
    const [s0, s1, s2] = world.segments;
    chosen.set(s0!.id, { value: grid[s0!.optimalOfferIndex]!, confidence: 0.9 });
    const twoAway = s1!.optimalOfferIndex >= 2 ? s1!.optimalOfferIndex - 2 : s1!.optimalOfferIndex + 2;
    chosen.set(s1!.id, { value: grid[twoAway]!, confidence: 0.6 });
    const oneAway = s2!.optimalOfferIndex >= 1 ? s2!.optimalOfferIndex - 1 : 1;
    chosen.set(s2!.id, { value: grid[oneAway]!, confidence: null });
    const f = offerFigures(world, chosen);
    expect(f.segments.map((s) => s.withinOneStep)).toEqual([true, false, true, false]);
    expect(f.segments[3]!.chosen).toBeNull();
    expect(f.withinOneStep).toBe(0.5);
    expect(empiricalOfferChoice(world)).toHaveLength(4);
  });

  it('reads a choice only where the recommendations at the lowest and the highest current offer agree', () => {
    const low = new Map([['a', { value: 10, confidence: 0.8 }], ['b', { value: 0, confidence: 0.3 }], ['c', { value: 5, confidence: 0.9 }]]);
    const high = new Map([['a', { value: 10, confidence: 0.7 }], ['b', { value: 20, confidence: 0.3 }]]);
    expect([...agreedOffers(low, high)]).toEqual([['a', { value: 10, confidence: 0.7 }]]);
  });

  it('scores send time by the group of contacts with at least 10 messages and everyone', () => {
    const world = generateWorld({ contacts: 200, segments: 3, campaignPeriodDays: 7, seed: 6 });
    const oracle = world.contacts.map((c) => c.trueRates.indexOf(Math.max(...c.trueRates)));
    const f = sendTimeFigures(world, oracle, oracle.map(() => 'CONTACT'));
    expect(f.capturedEveryone).toBeCloseTo(1, 12);
    expect(f.capturedWithHistory).toBeCloseTo(1, 12);
    expect(f.withHistory).toBe(world.contacts.filter((c) => c.messages >= 10).length);
    expect(f.basis).toEqual({ CONTACT: 200 });
    expect(f.segmentCeilingEveryone).toBeLessThan(1);
  });
});

describe('BENCHMARKS.md section', () => {
  const section = '## Learning validation\n\nnew figures\n';
  it('is appended to a file without it, or starts a new file', () => {
    expect(withSection('', section)).toBe('# Benchmarks\n\n## Learning validation\n\nnew figures\n');
    expect(withSection('# Benchmarks\n\n## Ingestion\n\nx\n', section)).toBe('# Benchmarks\n\n## Ingestion\n\nx\n\n## Learning validation\n\nnew figures\n');
  });
  it('replaces an earlier one and keeps the sections around it', () => {
    const before = '# Benchmarks\n\n## A\n\na\n\n## Learning validation\n\nold\n\n## B\n\nb\n';
    expect(withSection(before, section)).toBe('# Benchmarks\n\n## A\n\na\n\n## Learning validation\n\nnew figures\n\n## B\n\nb\n');
    expect(withSection('## Learning validation\n\nold\n', section)).toBe(section);
  });
});
