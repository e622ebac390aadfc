/**
 * Analytics over the counters and the time buckets (hourly, and daily rollups): never a scan of
 * events. Everything is scoped to the caller's workspace; list-shaped inputs are answered with one
 * query per call (the resolvers batch through dataloaders).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Channel } from '../domain/channel';
import { Campaign } from '../campaigns/campaign.entity';
import { CampaignStatus } from '../campaigns/enums';
import { badInput, notFound } from '../errors';
import { asUuid } from '../shared/ids';
import { loadCounters, type CounterRow } from '../tracking/variant-stats';
import { Variant } from '../campaigns/variant.entity';
import { Workspace } from '../workspaces/workspace.entity';
import { Interval, RankMetric, type CampaignRank, type Cohort, type Portfolio, type SegmentPerformance, type TimeBucket } from './analytics.types';
import { campaignStats, costOf, roi, sumRows, type CampaignStatsValue, type RoiValue } from './campaign-stats';
import { addCounts, runningTotals, type BucketCounts } from './cumulative';

export const MAX_BUCKETS = 1000;
export const MAX_WINDOW_DAYS = 3650;

/** Default look-back per interval when `from` is not given. */
const DEFAULT_SPAN: Record<Interval, string> = {
  [Interval.HOUR]: '48 hours',
  [Interval.DAY]: '30 days',
  [Interval.WEEK]: '12 weeks',
  [Interval.MONTH]: '12 months',
};
const UNIT: Record<Interval, string> = { [Interval.HOUR]: 'hour', [Interval.DAY]: 'day', [Interval.WEEK]: 'week', [Interval.MONTH]: 'month' };

export interface TimeSeriesArgs {
  interval: Interval;
  from?: Date | null;
  to?: Date | null;
}

export interface CampaignWindowRow {
  id: string;
  status: CampaignStatus;
  cost_per_message: string;
  offer_amount: string | null;
  messages: string;
  sent: string;
  replied: string;
  converted: string;
  revenue: string;
}

export class AnalyticsService {
  constructor(
    private readonly em: EntityManager,
    private readonly workspaceId: string,
  ) {}

  private async timeZone(): Promise<string> {
    return (await this.em.findOneOrFail(Workspace, { id: this.workspaceId })).timezone;
  }

