/** Sending: lifecycle, schedules, runs, the send queue and sender, providers, bandit waves. */
import { defineModule } from '../graphql/module';
import { SendService } from './send.service';
import { CampaignRunResolver, SendFailureResolver, SendingResolver } from './sending.resolver';
import { sendingLoaders } from './sending.loaders';

declare module '../graphql/context' {
  interface Services {
    sending: SendService;
  }
  interface Loaders extends ReturnType<typeof sendingLoaders> {}
}

export const sendingModule = defineModule({
  name: 'sending',
  resolvers: [SendingResolver, CampaignRunResolver, SendFailureResolver],
  services: ({ em, workspaceId }) => ({ sending: new SendService(em, workspaceId) }),
  loaders: sendingLoaders,
});
