/**
 * The one place sends are queued. A run (launch, a scheduled run, a bandit wave, the remainder of
 * a partial test) and recipients added to a RUNNING campaign go through the same eligibility
 * rules — assigned to a variant, with consent on the campaign's channel, not opted out of it, under
 * the channel's frequency cap (its messages to the contact on that channel in the last 7 days) —
 * and the same idempotency key per campaign, run and contact (`<campaign>:<run number>:<contact>`),
 * so a contact is queued at most once per run whoever queues it. Quiet hours and the rate limit
 * apply when the sender sends (sender.ts).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { Workspace } from '../workspaces/workspace.entity';
import { Channel } from '../domain/channel';
import { optedOutSql } from '../contacts/channel-consent';
import { rulesFor } from '../workspaces/channel-rules';

export interface RunRef {
  id: string;
  number: number;
}

export interface QueueCounts {
  queued: number;
  optedOut: number;
  noConsent: number;
  capped: number;
}

export interface QueueFilter {
  /** The remainder of a partial test only (held-out recipients). */
  onlyRemainder?: boolean;
  /** Bandit waves: only recipients no earlier run sent to. */
  onlyNew?: boolean;
  /** Only these contacts (recipients just added to a RUNNING campaign). */
  contactIds?: readonly string[];
}

/** Queues one send per eligible recipient of campaign `c` into `run`; returns what it queued and skipped. */
export async function queueSends(tx: EntityManager, c: { id: string; workspaceId: string }, run: RunRef, filter: QueueFilter = {}): Promise<QueueCounts> {
  const ws = await tx.findOneOrFail(Workspace, { id: c.workspaceId });
  const [{ channel } = { channel: Channel.SMS }] = await tx.execute<{ channel: Channel }[]>('select channel from campaigns where id = ?', [c.id]);
  const cap = rulesFor(ws.settings, channel).frequencyCap;
  const only = filter.contactIds ? `{${filter.contactIds.join(',')}}` : null;
  const [counts] = await tx.execute<{ queued: string; opted_out: string; no_consent: string; capped: string }[]>(
    `with candidates as (
       select a.contact_id, a.variant_id, ?::text = any(c.consent_channels) as consent, ${optedOutSql(channel)} as opted_out,
              (? :: int is not null and (select count(*) from sends s join campaigns sc on sc.id = s.campaign_id and sc.workspace_id = s.workspace_id
                 where s.contact_id = a.contact_id and s.workspace_id = a.workspace_id and s.status = 'SENT' and s.sent_at > now() - interval '7 days' and sc.channel = ?) >= coalesce(?::int, 0)) as capped
       from assignments a join contacts c on c.id = a.contact_id and c.workspace_id = a.workspace_id
       where a.campaign_id = ? and a.variant_id is not null and (not ?::boolean or a.holdout)
         and (not ?::boolean or not exists (select 1 from sends s where s.campaign_id = a.campaign_id and s.contact_id = a.contact_id and s.workspace_id = a.workspace_id))
         and (?::uuid[] is null or a.contact_id = any(?::uuid[]))
     ),
     queued as (
       insert into sends (id, workspace_id, campaign_id, run_id, contact_id, variant_id, idempotency_key)
       select gen_random_uuid(), ?, ?, ?, contact_id, variant_id, ? || ':' || ? || ':' || contact_id
       from candidates where consent and not opted_out and not capped
       on conflict (idempotency_key, workspace_id) do nothing
       returning 1
     )
     select (select count(*) from queued) as queued,
            count(*) filter (where opted_out) as opted_out,
            count(*) filter (where not opted_out and not consent) as no_consent,
            count(*) filter (where consent and not opted_out and capped) as capped
     from candidates`,
    [channel, cap, channel, cap, c.id, filter.onlyRemainder ?? false, filter.onlyNew ?? false, only, only, c.workspaceId, c.id, run.id, c.id, run.number],
  );
  return { queued: Number(counts!.queued), optedOut: Number(counts!.opted_out), noConsent: Number(counts!.no_consent), capped: Number(counts!.capped) };
}

/**
 * The run that recipients added to a RUNNING campaign join: its latest one (the launch, the
 * current scheduled run or bandit wave, or the remainder's run). A RUNNING campaign without a run
 * (a bandit launched on an empty audience) gets run 1; concurrent callers share it.
 */
export async function currentRun(tx: EntityManager, c: { id: string; workspaceId: string }): Promise<RunRef> {
  const latest = () => tx.execute<{ id: string; run_number: number }[]>('select id, run_number from campaign_runs where campaign_id = ? order by run_number desc limit 1', [c.id]);
  let [run] = await latest();
  if (!run) {
    await tx.execute(
      `insert into campaign_runs (id, workspace_id, campaign_id, run_number, scheduled_for) values (gen_random_uuid(), ?, ?, 1, now())
       on conflict (campaign_id, run_number, workspace_id) do nothing`,
      [c.workspaceId, c.id],
    );
    [run] = await latest();
  }
  return { id: run!.id, number: run!.run_number };
}

/** Adds counts to a run's totals (recipients added while it runs). */
export async function addToRun(tx: EntityManager, run: RunRef, counts: QueueCounts): Promise<void> {
  await tx.execute(
    `update campaign_runs set queued = queued + ?, skipped_opted_out = skipped_opted_out + ?, skipped_no_consent = skipped_no_consent + ?, skipped_capped = skipped_capped + ?
     where id = ?`,
    [counts.queued, counts.optedOut, counts.noConsent, counts.capped, run.id],
  );
}
