/**
 * Orders and what they tell: orders recorded by a shop, POS or CRM (recordOrders, POST /v1/orders,
 * CSV import) and the experiment conversions they make, multi-touch attribution of their revenue to
 * campaigns and variants, time to conversion, value segments, and contacts' engagement scores.
 */
import { defineModule } from '../graphql/module';
import { attributionLoaders } from './attribution.loaders';
import { AttributionResolver, CampaignAttributionResolver } from './attribution.resolver';
import { AttributionService } from './attribution.service';
import { EngagementResolver } from './engagement.resolver';
import { ENGAGEMENT_JOB, recomputeAllEngagementScores } from './engagement.service';
import type { OrderPipeline } from './orders.pipeline';
import { OrdersResolver } from './orders.resolver';
import { registerOrderRoutes } from './orders.routes';
import { OrderService } from './orders.service';
import { CampaignValueSegmentResolver, ValueSegmentResolver, valueSegmentLoaders } from './value-segments.resolver';
import { ValueSegmentService } from './value-segments.service';

declare module '../graphql/context' {
  interface AppDeps {
    orders: OrderPipeline;
  }
  interface Services {
    orders: OrderService;
    attribution: AttributionService;
    valueSegments: ValueSegmentService;
  }
  interface Loaders extends ReturnType<typeof attributionLoaders>, ReturnType<typeof valueSegmentLoaders> {}
}

export const ordersModule = defineModule({
  name: 'orders',
  resolvers: [OrdersResolver, AttributionResolver, CampaignAttributionResolver, ValueSegmentResolver, CampaignValueSegmentResolver, EngagementResolver],
  services: ({ em, app, workspaceId }) => ({
    orders: new OrderService(app.orders, app.sql, workspaceId),
    attribution: new AttributionService(em, app.sql, workspaceId),
    valueSegments: new ValueSegmentService(em, workspaceId),
  }),
  loaders: (scope) => ({ ...attributionLoaders(scope), ...valueSegmentLoaders(scope) }),
  routes: (fastify, deps) => registerOrderRoutes(fastify, deps),
  jobs: (deps) => [{ name: ENGAGEMENT_JOB, cron: '15 2 * * *', timezone: 'UTC', run: () => recomputeAllEngagementScores(deps.sql, deps.logger) }],
});
