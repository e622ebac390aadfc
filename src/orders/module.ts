/**
 * Orders and what they tell: orders recorded by a shop, POS or CRM (recordOrders, POST /v1/orders,
 * CSV import) and the experiment conversions they make, multi-touch attribution of their revenue to
 * campaigns and variants, time to conversion, value segments, and contacts' engagement scores.
 */
import { defineModule } from '../graphql/module';

export const ordersModule = defineModule({
  name: 'orders',
  resolvers: [],
});
