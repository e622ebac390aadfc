/**
 * A scheduled report's content as JSON (the webhook body, and what the email is rendered from) and
 * its email rendering. Pure, no I/O (unit-tested in test/unit/report-render.test.ts).
 *
 * The JSON mirrors the GraphQL `Report` (generatedAt, portfolio, topCampaigns, winners, optOuts),
 * with campaigns and variants reduced to {id, name} and a few fields a receiver needs to read it
 * alone: the schedule, the window (`days`, `since`) and the ranking metric.
 */
import type { OptOutCounts } from './opt-out-report';

/** Top campaigns are ranked by conversion rate (converted / sent) over the window, at most this many. */
export const TOP_CAMPAIGNS_METRIC = 'CONVERSION_RATE';
export const TOP_CAMPAIGNS_LIMIT = 5;

export interface ReportJson {
  /** Null in a preview. */
  scheduleId: string | null;
  generatedAt: string;
  days: number;
  since: string;
  portfolio: {
    totalCampaigns: number;
    activeCampaigns: number;
    sent: number;
    converted: number;
    overallConversionRate: number;
    revenue: number;
    cost: number;
    roas: number | null;
  };
  topCampaignsMetric: typeof TOP_CAMPAIGNS_METRIC;
  topCampaigns: { campaign: { id: string; name: string }; value: number }[];
  winners: { campaign: { id: string; name: string }; variant: { id: string; name: string }; source: string; confidenceLevel: number | null; reason: string | null; decidedAt: string }[];
  optOuts: OptOutCounts;
}

const percent = (x: number) => `${(Math.round(x * 10_000) / 100).toFixed(2)} %`;
const money = (x: number) => x.toFixed(2);
const day = (iso: string) => iso.slice(0, 10);

/** Subject and plain-text body of a report email. */
export function reportEmail(r: ReportJson): { subject: string; text: string } {
  const p = r.portfolio;
  const lines = [
    `Splitcast report: the last ${r.days} day${r.days === 1 ? '' : 's'} (${day(r.since)} to ${day(r.generatedAt)})`,
    '',
    'Portfolio',
    `  Campaigns:        ${p.totalCampaigns} (${p.activeCampaigns} running)`,
    `  Sent:             ${p.sent}`,
    `  Converted:        ${p.converted} (${percent(p.overallConversionRate)})`,
    `  Revenue:          ${money(p.revenue)}`,
    `  Cost:             ${money(p.cost)}`,
    `  ROAS:             ${p.roas === null ? 'n/a' : p.roas.toFixed(2)}`,
    '',
    'Top campaigns by conversion rate',
    ...(r.topCampaigns.length ? r.topCampaigns.map((c, i) => `  ${i + 1}. ${c.campaign.name}: ${percent(c.value)}`) : ['  (no campaign sent in the window)']),
    '',
    'Tests decided',
    ...(r.winners.length
      ? r.winners.map((w) => `  ${w.campaign.name}: ${w.variant.name} won (${winnerBasis(w)}) on ${day(w.decidedAt)}`)
      : ['  (none)']),
    '',
    `Opt-outs: ${r.optOuts.total}`,
    ...(r.optOuts.total ? [`  By channel: ${keyCounts(r.optOuts.byChannel)}`, `  By source:  ${keyCounts(r.optOuts.bySource)}`, `  By keyword: ${keyCounts(r.optOuts.byKeyword)}`] : []),
    '',
    `Generated at ${r.generatedAt}.`,
  ];
  const subject = `Splitcast report, last ${r.days} day${r.days === 1 ? '' : 's'}: ${p.sent} sent, ${p.converted} converted, ${r.optOuts.total} opt-out${r.optOuts.total === 1 ? '' : 's'}`;
  return { subject, text: lines.join('\n') + '\n' };
}

/**
 * Why a variant won. A manual winner is a person's decision: its stored confidence is only the
 * evidence at that moment (often near 0 when the declared variant does not lead), so the email gives
 * the reason they wrote instead; an automatic winner is the test's verdict, given with its confidence.
 */
function winnerBasis(w: ReportJson['winners'][number]): string {
  const reason = w.reason?.replace(/\s+/g, ' ').trim(); // one line in the email
  if (w.source === 'MANUAL') return reason ? `declared manually: ${reason}` : 'declared manually';
  return w.confidenceLevel === null ? 'automatic' : `automatic, confidence ${percent(w.confidenceLevel)}`;
}

function keyCounts(list: { key: string; count: number }[]): string {
  return list.map((k) => `${k.key} ${k.count}`).join(', ');
}
