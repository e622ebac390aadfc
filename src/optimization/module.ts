/**
 * Optimization: learning from history — send time per contact, the conversion model, offers,
 * merchant affinity, and the recommendations built on them.
 */
import { defineModule } from '../graphql/module';
import { refreshAllAffinities } from './merchant-affinity.service';
import { MerchantResolver } from './merchant.resolver';
import { MerchantService } from './merchant.service';

declare module '../graphql/context' {
  interface Services {
    merchants: MerchantService;
  }
}

export const optimizationModule = defineModule({
  name: 'optimization',
  entities: [],
  resolvers: [MerchantResolver],
  services: ({ app, workspaceId }) => ({ merchants: new MerchantService(app.sql, workspaceId) }),
  jobs: ({ sql, logger }) => [{ name: 'optimization: merchant affinity', cron: '0 */6 * * *', timezone: 'UTC', run: () => refreshAllAffinities(sql, logger) }],
});
