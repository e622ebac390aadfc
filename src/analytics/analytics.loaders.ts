/** The analytics feature's request-scoped dataloaders: segments and time series for a whole list at once. */
import DataLoader from 'dataloader';
import type { RequestScope } from '../graphql/context';
import { AnalyticsService, type TimeSeriesArgs } from './analytics.service';
import type { SegmentPerformance, TimeBucket } from './analytics.types';

export function analyticsLoaders({ em, workspaceId }: RequestScope) {
  const analytics = new AnalyticsService(em, workspaceId);
  const series = new Map<string, DataLoader<string, TimeBucket[]>>();
  const cumulative = new Map<string, DataLoader<string, TimeBucket[]>>();
  return {
    segmentsByCampaignId: new DataLoader<string, SegmentPerformance[]>(async (ids) => {
      const byCampaign = await analytics.segments(ids);
      return ids.map((id) => byCampaign.get(id) ?? []);
    }),
    /** Time series with the same arguments share one loader (one query for a whole list). */
    timeSeries(args: TimeSeriesArgs): DataLoader<string, TimeBucket[]> {
      const key = JSON.stringify([args.interval, args.from?.toISOString() ?? null, args.to?.toISOString() ?? null]);
      let loader = series.get(key);
      if (!loader) {
        loader = new DataLoader(async (ids) => {
          const byCampaign = await analytics.timeSeries(ids, args);
          return ids.map((id) => byCampaign.get(id) ?? []);
        });
        series.set(key, loader);
      }
      return loader;
    },
    /** Running totals (Campaign.cumulativeSeries), batched like timeSeries. */
    cumulativeSeries(args: TimeSeriesArgs): DataLoader<string, TimeBucket[]> {
      const key = JSON.stringify([args.interval, args.from?.toISOString() ?? null, args.to?.toISOString() ?? null]);
      let loader = cumulative.get(key);
      if (!loader) {
        loader = new DataLoader(async (ids) => {
          const byCampaign = await analytics.cumulativeSeries(ids, args);
          return ids.map((id) => byCampaign.get(id) ?? []);
        });
        cumulative.set(key, loader);
      }
      return loader;
    },
    /** The first winner decision per campaign (Campaign.testDurationHours); null without one. */
    firstWinnerAtByCampaignId: new DataLoader<string, Date | null>(async (ids) => {
      const byCampaign = await analytics.firstWinnerAt(ids);
      return ids.map((id) => byCampaign.get(id) ?? null);
    }),
  };
}
