/**
 * Delivery operations: whether provider webhooks arrive (webhook health), the webhook retry queue
 * and its dead letters, reconciliation of message states with the providers, provider circuits,
 * and alerts to the workspace's own webhook and email.
 */
import { defineModule } from '../graphql/module';
import { reconcileAllWorkspaces } from './reconciliation.job';
import { ReconciliationResolver } from './reconciliation.resolver';

export const operationsModule = defineModule({
  name: 'operations',
  resolvers: [ReconciliationResolver],
  jobs: (deps) => [{ name: 'operations: reconcile messages', cron: '30 3 * * *', timezone: 'UTC', run: () => reconcileAllWorkspaces(deps, deps.logger) }],
});
