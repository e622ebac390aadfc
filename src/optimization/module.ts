/**
 * Optimization: learning from history — send time per contact, the conversion model, offers,
 * merchant affinity, and the recommendations built on them.
 */
import { defineModule } from '../graphql/module';

export const optimizationModule = defineModule({
  name: 'optimization',
  entities: [],
  resolvers: [],
  jobs: () => [],
});
