/**
 * The alert evaluator, run by the 'operations: alerts' job every minute (and callable directly):
 * asks every ConditionSource what holds now, raises an alert for each condition newly present and
 * clears the alerts whose condition is gone (one alert per condition until it clears), then
 * delivers what is due to each workspace's alert destinations — a signed JSON POST to
 * alertWebhookUrl, an email to alertEmail through the email channel.
 *
 * Exactly once, as far as we can: reading the sources, raising and clearing happen in one
 * transaction, serialised across instances by an advisory lock (the unique open (key, workspace)
 * index backs it up), and write one delivery row per (alert, RAISED|CLEARED, channel). Deliveries
 * are claimed with a lease (SKIP LOCKED), sent outside any transaction, and marked DELIVERED; a
 * failure is retried on later runs with backoff, at most MAX_DELIVERY_ATTEMPTS times, and never
 * raises the alert again; a CLEARED notification goes only after its RAISED one was delivered (or
 * given up). A crash
 * between a receiver's 2xx and our write sends it once more: receivers dedupe on (id, state),
 * which the body and the X-Splitcast-Alert-Id / -State headers carry.
 */
import type { LookupFunction } from 'node:net';
import type { Logger } from 'pino';
import type { SqlPool } from '../db/pool';
import { newId } from '../shared/ids';
import type { ProviderRouter } from '../sending/providers';
import { WORKSPACE_COLUMNS, type WorkspaceRow } from '../sending/sender';
import { publicOnlyLookup, systemResolve, type Resolve } from './alert-post';
import { attempt, postSigned, sendSystemEmail, type DeliveryResult } from './signed-delivery';
import type { AlertCondition, AlertKind, ConditionSource } from './alert-condition';
import {
  alertEmail,
  alertPayload,
  deliveryBackoffMs,
  diffAlerts,
  MAX_DELIVERY_ATTEMPTS,
  type AlertChannel,
  type AlertState,
  type OpenAlert,
} from './alert-rules';

export const ALERTS_JOB = 'operations: alerts';
export const ALERT_ID_HEADER = 'X-Splitcast-Alert-Id';
export const ALERT_STATE_HEADER = 'X-Splitcast-Alert-State';

export interface AlertDeps {
  sql: SqlPool;
  providers: ProviderRouter;
  /** Read at each delivery: ALLOW_CUSTOM_PROVIDER_URLS may allow internal / http alert URLs. */
  config: { allowCustomProviderUrls: boolean };
  logger: Logger;
}

export interface AlertOptions {
  /** A webhook POST gives up after this long (and counts as a failed attempt). */
  webhookTimeoutMs?: number;
  /** Deliveries attempted per run, concurrently (one slow receiver does not hold up the others). */
  deliveriesPerRun?: number;
  /** Resolves alert webhook hosts (default: the system resolver; tests stand in for DNS). */
  resolve?: Resolve;
}

export interface AlertRunResult {
  conditions: number;
  raised: number;
  cleared: number;
  delivered: number;
  failed: number;
  /** Sources that threw this run (alerts of their kinds were not cleared). */
  sourceErrors: number;
}

interface ClaimedDelivery {
  id: string;
  workspace_id: string;
  alert_id: string;
  state: AlertState;
  channel: AlertChannel;
  attempts: number;
}

interface AlertRow extends WorkspaceRow {
  id: string;
  kind: AlertKind;
  key: string;
  summary: string;
  details: Record<string, unknown>;
  raised_at: Date;
  cleared_at: Date | null;
  alert_webhook_url: string | null;
  webhook_signing_secret: string | null;
}

export class AlertEvaluator {
  private running?: Promise<AlertRunResult>;
  private readonly webhookTimeoutMs: number;
  private readonly deliveriesPerRun: number;
  private readonly lookup: LookupFunction;

  constructor(
    private readonly deps: AlertDeps,
    private readonly sources: readonly ConditionSource[],
    options: AlertOptions = {},
  ) {
    this.webhookTimeoutMs = options.webhookTimeoutMs ?? 5000;
    this.deliveriesPerRun = options.deliveriesPerRun ?? 50;
    this.lookup = publicOnlyLookup(options.resolve ?? systemResolve);
  }

  /** One evaluation and delivery round; a call while one runs on this instance waits for that one. */
  run(): Promise<AlertRunResult> {
    this.running ??= this.evaluate().finally(() => (this.running = undefined));
    return this.running;
  }

