import { Arg, Ctx, FieldResolver, Float, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { Campaign } from '../campaigns/campaign.entity';
import { CampaignType } from '../campaigns/enums';
import { Channel } from '../domain/channel';
import type { Context } from '../graphql/context';
import {
  CampaignRank,
  CampaignStats,
  CampaignSummary,
  Cohort,
  Funnel,
  Interval,
  Portfolio,
  RankMetric,
  RoiAnalysis,
  SegmentPerformance,
  TimeBucket,
} from './analytics.types';
import { campaignStats, roi, sumRows, type CampaignTotals } from './campaign-stats';
import { funnel } from './funnel';
import { testDurationHours } from './test-duration';

/** Per request (keyed by its loaders), each campaign's totals: `stats` and `roi` share one sum. */
const totalsByRequest = new WeakMap<object, Map<string, Promise<CampaignTotals>>>();

/** A campaign's lifetime totals, from the request's loaders (shared with Variant.stats and analysis). */
function totalsOf(campaign: Campaign, ctx: Context): Promise<CampaignTotals> {
  let memo = totalsByRequest.get(ctx.loaders);
  if (!memo) totalsByRequest.set(ctx.loaders, (memo = new Map()));
  let totals = memo.get(campaign.id);
  if (!totals) {
    totals = (async () => {
      const variants = await ctx.loaders.variantsByCampaignId.load(campaign.id);
      const rows = await ctx.loaders.countersByVariantId.loadMany(variants.map((v) => v.id));
      return sumRows(rows.map((r) => (r instanceof Error ? undefined : r)));
    })();
    memo.set(campaign.id, totals);
  }
  return totals;
}

@Resolver(() => Campaign)
export class CampaignAnalyticsResolver {
  @FieldResolver(() => CampaignStats)
  async stats(@Root() campaign: Campaign, @Ctx() ctx: Context): Promise<CampaignStats> {
    return campaignStats(await totalsOf(campaign, ctx), campaign);
  }

  @FieldResolver(() => RoiAnalysis)
  async roi(@Root() campaign: Campaign, @Ctx() ctx: Context): Promise<RoiAnalysis> {
    return roi(await totalsOf(campaign, ctx), campaign);
  }

  @FieldResolver(() => Funnel, { description: 'sent → delivered → clicked → replied → converted, for the campaign and per variant' })
  async funnel(@Root() campaign: Campaign, @Ctx() ctx: Context): Promise<Funnel> {
    const variants = await ctx.loaders.variantsByCampaignId.load(campaign.id);
    const rows = await ctx.loaders.countersByVariantId.loadMany(variants.map((v) => v.id));
    const perVariant = rows.map((r) => sumRows([r instanceof Error ? undefined : r]));
    return {
      steps: funnel(sumRows(rows.map((r) => (r instanceof Error ? undefined : r)))),
      variants: variants.map((variant, i) => ({ variant, steps: funnel(perVariant[i]!) })),
    };
  }

  @FieldResolver(() => [TimeBucket], { description: 'per variant, every bucket present (zeros included); default range: the last 48 h / 30 d / 12 w / 12 months' })
  timeSeries(
    @Root() campaign: Campaign,
    @Arg('interval', () => Interval, { nullable: true, defaultValue: Interval.DAY }) interval: Interval | null,
    @Arg('from', () => Date, { nullable: true }) from: Date | null,
    @Arg('to', () => Date, { nullable: true }) to: Date | null,
    @Ctx() ctx: Context,
  ): Promise<TimeBucket[]> {
    return ctx.loaders.timeSeries({ interval: interval ?? Interval.DAY, from, to }).load(campaign.id);
  }

  @FieldResolver(() => [TimeBucket], {
    description:
      "per variant, running totals since the campaign began on timeSeries' buckets: activity before `from` is in the first bucket, so the last bucket holds the totals up to `to`",
  })
  cumulativeSeries(
    @Root() campaign: Campaign,
    @Arg('interval', () => Interval, { nullable: true, defaultValue: Interval.DAY }) interval: Interval | null,
    @Arg('from', () => Date, { nullable: true }) from: Date | null,
    @Arg('to', () => Date, { nullable: true }) to: Date | null,
    @Ctx() ctx: Context,
  ): Promise<TimeBucket[]> {
    return ctx.loaders.cumulativeSeries({ interval: interval ?? Interval.DAY, from, to }).load(campaign.id);
  }

  @FieldResolver(() => Float, {
    nullable: true,
    description:
      'hours from the test start (startedAt) to its end (first winner decision, testEndedAt or completedAt, whichever is first), or to now while it runs; null for STANDARD campaigns and before the start',
  })
  async testDurationHours(@Root() campaign: Campaign, @Ctx() ctx: Context): Promise<number | null> {
    if (!campaign.startedAt || campaign.type === CampaignType.STANDARD) return null; // no test: no lookup
    return testDurationHours(campaign, await ctx.loaders.firstWinnerAtByCampaignId.load(campaign.id), new Date());
  }

  @FieldResolver(() => [SegmentPerformance], { description: "by the recipients' contact segment" })
  segments(@Root() campaign: Campaign, @Ctx() ctx: Context): Promise<SegmentPerformance[]> {
    return ctx.loaders.segmentsByCampaignId.load(campaign.id);
  }
}

@Resolver()
export class AnalyticsResolver {
  @Query(() => Portfolio, { description: 'campaigns created or active in the last `days` days, with their activity in that window' })
  portfolio(
    @Arg('days', () => Int, { nullable: true, defaultValue: 30 }) days: number | null,
    @Arg('channel', () => Channel, { nullable: true, description: 'only campaigns on this channel' }) channel: Channel | null,
    @Ctx() ctx: Context,
  ): Promise<Portfolio> {
    return ctx.services.analytics.portfolio(days ?? 30, channel ?? null);
  }

  @Query(() => [TimeBucket], {
    description:
      "the workspace's activity per bucket over portfolio's window (its campaigns: not archived, on `channel` if given), every bucket present, variantId null; the first bucket holds only activity inside the window, so DAY/WEEK/MONTH buckets add up to portfolio's sent, converted and revenue (HOUR: hourly buckets only, the last 35 days)",
  })
  portfolioTimeSeries(
    @Arg('days', () => Int, { nullable: true, defaultValue: 30 }) days: number | null,
    @Arg('interval', () => Interval, { nullable: true, defaultValue: Interval.DAY }) interval: Interval | null,
    @Arg('channel', () => Channel, { nullable: true, description: 'only campaigns on this channel' }) channel: Channel | null,
    @Ctx() ctx: Context,
  ): Promise<TimeBucket[]> {
    return ctx.services.analytics.portfolioTimeSeries(days ?? 30, interval ?? Interval.DAY, channel ?? null);
  }

  @Query(() => [CampaignRank], { description: 'best first, over the last `days` days; campaigns where the metric is undefined are left out' })
  topCampaigns(
    @Arg('metric', () => RankMetric) metric: RankMetric,
    @Arg('limit', () => Int, { nullable: true, defaultValue: 10 }) limit: number | null,
    @Arg('days', () => Int, { nullable: true, defaultValue: 30 }) days: number | null,
    @Arg('channel', () => Channel, { nullable: true, description: 'only campaigns on this channel' }) channel: Channel | null,
    @Ctx() ctx: Context,
  ): Promise<CampaignRank[]> {
    return ctx.services.analytics.topCampaigns(metric, limit ?? 10, days ?? 30, channel ?? null);
  }

  @Query(() => [CampaignSummary], { description: 'lifetime stats and ROI, in the order asked' })
  compareCampaigns(@Arg('ids', () => [ID]) ids: string[], @Ctx() ctx: Context): Promise<CampaignSummary[]> {
    return ctx.services.analytics.compare(ids);
  }

  @Query(() => [Cohort], { description: 'contacts by the week of their first campaign message, and their conversion in the weeks after' })
  cohorts(@Arg('weeks', () => Int, { nullable: true, defaultValue: 8 }) weeks: number | null, @Ctx() ctx: Context): Promise<Cohort[]> {
    return ctx.services.analytics.cohorts(weeks ?? 8);
  }
}
