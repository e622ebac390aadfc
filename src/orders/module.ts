/**
 * Orders and what they tell: orders recorded by a shop, POS or CRM (recordOrders, POST /v1/orders,
 * CSV import) and the experiment conversions they make, multi-touch attribution of their revenue to
 * campaigns and variants, time to conversion, value segments, and contacts' engagement scores.
 */
import { defineModule } from '../graphql/module';
import { EngagementResolver } from './engagement.resolver';
import { recomputeAllEngagementScores } from './engagement.service';

/** The nightly engagement scores (they decay with time, so every contact is rescored). */
export const ENGAGEMENT_JOB = 'orders: engagement scores';

export const ordersModule = defineModule({
  name: 'orders',
  resolvers: [EngagementResolver],
  jobs: (deps) => [{ name: ENGAGEMENT_JOB, cron: '15 2 * * *', timezone: 'UTC', run: () => recomputeAllEngagementScores(deps.sql, deps.logger) }],
});
