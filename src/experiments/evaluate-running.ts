import type { Logger } from 'pino';
import type { Orm } from '../db/orm';
import { DomainError } from '../errors';
import { ExperimentService } from './experiment.service';

/**
 * Maintenance: evaluates every running test that still has no winner, so a test whose responses
 * have stopped flowing is still decided (the event-driven AutoWinner only runs on changes).
 */
export async function evaluateRunningTests(orm: Orm, logger: Logger): Promise<{ evaluated: number }> {
  const rows = await orm.em.fork().execute<{ id: string; workspace_id: string }[]>(
    `select c.id, c.workspace_id from campaigns c
     where c.status = 'RUNNING' and c.type <> 'STANDARD' and c.test_ended_at is null and (c.experiment->>'autoSelectWinner')::boolean
       and not exists (select 1 from winners w where w.campaign_id = c.id and w.superseded_at is null)`,
  );
  for (const r of rows) {
    try {
      await new ExperimentService(orm.em.fork(), r.workspace_id).evaluate(r.id);
    } catch (err) {
      if (!(err instanceof DomainError)) logger.error({ err, campaignId: r.id }, 'evaluation failed');
    }
  }
  return { evaluated: rows.length };
}
