/**
 * Webhook health per workspace and provider: receipts by outcome (tracking/webhooks/receipts.ts),
 * the retry queue, and messages still waiting for their first status callback
 * (messages.first_status_at), judged by the pure webhookHealthStatus. One statement answers every
 * provider of one workspace, or every workspace at once (the hourly snapshots, silence alerts).
 */
import type { Config } from '../config';
import type { Sql } from '../db/pool';
import type { AlertCondition } from './alert-condition';
import { webhookHealthStatus, type WebhookHealthStatusValue } from './webhook-health-status';

export interface WebhookHealthRow {
  workspaceId: string;
  provider: string;
  status: WebhookHealthStatusValue;
  reasons: string[];
  lastReceivedAt: Date | null;
  receivedLastHour: number;
  acceptedLastHour: number;
  duplicateLastHour: number;
  badSignatureLastHour: number;
  malformedLastHour: number;
  retriedLastHour: number;
  rateLimitedLastHour: number;
  /** Retry rows waiting (PENDING) and given up (DEAD), whenever they came. */
  retrying: number;
  dead: number;
  deadLastHour: number;
  sentLastHour: number;
  /** Messages sent in the last 24 h, more than the silence window ago, without a status callback yet. */
  awaitingCallback: number;
  lagP50Seconds: number | null;
  lagP95Seconds: number | null;
}

interface Raw {
  workspace_id: string;
  provider: string;
  last_received_at: Date | null;
  since_last: number | null;
  received: number | null;
  accepted: number | null;
  duplicate: number | null;
  bad_signature: number | null;
  malformed: number | null;
  retried: number | null;
  rate_limited: number | null;
  retrying: number | null;
  dead: number | null;
  dead_last_hour: number | null;
  sent: number | null;
  awaiting: number | null;
  awaiting_unheard: number | null;
  due_last_hour: number | null;
  awaiting_last_hour: number | null;
  lag_p50: number | null;
  lag_p95: number | null;
}

const outcomeSum = (outcome: string, as: string) => `coalesce(sum(count) filter (where outcome = '${outcome}' and minute >= now() - interval '1 hour'), 0)::int as ${as}`;
const PAST_WINDOW = `m.sent_at < now() - make_interval(secs => $2)`;
const EXPECTED = `not (m.provider = 'email' and w.email_webhook_key is null and not $3::boolean)`;
const LAST_HOUR = `m.sent_at >= now() - interval '1 hour'`;

/**
 * $1: a workspace id, or null for every workspace; $2: the silence window in seconds; $3: whether
 * this server runs the simulator (which calls back on every channel). Providers with activity:
 * receipts or messages sent in the last 24 hours, or retry rows (waiting, dead, or from the last
 * 24 hours). Email events are optional (opens come from the pixel): without the workspace's email
 * webhook key no email callback can come, so email messages waiting for one say nothing about
 * silence; they are still counted as sent and awaiting.
 */
const HEALTH_SQL = `
with r as (
  select workspace_id, provider,
    max(last_at) as last_received_at,
    coalesce(sum(count) filter (where minute >= now() - interval '1 hour'), 0)::int as received,
    ${outcomeSum('accepted', 'accepted')},
    ${outcomeSum('duplicate', 'duplicate')},
    ${outcomeSum('bad_signature', 'bad_signature')},
    ${outcomeSum('malformed', 'malformed')},
    ${outcomeSum('retried', 'retried')},
    ${outcomeSum('rate_limited', 'rate_limited')},
    bool_or(minute >= now() - interval '24 hours') as recent
  from webhook_receipts
  where ($1::uuid is null or workspace_id = $1::uuid) and minute >= now() - interval '48 hours'
  group by workspace_id, provider
), m as (
  select m.workspace_id, m.provider,
    count(*) filter (where ${LAST_HOUR})::int as sent,
    count(*) filter (where m.first_status_at is null and ${PAST_WINDOW})::int as awaiting,
    count(*) filter (where ${EXPECTED} and m.first_status_at is null and ${PAST_WINDOW} and (r.last_received_at is null or m.sent_at > r.last_received_at))::int as awaiting_unheard,
    count(*) filter (where ${EXPECTED} and ${LAST_HOUR} and ${PAST_WINDOW})::int as due_last_hour,
    count(*) filter (where ${EXPECTED} and ${LAST_HOUR} and ${PAST_WINDOW} and m.first_status_at is null)::int as awaiting_last_hour,
    percentile_cont(0.5) within group (order by greatest(extract(epoch from m.first_status_at - m.sent_at), 0)) filter (where ${LAST_HOUR} and m.first_status_at is not null) as lag_p50,
    percentile_cont(0.95) within group (order by greatest(extract(epoch from m.first_status_at - m.sent_at), 0)) filter (where ${LAST_HOUR} and m.first_status_at is not null) as lag_p95
  from messages m join workspaces w on w.id = m.workspace_id
    left join r on r.workspace_id = m.workspace_id and r.provider = m.provider
  where ($1::uuid is null or m.workspace_id = $1::uuid) and m.sent_at >= now() - interval '24 hours'
  group by m.workspace_id, m.provider
), q as (
  select workspace_id, provider,
    count(*) filter (where status = 'PENDING')::int as retrying,
    count(*) filter (where status = 'DEAD')::int as dead,
    count(*) filter (where status = 'DEAD' and updated_at >= now() - interval '1 hour')::int as dead_last_hour
  from webhook_retries
  where ($1::uuid is null or workspace_id = $1::uuid) and (status <> 'DONE' or created_at >= now() - interval '24 hours')
  group by workspace_id, provider
)
select workspace_id, provider, r.last_received_at, extract(epoch from now() - r.last_received_at)::float8 as since_last,
  r.received, r.accepted, r.duplicate, r.bad_signature, r.malformed, r.retried, r.rate_limited,
  q.retrying, q.dead, q.dead_last_hour,
  m.sent, m.awaiting, m.awaiting_unheard, m.due_last_hour, m.awaiting_last_hour, m.lag_p50, m.lag_p95
from m full join r using (workspace_id, provider) full join q using (workspace_id, provider)
where coalesce(r.recent, false) or m.provider is not null or q.provider is not null
order by workspace_id, provider`;

