/**
 * Campaign totals and ROI from the per-variant counters. Pure. Cost is per message sent plus,
 * when the campaign has an offer, its amount per conversion; ratios are null instead of a
 * division by zero.
 */
import { COUNTER_COLUMN } from '../tracking/engagement';
import { engagementRates, type CounterRow } from '../tracking/variant-stats';

export interface CampaignTotals {
  recipients: number;
  messages: number;
  sent: number;
  delivered: number;
  failed: number;
  opened: number;
  clicked: number;
  replied: number;
  positiveReplies: number;
  negativeReplies: number;
  neutralReplies: number;
  converted: number;
  optedOut: number;
  revenue: number;
}

export interface CampaignStatsValue extends CampaignTotals {
  cost: number;
  conversionRate: number;
  deliveryRate: number;
  openRate: number;
  clickRate: number;
  responseRate: number;
}

export interface RoiValue {
  cost: number;
  revenue: number;
  profit: number;
  roas: number | null;
  roiPercent: number | null;
  costPerConversion: number | null;
}

export interface Pricing {
  costPerMessage: number;
  offerAmount?: number | null;
}

const COLUMNS: Record<keyof CampaignTotals, string> = { ...COUNTER_COLUMN, recipients: 'assigned', messages: 'messages', revenue: 'revenue' };

export function emptyTotals(): CampaignTotals {
  return { recipients: 0, messages: 0, sent: 0, delivered: 0, failed: 0, opened: 0, clicked: 0, replied: 0, positiveReplies: 0, negativeReplies: 0, neutralReplies: 0, converted: 0, optedOut: 0, revenue: 0 };
}

/** Sums counter (or bucket) rows; missing columns count as 0. */
export function sumRows(rows: readonly (CounterRow | undefined)[]): CampaignTotals {
  const t = emptyTotals();
  for (const row of rows) {
    if (!row) continue;
    for (const k of Object.keys(COLUMNS) as (keyof CampaignTotals)[]) t[k] += Number(row[COLUMNS[k]] ?? 0);
  }
  t.revenue = round4(t.revenue);
  return t;
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

export function costOf(t: Pick<CampaignTotals, 'messages' | 'converted'>, p: Pricing): number {
  return round4(t.messages * p.costPerMessage + (p.offerAmount ? t.converted * p.offerAmount : 0));
}

export function campaignStats(t: CampaignTotals, p: Pricing): CampaignStatsValue {
  return { ...t, cost: costOf(t, p), ...engagementRates(t) };
}

export function roi(t: Pick<CampaignTotals, 'messages' | 'converted' | 'revenue'>, p: Pricing): RoiValue {
  const cost = costOf(t, p);
  const profit = round4(t.revenue - cost);
  return {
    cost,
    revenue: t.revenue,
    profit,
    roas: cost > 0 ? t.revenue / cost : null,
    roiPercent: cost > 0 ? (profit / cost) * 100 : null,
    costPerConversion: t.converted > 0 ? cost / t.converted : null,
  };
}
