/**
 * Campaign lifecycle and the send queue. Launching (or a scheduled run coming due) queues one
 * send per eligible recipient — assigned to a variant, with consent, not opted out, under the
 * frequency cap — with an idempotency key per campaign, run and contact, so a run can never
 * queue a contact twice and a retried send is the same send. The sender (sender.ts) drains it.
 */
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Campaign } from '../campaigns/campaign.entity';
import { Variant } from '../campaigns/variant.entity';
import type { PlanService } from '../plans/plan.service';
import { CampaignType } from '../campaigns/enums';
import { transition } from '../campaigns/lifecycle';
import { RecipientService } from '../campaigns/recipients.service';
import { badInput, notFound } from '../errors';
import { announce, statusMessage } from '../domain/announcements';
import { asUuid, newId } from '../shared/ids';
import { isValidTimeZone } from '../shared/time-zone';
import type { MaybeLocalDate } from '../graphql/scalars';
import { nextRunAt, parseLocalSendAt, validateSchedule } from './schedule';
import { queueSends } from '../campaigns/send-queue';
import { DEFAULT_SEND_TIME_HOLDOUT_PERCENT, isValidHoldoutPercent, MAX_SEND_TIME_HOLDOUT_PERCENT } from './send-time-plan';
import { sendWave } from './waves';

export interface ScheduleData {
  sendAt: string;
  timezone: string;
  recurrence: string | null;
  optimizeSendTime: boolean;
  /** Share of recipients (with a recommended hour) held out at sendAt, 0–50; absent on schedules stored before it existed (then 10). */
  sendTimeHoldoutPercent?: number;
}

export interface RunCounts {
  queued: number;
  skippedOptedOut: number;
  skippedNoConsent: number;
  skippedCapped: number;
  /** The campaign_runs row queued. */
  runId: string;
}

export class SendService {
  constructor(
    private readonly em: EntityManager,
    private readonly workspaceId: string,
    /** The workspace's plan: a campaign made under a bigger plan is checked again when launched or scheduled. */
    private readonly plans?: PlanService,
  ) {}

  /** BAD_USER_INPUT (PLAN_*) when the plan as it is now does not allow the campaign (made before a downgrade). */
  private async checkPlan(c: Campaign): Promise<void> {
    if (!this.plans) return;
    const variants = await this.em.count(Variant, { campaignId: c.id, workspaceId: this.workspaceId });
    await this.plans.checkCampaign({ type: c.type, channel: c.channel, variants }, 'variants');
  }

  /** Sends now: the audience (if any) is resolved, then every eligible recipient is queued. */
  async launch(id: string): Promise<Campaign> {
    const existing = await this.campaign(this.em, id);
    transition(existing.status, 'launch'); // fail early, before assigning anyone
    await this.checkPlan(existing);
    const bandit = existing.type === CampaignType.BANDIT;
    // Contacts the audience skipped (opted out, no consent) are counted on the run too.
    const added = existing.audience && !bandit ? await new RecipientService(this.em.fork(), this.workspaceId).addRecipients(existing.id, null, existing.audience) : null;
    const campaign = await this.em.transactional(async (tx) => {
      const c = await this.campaign(tx, id, true);
      c.status = transition(c.status, 'launch');
      c.startedAt ??= new Date();
      c.nextRunAt = null;
      if (bandit) await sendWave(tx, c, this);
      else await this.enqueueRun(tx, c, new Date(), { optedOut: added?.skippedOptedOut ?? 0, noConsent: added?.skippedNoConsent ?? 0 });
      await this.announce(tx, c);
      return c;
    });
    return campaign;
  }

  async schedule(
    id: string,
    input: { sendAt: MaybeLocalDate | string; timezone?: string | null; recurrence?: string | null; optimizeSendTime?: boolean | null; sendTimeHoldoutPercent?: number | null },
  ): Promise<Campaign> {
    const timezone = input.timezone ?? 'UTC';
    const sendTimeHoldoutPercent = input.sendTimeHoldoutPercent ?? DEFAULT_SEND_TIME_HOLDOUT_PERCENT;
    if (!isValidHoldoutPercent(sendTimeHoldoutPercent)) {
      throw badInput('INVALID_SEND_TIME_HOLDOUT', `sendTimeHoldoutPercent must be a whole percent from 0 to ${MAX_SEND_TIME_HOLDOUT_PERCENT}, got ${sendTimeHoldoutPercent}`, 'input.sendTimeHoldoutPercent');
    }
    if (!isValidTimeZone(timezone)) throw badInput('INVALID_TIMEZONE', `Unknown IANA time zone "${timezone}"`, 'input.timezone');
    let sendAt: Date;
    try {
      const given = input.sendAt;
      sendAt = typeof given === 'string' ? parseLocalSendAt(given, timezone) : given.localDateTime ? parseLocalSendAt(given.localDateTime, timezone) : given;
    } catch {
      throw badInput('INVALID_SEND_AT', 'sendAt must be an ISO 8601 date-time', 'input.sendAt');
    }
    const recurrence = input.recurrence?.trim() || null;
    const check = validateSchedule({ sendAt, timezone, recurrence });
    if (!check.ok) throw badInput(check.reason, check.message, `input.${check.reason === 'INVALID_RECURRENCE' ? 'recurrence' : check.reason === 'INVALID_TIMEZONE' ? 'timezone' : 'sendAt'}`);
    const next = nextRunAt({ sendAt, timezone, recurrence }, new Date(Date.now() - 1000));
    if (!next) throw badInput('INVALID_SEND_AT', 'The schedule has no run in the future', 'input.sendAt');
    await this.checkPlan(await this.campaign(this.em, id));
    const campaign = await this.em.transactional(async (tx) => {
      const c = await this.campaign(tx, id, true);
      c.status = transition(c.status, 'schedule');
      const schedule: ScheduleData = { sendAt: sendAt.toISOString(), timezone, recurrence, optimizeSendTime: input.optimizeSendTime ?? false, sendTimeHoldoutPercent };
      c.schedule = schedule;
      c.nextRunAt = next;
      await this.announce(tx, c);
      return c;
    });
    return campaign;
  }

