/**
 * Every Prometheus series the server exposes, declared in one place (README "Operations" lists
 * them; deploy/grafana and deploy/prometheus use them; test/integration/metrics.test.ts checks
 * that each exists from start). Labelled series whose label values are known up front are
 * initialised at 0, so a rate() or an alert sees the series before the first event.
 * Gauges read from the database at scrape time are wired in observability/db-gauges.ts; this
 * module does no I/O.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const SEND_RESULTS = ['SENT', 'FAILED', 'RETRY'] as const;
export const DEFERRAL_REASONS = ['quiet_hours', 'rate_limit', 'circuit_open'] as const;
/** Provider circuit states and the transitions between them (src/sending/circuit-breaker.ts). */
export const CIRCUIT_STATE_LABELS = ['CLOSED', 'OPEN', 'HALF_OPEN'] as const;
export const CIRCUIT_TRANSITIONS = [
  ['CLOSED', 'OPEN'],
  ['OPEN', 'HALF_OPEN'],
  ['HALF_OPEN', 'CLOSED'],
  ['HALF_OPEN', 'OPEN'],
] as const;
export const WEBHOOK_PROVIDERS = ['twilio', 'openphone', 'generic', 'whatsapp', 'email'] as const;
export const WEBHOOK_OUTCOMES = ['processed', 'queued', 'ignored', 'bad_signature', 'bad_request', 'not_found', 'rate_limited', 'error'] as const;
export const WEBHOOK_RETRY_RESULTS = ['RETRIED', 'DONE', 'DEAD'] as const;
export const INGEST_OUTCOMES = ['ACCEPTED', 'DUPLICATE', 'REJECTED'] as const;
/** The codes clients see (src/graphql/errors.ts); anything else is counted as OTHER. */
export const GRAPHQL_ERROR_CODES = ['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT', 'CONFLICT', 'RATE_LIMITED', 'INTERNAL', 'OTHER'] as const;
export const DB_POOLS = ['orm', 'sql'] as const;
/** The `channel` label of send metrics: the Channel enum in lower case. */
export const CHANNEL_LABELS = ['sms', 'whatsapp', 'email'] as const;

export const MAX_OPERATION_NAMES = 100;
const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const DB_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const JOB_BUCKETS = [0.01, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600];

/** One registry per app instance, so tests that build several apps in one process do not collide. */
export interface Metrics {
  registry: Registry;
  /** When this app instance was built (for /healthz uptime). */
  startedAt: number;
  /** SQL statements executed by the ORM (the query-budget tests read it). */
  dbQueries: Counter;
  dbQueryDuration: Histogram<'pool'>;
  dbPoolConnections: Gauge<'pool' | 'state'>;
  dbPoolWaiting: Gauge<'pool'>;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  /** Events through the ingestion pipeline, by outcome (ACCEPTED, DUPLICATE, REJECTED). */
  eventsIngested: Counter<'outcome'>;
  /** Webhook retries by result (RETRIED, DONE, DEAD). */
  webhookRetries: Counter<'result'>;
  webhooksReceived: Counter<'provider' | 'outcome'>;
  webhookRetryBacklog: Gauge;
  webhookRetryOldestAge: Gauge;
  sendQueueDepth: Gauge<'state'>;
  sendQueueOldestAge: Gauge;
  outboxDepth: Gauge;
  /** 1 when the last scrape-time database read (queues, backlog) succeeded, 0 when it failed or timed out. */
  queueStatsUp: Gauge;
  sends: Counter<'result' | 'provider' | 'channel'>;
  sendDeferrals: Counter<'reason'>;
  providerDuration: Histogram<'provider' | 'channel'>;
  /** Provider accounts' circuits by provider, channel and state (read from the database at scrape time; no account label). */
  providerCircuits: Gauge<'provider' | 'channel' | 'state'>;
  circuitTransitions: Counter<'provider' | 'channel' | 'from' | 'to'>;
  websocketConnections: Gauge;
  subscriptionsActive: Gauge;
  listenReconnects: Counter<'result'>;
  listenConnected: Gauge;
  jobRuns: Counter<'job_name' | 'result'>;
  jobDuration: Histogram<'job_name'>;
  jobLastSuccess: Gauge<'job_name'>;
  graphqlDuration: Histogram<'operation_type' | 'operation_name'>;
  graphqlErrors: Counter<'operation_name' | 'code'>;
  graphqlWsOperations: Counter<'operation_type' | 'operation_name'>;
  /**
   * The operation_name label for a GraphQL operation: its name, `anonymous` without one, and
   * `other` once MAX_OPERATION_NAMES distinct names have been seen (clients choose names: the
   * label's cardinality must stay bounded).
   */
  operationLabel(name: string | null | undefined): string;
  /** Adds the jobs' series (at 0) once their names are known. */
  initJobs(names: readonly string[]): void;
}

export interface MetricsOptions {
  /** The configured send provider's name: its series exist from start. */
  provider?: string;
  version?: string;
}

