/** A campaign's counters → its ExperimentAnalysis (GraphQL shape). Pure; see engine.ts for the rules. */
import type { Campaign } from '../campaigns/campaign.entity';
import { CampaignType } from '../campaigns/enums';
import type { Variant } from '../campaigns/variant.entity';
import { COUNTER_COLUMN } from '../tracking/engagement';
import type { CounterRow } from '../tracking/variant-stats';
import type { ExperimentAnalysis } from './analysis.types';
import type { EngineResult } from './engine';
import { cachedAnalyze } from './analysis-cache';
import { NoWinnerReason, TestStatus } from './enums';
import { Metric } from '../campaigns/experiment-enums';
import type { Winner } from './winner.entity';

/** The counter that holds each metric's unique successes. */
const METRIC_COLUMN: Record<Metric, string> = {
  [Metric.DELIVERY]: COUNTER_COLUMN.delivered,
  [Metric.OPEN]: COUNTER_COLUMN.opened,
  [Metric.CLICK]: COUNTER_COLUMN.clicked,
  [Metric.REPLY]: COUNTER_COLUMN.replied,
  [Metric.POSITIVE_REPLY]: COUNTER_COLUMN.positiveReplies,
  [Metric.CONVERSION]: COUNTER_COLUMN.converted,
  [Metric.REVENUE]: COUNTER_COLUMN.converted,
  [Metric.OPT_OUT]: COUNTER_COLUMN.optedOut,
};

export interface AnalysisWithDecision {
  analysis: ExperimentAnalysis;
  engine: EngineResult;
}

/** Null for campaigns without an experiment (STANDARD, or fewer than two variants). */
export function campaignAnalysis(
  campaign: Campaign,
  variants: readonly Variant[],
  counters: ReadonlyMap<string, CounterRow | undefined>,
  winner: Winner | null,
  now = new Date(),
): AnalysisWithDecision | null {
  if (campaign.type === CampaignType.STANDARD || variants.length < 2) return null;
  const cfg = campaign.experiment;
  const n = (row: CounterRow | undefined, k: string) => Number(row?.[k] ?? 0);
  const engine = cachedAnalyze({
    metric: cfg.primaryMetric,
    method: cfg.method,
    confidenceLevel: cfg.confidenceLevel,
    minSampleSize: cfg.minSampleSize,
    minimumDetectableEffect: cfg.minimumDetectableEffect,
    declaredWinnerId: winner?.variantId ?? null,
    now,
    variants: variants.map((v) => {
      const row = counters.get(v.id);
      const sent = n(row, 'sent');
      return {
        variantId: v.id,
        key: v.key,
        isControl: v.isControl,
        weight: v.weight,
        sent,
        // Rates divide by `sent`: a response from a recipient whose SENT event never arrived
        // cannot raise a rate above 1.
        successes: Math.min(n(row, METRIC_COLUMN[cfg.primaryMetric]), sent),
        revenue: n(row, 'revenue'),
        revenueSumOfSquares: n(row, 'revenue_sq'),
      };
    }),
  });
  const byId = new Map(variants.map((v) => [v.id, v]));
  const variant = (id: string | null) => (id ? (byId.get(id) ?? null) : null);
  return {
    engine,
    analysis: {
      id: campaign.id,
      metric: engine.metric,
      method: engine.method,
      status: engine.status as TestStatus,
      pValue: engine.pValue,
      chiSquare: engine.chiSquare,
      degreesOfFreedom: engine.degreesOfFreedom,
      confidenceLevel: engine.confidenceLevel,
      significant: engine.significant,
      insufficientSampleSize: engine.insufficientSampleSize,
      sampleRatioMismatch: engine.sampleRatioMismatch,
      comparisons: engine.comparisons.map((c) => ({ ...c, variant: byId.get(c.variantId)!, control: byId.get(c.controlId)! })),
      leader: variant(engine.leaderId),
      winner: variant(engine.winnerId),
      noWinnerReason: engine.noWinnerReason as NoWinnerReason | null,
      power: engine.power,
      requiredSampleSizePerVariant: engine.requiredSampleSizePerVariant,
      recommendations: engine.recommendations,
      computedAt: engine.computedAt,
    },
  };
}
