/**
 * Delivery operations: whether provider webhooks arrive (webhook health), the webhook retry queue
 * and its dead letters, reconciliation of message states with the providers, provider circuits,
 * and alerts to the workspace's own webhook and email.
 */
import { defineModule } from '../graphql/module';
import { ProviderHealthResolver } from './provider-health.resolver';

export const operationsModule = defineModule({
  name: 'operations',
  resolvers: [ProviderHealthResolver],
});