  /**
   * Per-variant buckets for several campaigns in one query, every bucket present (zeros included).
   * DAY/WEEK/MONTH are calendar buckets in the workspace time zone: generated as local times and
   * converted back, so DST days last 23 or 25 hours. HOUR buckets are absolute hours.
   */
  async timeSeries(campaignIds: readonly string[], args: TimeSeriesArgs): Promise<Map<string, TimeBucket[]>> {
    const to = args.to ?? new Date();
    const unit = UNIT[args.interval];
    const hourly = args.interval === Interval.HOUR;
    // One statement for the workspace's time zone, the range's start and its number of buckets
    // (the campaign page's SQL count: issue 15).
    const [range] = await this.em.execute<{ tz: string; from: string | Date; n: string }[]>(
      `with r as (
         select w.timezone as tz, coalesce(?::timestamptz, ?::timestamptz - ?::interval) as f, ?::timestamptz as t from workspaces w where w.id = ?
       )
       select tz, f as "from", (select count(*) from generate_series(${
         hourly ? `date_trunc('hour', f), t, interval '1 hour'` : `date_trunc(?, f at time zone tz), t at time zone tz, ('1 ' || ?)::interval`
       })) as n
       from r`,
      [args.from?.toISOString() ?? null, to.toISOString(), DEFAULT_SPAN[args.interval], to.toISOString(), this.workspaceId, ...(hourly ? [] : [unit, unit])],
    );
    if (!range) throw notFound('Workspace', this.workspaceId);
    const { tz, n } = range;
    const fromDate = new Date(range.from);
    if (fromDate > to) throw badInput('INVALID_RANGE', '`from` must not be after `to`', 'from');
    if (Number(n) > MAX_BUCKETS) throw badInput('TOO_MANY_BUCKETS', `At most ${MAX_BUCKETS} buckets per variant: use a larger interval or a shorter range`, 'interval');

    const cols = ['sent', 'delivered', 'clicked', 'replied', 'converted', 'revenue'];
    const sums = cols.map((c) => `sum(${c}) as ${c}`).join(', ');
    const rows = await this.em.execute<(Record<string, string | null> & { start: string; variant_id: string; campaign_id: string })[]>(
      `with v as (
         select v.id, v.campaign_id, v.position from variants v
         where v.campaign_id in (select jsonb_array_elements_text(?::jsonb)::uuid) and v.workspace_id = ?
       ),
       buckets as (
         ${hourly
           ? `select b as start from generate_series(date_trunc('hour', ?::timestamptz), ?::timestamptz, interval '1 hour') b`
           : `select (b at time zone ?) as start from generate_series(date_trunc(?, ?::timestamptz at time zone ?), ?::timestamptz at time zone ?, ('1 ' || ?)::interval) b`}
       ),
       data as (
         select variant_id, ${hourly ? `date_trunc('hour', hour)` : `(date_trunc(?, hour at time zone ?) at time zone ?)`} as start, ${sums}
         from variant_hourly where variant_id in (select id from v) and hour >= ${hourly ? `date_trunc('hour', ?::timestamptz)` : `(date_trunc(?, ?::timestamptz at time zone ?) at time zone ?)`} and hour <= ?::timestamptz
         group by 1, 2
         union all
         select variant_id, (date_trunc(?, day::timestamp) at time zone ?) as start, ${sums}
         from variant_daily where variant_id in (select id from v) and day >= (?::timestamptz at time zone ?)::date - 31 and day <= (?::timestamptz at time zone ?)::date
           and ?::boolean -- rolled-up days keep no hours: HOUR series read only the hourly buckets
         group by 1, 2
       )
       select b.start, v.id as variant_id, v.campaign_id, ${cols.map((c) => `coalesce(sum(d.${c}), 0) as ${c}`).join(', ')}
       from buckets b cross join v
       left join data d on d.variant_id = v.id and d.start = b.start
       group by b.start, v.id, v.campaign_id, v.position
       order by v.campaign_id, b.start, v.position`,
      [
        JSON.stringify(campaignIds),
        this.workspaceId,
        ...(hourly ? [fromDate.toISOString(), to.toISOString()] : [tz, unit, fromDate.toISOString(), tz, to.toISOString(), tz, unit]),
        ...(hourly ? [fromDate.toISOString()] : [unit, tz, tz, unit, fromDate.toISOString(), tz, tz]),
        to.toISOString(),
        hourly ? 'day' : unit,
        tz,
        fromDate.toISOString(),
        tz,
        to.toISOString(),
        tz,
        !hourly,
      ],
    );
    const out = new Map<string, TimeBucket[]>(campaignIds.map((id) => [id, []]));
    for (const r of rows) {
      out.get(r.campaign_id)?.push({ start: new Date(r.start), variantId: r.variant_id, ...countsOf(r) });
    }
    return out;
  }

