/** Event ingestion: the pipeline, trackEvents, POST /v1/events, tracked links, email opens and unsubscribes, and provider webhooks. */
import { defineModule } from '../graphql/module';
import type { IngestionPipeline } from './ingestion';
import { registerEmailRoutes } from './email-routes';
import { registerTrackingRoutes } from './routes';
import { TrackingResolver } from './tracking.resolver';
import { trackingLoaders } from './tracking.loaders';
import type { WebhookReceipts } from './webhooks/receipts';
import type { WebhookRetries } from './webhooks/retries';
import { registerWebhookRoutes } from './webhooks/routes';

declare module '../graphql/context' {
  interface AppDeps {
    ingestion: IngestionPipeline;
    retries: WebhookRetries;
    /** Webhook requests counted per workspace (flushed periodically; read by webhook health). */
    webhookReceipts: WebhookReceipts;
  }
  interface Loaders extends ReturnType<typeof trackingLoaders> {}
}

export const trackingModule = defineModule({
  name: 'tracking',
  resolvers: [TrackingResolver],
  loaders: trackingLoaders,
  routes: async (fastify, deps) => {
    registerTrackingRoutes(fastify, deps);
    await registerEmailRoutes(fastify, deps);
    await registerWebhookRoutes(fastify, deps);
  },
  jobs: ({ retries }) => [{ name: 'webhooks: retry queue', cron: '* * * * *', timezone: 'UTC', run: () => retries.runDue() }],
});
