/**
 * The 'reports: scheduled reports' job (every minute; thin, the work is here):
 *
 * 1. Runs the due schedules, one transaction each: the schedule row is claimed with
 *    `for update skip locked` (two instances never run one schedule twice), next_run_at moves to
 *    the rule's first occurrence after now — occurrences missed while no instance ran are sent
 *    once, not once each — the report is built once, and one PENDING delivery row per destination
 *    is written with the report's JSON. All of it commits together or not at all.
 * 2. Delivers the due delivery rows (claimed with a lease, as alerts are), outside any
 *    transaction: an email through the workspace's email channel (a system message) and a JSON
 *    POST signed with the workspace's webhookSigningSecret (X-Splitcast-Signature; no secret, no
 *    POST). A failure is retried on later runs with the alerts' backoff (1, 2, 4, 8 minutes), at
 *    most MAX_REPORT_ATTEMPTS times in all, then marked FAILED; a permanent failure (no secret, a
 *    URL no longer allowed) is FAILED at once. Each row keeps its last error.
 * A crash between a receiver's 2xx and our write sends it once more: receivers dedupe on the
 * X-Splitcast-Report-Delivery-Id header.
 */
import type { LookupFunction } from 'node:net';
import type { Logger } from 'pino';
import type { Orm } from '../db/orm';
import type { SqlPool } from '../db/pool';
import { deliveryBackoffMs } from '../operations/alert-rules';
import { publicOnlyLookup, systemResolve, type Resolve } from '../operations/alert-post';
import { attempt, postSigned, sendSystemEmail, type DeliveryResult } from '../operations/signed-delivery';
import type { ProviderRouter } from '../sending/providers';
import { WORKSPACE_COLUMNS, type WorkspaceRow } from '../sending/sender';
import { newId } from '../shared/ids';
import { reportEmail, type ReportJson } from './report';
import { nextReportRun } from './report-recurrence';
import { ReportService } from './report.service';

export const REPORTS_JOB = 'reports: scheduled reports';
export const REPORT_DELIVERY_HEADER = 'X-Splitcast-Report-Delivery-Id';
export const REPORT_SCHEDULE_HEADER = 'X-Splitcast-Report-Schedule-Id';
/** Attempts per delivery (the first included) before it is FAILED. */
export const MAX_REPORT_ATTEMPTS = 5;

export interface ReportDeliveryDeps {
  sql: SqlPool;
  orm: Orm;
  providers: ProviderRouter;
  config: { allowCustomProviderUrls: boolean };
  logger: Logger;
}

export interface ReportDeliveryOptions {
  webhookTimeoutMs?: number;
  /** Schedules run, and deliveries attempted, per job run. */
  batch?: number;
  resolve?: Resolve;
}

export interface ReportRunResult {
  runs: number;
  delivered: number;
  failed: number;
}

interface DueSchedule {
  id: string;
  workspace_id: string;
  recurrence: string;
  timezone: string;
  emails: string[];
  webhook_urls: string[];
  days: number;
  created_at: Date;
}

interface ClaimedDelivery extends WorkspaceRow {
  id: string;
  schedule_id: string;
  channel: 'EMAIL' | 'WEBHOOK';
  destination: string;
  report: ReportJson;
  attempts: number;
  webhook_signing_secret: string | null;
}

export class ReportDeliverer {
  private running?: Promise<ReportRunResult>;
  private readonly webhookTimeoutMs: number;
  private readonly batch: number;
  private readonly lookup: LookupFunction;

  constructor(
    private readonly deps: ReportDeliveryDeps,
    options: ReportDeliveryOptions = {},
  ) {
    this.webhookTimeoutMs = options.webhookTimeoutMs ?? 5000;
    this.batch = options.batch ?? 20;
    this.lookup = publicOnlyLookup(options.resolve ?? systemResolve);
  }