  /**
   * Running totals per variant since the campaign began, on timeSeries' buckets: one statement more
   * than timeSeries, for each variant's totals before the first bucket (hourly buckets before it,
   * and rolled-up days before it: for DAY/WEEK/MONTH the days whose bucket starts before it).
   * HOUR series read no rolled-up day (they keep no hours), so here each rolled-up day counts at the
   * hour of its local midnight — in `before` when that is before the first bucket (a day cut by
   * `from` counts whole), else in that hour's bucket — and the running totals miss no day.
   */
  async cumulativeSeries(campaignIds: readonly string[], args: TimeSeriesArgs): Promise<Map<string, TimeBucket[]>> {
    const series = await this.timeSeries(campaignIds, args);
    const buckets = [...series.values()].find((b) => b.length > 0);
    const first = buckets?.[0]?.start;
    if (!first) return series;
    const lastStart = buckets[buckets.length - 1]!.start;
    const hourly = args.interval === Interval.HOUR;
    const cols = ['sent', 'delivered', 'clicked', 'replied', 'converted', 'revenue'];
    // "at": null for the totals before the first bucket; for HOUR, a rolled-up day's bucket inside the range.
    const rows = await this.em.execute<(Record<string, string> & { variant_id: string; at: string | Date | null })[]>(
      `with w as (select timezone as tz from workspaces where id = ?),
       v as (select id from variants where campaign_id in (select jsonb_array_elements_text(?::jsonb)::uuid) and workspace_id = ?)
       select variant_id, at, ${cols.map((c) => `sum(${c}) as ${c}`).join(', ')} from (
         select variant_id, null::timestamptz as at, ${cols.join(', ')} from variant_hourly where variant_id in (select id from v) and hour < ?::timestamptz
         union all
         ${
           hourly
             ? `select d.variant_id, case when (d.day::timestamp at time zone w.tz) < ?::timestamptz then null else date_trunc('hour', d.day::timestamp at time zone w.tz) end,
                  ${cols.map((c) => `d.${c}`).join(', ')}
                from variant_daily d, w
                where d.variant_id in (select id from v) and date_trunc('hour', d.day::timestamp at time zone w.tz) <= ?::timestamptz`
             : `select d.variant_id, null, ${cols.map((c) => `d.${c}`).join(', ')} from variant_daily d, w
                where d.variant_id in (select id from v) and (date_trunc(?, d.day::timestamp) at time zone w.tz) < ?::timestamptz`
         }
       ) x group by variant_id, at`,
      [
        this.workspaceId,
        JSON.stringify(campaignIds),
        this.workspaceId,
        first.toISOString(),
        ...(hourly ? [first.toISOString(), lastStart.toISOString()] : [UNIT[args.interval], first.toISOString()]),
      ],
    );
    const before = new Map<string, BucketCounts>();
    const within = new Map<string, BucketCounts>();
    for (const r of rows) {
      if (r.at === null) before.set(r.variant_id, addCounts(before.get(r.variant_id), countsOf(r)));
      else within.set(`${r.variant_id}|${new Date(r.at).getTime()}`, countsOf(r));
    }
    return new Map(
      [...series].map(([id, b]) => [
        id,
        runningTotals(
          within.size === 0 ? b : b.map((x) => ({ ...x, ...addCounts(x, within.get(`${x.variantId}|${x.start.getTime()}`)) })),
          before,
        ),
      ]),
    );
  }

  /** The first winner decision of each campaign (superseded ones included), in one query. */
  async firstWinnerAt(campaignIds: readonly string[]): Promise<Map<string, Date>> {
    const rows = await this.em.execute<{ campaign_id: string; at: string | Date }[]>(
      `select campaign_id, min(decided_at) as at from winners
       where campaign_id in (select jsonb_array_elements_text(?::jsonb)::uuid) and workspace_id = ? group by campaign_id`,
      [JSON.stringify(campaignIds), this.workspaceId],
    );
    return new Map(rows.map((r) => [r.campaign_id, new Date(r.at)]));
  }

  /** Performance by contact segment, for several campaigns in one query. */
  async segments(campaignIds: readonly string[]): Promise<Map<string, SegmentPerformance[]>> {
    const rows = await this.em.execute<{ campaign_id: string; segment: string; recipients: string; sent: string; converted: string; revenue: string }[]>(
      `select a.campaign_id, coalesce(c.segment, '(none)') as segment, count(*) as recipients, count(a.sent_at) as sent,
              count(a.converted_at) as converted, coalesce(sum(a.revenue), 0) as revenue
       from assignments a join contacts c on c.id = a.contact_id and c.workspace_id = a.workspace_id
       where a.campaign_id in (select jsonb_array_elements_text(?::jsonb)::uuid) and a.workspace_id = ?
       group by 1, 2
       order by 1, count(a.converted_at) desc, 2`,
      [JSON.stringify(campaignIds), this.workspaceId],
    );
    const out = new Map<string, SegmentPerformance[]>(campaignIds.map((id) => [id, []]));
    for (const r of rows) {
      const sent = Number(r.sent);
      out.get(r.campaign_id)?.push({
        segment: r.segment,
        recipients: Number(r.recipients),
        sent,
        converted: Number(r.converted),
        conversionRate: sent > 0 ? Number(r.converted) / sent : 0,
        revenue: Number(r.revenue),
      });
    }
    return out;
  }

