/** The daily reconciliation: every workspace with messages a run would look at, one after the other. */
import type { AppDeps } from '../graphql/context';
import { forEachItem } from '../jobs/each';
import { reconcileSince } from './reconciliation';
import { isRunning, reconciliationService } from './reconciliation.service';

export async function reconcileAllWorkspaces(deps: AppDeps): Promise<void> {
  const { logger } = deps;
  const service = reconciliationService(deps);
  const since = reconcileSince(undefined, new Date());
  const workspaces = await service.workspacesWithPending(since);
  await forEachItem(workspaces, 'reconcile messages', logger, (workspaceId) => ({ workspaceId }), async (workspaceId) => {
    try {
      const run = await service.run(workspaceId, since, 'JOB');
      logger.info({ workspaceId, run }, 'reconciliation run finished');
    } catch (e) {
      // Someone started one by hand: theirs covers the workspace.
      if (isRunning(e)) logger.info({ workspaceId }, 'reconciliation already running for this workspace; skipped');
      else throw e;
    }
  });
}