  /** One round; a call while one runs on this instance waits for that one. */
  run(): Promise<ReportRunResult> {
    this.running ??= (async () => {
      const runs = await this.runDueSchedules();
      return { runs, ...(await this.deliverDue()) };
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  private async runDueSchedules(): Promise<number> {
    let runs = 0;
    const tried: string[] = []; // each schedule at most once per round (one whose report fails waits for the next)
    let current: string | undefined;
    for (let i = 0; i < this.batch; i++) {
      try {
        const ran = await this.deps.sql.transaction(async (tx) => {
          const [s] = await tx.query<DueSchedule>(
            `select id, workspace_id, recurrence, timezone, emails, webhook_urls, days, created_at from report_schedules
             where next_run_at <= now() and not (id = any($1::uuid[]))
             order by next_run_at limit 1 for update skip locked`,
            [tried],
          );
          if (!s) return false;
          tried.push(s.id);
          current = s.id;
          const now = new Date();
          const next = nextReportRun(s.recurrence, s.timezone, new Date(s.created_at), now);
          const reports = new ReportService(this.deps.orm.em.fork(), this.deps.sql, s.workspace_id);
          const report = await reports.toJson(await reports.build(s.days, now), s.id);
          await tx.query(`update report_schedules set next_run_at = $3, last_run_at = $4 where id = $1 and workspace_id = $2`, [s.id, s.workspace_id, next, now]);
          const destinations = [...s.emails.map((d) => ['EMAIL', d] as const), ...s.webhook_urls.map((d) => ['WEBHOOK', d] as const)];
          for (const [channel, destination] of destinations) {
            await tx.query(
              `insert into report_deliveries (id, workspace_id, schedule_id, run_at, channel, destination, report) values ($1, $2, $3, $4, $5, $6, $7::jsonb)`,
              [newId(), s.workspace_id, s.id, now, channel, destination, JSON.stringify(report)],
            );
          }
          return true;
        });
        if (!ran) break;
        runs++;
      } catch (err) {
        this.deps.logger.error({ err, scheduleId: current }, 'a scheduled report could not be built; it is tried again next minute');
      }
    }
    return runs;
  }

  /** Claims the due deliveries with a lease, sends them concurrently, records each outcome. */
  private async deliverDue(): Promise<{ delivered: number; failed: number }> {
    const { sql } = this.deps;
    const leaseSeconds = Math.ceil(this.webhookTimeoutMs / 1000) + 60;
    const claimed = await sql.query<ClaimedDelivery>(
      `with due as (
         select id, workspace_id from report_deliveries
         where status = 'PENDING' and next_attempt_at <= now()
         order by next_attempt_at limit $1 for update skip locked)
       update report_deliveries d set attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $2)
       from due, workspaces w
       where d.id = due.id and d.workspace_id = due.workspace_id and w.id = d.workspace_id
       returning d.id, d.workspace_id, d.schedule_id, d.channel, d.destination, d.report, d.attempts, w.webhook_signing_secret, ${WORKSPACE_COLUMNS}`,
      [this.batch, leaseSeconds],
    );
    let delivered = 0;
    let failed = 0;
    await Promise.all(
      claimed.map(async (d) => {
        const result = await attempt(() => this.deliver(d));
        if (result.ok) {
          delivered++;
          await sql.query(`update report_deliveries set status = 'DELIVERED', delivered_at = now(), error = null where id = $1 and workspace_id = $2`, [d.id, d.workspace_id]);
          return;
        }
        failed++;
        const giveUp = !result.retryable || d.attempts >= MAX_REPORT_ATTEMPTS;
        this.deps.logger.warn({ deliveryId: d.id, scheduleId: d.schedule_id, channel: d.channel, attempts: d.attempts, error: result.error, giveUp }, 'report delivery failed');
        await sql.query(`update report_deliveries set status = $3, error = $4, next_attempt_at = now() + make_interval(secs => $5) where id = $1 and workspace_id = $2`, [
          d.id,
          d.workspace_id,
          giveUp ? 'FAILED' : 'PENDING',
          result.error.slice(0, 1000),
          deliveryBackoffMs(d.attempts) / 1000,
        ]);
      }),
    );
    return { delivered, failed };
  }

  private deliver(d: ClaimedDelivery): Promise<DeliveryResult> {
    if (d.channel === 'WEBHOOK') {
      const headers = { [REPORT_DELIVERY_HEADER]: d.id, [REPORT_SCHEDULE_HEADER]: d.schedule_id };
      return postSigned(d.destination, d.webhook_signing_secret, JSON.stringify(d.report), headers, {
        allowCustom: this.deps.config.allowCustomProviderUrls,
        timeoutMs: this.webhookTimeoutMs,
        lookup: this.lookup,
        what: 'the report webhook',
        userAgent: 'Splitcast-Reports/1',
      });
    }
    const { subject, text } = reportEmail(d.report);
    return sendSystemEmail(this.deps.providers, d, { to: d.destination, subject, text, idempotencyKey: `report:${d.id}` });
  }
}