  /** Per-campaign totals over the last `days` days (hourly buckets and daily rollups). */
  /** `channel`: only campaigns on that channel (null: every channel). */
  private async window(days: number, channel: Channel | null = null): Promise<CampaignWindowRow[]> {
    if (!Number.isInteger(days) || days < 1 || days > MAX_WINDOW_DAYS) throw badInput('INVALID_DAYS', `days must be a whole number from 1 to ${MAX_WINDOW_DAYS}`, 'days');
    const tz = await this.timeZone();
    return this.em.execute<CampaignWindowRow[]>(
      `with since as (select now() - make_interval(days => ?) as at),
       b as (
         select campaign_id, sum(messages) as messages, sum(sent) as sent, sum(replied) as replied, sum(converted) as converted, sum(revenue) as revenue
         from (
           select h.campaign_id, h.messages, h.sent, h.replied, h.converted, h.revenue from variant_hourly h, since
           where h.hour >= since.at and h.campaign_id in (select id from campaigns where workspace_id = ? and (?::text is null or channel = ?))
           union all
           select d.campaign_id, d.messages, d.sent, d.replied, d.converted, d.revenue from variant_daily d, since
           where d.day >= (since.at at time zone ?)::date and d.campaign_id in (select id from campaigns where workspace_id = ? and (?::text is null or channel = ?))
         ) x group by campaign_id
       )
       select c.id, c.status, c.cost_per_message, c.offer_amount,
              coalesce(b.messages, 0) as messages, coalesce(b.sent, 0) as sent, coalesce(b.replied, 0) as replied,
              coalesce(b.converted, 0) as converted, coalesce(b.revenue, 0) as revenue
       from campaigns c left join b on b.campaign_id = c.id, since
       where c.workspace_id = ? and (?::text is null or c.channel = ?) and c.status <> 'ARCHIVED' and (c.created_at >= since.at or b.campaign_id is not null)`,
      [days, this.workspaceId, channel, channel, tz, this.workspaceId, channel, channel, this.workspaceId, channel, channel],
    );
  }

  async portfolio(days: number, channel: Channel | null = null): Promise<Portfolio> {
    const rows = await this.window(days, channel);
    let sent = 0;
    let converted = 0;
    let revenue = 0;
    let cost = 0;
    for (const r of rows) {
      sent += Number(r.sent);
      converted += Number(r.converted);
      revenue += Number(r.revenue);
      cost += costOf({ messages: Number(r.messages), converted: Number(r.converted) }, pricing(r));
    }
    return {
      totalCampaigns: rows.length,
      activeCampaigns: rows.filter((r) => r.status === CampaignStatus.RUNNING).length,
      sent,
      converted,
      overallConversionRate: sent > 0 ? converted / sent : 0,
      revenue: Math.round(revenue * 1e4) / 1e4,
      cost: Math.round(cost * 1e4) / 1e4,
      roas: cost > 0 ? revenue / cost : null,
    };
  }

