/**
 * The Analytics section's view logic: KPIs from a portfolio, chart series from the workspace's
 * buckets, per-channel rows, ranking values and the cohort grid. Pure: no I/O, no DOM.
 */
import type { CampaignType, Channel, DashPortfolioFragment, Interval, RankMetric } from '../generated/graphql';
import { channelName, percent } from '../ui/format';

export const PERIODS = [7, 30, 90] as const;
export type Period = (typeof PERIODS)[number];
export const INTERVALS: readonly { interval: Interval; label: string }[] = [
  { interval: 'DAY', label: 'Day' },
  { interval: 'WEEK', label: 'Week' },
  { interval: 'MONTH', label: 'Month' },
];
export const CHANNELS: readonly { channel: Channel; label: string }[] = (['SMS', 'WHATSAPP', 'EMAIL'] as const).map((channel) => ({
  channel,
  label: channelName(channel),
}));
export const METRICS: readonly { metric: RankMetric; label: string }[] = [
  { metric: 'REVENUE', label: 'Revenue' },
  { metric: 'CONVERSION_RATE', label: 'Conversion rate' },
  { metric: 'RESPONSE_RATE', label: 'Response rate' },
  { metric: 'ROAS', label: 'ROAS' },
  { metric: 'ROI', label: 'ROI' },
];

const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const money2 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** Whole numbers with thousands separators: 12,345. */
/** What a period and channel filter cover, in words: "the last 30 days, SMS only". */
export function scopeText(days: number, channel: Channel | null): string {
  return `the last ${days} days${channel ? `, ${channelName(channel)} only` : ''}`;
}

/**
 * The variables the shown result answers: urql keeps the previous result, with its operation, while
 * the next one loads, so captions and empty messages must name those and not the newly chosen ones.
 */
export function answeredVariables<V extends object>(operation: { variables?: V } | undefined, chosen: V): V {
  return operation?.variables ?? chosen;
}

export function formatCount(n: number): string {
  return count.format(n);
}

/** Amounts in the workspace's own currency (the API keeps no currency): 1,234.50. */
export function formatMoney(n: number): string {
  return money2.format(n);
}

/** Return on ad spend as a multiple: 2.50×; "—" without cost. */
export function formatRoas(roas: number | null): string {
  return roas === null ? '—' : `${money2.format(roas)}×`;
}

/** (revenue − cost) / cost in percent; null without cost (undefined, not infinite). */
export function roiPercent(revenue: number, cost: number): number | null {
  return cost > 0 ? ((revenue - cost) / cost) * 100 : null;
}

export function formatRoiPercent(roi: number | null): string {
  return roi === null ? '—' : `${roi.toFixed(1)} %`;
}

export interface Kpi {
  id: string;
  label: string;
  value: string;
  /** What the number means, for the card's description. */
  hint: string;
}

/** The KPI cards for a portfolio, in reading order. */
export function kpis(p: DashPortfolioFragment): Kpi[] {
  return [
    { id: 'sent', label: 'Sent', value: formatCount(p.sent), hint: 'recipients a message went out to' },
    { id: 'conversions', label: 'Conversions', value: formatCount(p.converted), hint: 'recipients who converted' },
    { id: 'conversion-rate', label: 'Conversion rate', value: percent(p.overallConversionRate), hint: 'conversions / sent' },
    { id: 'revenue', label: 'Revenue', value: formatMoney(p.revenue), hint: 'from conversions' },
    { id: 'cost', label: 'Cost', value: formatMoney(p.cost), hint: 'messages and offers' },
    { id: 'roas', label: 'ROAS', value: formatRoas(p.roas), hint: 'revenue / cost' },
    { id: 'roi', label: 'ROI', value: formatRoiPercent(roiPercent(p.revenue, p.cost)), hint: '(revenue − cost) / cost' },
  ];
}

export interface Bucket {
  start: string;
  sent: number;
  converted: number;
  revenue: number;
}

export interface TrendData {
  /** Bucket starts in unix seconds (the chart's time axis). */
  x: number[];
  sent: number[];
  converted: number[];
  /** null for a bucket without sends: no rate, rather than a false 0 %. */
  conversionRate: (number | null)[];
  revenue: number[];
  /** Whether any bucket has activity (else the screen says so instead of drawing flat lines). */
  active: boolean;
}

