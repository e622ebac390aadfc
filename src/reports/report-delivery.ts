/**
 * The 'reports: scheduled reports' job (every minute; thin, the work is here):
 *
 * 1. Claims the due schedules, one short transaction each: the schedule row is claimed with
 *    `for update skip locked` (two instances never run one schedule twice), next_run_at moves to
 *    the rule's first occurrence after now — occurrences missed while no instance ran are sent
 *    once, not once each — and one PENDING delivery row per destination is written without its
 *    report. Both commit together or not at all; nothing is built while the row is locked.
 * 2. Builds the claimed runs' reports, outside any transaction: the rows of runs without a report
 *    are leased (so one instance builds a run), the report is built once per run and written into
 *    every row of the run that has none. A build that fails, or an instance that stops before it,
 *    leaves the run unbuilt: it is built on a later round once the lease has passed, never lost. A
 *    failed build counts as an attempt of the run's deliveries (error kept): after
 *    MAX_REPORT_ATTEMPTS they are FAILED.
 * 3. Delivers the due delivery rows whose report is built (claimed with a lease, as alerts are), outside any
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
import { MAX_DESTINATIONS } from './report-schedule-input';
import { ReportService } from './report.service';

export const REPORTS_JOB = 'reports: scheduled reports';
export const REPORT_DELIVERY_HEADER = 'X-Splitcast-Report-Delivery-Id';
export const REPORT_SCHEDULE_HEADER = 'X-Splitcast-Report-Schedule-Id';
/** Attempts per delivery (the first included) before it is FAILED. */
export const MAX_REPORT_ATTEMPTS = 5;
/** How long a run being built is left to its builder before another round may build it. */
export const REPORT_BUILD_LEASE_SECONDS = 120;

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
  created_at: Date;
}

interface UnbuiltRun {
  schedule_id: string;
  workspace_id: string;
  /** As PostgreSQL prints it: a Date would lose the microseconds the run is matched on. */
  run_at: string;
  days: number;
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
      const runs = await this.claimDueSchedules();
      await this.buildClaimedRuns();
      return { runs, ...(await this.deliverDue()) };
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Step 1: claims each due schedule's run (its delivery rows, report not yet built). */
  private async claimDueSchedules(): Promise<number> {
    let runs = 0;
    const tried: string[] = []; // each schedule at most once per round (one whose claim fails waits for the next)
    let current: string | undefined;
    for (let i = 0; i < this.batch; i++) {
      try {
        const ran = await this.deps.sql.transaction(async (tx) => {
          const [s] = await tx.query<DueSchedule>(
            `select id, workspace_id, recurrence, timezone, emails, webhook_urls, created_at from report_schedules
             where next_run_at <= now() and not (id = any($1::uuid[]))
             order by next_run_at limit 1 for update skip locked`,
            [tried],
          );
          if (!s) return false;
          tried.push(s.id);
          current = s.id;
          const now = new Date();
          const next = nextReportRun(s.recurrence, s.timezone, new Date(s.created_at), now);
          await tx.query(`update report_schedules set next_run_at = $3, last_run_at = $4 where id = $1 and workspace_id = $2`, [s.id, s.workspace_id, next, now]);
          const destinations = [...s.emails.map((d) => ['EMAIL', d] as const), ...s.webhook_urls.map((d) => ['WEBHOOK', d] as const)];
          for (const [channel, destination] of destinations) {
            await tx.query(`insert into report_deliveries (id, workspace_id, schedule_id, run_at, channel, destination) values ($1, $2, $3, $4, $5, $6)`, [
              newId(),
              s.workspace_id,
              s.id,
              now,
              channel,
              destination,
            ]);
          }
          return true;
        });
        if (!ran) break;
        runs++;
      } catch (err) {
        this.deps.logger.error({ err, scheduleId: current }, 'a scheduled report run could not be claimed; it is tried again next minute');
      }
    }
    return runs;
  }

  /** Step 2: builds the reports of runs claimed (now or by a round that did not finish), each once. */
  private async buildClaimedRuns(): Promise<void> {
    const { sql } = this.deps;
    const leased = await sql.query<UnbuiltRun>(
      `with due as (
         select id, workspace_id from report_deliveries
         where report is null and status = 'PENDING' and next_attempt_at <= now()
         order by next_attempt_at limit $1 for update skip locked)
       update report_deliveries d set next_attempt_at = now() + make_interval(secs => $2)
       from due, report_schedules s
       where d.id = due.id and d.workspace_id = due.workspace_id and s.id = d.schedule_id and s.workspace_id = d.workspace_id
       returning d.schedule_id, d.workspace_id, d.run_at::text as run_at, s.days`,
      [this.batch * MAX_DESTINATIONS, REPORT_BUILD_LEASE_SECONDS],
    );
    const runs = new Map<string, UnbuiltRun>();
    for (const r of leased) runs.set(`${r.workspace_id}:${r.schedule_id}:${r.run_at}`, r);
    for (const run of runs.values()) {
      try {
        const reports = new ReportService(this.deps.orm.em.fork(), sql, run.workspace_id);
        const report = await reports.toJson(await reports.build(run.days), run.schedule_id);
        // Every row of the run gets the same report; a slower builder of the same run (lease passed) changes nothing.
        await sql.query(
          `update report_deliveries set report = $4::jsonb, next_attempt_at = now()
           where schedule_id = $1 and workspace_id = $2 and run_at = $3::timestamptz and report is null`,
          [run.schedule_id, run.workspace_id, run.run_at, JSON.stringify(report)],
        );
      } catch (err) {
        // Counted as an attempt of each delivery of the run, with the error shown on them: a run
        // whose report cannot be built fails for good like an undeliverable one, instead of forever.
        const error = `the report could not be built: ${(err as Error)?.message ?? String(err)}`.slice(0, 1000);
        const [failed] = await sql
          .query<{ status: string }>(
            `update report_deliveries set attempts = attempts + 1, error = $4, status = case when attempts + 1 >= $5 then 'FAILED' else 'PENDING' end
             where schedule_id = $1 and workspace_id = $2 and run_at = $3::timestamptz and report is null and status = 'PENDING' returning status`,
            [run.schedule_id, run.workspace_id, run.run_at, error, MAX_REPORT_ATTEMPTS],
          )
          .catch(() => []);
        this.deps.logger.error({ err, scheduleId: run.schedule_id, runAt: run.run_at, giveUp: failed?.status === 'FAILED' }, 'a scheduled report could not be built');
      }
    }
  }

  /** Claims the due deliveries with a lease, sends them concurrently, records each outcome. */
  private async deliverDue(): Promise<{ delivered: number; failed: number }> {
    const { sql } = this.deps;
    const leaseSeconds = Math.ceil(this.webhookTimeoutMs / 1000) + 60;
    const claimed = await sql.query<ClaimedDelivery>(
      `with due as (
         select id, workspace_id from report_deliveries
         where status = 'PENDING' and report is not null and next_attempt_at <= now()
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
