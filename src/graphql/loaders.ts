/**
 * One set of dataloaders per request, each scoped to the caller's workspace: a list field
 * costs one query for the whole list, never one per item.
 */
import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Contact } from '../contacts/contact.entity';
import { Variant } from '../campaigns/variant.entity';
import { loadCounters, type CounterRow } from '../tracking/variant-stats';
import { Winner } from '../experiments/winner.entity';
import { AnalyticsService, type TimeSeriesArgs } from '../analytics/analytics.service';
import type { SegmentPerformance, TimeBucket } from '../analytics/analytics.types';
import type { BanditWave, CampaignRun, SendFailure } from '../sending/sending.resolver';

export interface Loaders {
  contactById: DataLoader<string, Contact | undefined>;
  variantsByCampaignId: DataLoader<string, Variant[]>;
  /** variant_counters rows (undefined: nothing counted yet). */
  countersByVariantId: DataLoader<string, CounterRow | undefined>;
  winnerByCampaignId: DataLoader<string, Winner | undefined>;
  winnerHistoryByCampaignId: DataLoader<string, Winner[]>;
  segmentsByCampaignId: DataLoader<string, SegmentPerformance[]>;
  runsByCampaignId: DataLoader<string, CampaignRun[]>;
  banditWavesByCampaignId: DataLoader<string, BanditWave[]>;
  /** Final send failures per campaign or per run, newest first, at most `first` each (one query per list). */
  sendFailures(by: 'campaign' | 'run', first: number): DataLoader<string, SendFailure[]>;
  /** Time series with the same arguments share one loader (one query for a whole list). */
  timeSeries(args: TimeSeriesArgs): DataLoader<string, TimeBucket[]>;
}

