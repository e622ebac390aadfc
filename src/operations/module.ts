/**
 * Delivery operations: whether provider webhooks arrive (webhook health), the webhook retry queue
 * and its dead letters, reconciliation of message states with the providers, provider circuits,
 * and alerts to the workspace's own webhook and email.
 */
import { defineModule } from '../graphql/module';
import { DeadLettersResolver } from './dead-letters.resolver';
import { takeWebhookHealthSnapshots } from './webhook-health';
import { operationsLoaders } from './webhook-health.loaders';
import { WebhookHealthResolver } from './webhook-health.resolver';

declare module '../graphql/context' {
  interface Loaders extends ReturnType<typeof operationsLoaders> {}
}

export const operationsModule = defineModule({
  name: 'operations',
  resolvers: [WebhookHealthResolver, DeadLettersResolver],
  loaders: operationsLoaders,
  jobs: ({ sql, config }) => [
    { name: 'operations: webhook health snapshots', cron: '0 * * * *', timezone: 'UTC', run: () => takeWebhookHealthSnapshots(sql, config) },
  ],
});
