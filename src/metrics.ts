import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per app instance, so tests that build several apps in one process do not collide. */
export interface Metrics {
  registry: Registry;
  /** SQL statements executed by the ORM (the query-budget tests read it). */
  dbQueries: Counter;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  /** Events through the ingestion pipeline, by outcome (ACCEPTED, DUPLICATE, REJECTED). */
  eventsIngested: Counter<'outcome'>;
  /** Webhook retries by result (RETRIED, DONE, DEAD). */
  webhookRetries: Counter<'result'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'splitcast_' });
  return {
    registry,
    dbQueries: new Counter({
      name: 'splitcast_db_queries_total',
      help: 'SQL statements executed',
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'splitcast_http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    eventsIngested: new Counter({
      name: 'splitcast_events_ingested_total',
      help: 'Events through the ingestion pipeline, by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    webhookRetries: new Counter({
      name: 'splitcast_webhook_retries_total',
      help: 'Webhook processing retries, by result (RETRIED, DONE, DEAD)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
  };
}
