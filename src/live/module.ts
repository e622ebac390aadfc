/** Live subscriptions: stats, status changes and winners, fanned out across instances. */
import { defineModule } from '../graphql/module';
import { LiveResolver } from './live.resolver';
import type { LiveService } from './live.service';

declare module '../graphql/context' {
  interface AppDeps {
    live: LiveService;
  }
}

export const liveModule = defineModule({
  name: 'live',
  resolvers: [LiveResolver],
});
