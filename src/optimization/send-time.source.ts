/**
 * The learning feature's side of sending's SendTimeSource port: each contact's recommended local
 * hour, as stored in `send_time_recommendations` by the send-time computation. Contacts without a
 * row have no recommendation (sending then sends them at sendAt, outside both groups).
 */
import type { Sql } from '../db/pool';
import type { SendTimeSource } from '../sending/send-time-port';

/** Contacts per statement: large runs are read in pages (one array parameter each). */
const PAGE = 10_000;

export function createSendTimeSource(sql: Sql): SendTimeSource {
  return {
    async optimalHours(workspaceId, contactIds) {
      const hours = new Map<string, number>();
      for (let i = 0; i < contactIds.length; i += PAGE) {
        const rows = await sql.query<{ contact_id: string; optimal_hour: number }>(
          `select contact_id, optimal_hour from send_time_recommendations where workspace_id = $1 and contact_id = any($2::uuid[])`,
          [workspaceId, contactIds.slice(i, i + PAGE)],
        );
        for (const r of rows) hours.set(r.contact_id, Number(r.optimal_hour));
      }
      return hours;
    },
  };
}