/** What the health query needs of the configuration. */
export type HealthConfig = Pick<Config, 'webhookSilentAfterSeconds' | 'sendProvider'>;

/** Health of every provider with activity, for one workspace or (null) for every workspace. */
export async function webhookHealth(sql: Sql, workspaceId: string | null, config: HealthConfig): Promise<WebhookHealthRow[]> {
  const windowSeconds = config.webhookSilentAfterSeconds;
  const rows = await sql.query<Raw & Record<string, unknown>>(HEALTH_SQL, [workspaceId, windowSeconds, config.sendProvider === 'simulator']);
  return rows.map((r) => toRow(r, windowSeconds));
}

function toRow(r: Raw, windowSeconds: number): WebhookHealthRow {
  const n = (v: number | null) => Number(v ?? 0);
  const verdict = webhookHealthStatus({
    windowSeconds,
    secondsSinceLastReceipt: r.since_last === null ? null : Number(r.since_last),
    awaitingSinceLastReceipt: n(r.awaiting_unheard),
    receivedLastHour: n(r.received),
    badSignatureLastHour: n(r.bad_signature),
    malformedLastHour: n(r.malformed),
    deadLastHour: n(r.dead_last_hour),
    dueLastHour: n(r.due_last_hour),
    awaitingLastHour: n(r.awaiting_last_hour),
  });
  return {
    workspaceId: r.workspace_id,
    provider: r.provider,
    status: verdict.status,
    reasons: verdict.reasons,
    lastReceivedAt: r.last_received_at,
    receivedLastHour: n(r.received),
    acceptedLastHour: n(r.accepted),
    duplicateLastHour: n(r.duplicate),
    badSignatureLastHour: n(r.bad_signature),
    malformedLastHour: n(r.malformed),
    retriedLastHour: n(r.retried),
    rateLimitedLastHour: n(r.rate_limited),
    retrying: n(r.retrying),
    dead: n(r.dead),
    deadLastHour: n(r.dead_last_hour),
    sentLastHour: n(r.sent),
    awaitingCallback: n(r.awaiting),
    lagP50Seconds: r.lag_p50 === null ? null : Number(r.lag_p50),
    lagP95Seconds: r.lag_p95 === null ? null : Number(r.lag_p95),
  };
}

/** One hourly snapshot row (webhook_health_snapshots). */
export interface WebhookHealthSnapshot {
  provider: string;
  hour: Date;
  status: WebhookHealthStatusValue;
  received: number;
  accepted: number;
  duplicate: number;
  badSignature: number;
  malformed: number;
  retried: number;
  rateLimited: number;
  retrying: number;
  dead: number;
  sent: number;
  awaitingCallback: number;
  lagP50Seconds: number | null;
  lagP95Seconds: number | null;
  lastReceivedAt: Date | null;
}

/** Snapshots are kept this long (history(hours) reads at most this far back). */
export const SNAPSHOT_RETENTION_HOURS = 90 * 24;
/** Receipt buckets are kept this long: the health query reads 48 hours (last receipt), counts one. */
export const RECEIPT_RETENTION_HOURS = 48;

/**
 * The hourly job: a snapshot of every workspace's and provider's health (the current hour's row is
 * replaced when the job runs again within the hour), then prunes old receipts and snapshots.
 * Returns how many snapshots were written.
 */
