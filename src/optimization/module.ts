/**
 * Optimization: learning from history — send time per contact, the conversion model, offers,
 * merchant affinity, and the recommendations built on them.
 */
import { defineModule } from '../graphql/module';
import { SendTimeResolver } from './send-time.resolver';
import { refreshAllSendTimes, SendTimeService } from './send-time.service';

declare module '../graphql/context' {
  interface Services {
    sendTime: SendTimeService;
  }
}

export const optimizationModule = defineModule({
  name: 'optimization',
  entities: [],
  resolvers: [SendTimeResolver],
  services: ({ app, workspaceId }) => ({ sendTime: new SendTimeService(app.sql, workspaceId) }),
  jobs: ({ sql }) => [{ name: 'optimization: send time', cron: '0 4 * * *', timezone: 'UTC', run: () => refreshAllSendTimes(sql) }],
});