export function trend(buckets: readonly Bucket[]): TrendData {
  return {
    x: buckets.map((b) => Math.round(Date.parse(b.start) / 1000)),
    sent: buckets.map((b) => b.sent),
    converted: buckets.map((b) => b.converted),
    conversionRate: buckets.map((b) => (b.sent > 0 ? b.converted / b.sent : null)),
    revenue: buckets.map((b) => b.revenue),
    active: buckets.some((b) => b.sent > 0 || b.converted > 0 || b.revenue > 0),
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A bucket's name in the table: "27 Mar 2026", "week of 23 Mar 2026", "Mar 2026". Buckets start at
 * local midnight in the workspace's time zone, which the browser may not share, so the date is read
 * in `timeZone` (default: the browser's) and the API's instants stay exact underneath.
 */
export function bucketLabel(unixSeconds: number, interval: Interval, timeZone?: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', hourCycle: 'h23' }).formatToParts(
    new Date(unixSeconds * 1000),
  );
  const part = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const [d, m, y] = [part('day'), MONTHS[part('month') - 1], part('year')];
  switch (interval) {
    case 'MONTH':
      return `${m} ${y}`;
    case 'WEEK':
      return `week of ${d} ${m} ${y}`;
    case 'HOUR':
      return `${d} ${m} ${y}, ${String(part('hour')).padStart(2, '0')}:00`;
    default:
      return `${d} ${m} ${y}`;
  }
}

export interface ChannelRow {
  channel: Channel;
  label: string;
  campaigns: number;
  sent: number;
  converted: number;
  conversionRate: number;
  revenue: number;
  cost: number;
  roas: number | null;
}

/** One row per channel with campaigns in the window, most sent first (enum order on ties). */
export function channelRows(byChannel: Record<'sms' | 'whatsapp' | 'email', DashPortfolioFragment>): ChannelRow[] {
  const keyed: [Channel, DashPortfolioFragment][] = [
    ['SMS', byChannel.sms],
    ['WHATSAPP', byChannel.whatsapp],
    ['EMAIL', byChannel.email],
  ];
  return keyed
    .filter(([, p]) => p.totalCampaigns > 0)
    .map(([channel, p]) => ({
      channel,
      label: channelName(channel),
      campaigns: p.totalCampaigns,
      sent: p.sent,
      converted: p.converted,
      conversionRate: p.overallConversionRate,
      revenue: p.revenue,
      cost: p.cost,
      roas: p.roas,
    }))
    .sort((a, b) => b.sent - a.sent);
}

/** A ranking's value as the metric reads: rates in %, revenue as an amount, ROAS as a multiple, ROI in % (the API's roiPercent). */
export function formatRankValue(metric: RankMetric, value: number): string {
  switch (metric) {
    case 'CONVERSION_RATE':
    case 'RESPONSE_RATE':
      return percent(value);
    case 'REVENUE':
      return formatMoney(value);
    case 'ROAS':
      return formatRoas(value);
    case 'ROI':
      return formatRoiPercent(value);
  }
}

/** Experiments (A/B tests, bandits) have a page in the dashboard; standard campaigns do not. */
export function hasTestPage(type: CampaignType): boolean {
  return type === 'AB_TEST' || type === 'BANDIT';
}

export interface CohortInput {
  weekStart: string;
  contacts: number;
  weeks: readonly { week: number; converted: number; rate: number }[];
}

export interface CohortGrid {
  /** Column count: weeks after the cohort week, 0 … columns − 1. */
  columns: number;
  rows: { weekStart: string; contacts: number; cells: (string | null)[] }[];
}

/**
 * The cohort triangle: a row per cohort (oldest first), a column per week after it; a week the
 * cohort has not reached yet is null (shown empty), not 0 %.
 */
export function cohortGrid(cohorts: readonly CohortInput[]): CohortGrid {
  const columns = Math.max(0, ...cohorts.map((c) => c.weeks.length));
  return {
    columns,
    rows: [...cohorts]
      .sort((a, b) => Date.parse(a.weekStart) - Date.parse(b.weekStart))
      .map((c) => ({
        weekStart: c.weekStart,
        contacts: c.contacts,
        cells: Array.from({ length: columns }, (_, w) => {
          const cell = c.weeks.find((x) => x.week === w);
          return cell ? `${percent(cell.rate)} (${cell.converted})` : null;
        }),
      })),
  };
}

/** "3 campaigns, 1 running now." */
export function campaignsLine(p: DashPortfolioFragment): string {
  return `${p.totalCampaigns} campaign${p.totalCampaigns === 1 ? '' : 's'}, ${p.activeCampaigns} running now.`;
}

/** Whether the workspace has anything to analyse in the window (else one clear empty state). */
export function isEmptyPortfolio(p: DashPortfolioFragment): boolean {
  return p.totalCampaigns === 0 && p.sent === 0;
}
