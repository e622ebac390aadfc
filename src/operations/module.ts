/**
 * Delivery operations: whether provider webhooks arrive (webhook health), the webhook retry queue
 * and its dead letters, reconciliation of message states with the providers, provider circuits,
 * and alerts to the workspace's own webhook and email.
 */
import { defineModule } from '../graphql/module';
import { reconcileAllWorkspaces } from './reconciliation.job';
import { ReconciliationResolver } from './reconciliation.resolver';
import { deadLetterSource, failingJobSource, planUsageSource, srmSource } from './alert-sources';
import { catalogFor } from '../plans/plans';
import { sourceOf, type ConditionSource } from './alert-condition';
import { AlertEvaluator, ALERTS_JOB } from './alerts';
import { AlertsResolver } from './alerts.resolver';
import { circuitConditions } from './provider-health';
import { ProviderHealthResolver } from './provider-health.resolver';
import { DeadLettersResolver } from './dead-letters.resolver';
import { silenceConditions, takeWebhookHealthSnapshots } from './webhook-health';
import { operationsLoaders } from './webhook-health.loaders';
import { WebhookHealthResolver } from './webhook-health.resolver';

declare module '../graphql/context' {
  interface Loaders extends ReturnType<typeof operationsLoaders> {}
}

export const operationsModule = defineModule({
  name: 'operations',
  resolvers: [WebhookHealthResolver, DeadLettersResolver, ReconciliationResolver, ProviderHealthResolver, AlertsResolver],
  loaders: operationsLoaders,
  jobs: (deps) => {
    // Every source of alert conditions, in one place.
    const sources: ConditionSource[] = [
      sourceOf(['WEBHOOKS_SILENT'], () => silenceConditions(deps.sql, deps.config)),
      sourceOf(['CIRCUIT_OPEN'], () => circuitConditions(deps.sql)),
      deadLetterSource(deps.sql),
      srmSource(deps.orm),
      failingJobSource(deps.sql),
      planUsageSource(deps.sql, catalogFor(deps.config, deps.logger)),
    ];
    const alerts = new AlertEvaluator(deps, sources);
    return [
      { name: ALERTS_JOB, cron: '* * * * *', timezone: 'UTC', run: () => alerts.run() },
      { name: 'operations: webhook health snapshots', cron: '0 * * * *', timezone: 'UTC', run: () => takeWebhookHealthSnapshots(deps.sql, deps.config) },
      { name: 'operations: reconcile messages', cron: '30 3 * * *', timezone: 'UTC', run: () => reconcileAllWorkspaces(deps) },
    ];
  },
});