  private async evaluate(): Promise<AlertRunResult> {
    const { conditions, errors, raised, cleared } = await this.apply();
    const { delivered, failed } = await this.deliverDue();
    return { conditions, raised, cleared, delivered, failed, sourceErrors: errors };
  }

  /** What holds now, and the kinds whose source failed ('all': a failed source named no kinds). */
  private async collect(): Promise<{ conditions: AlertCondition[]; errors: number; unknown: Set<AlertKind> | 'all' }> {
    const results = await Promise.allSettled(this.sources.map((source) => source()));
    const conditions: AlertCondition[] = [];
    let errors = 0;
    let unknown: Set<AlertKind> | 'all' = new Set();
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') {
        conditions.push(...r.value);
        return;
      }
      errors++;
      const kinds = this.sources[i]!.kinds;
      if (!kinds) unknown = 'all';
      else if (unknown !== 'all') for (const k of kinds) unknown.add(k);
      this.deps.logger.error({ err: r.reason, kinds: kinds ?? 'all' }, 'alert source failed; its open alerts are kept until it answers again');
    });
    return { conditions, errors, unknown };
  }

  /**
   * Reads the sources, then raises and clears, in one transaction serialised across instances. The
   * sources are read under the lock too: an evaluation that read a condition before another
   * instance saw it gone and cleared its alert would otherwise raise it again with its stale read.
   */
  private async apply(): Promise<{ conditions: number; errors: number; raised: number; cleared: number }> {
    return this.deps.sql.transaction(async (tx) => {
      await tx.query(`select pg_advisory_xact_lock(hashtext('splitcast:alerts'))`);
      const { conditions, errors, unknown } = await this.collect();
      const destinations = await tx.query<{ id: string; webhook: boolean; email: boolean }>(
        `select id, alert_webhook_url is not null as webhook, coalesce(settings->>'alertEmail', '') <> '' as email
         from workspaces where alert_webhook_url is not null or coalesce(settings->>'alertEmail', '') <> ''`,
      );
      const channelsOf = new Map(destinations.map((d) => [d.id, [...(d.webhook ? ['WEBHOOK'] : []), ...(d.email ? ['EMAIL'] : [])] as AlertChannel[]]));
      const open = (await tx.query<{ id: string; workspace_id: string; key: string; kind: AlertKind }>(`select id, workspace_id, key, kind from alerts where cleared_at is null`)).map(
        (r): OpenAlert => ({ id: r.id, workspaceId: r.workspace_id, key: r.key, kind: r.kind }),
      );
      const diff = diffAlerts(open, conditions, new Set(channelsOf.keys()), unknown);
      const deliveries = async (alertId: string, workspaceId: string, state: AlertState) => {
        for (const channel of channelsOf.get(workspaceId) ?? []) {
          await tx.query(
            `insert into alert_deliveries (id, workspace_id, alert_id, state, channel) values ($1, $2, $3, $4, $5)
             on conflict (alert_id, state, channel, workspace_id) do nothing`,
            [newId(), workspaceId, alertId, state, channel],
          );
        }
      };
      let raised = 0;
      for (const { workspaceId, condition: c } of diff.raise) {
        const [row] = await tx.query<{ id: string }>(
          `insert into alerts (id, workspace_id, key, kind, summary, details) values ($1, $2, $3, $4, $5, $6::jsonb)
           on conflict (key, workspace_id) where cleared_at is null do nothing returning id`,
          [newId(), workspaceId, c.key, c.kind, c.summary, JSON.stringify(c.details ?? {})],
        );
        if (!row) continue;
        raised++;
        await deliveries(row.id, workspaceId, 'RAISED');
      }
      let cleared = 0;
      for (const a of diff.clear) {
        const [row] = await tx.query(`update alerts set cleared_at = now() where id = $1 and workspace_id = $2 and cleared_at is null returning id`, [a.id, a.workspaceId]);
        if (!row) continue;
        cleared++;
        await deliveries(a.id, a.workspaceId, 'CLEARED');
      }
      if (raised || cleared) this.deps.logger.info({ raised, cleared }, 'alerts changed');
      return { conditions: conditions.length, errors, raised, cleared };
    });
  }

  /** Claims the due deliveries with a lease, sends them concurrently, records each outcome. */
  private async deliverDue(): Promise<{ delivered: number; failed: number }> {
    const { sql } = this.deps;
    // The lease outlasts a delivery (webhook timeout, SMTP's own): no other run takes it meanwhile.
    const leaseSeconds = Math.ceil(this.webhookTimeoutMs / 1000) + 60;
    const claimed = await sql.query<ClaimedDelivery>(
      `with due as (
         select id, workspace_id from alert_deliveries c
         where status = 'PENDING' and next_attempt_at <= now()
           -- In order: a CLEARED notification waits until its RAISED one is delivered or given up.
           and not (state = 'CLEARED' and exists (
             select 1 from alert_deliveries r
             where r.alert_id = c.alert_id and r.workspace_id = c.workspace_id and r.channel = c.channel and r.state = 'RAISED' and r.status = 'PENDING'))
         order by next_attempt_at limit $1 for update skip locked)
       update alert_deliveries d set attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $2)
       from due where d.id = due.id and d.workspace_id = due.workspace_id
       returning d.id, d.workspace_id, d.alert_id, d.state, d.channel, d.attempts`,
      [this.deliveriesPerRun, leaseSeconds],
    );
    if (claimed.length === 0) return { delivered: 0, failed: 0 };
    const alerts = await sql.query<AlertRow>(
      `select a.id, a.workspace_id, a.kind, a.key, a.summary, a.details, a.raised_at, a.cleared_at,
              w.alert_webhook_url, w.webhook_signing_secret, ${WORKSPACE_COLUMNS}
       from alerts a join workspaces w on w.id = a.workspace_id
       where a.id = any($1::uuid[])`,
      [[...new Set(claimed.map((d) => d.alert_id))]],
    );
    const byId = new Map(alerts.map((a) => [`${a.workspace_id}:${a.id}`, a]));
    let delivered = 0;
    let failed = 0;
    await Promise.all(
      claimed.map(async (d) => {
        const alert = byId.get(`${d.workspace_id}:${d.alert_id}`);
        const result: DeliveryResult = alert ? await attempt(() => this.deliver(d, alert)) : { ok: false, retryable: false, error: 'the alert no longer exists' };
        if (result.ok) {
          delivered++;
          await sql.query(`update alert_deliveries set status = 'DELIVERED', delivered_at = now(), last_error = null where id = $1 and workspace_id = $2`, [d.id, d.workspace_id]);
          return;
        }
        failed++;
        const giveUp = !result.retryable || d.attempts >= MAX_DELIVERY_ATTEMPTS;
        this.deps.logger.warn({ deliveryId: d.id, alertId: d.alert_id, channel: d.channel, attempts: d.attempts, error: result.error, giveUp }, 'alert delivery failed');
        await sql.query(
          `update alert_deliveries set status = $3, last_error = $4, next_attempt_at = now() + make_interval(secs => $5) where id = $1 and workspace_id = $2`,
          [d.id, d.workspace_id, giveUp ? 'FAILED' : 'PENDING', result.error.slice(0, 1000), deliveryBackoffMs(d.attempts) / 1000],
        );
      }),
    );
    return { delivered, failed };
  }

  private async deliver(d: ClaimedDelivery, a: AlertRow): Promise<DeliveryResult> {
    const payload = alertPayload(
      { id: a.id, workspaceId: a.workspace_id, kind: a.kind, key: a.key, summary: a.summary, details: a.details, raisedAt: new Date(a.raised_at), clearedAt: a.cleared_at && new Date(a.cleared_at) },
      d.state,
    );
    if (d.channel === 'WEBHOOK') {
      if (!a.alert_webhook_url) return { ok: false, retryable: false, error: 'alertWebhookUrl is no longer set' };
      const headers = { [ALERT_ID_HEADER]: payload.id, [ALERT_STATE_HEADER]: payload.state };
      return postSigned(a.alert_webhook_url, a.webhook_signing_secret, JSON.stringify(payload), headers, {
        allowCustom: this.deps.config.allowCustomProviderUrls,
        timeoutMs: this.webhookTimeoutMs,
        lookup: this.lookup,
        what: 'the alert webhook',
        userAgent: 'Splitcast-Alerts/1',
      });
    }
    const to = a.settings.alertEmail;
    if (!to) return { ok: false, retryable: false, error: 'alertEmail is no longer set' };
    const { subject, text } = alertEmail(payload);
    return sendSystemEmail(this.deps.providers, a, { to, subject, text, idempotencyKey: `alert:${a.id}:${d.state}` });
  }
}
