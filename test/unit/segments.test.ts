import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { audienceSize, rankSegments, testPercentFor } from '../../src/optimization/segments';

const ref = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'optimization', 'segment_reference.json'), 'utf8')) as {
  rows: { segment: string; messages: number; successes: number; lower: number; upper: number }[];
  workspace: { messages: number; successes: number };
  sizes: { baseline: number; relativeEffect: number; confidenceLevel: number; perVariant: number }[];
};

describe('rankSegments', () => {
  const r = rankSegments(ref.rows, ref.workspace);

  it('gives each segment its Wilson 95 % interval (scipy reference)', () => {
    for (const row of ref.rows) {
      const s = r.segments.find((x) => x.segment === row.segment)!;
      expect(s.lower).toBeCloseTo(row.lower, 12);
      expect(s.upper).toBeCloseTo(row.upper, 12);
      expect(s.rate).toBe(row.successes / row.messages);
    }
  });

  it('recommends only segments whose lower bound beats the workspace rate, best first', () => {
    expect(r.workspace.rate).toBeCloseTo(125 / 1500, 15);
    expect(r.segments.map((s) => s.segment)).toEqual(['bronze', 'gold', 'silver', 'iron']);
    // bronze has the highest rate (4/20) but its interval reaches below the workspace's 8.3 %.
    expect(r.recommended.map((s) => s.segment)).toEqual(['gold']);
    expect(r.recommendedRate).toBe(60 / 400);
  });

  it('for a lower-is-better metric, recommends segments whose upper bound is below', () => {
    const low = rankSegments(ref.rows, ref.workspace, { lowerIsBetter: true });
    expect(low.segments[0]!.segment).toBe('iron');
    expect(low.recommended.map((s) => s.segment)).toEqual(['iron']);
  });

  it('recommends nothing without history', () => {
    const none = rankSegments([], { messages: 0, successes: 0 });
    expect(none).toEqual({ workspace: { messages: 0, successes: 0, rate: 0 }, segments: [], recommended: [], recommendedRate: null });
  });
});

describe('audienceSize', () => {
  it('uses the engine’s Fleiss sample size per variant (scipy reference)', () => {
    for (const s of ref.sizes) {
      expect(audienceSize({ ...s, weights: [50, 50], testAudiencePercent: 100 }).perVariant).toBe(s.perVariant);
    }
  });

  it('scales by the smallest weight and the tested share', () => {
    const a = audienceSize({ baseline: 0.1, relativeEffect: 0.2, confidenceLevel: 0.95, weights: [20, 30, 50], testAudiencePercent: 50 });
    expect(a).toEqual({ perVariant: 3841, testRecipients: Math.ceil(3841 / 0.2), audience: Math.ceil(Math.ceil(3841 / 0.2) / 0.5), downwards: false });
  });

  it('sizes downwards when upwards would pass a rate of 1, and gives up at 0 or 1', () => {
    const a = audienceSize({ baseline: 0.9, relativeEffect: 0.2, confidenceLevel: 0.95, weights: [50, 50], testAudiencePercent: 100 });
    expect(a.downwards).toBe(true);
    expect(a.perVariant).toBeGreaterThan(0);
    expect(audienceSize({ baseline: 0, relativeEffect: 0.2, confidenceLevel: 0.95, weights: [50, 50], testAudiencePercent: 100 }).perVariant).toBeNull();
  });

  it('finds the tested share that reaches the sample, or none', () => {
    expect(testPercentFor(500, 1000)).toBe(50);
    expect(testPercentFor(501, 1000)).toBe(51);
    expect(testPercentFor(1001, 1000)).toBeNull();
    expect(testPercentFor(1, 0)).toBeNull();
  });
});
