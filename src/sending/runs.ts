/**
 * Scheduled runs: campaigns whose next run is due are started (SCHEDULED → RUNNING) and get a run
 * queued; recurring ones get their next run time. Several instances can poll: each due campaign
 * is taken by one of them (FOR UPDATE SKIP LOCKED) and its next run time moves in the same
 * transaction, so a run is queued once.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { Campaign } from '../campaigns/campaign.entity';
import { CampaignStatus } from '../campaigns/enums';
import { transition } from '../campaigns/lifecycle';
import { RecipientService } from '../campaigns/recipients.service';
import type { Orm } from '../db/orm';
import { announce, statusMessage } from '../domain/announcements';
import { endExpiredTests } from '../experiments/experiment.service';
import { nextRunAt } from './schedule';
import { queueRemainders, SendService } from './send.service';
import { dueWaves } from './waves';

export async function startDueRuns(orm: Orm, logger: Logger, now = new Date()): Promise<number> {
  const em = orm.em.fork() as EntityManager;
  const started = await em.transactional(async (tx) => {
    const due = await tx.execute<{ id: string }[]>(
      `select id from campaigns where next_run_at <= ? and status in ('SCHEDULED', 'RUNNING') order by next_run_at limit 20 for update skip locked`,
      [now.toISOString()],
    );
    const out: Campaign[] = [];
    for (const { id } of due) {
      const c = await tx.findOneOrFail(Campaign, { id });
      const scheduledFor = c.nextRunAt ?? now;
      let skipped = { optedOut: 0, noConsent: 0 };
      if (c.status === CampaignStatus.SCHEDULED) {
        c.status = transition(c.status, 'launch');
        c.startedAt ??= now;
        // Only a real transition is published, from this transaction (delivered on commit).
        await announce(tx, statusMessage(c));
      }
      // Recurring runs resolve the audience again: new matching contacts join.
      if (c.audience) {
        const added = await new RecipientService(tx, c.workspaceId).addRecipients(c.id, null, c.audience, { queue: false }); // the run below queues them
        skipped = { optedOut: added.skippedOptedOut, noConsent: added.skippedNoConsent };
      }
      const counts = await new SendService(tx, c.workspaceId).enqueueRun(tx, c, scheduledFor, skipped);
      const s = c.schedule;
      c.nextRunAt = s?.recurrence ? nextRunAt({ sendAt: new Date(s.sendAt), timezone: s.timezone, recurrence: s.recurrence }, now) : null;
      logger.info({ campaignId: c.id, ...counts, nextRunAt: c.nextRunAt }, 'scheduled run queued');
      out.push(c);
    }
    out.push(...(await queueRemainders(tx)));
    out.push(...(await dueWaves(tx, (workspaceId) => new SendService(tx, workspaceId), now)));
    return out;
  });
  await endExpiredTests(em, now);
  return started.length;
}

/** Polls for due runs (sub-second, so a schedule fires on time); jobs-on instances only. */
export class DueRuns {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly orm: Orm,
    private readonly logger: Logger,
  ) {}

  start(intervalMs = 500): void {
    this.timer = setInterval(() => {
      this.running ??= startDueRuns(this.orm, this.logger)
        .catch((err) => this.logger.error({ err }, 'due runs failed'))
        .finally(() => (this.running = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