  /**
   * The workspace's activity per bucket over portfolio's window (same campaigns: not archived, on
   * `channel` if given), every bucket present, in one statement. The first bucket holds only the
   * activity inside the window, so for DAY/WEEK/MONTH the buckets add up to portfolio's totals.
   * Buckets as in timeSeries (local calendar units; HOUR: absolute hours, hourly rows only).
   */
  async portfolioTimeSeries(days: number, interval: Interval, channel: Channel | null = null): Promise<TimeBucket[]> {
    if (!Number.isInteger(days) || days < 1 || days > MAX_WINDOW_DAYS) throw badInput('INVALID_DAYS', `days must be a whole number from 1 to ${MAX_WINDOW_DAYS}`, 'days');
    // An upper bound of the bucket count, checked before any query (a partial unit at each end).
    const perDay = { [Interval.HOUR]: 24, [Interval.DAY]: 1, [Interval.WEEK]: 1 / 7, [Interval.MONTH]: 1 / 28 }[interval];
    if (Math.ceil(days * perDay) + 1 > MAX_BUCKETS) throw badInput('TOO_MANY_BUCKETS', `At most ${MAX_BUCKETS} buckets: use a larger interval or fewer days`, 'interval');
    const hourly = interval === Interval.HOUR;
    const unit = UNIT[interval];
    const cols = ['sent', 'delivered', 'clicked', 'replied', 'converted', 'revenue'];
    const sums = cols.map((c) => `sum(${c}) as ${c}`).join(', ');
    const rows = await this.em.execute<(Record<string, string | null> & { start: string | Date })[]>(
      `with w as (select timezone as tz, now() - make_interval(days => ?) as since, now() as t from workspaces where id = ?),
       camp as (select id from campaigns where workspace_id = ? and status <> 'ARCHIVED' and (?::text is null or channel = ?)),
       buckets as (
         ${hourly
           ? `select b as start from w, generate_series(date_trunc('hour', w.since), w.t, interval '1 hour') b`
           : `select (b at time zone w.tz) as start from w, generate_series(date_trunc(?, w.since at time zone w.tz), w.t at time zone w.tz, ('1 ' || ?)::interval) b`}
       ),
       data as (
         select ${hourly ? `date_trunc('hour', h.hour)` : `(date_trunc(?, h.hour at time zone w.tz) at time zone w.tz)`} as start, ${sums}
         from variant_hourly h, w where h.workspace_id = ? and h.campaign_id in (select id from camp) and h.hour >= w.since
         group by 1
         union all
         select (date_trunc(?, d.day::timestamp) at time zone w.tz) as start, ${sums}
         from variant_daily d, w where d.workspace_id = ? and d.campaign_id in (select id from camp) and d.day >= (w.since at time zone w.tz)::date
           and ?::boolean -- rolled-up days keep no hours: HOUR series read only the hourly buckets
         group by 1
       )
       select b.start, ${cols.map((c) => `coalesce(sum(d.${c}), 0) as ${c}`).join(', ')}
       from buckets b left join data d on d.start = b.start
       group by b.start order by b.start`,
      [
        days,
        this.workspaceId,
        this.workspaceId,
        channel,
        channel,
        ...(hourly ? [] : [unit, unit, unit]),
        this.workspaceId,
        hourly ? 'day' : unit,
        this.workspaceId,
        !hourly,
      ],
    );
    return rows.map((r) => ({ start: new Date(r.start), variantId: null, ...countsOf(r) }));
  }

  /** Campaigns ranked by a metric over the window; campaigns where it is undefined (no sends, no cost) are left out. */
  async topCampaigns(metric: RankMetric, limit: number, days: number, channel: Channel | null = null): Promise<CampaignRank[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw badInput('INVALID_LIMIT', 'limit must be from 1 to 100', 'limit');
    const scored = (await this.window(days, channel))
      .map((r) => ({ id: r.id, value: rankValue(metric, r) }))
      .filter((x): x is { id: string; value: number } => x.value !== null)
      .sort((a, b) => b.value - a.value || a.id.localeCompare(b.id))
      .slice(0, limit);
    const campaigns = new Map((await this.em.find(Campaign, { id: { $in: scored.map((s) => s.id) }, workspaceId: this.workspaceId })).map((c) => [c.id, c]));
    return scored.map((s) => ({ campaign: campaigns.get(s.id)!, value: s.value }));
  }

  /** Lifetime stats and ROI of each campaign (all must exist in the workspace). */
  async compare(ids: readonly string[]): Promise<{ campaign: Campaign; stats: CampaignStatsValue; roi: RoiValue }[]> {
    if (ids.length > 50) throw badInput('TOO_MANY_CAMPAIGNS', 'Compare at most 50 campaigns at once', 'ids');
    const campaigns = await this.em.find(Campaign, { id: { $in: ids.map(asUuid) }, workspaceId: this.workspaceId });
    const byId = new Map(campaigns.map((c) => [c.id, c]));
    const missing = ids.find((id) => !byId.has(asUuid(id)));
    if (missing) throw notFound('Campaign', missing);
    const variants = await this.em.find(Variant, { campaignId: { $in: campaigns.map((c) => c.id) } });
    const counters = await loadCounters(this.em, variants.map((v) => v.id));
    return ids.map((id) => {
      const c = byId.get(asUuid(id))!;
      const totals = sumRows(variants.filter((v) => v.campaignId === c.id).map((v) => counters.get(v.id)));
      return { campaign: c, stats: campaignStats(totals, c), roi: roi(totals, c) };
    });
  }

