/**
 * Scheduled runs: campaigns whose next run is due are started (SCHEDULED → RUNNING) and get a run
 * queued; recurring ones get their next run time. Several instances can poll: each due campaign
 * is taken by one of them (FOR UPDATE SKIP LOCKED) and its next run time moves in the same
 * transaction, so a run is queued once. A schedule with optimizeSendTime has its run's sends planned
 * at each recipient's recommended hour in the same transaction (send-time-runs.ts), from
 * recommendations prepared just before it.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { audienceCondition } from '../campaigns/audience';
import { Campaign } from '../campaigns/campaign.entity';
import { CampaignStatus } from '../campaigns/enums';
import { transition } from '../campaigns/lifecycle';
import { RecipientService } from '../campaigns/recipients.service';
import type { Orm } from '../db/orm';
import { announce, statusMessage } from '../domain/announcements';
import { endExpiredTests } from '../experiments/experiment.service';
import { nextRunAt } from './schedule';
import type { SendTimeSource } from './send-time-port';
import { planRunSendTimes } from './send-time-runs';
import { queueRemainders, SendService } from './send.service';
import { dueWaves } from './waves';

/**
 * Before the queueing transaction: the recommendations of the recipients of due runs with
 * optimizeSendTime are computed where missing or stale (recipients so far and the audience's
 * contacts). This can take seconds and must not hold the campaign locks of every due run; a failure
 * only means the stored (possibly stale, or missing: sent at sendAt, ungrouped) hours are used.
 */
async function prepareSendTimes(em: EntityManager, sendTimes: SendTimeSource, now: Date, logger: Logger): Promise<void> {
  const due = await em.execute<{ id: string; workspace_id: string }[]>(
    `select id, workspace_id from campaigns where next_run_at <= ? and status in ('SCHEDULED', 'RUNNING') and (schedule->>'optimizeSendTime')::boolean order by next_run_at limit 20`,
    [now.toISOString()],
  );
  for (const { id, workspace_id } of due) {
    try {
      const c = await em.findOneOrFail(Campaign, { id, workspaceId: workspace_id });
      const audience = c.audience ? audienceCondition(c.audience) : null;
      const contacts = await em.execute<{ contact_id: string }[]>(
        `select contact_id from assignments where campaign_id = ? and workspace_id = ?` +
          (audience ? ` union select c.id from contacts c where c.workspace_id = ? and ${audience.sql}` : ''),
        [id, workspace_id, ...(audience ? [workspace_id, ...audience.params] : [])],
      );
      await sendTimes.prepare(
        workspace_id,
        contacts.map((r) => r.contact_id),
      );
    } catch (err) {
      logger.warn({ err, campaignId: id }, 'send times could not be prepared; the stored ones are used');
    }
  }
}

export async function startDueRuns(orm: Orm, logger: Logger, now = new Date(), sendTimes?: SendTimeSource): Promise<number> {
  const em = orm.em.fork() as EntityManager;
  if (sendTimes) await prepareSendTimes(orm.em.fork() as EntityManager, sendTimes, now, logger);
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
      // Planned from the run's time, or from now when the poll is late (after an outage), so that
      // nobody is sent at an hour that has already passed.
      const sendTime = s?.optimizeSendTime ? await planRunSendTimes(tx, c, counts.runId, new Date(Math.max(scheduledFor.getTime(), now.getTime())), sendTimes) : undefined;
      c.nextRunAt = s?.recurrence ? nextRunAt({ sendAt: new Date(s.sendAt), timezone: s.timezone, recurrence: s.recurrence }, now) : null;
      logger.info({ campaignId: c.id, ...counts, sendTime, nextRunAt: c.nextRunAt }, 'scheduled run queued');
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
    /** Recommended send hours for optimizeSendTime; without it those runs go at sendAt. */
    private readonly sendTimes?: SendTimeSource,
  ) {}

  start(intervalMs = 500): void {
    this.timer = setInterval(() => {
      this.running ??= startDueRuns(this.orm, this.logger, new Date(), this.sendTimes)
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
