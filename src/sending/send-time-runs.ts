/**
 * Applies send-time optimisation to a run just queued, inside the transaction that queued it: the
 * sends only become visible to the sender on commit, already carrying their planned time and
 * group, so the sender (and with it exactly-once and the shared rate limit) is unchanged — a send
 * simply comes due later. Recommended hours come through the SendTimeSource port.
 */
import type { EntityManager, Knex } from '@mikro-orm/postgresql';
import type { Campaign } from '../campaigns/campaign.entity';
import { isValidTimeZone } from '../shared/time-zone';
import type { SendTimeSource } from './send-time-port';
import { DEFAULT_SEND_TIME_HOLDOUT_PERCENT, holdoutMembership, isValidHoldoutPercent, planRun, type SendToPlan } from './send-time-plan';
import type { ScheduleData } from './send.service';

export interface SendTimePlanCounts {
  optimized: number;
  holdout: number;
  /** Recipients without a recommended hour: sent at the run's start, in neither group. */
  ungrouped: number;
}

/** The stored schedule with the holdout share (schedules stored before it existed: the default). */
export function scheduleData(c: Campaign): ScheduleData | null {
  const s = c.schedule;
  return s ? { ...s, sendTimeHoldoutPercent: isValidHoldoutPercent(s.sendTimeHoldoutPercent) ? s.sendTimeHoldoutPercent : DEFAULT_SEND_TIME_HOLDOUT_PERCENT } : null;
}

/**
 * Plans the sends of run `runId` of campaign `c` (whose schedule has optimizeSendTime) from
 * `start`: at each recipient's recommended hour, the holdout at `start`, and records their group.
 * Without a source every recipient goes at `start`, ungrouped.
 */
export async function planRunSendTimes(tx: EntityManager, c: Campaign, runId: string, start: Date, source: SendTimeSource | undefined): Promise<SendTimePlanCounts> {
  const schedule = scheduleData(c);
  const rows = await tx.execute<{ id: string; contact_id: string; contact_tz: string | null; workspace_tz: string }[]>(
    `select s.id, s.contact_id, ct.timezone as contact_tz, w.timezone as workspace_tz
     from sends s join contacts ct on ct.id = s.contact_id and ct.workspace_id = s.workspace_id join workspaces w on w.id = s.workspace_id
     where s.campaign_id = ? and s.run_id = ? and s.workspace_id = ? and s.status = 'PENDING'`,
    [c.id, runId, c.workspaceId],
  );
  if (rows.length === 0 || !source) return { optimized: 0, holdout: 0, ungrouped: rows.length };
  const hours = await source.optimalHours(
    c.workspaceId,
    rows.map((r) => r.contact_id),
  );
  // Checking a zone builds an Intl formatter (~0.1 ms): once per distinct zone, not per recipient.
  const validZone = new Map<string, boolean>();
  const usable = (zone: string) => validZone.get(zone) ?? (validZone.set(zone, isValidTimeZone(zone)), validZone.get(zone)!);
  const sends: SendToPlan[] = rows.map((r) => ({
    sendId: r.id,
    contactId: r.contact_id,
    // The sender reads quiet hours in the same zone (contact's, else workspace's).
    timezone: r.contact_tz && usable(r.contact_tz) ? r.contact_tz : r.workspace_tz,
  }));
  const plan = planRun(sends, hours, start, holdoutMembership(c.salt, schedule?.sendTimeHoldoutPercent ?? DEFAULT_SEND_TIME_HOLDOUT_PERCENT));
  // Sends at `start` keep their queued time (now, at or after `start`); only grouped ones change.
  const changed = plan.filter((p) => p.group !== null);
  if (changed.length > 0) {
    // Through knex in the same transaction, with bound array parameters: MikroORM's execute would
    // inline them into the SQL text, which for 100,000 sends cost seconds of CPU (measured).
    const trx = tx.getTransactionContext<Knex.Transaction>() ?? tx.getKnex();
    await trx.raw(
      `update sends s set next_attempt_at = greatest(s.next_attempt_at, x.at), send_time_group = x.grp
       from unnest(?::uuid[], ?::timestamptz[], ?::text[]) as x(id, at, grp)
       where s.id = x.id and s.workspace_id = ? and s.run_id = ?`,
      [changed.map((p) => p.sendId), changed.map((p) => p.at.toISOString()), changed.map((p) => p.group!), c.workspaceId, runId],
    );
  }
  const optimized = changed.filter((p) => p.group === 'OPTIMIZED').length;
  return { optimized, holdout: changed.length - optimized, ungrouped: plan.length - changed.length };
}
