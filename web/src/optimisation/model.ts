/**
 * Pure view logic of the Optimisation section: recommendations grouped by type, how their impact
 * and confidence read, what applying one changed on its campaign, the send-time preview's bars and
 * a model's metrics. No I/O, no DOM.
 */
import type { DashOptimisableCampaignFragment, DashRecommendationFragment, RecommendationType } from '../generated/graphql';
import { percent } from '../ui/format';

/** A mutation needs WRITE; ADMIN ranks above it (src/shared/auth.ts hasScope). */
export function canWrite(scopes: readonly string[]): boolean {
  return scopes.includes('WRITE') || scopes.includes('ADMIN');
}

export interface TypeInfo {
  type: RecommendationType;
  heading: string;
  /** What applying does, in the README's words. */
  applies: string;
}

// The README's table order: settings first, then the tests' decisions.
export const TYPES: readonly TypeInfo[] = [
  { type: 'SEND_TIME', heading: 'Send time', applies: 'Applying turns on send-time optimisation (scheduled campaigns).' },
  { type: 'OFFER', heading: 'Offers', applies: "Applying sets the campaign's offer amount." },
  { type: 'SEGMENT', heading: 'Segments', applies: "Applying sets the audience's segments." },
  { type: 'AUDIENCE_SIZE', heading: 'Audience size', applies: 'Applying raises the tested share when the audience allows; otherwise it is advice.' },
  { type: 'WINNER', heading: 'Winners', applies: 'Applying declares the winner or ends the test.' },
];

export interface RecommendationRow extends DashRecommendationFragment {
  campaignName: string;
  campaignStatus: string;
}

export interface RecommendationGroup extends TypeInfo {
  rows: RecommendationRow[];
}

/**
 * Every campaign's current recommendations (superseded ones dropped: the API already leaves them
 * out, this also drops any a stale cache still holds), grouped by type in TYPES order; groups
 * without rows are left out. Unapplied rows first, then by confidence, highest first.
 */
export function groupRecommendations(campaigns: readonly Pick<DashOptimisableCampaignFragment, 'id' | 'name' | 'status' | 'recommendations'>[]): RecommendationGroup[] {
  const rows: RecommendationRow[] = campaigns.flatMap((c) =>
    c.recommendations.filter((r) => !r.supersededAt).map((r) => ({ ...r, campaignName: c.name, campaignStatus: c.status })),
  );
  return TYPES.map((info) => ({
    ...info,
    rows: rows
      .filter((r) => r.type === info.type)
      .sort((a, b) => Number(!!a.appliedAt) - Number(!!b.appliedAt) || b.confidence - a.confidence),
  })).filter((g) => g.rows.length > 0);
}

