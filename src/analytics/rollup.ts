/**
 * Nightly rollup: hourly buckets older than ROLLUP_AFTER_DAYS are added into daily rows (calendar
 * days in the workspace's time zone) and deleted, so long ranges read one row per variant and day.
 * Only whole local days are rolled up; each workspace in its own transaction; idempotent (a day's
 * hours are moved, not copied, so running it twice adds nothing twice).
 */
import type { Logger } from 'pino';
import type { Sql, SqlPool } from '../db/pool';
import { COUNTER_COLUMN } from '../tracking/engagement';

export const ROLLUP_AFTER_DAYS = 35;
const COUNTS = ['messages', ...Object.values(COUNTER_COLUMN), 'revenue'];

export async function rollupHourly(db: SqlPool, logger: Logger, now = new Date(), afterDays = ROLLUP_AFTER_DAYS): Promise<{ workspaces: number; hours: number }> {
  const workspaces = await db.transaction((sql) => sql.query<{ id: string; timezone: string }>('select id, timezone from workspaces'));
  let hours = 0;
  for (const ws of workspaces) {
    hours += await db.transaction((sql) => rollupWorkspace(sql, ws.id, ws.timezone, now, afterDays));
  }
  logger.info({ workspaces: workspaces.length, hours }, 'hourly buckets rolled up into days');
  return { workspaces: workspaces.length, hours };
}

async function rollupWorkspace(sql: Sql, workspaceId: string, tz: string, now: Date, afterDays: number): Promise<number> {
  const rows = await sql.query<{ n: string }>(
    `with cutoff as (
       -- the start of the local day afterDays ago: everything before it is whole local days
       select (date_trunc('day', $2::timestamptz at time zone $3) - make_interval(days => $4)) at time zone $3 as at
     ),
     moved as (
       delete from variant_hourly h using cutoff
       where h.workspace_id = $1 and h.hour < cutoff.at and h.campaign_id in (select id from campaigns where workspace_id = $1)
       returning h.*
     ),
     days as (
       insert into variant_daily (variant_id, day, campaign_id, workspace_id, time_zone, ${COUNTS.join(', ')})
       select variant_id, (hour at time zone $3)::date, campaign_id, $1, $3, ${COUNTS.map((c) => `sum(${c})`).join(', ')}
       from moved group by variant_id, (hour at time zone $3)::date, campaign_id
       order by 1, 2
       on conflict (variant_id, day, workspace_id) do update set ${COUNTS.map((c) => `${c} = variant_daily.${c} + excluded.${c}`).join(', ')}
     )
     select count(*) as n from moved`,
    [workspaceId, now.toISOString(), tz, afterDays],
  );
  return Number(rows[0]!.n);
}
