/**
 * Alert sources (ConditionSource, ./alert-condition.ts): plain reads of state other features keep,
 * for every workspace at once. The list the evaluator uses is made in ./module.ts (one place).
 *
 * - DEAD_LETTERS: a workspace and provider with DEAD rows in the webhook retry queue (clears when
 *   none remain: requeued, resolved or deleted).
 * - SRM_DETECTED: a RUNNING test whose sample-ratio-mismatch check flags (p < 0.001, every variant
 *   ≥ 8 sent), computed by the experiments engine from the counters, as the analysis does.
 * - PLAN_USAGE: a workspace whose counted campaign messages this calendar month (UTC) reached 80 %
 *   or 100 % of its plan's monthlyMessages; one key per threshold and month (PLAN_USAGE:80:2026-12),
 *   so a new month clears it (src/plans/usage-alerts.ts).
 * - JOB_FAILING: a scheduled job whose last 3 or more runs failed (job_health, kept by the
 *   scheduler's onResult hook through recordJobResult); workspace-null: every workspace hears it.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { SqlPool } from '../db/pool';
import type { Orm } from '../db/orm';
import { Campaign } from '../campaigns/campaign.entity';
import { CampaignStatus, CampaignType } from '../campaigns/enums';
import { Variant } from '../campaigns/variant.entity';
import { campaignAnalysis } from '../experiments/analysis';
import { Winner } from '../experiments/winner.entity';
import { loadCounters } from '../tracking/variant-stats';
import { sourceOf, type AlertCondition, type ConditionSource } from './alert-condition';
import type { PlanCatalog } from '../plans/plans';
import { planUsageConditions } from '../plans/usage-alerts';

/** A job is "failing repeatedly" from this many consecutive failed runs. */
export const JOB_FAILURE_THRESHOLD = 3;

export function deadLetterSource(sql: SqlPool): ConditionSource {
  return sourceOf(['DEAD_LETTERS'], async () => {
    const rows = await sql.query<{ workspace_id: string; provider: string; n: string; oldest: Date; newest: Date }>(
      `select workspace_id, provider, count(*) as n, min(updated_at) as oldest, max(updated_at) as newest
       from webhook_retries where status = 'DEAD' group by workspace_id, provider order by workspace_id, provider`,
    );
    return rows.map(
      (r): AlertCondition => ({
        workspaceId: r.workspace_id,
        kind: 'DEAD_LETTERS',
        key: `DEAD_LETTERS:${r.provider}`,
        summary: `${r.provider} webhooks dead-lettered: ${r.n} could not be processed after every retry`,
        details: { provider: r.provider, count: Number(r.n), oldest: new Date(r.oldest).toISOString(), newest: new Date(r.newest).toISOString() },
      }),
    );
  });
}

export function srmSource(orm: Orm): ConditionSource {
  return sourceOf(['SRM_DETECTED'], async () => {
    const em: EntityManager = orm.em.fork();
    const campaigns = await em.find(Campaign, { status: CampaignStatus.RUNNING, type: { $ne: CampaignType.STANDARD } });
    if (campaigns.length === 0) return [];
    const ids = campaigns.map((c) => c.id);
    const [variants, winners] = await Promise.all([
      em.find(Variant, { campaignId: { $in: ids } }, { orderBy: { campaignId: 'asc', position: 'asc' } }),
      em.find(Winner, { campaignId: { $in: ids }, supersededAt: null }),
    ]);
    const counters = await loadCounters(em, variants.map((v) => v.id));
    const out: AlertCondition[] = [];
    for (const c of campaigns) {
      const own = variants.filter((v) => v.campaignId === c.id);
      const result = campaignAnalysis(c, own, counters, winners.find((w) => w.campaignId === c.id) ?? null);
      const srm = result?.engine.sampleRatioMismatch;
      if (!srm?.detected) continue;
      out.push({
        workspaceId: c.workspaceId,
        kind: 'SRM_DETECTED',
        key: `SRM_DETECTED:${c.id}`,
        summary: `sample ratio mismatch on the running test "${c.name}" (p = ${srm.pValue.toExponential(1)}): sent counts do not match the weights`,
        details: {
          campaignId: c.id,
          campaignName: c.name,
          pValue: srm.pValue,
          variants: own.map((v, i) => ({ variantId: v.id, key: v.key, expectedShare: srm.expectedShares[i], sent: srm.observed[i] })),
        },
      });
    }
    return out;
  });
}

export function failingJobSource(sql: SqlPool, threshold = JOB_FAILURE_THRESHOLD): ConditionSource {
  return sourceOf(['JOB_FAILING'], async () => {
    const rows = await sql.query<{ name: string; consecutive_failures: number; last_failure_at: Date; last_success_at: Date | null }>(
      `select name, consecutive_failures, last_failure_at, last_success_at from job_health where consecutive_failures >= $1 order by name`,
      [threshold],
    );
    // The error text stays in the server log: it is the operator's, and every workspace gets this alert.
    return rows.map(
      (r): AlertCondition => ({
        workspaceId: null,
        kind: 'JOB_FAILING',
        key: `JOB_FAILING:${r.name}`,
        summary: `scheduled job "${r.name}" failed ${r.consecutive_failures} times in a row`,
        details: {
          job: r.name,
          consecutiveFailures: r.consecutive_failures,
          lastFailureAt: new Date(r.last_failure_at).toISOString(),
          lastSuccessAt: r.last_success_at ? new Date(r.last_success_at).toISOString() : null,
        },
      }),
    );
  });
}

/** The scheduler's onResult hook: a success resets the job's consecutive failures, a failure adds one. */
export async function recordJobResult(sql: SqlPool, name: string, ok: boolean, error?: string): Promise<void> {
  await sql.query(
    `insert into job_health as j (name, consecutive_failures, last_error, last_failure_at, last_success_at)
     values ($1, case when $2::boolean then 0 else 1 end, $3, case when $2::boolean then null else now() end, case when $2::boolean then now() end)
     on conflict (name) do update set
       consecutive_failures = case when $2::boolean then 0 else j.consecutive_failures + 1 end,
       last_error = case when $2::boolean then j.last_error else $3 end,
       last_failure_at = case when $2::boolean then j.last_failure_at else now() end,
       last_success_at = case when $2::boolean then now() else j.last_success_at end,
       updated_at = now()`,
    [name, ok, ok ? null : (error ?? 'failed').slice(0, 2000)],
  );
}

export function planUsageSource(sql: SqlPool, plans: PlanCatalog): ConditionSource {
  return sourceOf(['PLAN_USAGE'], async () =>
    (await planUsageConditions(sql, plans)).map(
      (c): AlertCondition => ({
        workspaceId: c.workspaceId,
        kind: 'PLAN_USAGE',
        key: `PLAN_USAGE:${c.threshold}:${c.month}`,
        summary:
          c.threshold >= 100
            ? `plan "${c.plan}": all ${c.limit} campaign messages of ${c.month} used; further sends are skipped until next month`
            : `plan "${c.plan}": ${c.used} of ${c.limit} campaign messages of ${c.month} used (${c.threshold} % reached)`,
        details: { plan: c.plan, threshold: c.threshold, month: c.month, used: c.used, limit: c.limit, skipped: c.skipped },
      }),
    ),
  );
}