const signed = (v: number, digits: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(digits)}`;

/**
 * expectedImpact in the unit the API gives per type (schema: OFFER profit per message; SEGMENT and
 * WINNER rate difference; AUDIENCE_SIZE recipients missing; SEND_TIME mean rate gain). Null: advice
 * only, nothing to gain by applying.
 */
export function formatImpact(type: RecommendationType, impact: number | null | undefined): string {
  if (impact == null) return 'None (advice only)';
  switch (type) {
    case 'OFFER':
      return `${signed(impact, 2)} profit per message`;
    case 'AUDIENCE_SIZE':
      return `${Math.round(impact).toLocaleString('en-US')} recipients missing`;
    default:
      return `${signed(impact * 100, 1)} percentage points`;
  }
}

export function formatConfidence(confidence: number): string {
  return percent(confidence);
}

export type RowState = 'open' | 'applying' | 'applied' | 'failed';

/**
 * The state a row shows: applied once the API says so (its appliedAt) or once this page's apply
 * succeeded (the list that still says unapplied is older than the mutation's answer), else an apply
 * in flight or failed.
 */
export function rowState(r: Pick<DashRecommendationFragment, 'appliedAt'>, local: 'applying' | 'failed' | 'applied' | undefined): RowState {
  if (r.appliedAt) return 'applied';
  return local ?? 'open';
}

type ChangeFields = Pick<DashOptimisableCampaignFragment, 'status' | 'offerAmount' | 'audience' | 'schedule' | 'experiment' | 'winner' | 'testEndedAt'>;

function segmentsOf(audience: unknown): string {
  const s = audience && typeof audience === 'object' ? (audience as { segments?: unknown }).segments : undefined;
  return Array.isArray(s) && s.length ? s.map(String).join(', ') : 'all segments';
}

/**
 * What an apply changed on the campaign, read from the campaign before and after (both as the API
 * returned them). Empty when nothing changed: advice-only rows record that they were read.
 */
export function describeChanges(before: ChangeFields, after: ChangeFields): string[] {
  const out: string[] = [];
  if (before.offerAmount !== after.offerAmount) out.push(`Offer amount: ${before.offerAmount ?? 'none'} → ${after.offerAmount ?? 'none'}`);
  const [sb, sa] = [segmentsOf(before.audience), segmentsOf(after.audience)];
  if (sb !== sa) out.push(`Audience segments: ${sb} → ${sa}`);
  const [ob, oa] = [!!before.schedule?.optimizeSendTime, !!after.schedule?.optimizeSendTime];
  if (ob !== oa) out.push(`Send-time optimisation: ${ob ? 'on' : 'off'} → ${oa ? 'on' : 'off'}`);
  const [tb, ta] = [before.experiment?.testAudiencePercent, after.experiment?.testAudiencePercent];
  if (tb !== ta) out.push(`Tested share of the audience: ${tb ?? '—'} % → ${ta ?? '—'} %`);
  if (!before.winner && after.winner) out.push(`Winner declared: ${after.winner.variant.key}${after.winner.variant.name && after.winner.variant.name !== after.winner.variant.key ? ` · ${after.winner.variant.name}` : ''}`);
  if (!before.testEndedAt && after.testEndedAt) out.push('Test ended');
  if (before.status !== after.status) out.push(`Status: ${before.status} → ${after.status}`);
  return out;
}

export function hourLabel(hour: number): string {
  return `${String(hour).padStart(2, '0')}:00`;
}

export interface PreviewBars {
  x: number[];
  contacts: number[];
  /** Share of the reachable contacts with their own history (basis CONTACT), null without contacts. */
  ownHistoryShare: number | null;
  /** The hour most contacts are recommended, null without contacts. */
  busiestHour: number | null;
}

/** Hours 0–23 in order (a missing hour counts 0), for the bar chart and its table. */
export function previewBars(preview: { total: number; withOwnHistory: number; hours: readonly { hour: number; contacts: number }[] }): PreviewBars {
  const x = Array.from({ length: 24 }, (_, h) => h);
  const byHour = new Map(preview.hours.map((h) => [h.hour, h.contacts]));
  const contacts = x.map((h) => byHour.get(h) ?? 0);
  const max = Math.max(...contacts);
  return {
    x,
    contacts,
    ownHistoryShare: preview.total > 0 ? preview.withOwnHistory / preview.total : null,
    busiestHour: max > 0 ? contacts.indexOf(max) : null,
  };
}

const METRIC_LABELS: Record<string, string> = {
  auc: 'AUC',
  baselineAuc: 'Baseline AUC',
  r2: 'R²',
  mae: 'MAE',
  rmse: 'RMSE',
  logLoss: 'Log loss',
  baselineLogLoss: 'Baseline log loss',
  brier: 'Brier score',
  baselineBrier: 'Baseline Brier score',
  expectedCalibrationError: 'Expected calibration error',
  baseRate: 'Base rate',
  positives: 'Conversions',
  trainSamples: 'Training messages',
  holdoutSamples: 'Held-out messages',
  holdoutPositives: 'Held-out conversions',
  holdoutContacts: 'Held-out contacts',
  trainSeconds: 'Training time (s)',
};

/** Words for a metric key the labels above do not know: camelCase split ("holdoutFoo" → "Holdout foo"). */
function labelOf(key: string): string {
  const known = METRIC_LABELS[key];
  if (known) return known;
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// Scores that are fractions even when a value happens to be whole (an AUC of 1 reads 1.000, not 1).
const SCORES = new Set(['auc', 'baselineAuc', 'r2', 'mae', 'rmse', 'logLoss', 'baselineLogLoss', 'brier', 'baselineBrier']);

function formatMetric(key: string, v: number): string {
  if (key === 'baseRate' || key === 'expectedCalibrationError') return percent(v);
  if (key === 'trainSeconds') return v.toFixed(1);
  if (SCORES.has(key) || !Number.isInteger(v)) return v.toFixed(3);
  return v.toLocaleString('en-US');
}

/**
 * A model's scalar metrics as the API gives them (JSON), in the API's order, labelled; nested
 * values (the calibration bins) are left to a table of their own and skipped here.
 */
export function metricRows(metrics: unknown): { key: string; label: string; value: string }[] {
  if (!metrics || typeof metrics !== 'object' || Array.isArray(metrics)) return [];
  return Object.entries(metrics as Record<string, unknown>)
    .filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]))
    .map(([key, v]) => ({ key, label: labelOf(key), value: formatMetric(key, v) }));
}
