/**
 * Delivery operations: whether provider webhooks arrive (webhook health), the webhook retry queue
 * and its dead letters, reconciliation of message states with the providers, provider circuits,
 * and alerts to the workspace's own webhook and email.
 */
import { defineModule } from '../graphql/module';
import { reconcileAllWorkspaces } from './reconciliation.job';
import { ReconciliationResolver } from './reconciliation.resolver';
import { deadLetterSource, failingJobSource, srmSource } from './alert-sources';
import { sourceOf, type ConditionSource } from './alert-condition';
import { AlertEvaluator, ALERTS_JOB } from './alerts';
import { AlertsResolver } from './alerts.resolver';
import { circuitConditions } from './provider-health';
import { ProviderHealthResolver } from './provider-health.resolver';

export const operationsModule = defineModule({
  name: 'operations',
  resolvers: [ReconciliationResolver, AlertsResolver, ProviderHealthResolver],
  jobs: (deps) => {
    // Every source of alert conditions, in one place.
    const sources: ConditionSource[] = [deadLetterSource(deps.sql), srmSource(deps.orm), failingJobSource(deps.sql), sourceOf(['CIRCUIT_OPEN'], () => circuitConditions(deps.sql))];
    const alerts = new AlertEvaluator(deps, sources);
    return [
      { name: ALERTS_JOB, cron: '* * * * *', timezone: 'UTC', run: () => alerts.run() },
      { name: 'operations: reconcile messages', cron: '30 3 * * *', timezone: 'UTC', run: () => reconcileAllWorkspaces(deps, deps.logger) },
    ];
  },
});
