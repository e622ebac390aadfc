/** The sending feature's request-scoped dataloaders: runs, bandit waves and send failures per campaign. */
import DataLoader from 'dataloader';
import type { RequestScope } from '../graphql/context';
import { Metric, METRIC_SUCCESS_COLUMN } from '../campaigns/experiment-enums';
import type { BanditWave, CampaignRun, SendFailure } from './sending.resolver';
import { computeSendTimeUplift, type SendTimeUpliftResult } from './send-time-uplift';

/** SQL: whether the recipient's assignment has a success on the campaign's primary metric. */
const SUCCESS_SQL = `case c.experiment->>'primaryMetric' ${Object.entries(METRIC_SUCCESS_COLUMN)
  .map(([metric, column]) => `when '${metric}' then a.${column} is not null`)
  .join(' ')} else a.converted_at is not null end`;

export function sendingLoaders({ em, workspaceId }: RequestScope) {
  const failures = new Map<string, DataLoader<string, SendFailure[]>>();
  return {
    /** Final send failures per campaign or per run, newest first, at most `first` each (one query per list). */
    sendFailures(by: 'campaign' | 'run', first: number): DataLoader<string, SendFailure[]> {
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
    /**
     * Send-time uplift per campaign, one statement for any number of campaigns. A recipient counts
     * once, in the group of their first send that went out (the group is stable across recurring
     * runs: it is hashed from the campaign seed); null for a campaign without any grouped send.
     */
    sendTimeUpliftByCampaignId: new DataLoader<string, SendTimeUpliftResult | null>(async (ids) => {
      const rows = await em.execute<{ campaign_id: string; metric: Metric | null; treated: string; treated_successes: string; holdout: string; holdout_successes: string }[]>(
        `with recipients as (
           select s.campaign_id, s.contact_id,
                  (array_agg(s.send_time_group order by s.sent_at, s.id) filter (where s.status = 'SENT'))[1] as grp
           from sends s
           where s.campaign_id in (select jsonb_array_elements_text(?::jsonb)::uuid) and s.workspace_id = ? and s.send_time_group is not null
           group by s.campaign_id, s.contact_id
         )
         select r.campaign_id, min(c.experiment->>'primaryMetric') as metric,
                count(*) filter (where r.grp = 'OPTIMIZED') as treated,
                count(*) filter (where r.grp = 'OPTIMIZED' and ${SUCCESS_SQL}) as treated_successes,
                count(*) filter (where r.grp = 'HOLDOUT') as holdout,
                count(*) filter (where r.grp = 'HOLDOUT' and ${SUCCESS_SQL}) as holdout_successes
         from recipients r
         join campaigns c on c.id = r.campaign_id and c.workspace_id = ?
         left join assignments a on a.campaign_id = r.campaign_id and a.contact_id = r.contact_id and a.workspace_id = c.workspace_id
         group by r.campaign_id`,
        [JSON.stringify(ids), workspaceId, workspaceId],
      );
      const byCampaign = new Map(rows.map((r) => [r.campaign_id, r]));
      return ids.map((id) => {
        const r = byCampaign.get(id);
        if (!r) return null;
        return computeSendTimeUplift({
          metric: r.metric && r.metric in METRIC_SUCCESS_COLUMN ? r.metric : Metric.CONVERSION,
          treated: Number(r.treated),
          treatedSuccesses: Number(r.treated_successes),
          holdout: Number(r.holdout),
          holdoutSuccesses: Number(r.holdout_successes),
        });
      });
    }),
    banditWavesByCampaignId: new DataLoader<string, BanditWave[]>(async (ids) => {
      const rows = await em.execute<{ campaign_id: string; wave: number; computed_at: string; weights: { variantId: string; weight: number }[] }[]>(
        `select campaign_id, wave, computed_at, weights from bandit_weights
         where campaign_id in (select jsonb_array_elements_text(?::jsonb)::uuid) and workspace_id = ? order by wave`,
        [JSON.stringify(ids), workspaceId],
      );
      return ids.map((id) => rows.filter((r) => r.campaign_id === id).map((r) => ({ wave: r.wave, computedAt: new Date(r.computed_at), weights: r.weights })));
    }),
    runsByCampaignId: new DataLoader<string, CampaignRun[]>(async (ids) => {
      const rows = await em.execute<Record<string, string | number>[]>(
        `select r.id, r.campaign_id, r.run_number, r.scheduled_for, r.started_at, r.queued, r.skipped_opted_out, r.skipped_no_consent, r.skipped_capped,
                count(s.*) filter (where s.status = 'SENT') as sent, count(s.*) filter (where s.status = 'FAILED') as failed,
                count(s.*) filter (where s.status = 'PENDING') as pending,
                count(s.*) filter (where s.status = 'PENDING' and s.last_error is not null) as retrying
         from campaign_runs r left join sends s on s.run_id = r.id and s.workspace_id = r.workspace_id
         where r.campaign_id in (select jsonb_array_elements_text(?::jsonb)::uuid) and r.workspace_id = ?
         group by r.id, r.workspace_id order by r.run_number desc`,
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
  };
}