  async pause(id: string): Promise<Campaign> {
    return this.simple(id, 'pause');
  }

  async resume(id: string): Promise<Campaign> {
    return this.simple(id, 'resume');
  }

  /** Cancels the campaign and every send not made yet. */
  async cancel(id: string): Promise<Campaign> {
    const campaign = await this.em.transactional(async (tx) => {
      const c = await this.campaign(tx, id, true);
      c.status = transition(c.status, 'cancel');
      c.nextRunAt = null;
      c.completedAt = new Date();
      await tx.execute(`update sends set status = 'CANCELED' where campaign_id = ? and status = 'PENDING'`, [c.id]);
      await this.announce(tx, c);
      return c;
    });
    return campaign;
  }

  private async simple(id: string, action: 'pause' | 'resume'): Promise<Campaign> {
    const campaign = await this.em.transactional(async (tx) => {
      const c = await this.campaign(tx, id, true);
      c.status = transition(c.status, action);
      await this.announce(tx, c);
      return c;
    });
    return campaign;
  }

  /** Queues a run: one send per eligible recipient, skips counted. Idempotent per (campaign, run, contact). */
  async enqueueRun(
    tx: EntityManager,
    c: Campaign,
    scheduledFor: Date,
    skippedEarlier = { optedOut: 0, noConsent: 0 },
    onlyRemainder = false,
    /** Bandit waves: only recipients no earlier run sent to. */
    onlyNew = false,
  ): Promise<RunCounts> {
    const [{ n }] = await tx.execute<{ n: number }[]>('select coalesce(max(run_number), 0) + 1 as n from campaign_runs where campaign_id = ?', [c.id]);
    const runId = newId();
    await tx.execute(
      'insert into campaign_runs (id, workspace_id, campaign_id, run_number, scheduled_for) values (?, ?, ?, ?, ?)',
      [runId, c.workspaceId, c.id, n, scheduledFor.toISOString()],
    );
    const counts = await queueSends(tx, c, { id: runId, number: n }, { onlyRemainder, onlyNew });
    const result = {
      queued: counts.queued,
      skippedOptedOut: counts.optedOut + skippedEarlier.optedOut,
      skippedNoConsent: counts.noConsent + skippedEarlier.noConsent,
      skippedCapped: counts.capped,
      runId,
    };
    await tx.execute(
      'update campaign_runs set queued = ?, skipped_opted_out = ?, skipped_no_consent = ?, skipped_capped = ? where id = ?',
      [result.queued, result.skippedOptedOut, result.skippedNoConsent, result.skippedCapped, runId],
    );
    return result;
  }

  private async campaign(em: EntityManager, id: string, lock = false): Promise<Campaign> {
    const c = await em.findOne(Campaign, { id: asUuid(id), workspaceId: this.workspaceId }, lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {});
    if (!c) throw notFound('Campaign', id);
    return c;
  }

  /**
   * Publishes the transition just applied to `c`, inside the transaction that holds the campaign's
   * row lock: delivered on commit, in commit order (= transition order), carrying its own status.
   */
  private async announce(tx: EntityManager, c: Campaign): Promise<void> {
    await announce(tx, statusMessage(c));
  }
}


/**
 * The remainder of a partial test, once endTest (or an automatic decision) named the variant it
 * gets: its recipients are assigned that variant and queued as a run of their own. Runs once per
 * campaign (remainder_queued_at), from the due-runs poller.
 */
export async function queueRemainders(tx: EntityManager): Promise<Campaign[]> {
  const due = await tx.execute<{ id: string }[]>(
    `select id from campaigns where remainder_variant_id is not null and remainder_queued_at is null and status = 'RUNNING'
     order by remainder_requested_at limit 20 for update skip locked`,
  );
  const out: Campaign[] = [];
  for (const { id } of due) {
    const c = await tx.findOneOrFail(Campaign, { id });
    await tx.execute('update assignments set variant_id = ? where campaign_id = ? and holdout and variant_id is null', [c.remainderVariantId, c.id]);
    await new SendService(tx, c.workspaceId).enqueueRun(tx, c, new Date(), undefined, true);
    c.remainderQueuedAt = new Date();
    out.push(c);
  }
  return out;
}
