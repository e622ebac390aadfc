/**
 * The plan usage conditions the operations alerts report (PLAN_USAGE): for each workspace whose
 * plan has a monthly limit, each threshold (80 %, 100 %) this calendar month's (UTC) counted
 * messages have reached. Keyed by threshold and month, so a new month clears them.
 */
import type { SqlPool } from '../db/pool';
import { monthOf, thresholdsReached, type PlanCatalog } from './plans';

export interface PlanUsageCondition {
  workspaceId: string;
  plan: string;
  threshold: number;
  /** YYYY-MM (UTC). */
  month: string;
  used: number;
  skipped: number;
  limit: number;
}

export async function planUsageConditions(sql: SqlPool, catalog: PlanCatalog, now = new Date()): Promise<PlanUsageCondition[]> {
  // Only rows of this month exist for workspaces that sent under a limited plan.
  if (catalog.allUnlimited) return [];
  const month = monthOf(now);
  const rows = await sql.query<{ workspace_id: string; plan: string | null; sent: number; skipped: number }>(
    `select u.workspace_id, w.plan, u.sent, u.skipped from plan_usage u join workspaces w on w.id = u.workspace_id
     where u.month = $1::date order by u.workspace_id`,
    [month],
  );
  const out: PlanUsageCondition[] = [];
  for (const r of rows) {
    const plan = catalog.resolve(r.plan);
    if (plan.monthlyMessages === null) continue;
    for (const threshold of thresholdsReached(r.sent, plan.monthlyMessages)) {
      out.push({ workspaceId: r.workspace_id, plan: plan.name, threshold, month: month.slice(0, 7), used: r.sent, skipped: r.skipped, limit: plan.monthlyMessages });
    }
  }
  return out;
}
