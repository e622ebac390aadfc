import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per app instance, so tests that build several apps in one process do not collide. */
export interface Metrics {
  registry: Registry;
  /** SQL statements executed by the ORM (the query-budget tests read it). */
  dbQueries: Counter;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
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
  };
}