export async function takeWebhookHealthSnapshots(sql: Sql, config: HealthConfig): Promise<number> {
  const rows = await webhookHealth(sql, null, config);
  if (rows.length > 0) {
    const col = <K extends keyof WebhookHealthRow>(k: K) => rows.map((r) => r[k]);
    await sql.query(
      `insert into webhook_health_snapshots (workspace_id, provider, hour, status, received, accepted, duplicate, bad_signature, malformed, retried, rate_limited,
                                             retrying, dead, sent, awaiting_callback, lag_p50_seconds, lag_p95_seconds, last_received_at)
       select x.ws, x.provider, date_trunc('hour', now()), x.status, x.received, x.accepted, x.duplicate, x.bad_signature, x.malformed, x.retried, x.rate_limited,
              x.retrying, x.dead, x.sent, x.awaiting, x.p50, x.p95, x.last_at
       from unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::int[], $6::int[], $7::int[], $8::int[], $9::int[], $10::int[],
                   $11::int[], $12::int[], $13::int[], $14::int[], $15::float8[], $16::float8[], $17::timestamptz[])
            as x(ws, provider, status, received, accepted, duplicate, bad_signature, malformed, retried, rate_limited, retrying, dead, sent, awaiting, p50, p95, last_at)
       join workspaces w on w.id = x.ws
       on conflict (workspace_id, provider, hour) do update set
         status = excluded.status, received = excluded.received, accepted = excluded.accepted, duplicate = excluded.duplicate,
         bad_signature = excluded.bad_signature, malformed = excluded.malformed, retried = excluded.retried, rate_limited = excluded.rate_limited,
         retrying = excluded.retrying, dead = excluded.dead, sent = excluded.sent, awaiting_callback = excluded.awaiting_callback,
         lag_p50_seconds = excluded.lag_p50_seconds, lag_p95_seconds = excluded.lag_p95_seconds, last_received_at = excluded.last_received_at`,
      [
        col('workspaceId'),
        col('provider'),
        col('status'),
        col('receivedLastHour'),
        col('acceptedLastHour'),
        col('duplicateLastHour'),
        col('badSignatureLastHour'),
        col('malformedLastHour'),
        col('retriedLastHour'),
        col('rateLimitedLastHour'),
        col('retrying'),
        col('dead'),
        col('sentLastHour'),
        col('awaitingCallback'),
        col('lagP50Seconds'),
        col('lagP95Seconds'),
        col('lastReceivedAt'),
      ],
    );
  }
  await sql.query(`delete from webhook_receipts where minute < now() - make_interval(hours => $1)`, [RECEIPT_RETENTION_HOURS]);
  await sql.query(`delete from webhook_health_snapshots where hour < now() - make_interval(hours => $1)`, [SNAPSHOT_RETENTION_HOURS]);
  return rows.length;
}

/** The snapshots of the last `hours` hours for these providers of one workspace, oldest first, grouped by provider (one statement). */
export async function webhookHealthHistory(sql: Sql, workspaceId: string, providers: readonly string[], hours: number): Promise<Map<string, WebhookHealthSnapshot[]>> {
  const rows = await sql.query<Record<string, unknown>>(
    `select provider, hour, status, received, accepted, duplicate, bad_signature, malformed, retried, rate_limited, retrying, dead, sent,
            awaiting_callback, lag_p50_seconds, lag_p95_seconds, last_received_at
     from webhook_health_snapshots
     where workspace_id = $1 and provider = any($2::text[]) and hour >= date_trunc('hour', now()) - make_interval(hours => $3)
     order by provider, hour`,
    [workspaceId, providers, hours],
  );
  const out = new Map<string, WebhookHealthSnapshot[]>(providers.map((p) => [p, []]));
  for (const r of rows) {
    out.get(r.provider as string)?.push({
      provider: r.provider as string,
      hour: r.hour as Date,
      status: r.status as WebhookHealthStatusValue,
      received: r.received as number,
      accepted: r.accepted as number,
      duplicate: r.duplicate as number,
      badSignature: r.bad_signature as number,
      malformed: r.malformed as number,
      retried: r.retried as number,
      rateLimited: r.rate_limited as number,
      retrying: r.retrying as number,
      dead: r.dead as number,
      sent: r.sent as number,
      awaitingCallback: r.awaiting_callback as number,
      lagP50Seconds: r.lag_p50_seconds as number | null,
      lagP95Seconds: r.lag_p95_seconds as number | null,
      lastReceivedAt: r.last_received_at as Date | null,
    });
  }
  return out;
}

/**
 * For the alert evaluator: one WEBHOOKS_SILENT condition per workspace and provider currently
 * SILENT, for every workspace at once (one statement). Key `WEBHOOKS_SILENT:<provider>`.
 */
export async function silenceConditions(sql: Sql, config: HealthConfig): Promise<AlertCondition[]> {
  const rows = await webhookHealth(sql, null, config);
  return rows
    .filter((r) => r.status === 'SILENT')
    .map((r) => ({
      workspaceId: r.workspaceId,
      kind: 'WEBHOOKS_SILENT' as const,
      key: `WEBHOOKS_SILENT:${r.provider}`,
      summary: `${r.provider} webhooks silent while sending: ${r.reasons[0] ?? ''}`,
      details: {
        provider: r.provider,
        awaitingCallback: r.awaitingCallback,
        lastReceivedAt: r.lastReceivedAt?.toISOString() ?? null,
        sentLastHour: r.sentLastHour,
        silentAfterSeconds: config.webhookSilentAfterSeconds,
      },
    }));
}
