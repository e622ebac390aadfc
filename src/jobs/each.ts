/**
 * Runs a job's work item by item (workspaces, campaigns), so that one item that fails — a workspace
 * deleted meanwhile, a bad row — neither stops the others nor goes unnoticed: each failure is
 * logged, and once every item has had its turn the job fails with their count (the job's failure
 * metric and alert then see it).
 */
import type { Logger } from 'pino';

export class ItemsFailed extends Error {
  constructor(
    readonly failed: number,
    readonly total: number,
    what: string,
  ) {
    super(`${failed} of ${total} ${what} failed (see the log)`);
  }
}

export async function forEachItem<T>(items: readonly T[], what: string, logger: Logger, describe: (item: T) => Record<string, unknown>, work: (item: T) => Promise<void>): Promise<void> {
  let failed = 0;
  for (const item of items) {
    try {
      await work(item);
    } catch (err) {
      failed++;
      logger.error({ err, ...describe(item) }, `${what}: one item failed; continuing with the others`);
    }
  }
  if (failed > 0) throw new ItemsFailed(failed, items.length, what);
}
