/**
 * Gauges computed at scrape time. The queue gauges (send queue, outbox, webhook retry backlog)
 * come from one bounded SQL statement run when Prometheus scrapes, on a connection of their own:
 * the hot paths' pool being saturated cannot delay /metrics, the statement cannot run longer than
 * STATEMENT_TIMEOUT_MS (PostgreSQL cancels it), the scrape waits at most SCRAPE_TIMEOUT_MS, and
 * these statements are not counted in splitcast_db_queries_total (query-budget tests read that
 * counter through /metrics). On failure the gauges keep their last value and
 * splitcast_queue_stats_up reads 0. Connection-pool gauges read in-memory counters.
 */
import { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Orm } from '../db/orm';
import { ormPoolStats } from '../db/orm';
import type { SqlPool } from '../db/pool';
import type { Metrics } from '../metrics';

const STATEMENT_TIMEOUT_MS = 2000;
const SCRAPE_TIMEOUT_MS = 2500;
/** Counting stops here: a backlog this large needs no more precision to page someone. */
const COUNT_CAP = 1_000_000;

interface QueueRow {
  sends_due: string;
  sends_deferred: string;
  sends_oldest_due_s: number | null;
  outbox: string;
  retries: string;
  retries_oldest_s: number | null;
}

// Each count reads a partial index (sends_due_idx, webhook_retries_due_idx) and stops at COUNT_CAP.
const QUEUE_SQL = `
  with pending as (
    select s.next_attempt_at <= now() as due
    from sends s join campaigns c on c.id = s.campaign_id and c.workspace_id = s.workspace_id
    where s.status = 'PENDING' and c.status = 'RUNNING'
    limit ${COUNT_CAP}
  )
  select
    (select count(*) filter (where due) from pending) as sends_due,
    (select count(*) filter (where not due) from pending) as sends_deferred,
    (select extract(epoch from now() - min(s.next_attempt_at))::float8
       from sends s join campaigns c on c.id = s.campaign_id and c.workspace_id = s.workspace_id
       where s.status = 'PENDING' and s.next_attempt_at <= now() and c.status = 'RUNNING') as sends_oldest_due_s,
    (select count(*) from (select 1 from outbox where status in ('QUEUED', 'SENDING') limit ${COUNT_CAP}) o) as outbox,
    (select count(*) from (select 1 from webhook_retries where status = 'PENDING' limit ${COUNT_CAP}) r) as retries,
    (select extract(epoch from now() - min(created_at))::float8 from webhook_retries where status = 'PENDING') as retries_oldest_s`;

// Provider circuits: one small row per provider account that ever failed (no account label: low cardinality).
const CIRCUITS_SQL = `select provider, lower(channel) as channel, state, count(*)::int as n from provider_circuits group by 1, 2, 3`;

export interface ScrapeGauges {
  close(): Promise<void>;
}

export interface ScrapeGaugeSources {
  databaseUrl: string;
  orm: Orm;
  sql: SqlPool;
  /** Active subscriptions on this instance. */
  subscriptions: () => number;
  logger: Logger;
}

const MIN_READ_INTERVAL_MS = 1000;

export function registerScrapeGauges(metrics: Metrics, src: ScrapeGaugeSources): ScrapeGauges {
  const pool = new Pool({
    connectionString: src.databaseUrl,
    max: 1,
    idleTimeoutMillis: 60_000,
    connectionTimeoutMillis: SCRAPE_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    application_name: 'splitcast-metrics',
  });
  pool.on('error', (err) => src.logger.warn({ err }, 'metrics database connection lost'));

  // Every gauge's collect() runs in parallel during one scrape: they share one read. /metrics is
  // unauthenticated, so a client scraping in a loop gets the last read for a second (one query/s).
  let inFlight: Promise<void> | undefined;
  let lastReadAt = 0;
  // Circuit series seen before: set back to 0 when their accounts left that state.
  const circuitSeries = new Map<string, { provider: string; channel: string; state: string }>();
  const readQueues = (): Promise<void> => {
    if (!inFlight && Date.now() - lastReadAt < MIN_READ_INTERVAL_MS) return Promise.resolve();
    inFlight ??= (async () => {
      lastReadAt = Date.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`queue stats took longer than ${SCRAPE_TIMEOUT_MS} ms`)), SCRAPE_TIMEOUT_MS);
        });
        const { rows } = await Promise.race([pool.query<QueueRow>(QUEUE_SQL), timeout]);
        const r = rows[0]!;
        metrics.sendQueueDepth.set({ state: 'due' }, Number(r.sends_due));
        metrics.sendQueueDepth.set({ state: 'deferred' }, Number(r.sends_deferred));
        metrics.sendQueueOldestAge.set(Math.max(0, r.sends_oldest_due_s ?? 0));
        metrics.outboxDepth.set(Number(r.outbox));
        metrics.webhookRetryBacklog.set(Number(r.retries));
        metrics.webhookRetryOldestAge.set(Math.max(0, r.retries_oldest_s ?? 0));
        const circuits = await Promise.race([pool.query<{ provider: string; channel: string; state: string; n: number }>(CIRCUITS_SQL), timeout]);
        for (const labels of circuitSeries.values()) metrics.providerCircuits.set(labels, 0);
        for (const { provider, channel, state, n } of circuits.rows) {
          circuitSeries.set(`${provider}|${channel}|${state}`, { provider, channel, state });
          metrics.providerCircuits.set({ provider, channel, state }, n);
        }
        metrics.queueStatsUp.set(1);
      } catch (err) {
        metrics.queueStatsUp.set(0);
        src.logger.warn({ err }, 'could not read queue stats for /metrics');
      } finally {
        clearTimeout(timer);
        inFlight = undefined;
      }
    })();
    return inFlight;
  };
  for (const g of [metrics.sendQueueDepth, metrics.sendQueueOldestAge, metrics.outboxDepth, metrics.webhookRetryBacklog, metrics.webhookRetryOldestAge, metrics.queueStatsUp, metrics.providerCircuits]) {
    (g as { collect?: () => Promise<void> }).collect = readQueues;
  }

  (metrics.dbPoolConnections as { collect?: () => void }).collect = () => {
    const orm = ormPoolStats(src.orm);
    const sql = src.sql.stats();
    metrics.dbPoolConnections.set({ pool: 'orm', state: 'in_use' }, orm.inUse);
    metrics.dbPoolConnections.set({ pool: 'orm', state: 'idle' }, orm.idle);
    metrics.dbPoolConnections.set({ pool: 'sql', state: 'in_use' }, sql.inUse);
    metrics.dbPoolConnections.set({ pool: 'sql', state: 'idle' }, sql.idle);
  };
  (metrics.dbPoolWaiting as { collect?: () => void }).collect = () => {
    metrics.dbPoolWaiting.set({ pool: 'orm' }, ormPoolStats(src.orm).waiting);
    metrics.dbPoolWaiting.set({ pool: 'sql' }, src.sql.stats().waiting);
  };
  (metrics.subscriptionsActive as { collect?: () => void }).collect = () => metrics.subscriptionsActive.set(src.subscriptions());

  return {
    async close() {
      await inFlight;
      await pool.end();
    },
  };
}
