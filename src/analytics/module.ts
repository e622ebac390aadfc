/** Analytics: stats and ROI, time series, segments, portfolio, CSV export, the nightly rollup. */
import { defineModule } from '../graphql/module';
import { AnalyticsResolver, CampaignAnalyticsResolver } from './analytics.resolver';
import { AnalyticsService } from './analytics.service';
import { analyticsLoaders } from './analytics.loaders';
import { registerExportRoute } from './export';
import { rollupHourly } from './rollup';

declare module '../graphql/context' {
  interface Services {
    analytics: AnalyticsService;
  }
  interface Loaders extends ReturnType<typeof analyticsLoaders> {}
}

export const analyticsModule = defineModule({
  name: 'analytics',
  resolvers: [CampaignAnalyticsResolver, AnalyticsResolver],
  services: ({ em, workspaceId }) => ({ analytics: new AnalyticsService(em, workspaceId) }),
  loaders: analyticsLoaders,
  routes: (fastify, deps) => registerExportRoute(fastify, deps),
  jobs: ({ sql, logger }) => [{ name: 'analytics: nightly rollup', cron: '0 2 * * *', timezone: 'UTC', run: () => rollupHourly(sql, logger) }],
});
