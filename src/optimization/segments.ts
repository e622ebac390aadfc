/**
 * Segments to target, and the audience a test needs. Pure (no I/O): counts in, choices out.
 *
 * Segments: per segment, the primary metric's rate over past messages of campaigns of the same type
 * and channel, with a Wilson (1927) 95 % score interval (src/experiments/stats). A segment is
 * recommended when its interval's lower bound is above the workspace's rate over the same messages
 * (for OPT_OUT, where lower is better, when its upper bound is below it): a conservative screen, as
 * each segment is part of the workspace. No multiplicity correction across segments: the screen
 * ranks, it does not test.
 *
 * Audience size: the recipients a test needs so that every variant reaches the per-variant sample
 * of the engine's power calculation (Fleiss' two-proportion formula, stats/power.ts: α = 1 −
 * confidenceLevel, power 0.8, relative effect = minimumDetectableEffect or the engine's default),
 * given the smallest variant's weight and the tested share (testAudiencePercent).
 */
import { requiredSampleSize, wilsonInterval } from '../experiments/stats';

export interface SegmentRate {
  segment: string;
  messages: number;
  successes: number;
}

export interface SegmentScore extends SegmentRate {
  rate: number;
  lower: number;
  upper: number;
  /** The interval lies entirely on the better side of the workspace's rate. */
  beatsWorkspace: boolean;
}

export interface SegmentRanking {
  workspace: { messages: number; successes: number; rate: number };
  /** Best first (by rate; lowest first when lower is better). */
  segments: SegmentScore[];
  recommended: SegmentScore[];
  /** Pooled rate of the recommended segments (null when none). */
  recommendedRate: number | null;
}

export function rankSegments(rows: readonly SegmentRate[], workspace: { messages: number; successes: number }, options: { confidence?: number; lowerIsBetter?: boolean } = {}): SegmentRanking {
  const confidence = options.confidence ?? 0.95;
  const lowerIsBetter = options.lowerIsBetter ?? false;
  const wRate = workspace.messages > 0 ? workspace.successes / workspace.messages : 0;
  const segments = rows
    .filter((r) => r.messages > 0)
    .map((r): SegmentScore => {
      const ci = wilsonInterval(Math.min(r.successes, r.messages), r.messages, confidence);
      const rate = r.successes / r.messages;
      return { ...r, rate, lower: ci.lower, upper: ci.upper, beatsWorkspace: workspace.messages > 0 && (lowerIsBetter ? ci.upper < wRate : ci.lower > wRate) };
    })
    .sort((a, b) => (lowerIsBetter ? a.rate - b.rate : b.rate - a.rate) || a.segment.localeCompare(b.segment));
  const recommended = segments.filter((s) => s.beatsWorkspace);
  const m = recommended.reduce((a, s) => a + s.messages, 0);
  return {
    workspace: { ...workspace, rate: wRate },
    segments,
    recommended,
    recommendedRate: m > 0 ? recommended.reduce((a, s) => a + s.successes, 0) / m : null,
  };
}

export interface AudienceSizeInput {
  /** The rate the control is expected to have. */
  baseline: number;
  /** Relative effect to detect (0.1 = +10 %). */
  relativeEffect: number;
  confidenceLevel: number;
  /** Variant weights in percent (sum 100). */
  weights: readonly number[];
  testAudiencePercent: number;
}

export interface AudienceSize {
  /** Recipients per variant (Fleiss), null when it cannot be computed (baseline 0 or 1). */
  perVariant: number | null;
  /** Recipients in the test so that the smallest variant reaches perVariant. */
  testRecipients: number | null;
  /** Recipients in the whole audience (the test is testAudiencePercent of it). */
  audience: number | null;
  /** Whether the effect was sized downwards (upwards would pass a rate of 1). */
  downwards: boolean;
}

/** The engine's rule (engine.ts requiredForRates): the effect upwards, or downwards when up would pass 100 %. */
export function audienceSize(input: AudienceSizeInput): AudienceSize {
  const { baseline, relativeEffect } = input;
  if (!(baseline > 0 && baseline < 1)) return { perVariant: null, testRecipients: null, audience: null, downwards: false };
  const downwards = !(baseline * (1 + relativeEffect) < 1);
  const perVariant = requiredSampleSize({ baseline, relativeEffect: downwards ? -Math.min(relativeEffect, 0.99) : relativeEffect, alpha: 1 - input.confidenceLevel, power: 0.8 });
  if (perVariant === null) return { perVariant: null, testRecipients: null, audience: null, downwards };
  const smallest = Math.min(...input.weights) / 100;
  const testRecipients = Math.ceil(perVariant / smallest);
  return { perVariant, testRecipients, audience: Math.ceil(testRecipients / (input.testAudiencePercent / 100)), downwards };
}

/**
 * The testAudiencePercent that puts `testRecipients` of `reach` into the test, or null when even
 * 100 % is too few (or the reach is 0).
 */
export function testPercentFor(testRecipients: number, reach: number): number | null {
  if (reach <= 0 || testRecipients > reach) return null;
  return Math.min(100, Math.max(1, Math.ceil((100 * testRecipients) / reach)));
}