export function createLoaders(em: EntityManager, workspaceId: string): Loaders {
  const analytics = new AnalyticsService(em, workspaceId);
  const series = new Map<string, DataLoader<string, TimeBucket[]>>();
  const failures = new Map<string, DataLoader<string, SendFailure[]>>();
  return {
    sendFailures(by, first) {
      const key = `${by}:${first}`;
      let loader = failures.get(key);
      if (!loader) {
        const column = by === 'campaign' ? 'campaign_id' : 'run_id';
        loader = new DataLoader(async (ids) => {
          if (first === 0) return ids.map(() => []);
          const rows = await em.execute<{ owner: string; contact_id: string; error: string | null; failed_at: string }[]>(
            `select owner, contact_id, error, failed_at from (
               select s.${column} as owner, s.contact_id, s.last_error as error, s.failed_at,
                      row_number() over (partition by s.${column} order by s.failed_at desc nulls last, s.id desc) as rn
               from sends s
               where s.${column} in (select jsonb_array_elements_text(?::jsonb)::uuid) and s.workspace_id = ? and s.status = 'FAILED'
             ) f where rn <= ? order by owner, rn`,
            [JSON.stringify(ids), workspaceId, first],
          );
          const grouped = new Map<string, SendFailure[]>(ids.map((id) => [id, []]));
          for (const r of rows) {
            grouped.get(r.owner)?.push({ contactId: r.contact_id, error: r.error ?? 'unknown error', at: new Date(r.failed_at) });
          }
          return ids.map((id) => grouped.get(id)!);
        });
        failures.set(key, loader);
      }
      return loader;
    },
    banditWavesByCampaignId: new DataLoader(async (ids) => {
      const rows = await em.execute<{ campaign_id: string; wave: number; computed_at: string; weights: { variantId: string; weight: number }[] }[]>(
        `select campaign_id, wave, computed_at, weights from bandit_weights
         where campaign_id in (select jsonb_array_elements_text(?::jsonb)::uuid) and workspace_id = ? order by wave`,
        [JSON.stringify(ids), workspaceId],
      );
      return ids.map((id) => rows.filter((r) => r.campaign_id === id).map((r) => ({ wave: r.wave, computedAt: new Date(r.computed_at), weights: r.weights })));
    }),
    runsByCampaignId: new DataLoader(async (ids) => {
      const rows = await em.execute<Record<string, string | number>[]>(
        `select r.id, r.campaign_id, r.run_number, r.scheduled_for, r.started_at, r.queued, r.skipped_opted_out, r.skipped_no_consent, r.skipped_capped,
                count(s.*) filter (where s.status = 'SENT') as sent, count(s.*) filter (where s.status = 'FAILED') as failed,
                count(s.*) filter (where s.status = 'PENDING') as pending,
                count(s.*) filter (where s.status = 'PENDING' and s.last_error is not null) as retrying
         from campaign_runs r left join sends s on s.run_id = r.id
         where r.campaign_id in (select jsonb_array_elements_text(?::jsonb)::uuid) and r.workspace_id = ?
         group by r.id order by r.run_number desc`,
        [JSON.stringify(ids), workspaceId],
      );
      return ids.map((id) =>
        rows
          .filter((r) => r.campaign_id === id)
          .map((r) => ({
            id: String(r.id),
            runNumber: Number(r.run_number),
            scheduledFor: new Date(r.scheduled_for as string),
            startedAt: new Date(r.started_at as string),
            queued: Number(r.queued),
            sent: Number(r.sent),
            failed: Number(r.failed),
            pending: Number(r.pending),
            retrying: Number(r.retrying),
            skippedOptedOut: Number(r.skipped_opted_out),
            skippedNoConsent: Number(r.skipped_no_consent),
            skippedCapped: Number(r.skipped_capped),
          })),
      );
    }),
    segmentsByCampaignId: new DataLoader(async (ids) => {
      const byCampaign = await analytics.segments(ids);
      return ids.map((id) => byCampaign.get(id) ?? []);
    }),
    timeSeries(args) {
      const key = JSON.stringify([args.interval, args.from?.toISOString() ?? null, args.to?.toISOString() ?? null]);
      let loader = series.get(key);
      if (!loader) {
        loader = new DataLoader(async (ids) => {
          const byCampaign = await analytics.timeSeries(ids, args);
          return ids.map((id) => byCampaign.get(id) ?? []);
        });
        series.set(key, loader);
      }
      return loader;
    },
    contactById: new DataLoader(async (ids) => {
      const rows = await em.find(Contact, { id: { $in: [...ids] }, workspaceId });
      const byId = new Map(rows.map((c) => [c.id, c]));
      return ids.map((id) => byId.get(id));
    }),
    variantsByCampaignId: new DataLoader(async (campaignIds) => {
      const rows = await em.find(Variant, { campaignId: { $in: [...campaignIds] }, workspaceId }, { orderBy: { position: 'asc' } });
      const grouped = new Map<string, Variant[]>(campaignIds.map((id) => [id, []]));
      for (const v of rows) grouped.get(v.campaignId)?.push(v);
      return campaignIds.map((id) => grouped.get(id)!);
    }),
    countersByVariantId: new DataLoader(async (variantIds) => {
      const rows = await loadCounters(em, variantIds);
      return variantIds.map((id) => (rows.get(id)?.workspace_id === workspaceId ? rows.get(id) : undefined));
    }),
    winnerByCampaignId: new DataLoader(async (campaignIds) => {
      const rows = await em.find(Winner, { campaignId: { $in: [...campaignIds] }, workspaceId, supersededAt: null });
      const byCampaign = new Map(rows.map((w) => [w.campaignId, w]));
      return campaignIds.map((id) => byCampaign.get(id));
    }),
    winnerHistoryByCampaignId: new DataLoader(async (campaignIds) => {
      const rows = await em.find(Winner, { campaignId: { $in: [...campaignIds] }, workspaceId }, { orderBy: { decidedAt: 'desc', id: 'desc' } });
      return campaignIds.map((id) => rows.filter((w) => w.campaignId === id));
    }),
  };
}
