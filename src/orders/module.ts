/**
 * Orders and what they tell: orders recorded by a shop, POS or CRM (recordOrders, POST /v1/orders,
 * CSV import) and the experiment conversions they make, multi-touch attribution of their revenue to
 * campaigns and variants, time to conversion, value segments, and contacts' engagement scores.
 */
import { defineModule } from '../graphql/module';
import { EngagementResolver } from './engagement.resolver';
import { ENGAGEMENT_JOB, recomputeAllEngagementScores } from './engagement.service';

export const ordersModule = defineModule({
  name: 'orders',
  resolvers: [EngagementResolver],
  jobs: (deps) => [{ name: ENGAGEMENT_JOB, cron: '15 2 * * *', timezone: 'UTC', run: () => recomputeAllEngagementScores(deps.sql, deps.logger) }],
});
