/**
 * Orders and what they tell: orders recorded by a shop, POS or CRM (recordOrders, POST /v1/orders,
 * CSV import) and the experiment conversions they make, multi-touch attribution of their revenue to
 * campaigns and variants, time to conversion, value segments, and contacts' engagement scores.
 */
import { defineModule } from '../graphql/module';
import { CampaignValueSegmentResolver, ValueSegmentResolver, valueSegmentLoaders } from './value-segments.resolver';
import { ValueSegmentService } from './value-segments.service';

declare module '../graphql/context' {
  interface Services {
    valueSegments: ValueSegmentService;
  }
  interface Loaders extends ReturnType<typeof valueSegmentLoaders> {}
}

export const ordersModule = defineModule({
  name: 'orders',
  resolvers: [ValueSegmentResolver, CampaignValueSegmentResolver],
  services: ({ em, workspaceId }) => ({ valueSegments: new ValueSegmentService(em, workspaceId) }),
  loaders: valueSegmentLoaders,
});
