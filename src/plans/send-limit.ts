/**
 * The monthly send limit at send time (the sender's plan stage, src/sending/sender.ts): one
 * statement per workspace and batch grants max(0, min(n, limit − used)) of the batch's n sends not counted
 * yet, counts the rest as skipped, marks every one of them as counted for the month (sends.plan_month)
 * and cancels the refused ones — all at once, under the usage row's lock, so that concurrent
 * batches never grant past the limit and a send retried after its lease reuses its grant.
 */
import type { SqlPool } from '../db/pool';

/** The reason a refused send carries (sends.last_error starts with it). */
export const PLAN_SEND_LIMIT = 'PLAN_SEND_LIMIT';

export function sendLimitError(planName: string, limit: number): string {
  return `${PLAN_SEND_LIMIT}: the plan "${planName}" allows ${limit} campaign messages per calendar month (UTC), all used this month`;
}

/**
 * Grants `sendIds` (in order: the first ones get the grant) against `limit` for `month`; returns
 * the ids refused (now CANCELED). Sends already counted (plan_month set) are left alone, but one
 * that is CANCELED by then is returned as refused too: a sender whose lease ran out while another
 * attempt refused the send must not send it.
 */
export async function takePlanGrants(sql: SqlPool, workspaceId: string, sendIds: readonly string[], limit: number, month: string, error: string): Promise<Set<string>> {
  if (sendIds.length === 0) return new Set();
  // Only sends still uncounted are counted (locked, and re-read after any wait for the lock): a
  // send counted meanwhile by another attempt neither counts again nor changes its fate.
  const rows = await sql.query<{ id: string; granted: boolean }>(
    `with locked as (
       -- Every send locked, counted or not: after a wait for the lock its columns are the newest.
       select s.id, u.ord, s.plan_month is null as uncounted, s.status from unnest($2::uuid[]) with ordinality as u(id, ord)
       join sends s on s.id = u.id and s.workspace_id = $1
       for update of s
     ), todo as (
       select id, ord from locked where uncounted
     ), n as (
       select count(*)::int as n from todo
     ), g as (
       insert into plan_usage as p (workspace_id, month, sent, skipped, last_grant)
       select $1, $3::date, least(n.n, $4::int), n.n - least(n.n, $4::int), least(n.n, $4::int) from n
       on conflict (workspace_id, month) do update set
         last_grant = greatest(0, least(excluded.sent + excluded.skipped, $4::int - p.sent)),
         sent = p.sent + greatest(0, least(excluded.sent + excluded.skipped, $4::int - p.sent)),
         skipped = p.skipped + excluded.sent + excluded.skipped - greatest(0, least(excluded.sent + excluded.skipped, $4::int - p.sent)),
         updated_at = now()
       returning last_grant
     ), x as (
       select id, row_number() over (order by ord) <= (select last_grant from g) as granted from todo
     ), marked as (
       update sends s set plan_month = $3::date,
         status = case when x.granted then s.status else 'CANCELED' end,
         last_error = case when x.granted then s.last_error else $5 end
       from x where s.id = x.id and s.workspace_id = $1
       returning s.id, x.granted
     ), unsent as (
       -- A message row recorded by an earlier attempt (before the plan had a limit) goes with its send.
       delete from messages m using marked where m.id = marked.id and m.workspace_id = $1 and not marked.granted and m.provider_message_id is null
     )
     select id, granted from marked
     union all
     select id, false from locked where not uncounted and status = 'CANCELED'`,
    [workspaceId, sendIds, month, limit, error],
  );
  return new Set(rows.filter((r) => !r.granted).map((r) => r.id));
}

/** This month's usage of a workspace (zeros before its first counted send). */
export async function usageOf(sql: SqlPool, workspaceId: string, month: string): Promise<{ sent: number; skipped: number }> {
  const [row] = await sql.query<{ sent: number; skipped: number }>(`select sent, skipped from plan_usage where workspace_id = $1 and month = $2::date`, [workspaceId, month]);
  return { sent: row?.sent ?? 0, skipped: row?.skipped ?? 0 };
}