  /**
   * Contacts grouped by the week of their first campaign message (workspace time zone), with the
   * share of them converting in that week and each week after.
   */
  async cohorts(weeks: number): Promise<Cohort[]> {
    if (!Number.isInteger(weeks) || weeks < 1 || weeks > 52) throw badInput('INVALID_WEEKS', 'weeks must be from 1 to 52', 'weeks');
    const tz = await this.timeZone();
    const rows = await this.em.execute<{ week: string; contacts: string; offset: number | null; converted: string; now_week: string }[]>(
      `with first as (
         select contact_id, min(sent_at) as first_at from assignments where workspace_id = ? and sent_at is not null group by contact_id
       ),
       cohort as (
         select contact_id, date_trunc('week', first_at at time zone ?) as week from first
         where first_at >= date_trunc('week', now() at time zone ?) at time zone ? - make_interval(weeks => ? - 1)
       ),
       sizes as (select week, count(*) as contacts from cohort group by week),
       conv as (
         select c.week, floor(extract(epoch from ((a.converted_at at time zone ?) - c.week)) / 604800)::int as "offset", count(distinct c.contact_id) as converted
         from cohort c join assignments a on a.contact_id = c.contact_id and a.workspace_id = ? and a.converted_at is not null
         where a.converted_at at time zone ? >= c.week
         group by 1, 2
       )
       select s.week, s.contacts, conv."offset", coalesce(conv.converted, 0) as converted, date_trunc('week', now() at time zone ?) as now_week
       from sizes s left join conv on conv.week = s.week
       order by s.week, conv."offset"`,
      [this.workspaceId, tz, tz, tz, weeks, tz, this.workspaceId, tz, tz],
    );
    const byWeek = new Map<string, { contacts: number; converted: Map<number, number>; span: number; local: string }>();
    for (const r of rows) {
      const local = String(r.week);
      const entry = byWeek.get(local) ?? {
        contacts: Number(r.contacts),
        converted: new Map<number, number>(),
        span: Math.round((new Date(r.now_week).getTime() - new Date(r.week).getTime()) / 604_800_000),
        local,
      };
      if (r.offset !== null) entry.converted.set(Number(r.offset), Number(r.converted));
      byWeek.set(local, entry);
    }
    const starts = await this.localWeeksToInstants([...byWeek.keys()], tz);
    return [...byWeek.values()].map((e, i) => ({
      weekStart: starts[i]!,
      contacts: e.contacts,
      weeks: Array.from({ length: e.span + 1 }, (_, w) => ({ week: w, converted: e.converted.get(w) ?? 0, rate: e.contacts > 0 ? (e.converted.get(w) ?? 0) / e.contacts : 0 })),
    }));
  }

  private async localWeeksToInstants(locals: string[], tz: string): Promise<Date[]> {
    if (locals.length === 0) return [];
    const rows = await this.em.execute<{ at: string }[]>(
      `select (x::timestamp at time zone ?) as at from jsonb_array_elements_text(?::jsonb) with ordinality as t(x, n) order by n`,
      [tz, JSON.stringify(locals)],
    );
    return rows.map((r) => new Date(r.at));
  }
}

function pricing(r: CampaignWindowRow) {
  return { costPerMessage: Number(r.cost_per_message), offerAmount: r.offer_amount === null ? null : Number(r.offer_amount) };
}

/** The ranking value of one campaign, or null when the metric is undefined for it. */
export function rankValue(metric: RankMetric, r: CampaignWindowRow): number | null {
  const sent = Number(r.sent);
  const totals = { messages: Number(r.messages), converted: Number(r.converted), revenue: Number(r.revenue) };
  switch (metric) {
    case RankMetric.CONVERSION_RATE:
      return sent > 0 ? Number(r.converted) / sent : null;
    case RankMetric.RESPONSE_RATE:
      return sent > 0 ? Number(r.replied) / sent : null;
    case RankMetric.REVENUE:
      return totals.revenue;
    case RankMetric.ROAS:
      return roi(totals, pricing(r)).roas;
    case RankMetric.ROI:
      return roi(totals, pricing(r)).roiPercent;
  }
}

export type { CounterRow };

/** A bucket's counts from a row of sums (PostgreSQL returns sums as text). */
function countsOf(r: Record<string, string | null>): BucketCounts {
  return {
    sent: Number(r.sent),
    delivered: Number(r.delivered),
    clicked: Number(r.clicked),
    replied: Number(r.replied),
    converted: Number(r.converted),
    revenue: Number(r.revenue),
  };
}
