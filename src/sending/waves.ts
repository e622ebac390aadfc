/**
 * BANDIT campaigns send in waves. Before each wave the variant weights follow Thompson sampling
 * on the primary metric (bandit.ts: a 1 % floor per variant, no update before 100 sent per
 * variant); the wave's new recipients are assigned with those weights (earlier assignments never
 * move) and queued. Every wave's weights are kept (`bandit_weights`, Campaign.banditWaves).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { Campaign } from '../campaigns/campaign.entity';
import { reachableCondition } from '../campaigns/audience';
import { RecipientService } from '../campaigns/recipients.service';
import { Variant } from '../campaigns/variant.entity';
import { Metric } from '../campaigns/experiment-enums';
import { newId } from '../shared/ids';
import { COUNTER_COLUMN } from '../tracking/engagement';
import { loadCounters } from '../tracking/variant-stats';
import { thompsonWeights } from './bandit';

const METRIC_FACT: Partial<Record<Metric, keyof typeof COUNTER_COLUMN>> = {
  [Metric.DELIVERY]: 'delivered',
  [Metric.OPEN]: 'opened',
  [Metric.CLICK]: 'clicked',
  [Metric.REPLY]: 'replied',
  [Metric.POSITIVE_REPLY]: 'positiveReplies',
  [Metric.CONVERSION]: 'converted',
  [Metric.REVENUE]: 'converted',
};

/** What a wave needs from the send service: queueing a run (the service passes itself; no import cycle). */
export interface RunQueue {
  enqueueRun(tx: EntityManager, c: Campaign, scheduledFor: Date, skippedEarlier: undefined, onlyRemainder: boolean, onlyNew: boolean): Promise<{ queued: number }>;
}

/** Sends the next wave of a BANDIT campaign; returns how many recipients it queued (0: the audience is done). */
export async function sendWave(tx: EntityManager, c: Campaign, sending: RunQueue, now = new Date()): Promise<number> {
  const variants = await tx.find(Variant, { campaignId: c.id }, { orderBy: { position: 'asc' } });
  const [{ wave }] = await tx.execute<{ wave: number }[]>('select coalesce(max(wave), 0) + 1 as wave from bandit_weights where campaign_id = ?', [c.id]);

  // Weights for this wave: Thompson sampling on what earlier waves returned.
  if (wave > 1) {
    const counters = await loadCounters(tx, variants.map((v) => v.id));
    const fact = METRIC_FACT[c.experiment.primaryMetric] ?? 'converted';
    const arms = variants.map((v) => {
      const row = counters.get(v.id);
      const sent = Number(row?.sent ?? 0);
      return { variantId: v.id, sent, successes: Math.min(Number(row?.[COUNTER_COLUMN[fact]] ?? 0), sent) };
    });
    const weights = thompsonWeights(arms, { seed: wave });
    variants.forEach((v, i) => (v.weight = weights[i]!));
  }
  await tx.execute('insert into bandit_weights (id, workspace_id, campaign_id, wave, weights) values (?, ?, ?, ?, ?::jsonb)', [
    newId(),
    c.workspaceId,
    c.id,
    wave,
    JSON.stringify(variants.map((v) => ({ variantId: v.id, weight: v.weight }))),
  ]);
  await tx.flush(); // the new weights must be in the table before assignment reads them

  // The wave: the next audience contacts not yet in the campaign (eligible ones only).
  const where = reachableCondition(c.audience ?? {}, c.channel);
  const next = await tx.execute<{ id: string }[]>(
    `select c.id from contacts c
     where c.workspace_id = ? and ${where.sql}
       and not exists (select 1 from assignments a where a.campaign_id = ? and a.contact_id = c.id)
     order by c.id limit ?`,
    [c.workspaceId, ...where.params, c.id, c.experiment.banditWaveSize ?? 500],
  );
  if (next.length === 0) {
    c.nextWaveAt = null;
    return 0;
  }
  await new RecipientService(tx, c.workspaceId).addRecipients(c.id, next.map((r) => r.id), null, { queue: false }); // the wave's run queues them
  const counts = await sending.enqueueRun(tx, c, now, undefined, false, true);
  c.nextWaveAt = new Date(now.getTime() + (c.experiment.banditWaveIntervalMinutes ?? 60) * 60_000);
  return counts.queued;
}

/** Waves that are due, across workspaces (one instance takes each campaign). */
export async function dueWaves(tx: EntityManager, makeSending: (workspaceId: string) => RunQueue, now = new Date()): Promise<Campaign[]> {
  const due = await tx.execute<{ id: string }[]>(
    `select id from campaigns where next_wave_at <= ? and status = 'RUNNING' and type = 'BANDIT' order by next_wave_at limit 10 for update skip locked`,
    [now.toISOString()],
  );
  const out: Campaign[] = [];
  for (const { id } of due) {
    const c = await tx.findOneOrFail(Campaign, { id });
    await sendWave(tx, c, makeSending(c.workspaceId), now);
    out.push(c);
  }
  return out;
}
