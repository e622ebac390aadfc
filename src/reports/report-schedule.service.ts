/**
 * Report schedules of one workspace: create (validated, bounded per workspace), list, delete, and
 * each schedule's recent deliveries. Every statement filters on workspace_id.
 */
import type { SqlPool } from '../db/pool';
import { badInput, notFound } from '../errors';
import { asUuid, newId } from '../shared/ids';
import { MAX_SCHEDULES_PER_WORKSPACE, validateScheduleInput, type ScheduleInputFields } from './report-schedule-input';
import type { ReportDelivery, ReportSchedule } from './report.types';

interface ScheduleRow {
  id: string;
  recurrence: string;
  timezone: string;
  emails: string[];
  webhook_urls: string[];
  days: number;
  next_run_at: Date | null;
  last_run_at: Date | null;
  created_at: Date;
}

const COLUMNS = 'id, recurrence, timezone, emails, webhook_urls, days, next_run_at, last_run_at, created_at';

const toSchedule = (r: ScheduleRow): ReportSchedule => ({
  id: r.id,
  recurrence: r.recurrence,
  timezone: r.timezone,
  emails: r.emails,
  webhookUrls: r.webhook_urls,
  days: r.days,
  nextRunAt: r.next_run_at,
  lastRunAt: r.last_run_at,
  createdAt: r.created_at,
});

export class ReportScheduleService {
  constructor(
    private readonly sql: SqlPool,
    private readonly workspaceId: string,
    private readonly allowCustomUrls: () => boolean,
  ) {}

  async create(input: ScheduleInputFields, now = new Date()): Promise<ReportSchedule> {
    const v = validateScheduleInput(input, now, this.allowCustomUrls());
    return this.sql.transaction(async (tx) => {
      // Serialises creations per workspace, so the bound holds under concurrent calls.
      await tx.query(`select pg_advisory_xact_lock(hashtext('splitcast:report-schedules:' || $1))`, [this.workspaceId]);
      const [{ n } = { n: 0 }] = await tx.query<{ n: number }>(`select count(*)::int as n from report_schedules where workspace_id = $1`, [this.workspaceId]);
      if (n >= MAX_SCHEDULES_PER_WORKSPACE) throw badInput('TOO_MANY_SCHEDULES', `A workspace has at most ${MAX_SCHEDULES_PER_WORKSPACE} report schedules; delete one first`, 'input');
      // Webhook reports are signed with the workspace's secret and never sent unsigned: refused now,
      // as an alert URL is, rather than saved to fail at every run.
      if (v.webhookUrls.length > 0) {
        const [ws] = await tx.query<{ signed: boolean }>(`select webhook_signing_secret is not null and webhook_signing_secret <> '' as signed from workspaces where id = $1`, [this.workspaceId]);
        if (!ws?.signed) {
          throw badInput(
            'ALERT_WEBHOOK_NEEDS_SIGNING_SECRET',
            'webhookUrls need the workspace\'s webhookSigningSecret: reports are signed with it (X-Splitcast-Signature); set it first, or use emails',
            'input.webhookUrls',
          );
        }
      }
      const [row] = await tx.query<ScheduleRow>(
        `insert into report_schedules (id, workspace_id, recurrence, timezone, emails, webhook_urls, days, next_run_at, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning ${COLUMNS}`,
        [newId(), this.workspaceId, v.recurrence, v.timezone, v.emails, v.webhookUrls, v.days, v.nextRunAt, now],
      );
      return toSchedule(row!);
    });
  }

  async list(): Promise<ReportSchedule[]> {
    const rows = await this.sql.query<ScheduleRow>(`select ${COLUMNS} from report_schedules where workspace_id = $1 order by created_at, id`, [this.workspaceId]);
    return rows.map(toSchedule);
  }

  /** Deletes a schedule and its delivery log; NOT_FOUND for an unknown or foreign id. */
  async delete(id: string): Promise<boolean> {
    const rows = await this.sql.query(`delete from report_schedules where id = $1 and workspace_id = $2 returning id`, [asUuid(id), this.workspaceId]);
    if (rows.length === 0) throw notFound('ReportSchedule', id);
    return true;
  }

  /** The latest deliveries of a schedule, newest run first. */
  async deliveries(scheduleId: string, first: number): Promise<ReportDelivery[]> {
    const rows = await this.sql.query<{ id: string; run_at: Date; channel: string; destination: string; status: string; attempts: number; error: string | null; delivered_at: Date | null }>(
      `select id, run_at, channel, destination, status, attempts, error, delivered_at from report_deliveries
       where schedule_id = $1 and workspace_id = $2 order by run_at desc, channel, destination limit $3`,
      [scheduleId, this.workspaceId, first],
    );
    return rows.map((r) => ({ id: r.id, runAt: r.run_at, channel: r.channel, destination: r.destination, status: r.status, attempts: r.attempts, error: r.error, deliveredAt: r.delivered_at }));
  }
}