export function createMetrics(opts: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  // Node's process and runtime metrics keep their standard names (process_cpu_seconds_total,
  // nodejs_heap_size_used_bytes, …) so stock Node.js dashboards work unchanged.
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const operationNames = new Set<string>();

  new Gauge({
    name: 'splitcast_build_info',
    help: 'Always 1; the labels say which version runs on which Node.js',
    labelNames: ['version', 'node_version'] as const,
    registers,
  }).set({ version: opts.version ?? 'unknown', node_version: process.version }, 1);

  const m: Metrics = {
    registry,
    startedAt: Date.now(),
    dbQueries: new Counter({ name: 'splitcast_db_queries_total', help: 'SQL statements executed', registers }),
    dbQueryDuration: new Histogram({
      name: 'splitcast_db_query_duration_seconds',
      help: 'SQL statement duration, by connection pool (orm: MikroORM, sql: the plain pg pool of the hot paths)',
      labelNames: ['pool'] as const,
      buckets: DB_BUCKETS,
      registers,
    }),
    dbPoolConnections: new Gauge({
      name: 'splitcast_db_pool_connections',
      help: 'Database connections of a pool, by state (in_use, idle)',
      labelNames: ['pool', 'state'] as const,
      registers,
    }),
    dbPoolWaiting: new Gauge({
      name: 'splitcast_db_pool_waiting_requests',
      help: 'Requests waiting for a free connection of the pool',
      labelNames: ['pool'] as const,
      registers,
    }),
    httpDuration: new Histogram({
      name: 'splitcast_http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    eventsIngested: new Counter({
      name: 'splitcast_events_ingested_total',
      help: 'Events through the ingestion pipeline, by outcome',
      labelNames: ['outcome'] as const,
      registers,
    }),
    webhookRetries: new Counter({
      name: 'splitcast_webhook_retries_total',
      help: 'Webhook processing retries, by result (RETRIED, DONE, DEAD)',
      labelNames: ['result'] as const,
      registers,
    }),
    webhooksReceived: new Counter({
      name: 'splitcast_webhooks_received_total',
      help: 'Provider webhook requests, by provider and outcome (processed, duplicate, queued for retry, ignored, bad_signature, bad_request, not_found, rate_limited, error)',
      labelNames: ['provider', 'outcome'] as const,
      registers,
    }),
    webhookRetryBacklog: new Gauge({ name: 'splitcast_webhook_retry_backlog', help: 'Webhooks waiting in the retry queue (PENDING)', registers }),
    webhookRetryOldestAge: new Gauge({
      name: 'splitcast_webhook_retry_oldest_age_seconds',
      help: 'Age of the oldest webhook waiting in the retry queue (0 when empty)',
      registers,
    }),
    sendQueueDepth: new Gauge({
      name: 'splitcast_send_queue_depth',
      help: 'Pending sends of running campaigns: due now, or deferred (quiet hours, backoff, lease)',
      labelNames: ['state'] as const,
      registers,
    }),
    sendQueueOldestAge: new Gauge({
      name: 'splitcast_send_queue_oldest_age_seconds',
      help: 'How long the oldest due send of a running campaign has been due (0 when none is)',
      registers,
    }),
    outboxDepth: new Gauge({ name: 'splitcast_outbox_depth', help: 'Automatic replies (opt-out confirmations, HELP) not yet sent', registers }),
    queueStatsUp: new Gauge({
      name: 'splitcast_queue_stats_up',
      help: '1 when the scrape-time database read of queue depths succeeded, 0 when it failed or timed out (the queue gauges then keep their last value)',
      registers,
    }),
    sends: new Counter({
      name: 'splitcast_sends_total',
      help: 'Campaign send attempts, by result (SENT, FAILED: final, RETRY: a retryable provider error), provider and channel',
      labelNames: ['result', 'provider', 'channel'] as const,
      registers,
    }),
    sendDeferrals: new Counter({
      name: 'splitcast_send_deferrals_total',
      help: 'Sends put back without a provider call, by reason (quiet_hours, rate_limit, circuit_open)',
      labelNames: ['reason'] as const,
      registers,
    }),
    providerDuration: new Histogram({
      name: 'splitcast_provider_request_duration_seconds',
      help: 'Duration of one send call to the messaging provider',
      labelNames: ['provider', 'channel'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    providerCircuits: new Gauge({
      name: 'splitcast_provider_circuits',
      help: 'Provider accounts with a recorded circuit (one that ever failed), by provider, channel and state (CLOSED, OPEN, HALF_OPEN); shared by all instances',
      labelNames: ['provider', 'channel', 'state'] as const,
      registers,
    }),
    circuitTransitions: new Counter({
      name: 'splitcast_circuit_transitions_total',
      help: 'Provider circuit transitions made by this instance, by provider, channel, from and to state',
      labelNames: ['provider', 'channel', 'from', 'to'] as const,
      registers,
    }),
    websocketConnections: new Gauge({ name: 'splitcast_websocket_connections', help: 'Open WebSocket connections', registers }),
    subscriptionsActive: new Gauge({ name: 'splitcast_subscriptions_active', help: 'Active GraphQL subscriptions on this instance', registers }),
    listenReconnects: new Counter({
      name: 'splitcast_listen_reconnects_total',
      help: 'Reconnects of the live-update LISTEN connection, by result',
      labelNames: ['result'] as const,
      registers,
    }),
    listenConnected: new Gauge({ name: 'splitcast_listen_connected', help: '1 while the live-update LISTEN connection is up', registers }),
    jobRuns: new Counter({
      name: 'splitcast_job_runs_total',
      help: 'Scheduled job runs, by job and result (success, failure)',
      labelNames: ['job_name', 'result'] as const,
      registers,
    }),
    jobDuration: new Histogram({
      name: 'splitcast_job_duration_seconds',
      help: 'Scheduled job run duration',
      labelNames: ['job_name'] as const,
      buckets: JOB_BUCKETS,
      registers,
    }),
    jobLastSuccess: new Gauge({
      name: 'splitcast_job_last_success_timestamp_seconds',
      help: 'Unix time of the last successful run of the job on this instance (0: none yet)',
      labelNames: ['job_name'] as const,
      registers,
    }),
    graphqlDuration: new Histogram({
      name: 'splitcast_graphql_request_duration_seconds',
      help: 'GraphQL-over-HTTP request duration, by operation type and name (names capped: anonymous, other)',
      labelNames: ['operation_type', 'operation_name'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    graphqlErrors: new Counter({
      name: 'splitcast_graphql_errors_total',
      help: 'GraphQL errors returned, by operation name and error code (HTTP and WebSocket)',
      labelNames: ['operation_name', 'code'] as const,
      registers,
    }),
    graphqlWsOperations: new Counter({
      name: 'splitcast_graphql_ws_operations_total',
      help: 'Operations started over graphql-ws, by operation type and name',
      labelNames: ['operation_type', 'operation_name'] as const,
      registers,
    }),
    operationLabel(name) {
      if (!name) return 'anonymous';
      if (!GRAPHQL_NAME.test(name) || name === 'anonymous' || name === 'other' || name === 'unknown') return 'other';
      if (operationNames.has(name)) return name;
      if (operationNames.size >= MAX_OPERATION_NAMES) return 'other';
      operationNames.add(name);
      return name;
    },
    initJobs(names) {
      for (const job_name of names) {
        for (const result of ['success', 'failure']) m.jobRuns.inc({ job_name, result }, 0);
        m.jobDuration.zero({ job_name });
        m.jobLastSuccess.set({ job_name }, 0);
      }
    },
  };

  // Series that exist from start.
  for (const outcome of INGEST_OUTCOMES) m.eventsIngested.inc({ outcome }, 0);
  for (const result of WEBHOOK_RETRY_RESULTS) m.webhookRetries.inc({ result }, 0);
  for (const provider of WEBHOOK_PROVIDERS) for (const outcome of WEBHOOK_OUTCOMES) m.webhooksReceived.inc({ provider, outcome }, 0);
  for (const state of ['due', 'deferred']) m.sendQueueDepth.set({ state }, 0);
  if (opts.provider) {
    // SEND_PROVIDER's own series; providers a workspace configures (SMTP, WhatsApp Cloud) appear once used.
    for (const channel of CHANNEL_LABELS) {
      for (const result of SEND_RESULTS) m.sends.inc({ result, provider: opts.provider, channel }, 0);
      m.providerDuration.zero({ provider: opts.provider, channel });
      for (const state of CIRCUIT_STATE_LABELS) m.providerCircuits.set({ provider: opts.provider, channel, state }, 0);
      for (const [from, to] of CIRCUIT_TRANSITIONS) m.circuitTransitions.inc({ provider: opts.provider, channel, from, to }, 0);
    }
  }
  for (const reason of DEFERRAL_REASONS) m.sendDeferrals.inc({ reason }, 0);
  for (const result of ['success', 'failure']) m.listenReconnects.inc({ result }, 0);
  for (const pool of DB_POOLS) {
    m.dbQueryDuration.zero({ pool });
    for (const state of ['in_use', 'idle']) m.dbPoolConnections.set({ pool, state }, 0);
    m.dbPoolWaiting.set({ pool }, 0);
  }
  for (const operation_type of ['query', 'mutation']) m.graphqlDuration.zero({ operation_type, operation_name: 'anonymous' });
  for (const code of GRAPHQL_ERROR_CODES) m.graphqlErrors.inc({ operation_name: 'anonymous', code }, 0);
  for (const operation_type of ['query', 'mutation', 'subscription']) m.graphqlWsOperations.inc({ operation_type, operation_name: 'anonymous' }, 0);
  return m;
}
