/**
 * Orders and what they tell: orders recorded by a shop, POS or CRM (recordOrders, POST /v1/orders,
 * CSV import) and the experiment conversions they make, multi-touch attribution of their revenue to
 * campaigns and variants, time to conversion, value segments, and contacts' engagement scores.
 */
import { defineModule } from '../graphql/module';
import type { OrderPipeline } from './orders.pipeline';
import { OrdersResolver } from './orders.resolver';
import { registerOrderRoutes } from './orders.routes';
import { OrderService } from './orders.service';

declare module '../graphql/context' {
  interface AppDeps {
    orders: OrderPipeline;
  }
  interface Services {
    orders: OrderService;
  }
}

export const ordersModule = defineModule({
  name: 'orders',
  resolvers: [OrdersResolver],
  services: ({ app, workspaceId }) => ({ orders: new OrderService(app.orders, app.sql, workspaceId) }),
  routes: (fastify, deps) => registerOrderRoutes(fastify, deps),
});
