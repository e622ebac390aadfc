/** Sending: lifecycle, schedules, runs, the send queue and sender, providers, bandit waves. */
import { defineModule } from '../graphql/module';
import { SendService } from './send.service';
import { PlanService } from '../plans/plan.service';
import { catalogFor } from '../plans/plans';
import { CampaignRunResolver, SendFailureResolver, SendingResolver } from './sending.resolver';
import { sendingLoaders } from './sending.loaders';
import type { SendTimeSource } from './send-time-port';
import type { ProviderRouter } from './providers';

declare module '../graphql/context' {
  interface Services {
    sending: SendService;
  }
  interface Loaders extends ReturnType<typeof sendingLoaders> {}
  interface AppDeps {
    /** Recommended send hours for schedules with optimizeSendTime (implemented by optimization, wired in app.ts). */
    sendTimes?: SendTimeSource;
    /** Which provider serves a channel for a workspace (made once by the composition root). */
    providers: ProviderRouter;
  }
}

export const sendingModule = defineModule({
  name: 'sending',
  resolvers: [SendingResolver, CampaignRunResolver, SendFailureResolver],
  services: ({ em, workspaceId, app }) => ({ sending: new SendService(em, workspaceId, new PlanService(em, app.sql, workspaceId, catalogFor(app.config, app.logger))) }),
  loaders: sendingLoaders,
});
