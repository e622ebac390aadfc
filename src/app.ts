/**
 * Builds the whole server: database (embedded when DATABASE_URL is unset), migrations,
 * bootstrap workspace and admin key, GraphQL schema, HTTP + WebSocket. `npm start` and the
 * integration tests both use it. `close()` shuts down in order: HTTP/WS → ORM → PostgreSQL.
 */
import 'reflect-metadata';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { Config } from './config';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded';
import { initOrm, migrate, type Orm } from './db/orm';
import { SqlPool } from './db/pool';
import { createHttpServer, type HttpServer } from './http/server';
import { RateLimiter } from './http/rate-limit';
import { createMetrics, type Metrics } from './metrics';
import { registerScrapeGauges } from './observability/db-gauges';
import { VERSION } from './observability/health';
import { AutoWinner } from './experiments/auto-winner';
import { startScheduler, type JobDefinition, type Scheduler } from './jobs/scheduler';
import { eventPartitionsJob } from './jobs/event-partitions';
import { ensureEventPartitions } from './db/event-partitions';
import { createProviders, type ProviderRouter } from './sending/providers';
import { DueRuns } from './sending/runs';
import { createSendTimeSource } from './optimization/send-time.source';
import { Sender } from './sending/sender';
import { breakerSettings, CircuitBreakers } from './sending/circuit-breaker-store';
import type { AppDeps } from './graphql/context';
import { createSchema } from './graphql/schema';
import { ENTITIES, MODULES, perRequest, RESOLVERS } from './modules';
import { LiveService } from './live/live.service';
import { IngestionPipeline } from './tracking/ingestion';
import { OrderPipeline } from './orders/orders.pipeline';
import { WebhookRetries } from './tracking/webhooks/retries';
import { WebhookReceipts } from './tracking/webhooks/receipts';
import { ApiKeyCache } from './shared/key-cache';
import { useDatabaseTimeZones } from './shared/time-zone';
import { authenticate, bootstrap } from './workspaces/workspace.service';
import { catalogFor } from './plans/plans';
import { withOperatorKey } from './shared/auth';
import { recordJobResult } from './operations/alert-sources';

export interface App {
  config: Config;
  orm: Orm;
  live: LiveService;
  ingestion: IngestionPipeline;
  retries: WebhookRetries;
  /** Webhook requests counted per workspace; `flush()` writes this instance's counts now. */
  webhookReceipts: WebhookReceipts;
  sql: SqlPool;
  /** Absent when RATE_LIMIT=off. */
  rateLimiter?: RateLimiter;
  /** Present on instances with jobs on. */
  scheduler?: Scheduler;
  sender?: Sender;
  /** The providers (tests wait for the simulator's playback: `idle()`). */
  providers: ProviderRouter;
  http: HttpServer;
  metrics: Metrics;
  logger: Logger;
  /** http://host:port of the listening server. */
  url: string;
  defaultWorkspaceId: string;
  /** Set on the first start without ADMIN_API_KEY: the admin key, to print once. */
  generatedAdminKey?: string;
  adminKeyFile?: string;
  close(): Promise<void>;
}

export async function createApp(config: Config): Promise<App> {
  const logger = pino({ level: config.logLevel, base: { service: 'splitcast' } });
  const metrics = createMetrics({ provider: config.sendProvider, version: VERSION });
  const cleanups: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const fn of cleanups.splice(0).reverse()) {
      await fn().catch((err) => logger.error({ err }, 'shutdown step failed'));
    }
  };

  try {
    let embedded: EmbeddedDatabase | undefined;
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      embedded = await startEmbeddedPostgres({
        dir: join(config.dataDir, 'pg'),
        onLog: (line) => logger.debug({ component: 'postgres' }, line.trimEnd()),
        onNotice: (message) => logger.warn({ component: 'postgres' }, message),
      });
      cleanups.push(() => embedded!.stop());
      databaseUrl = embedded.url;
      logger.info({ dir: join(config.dataDir, 'pg'), port: embedded.port }, 'embedded PostgreSQL started');
    }

    const orm = await initOrm(databaseUrl, ENTITIES, { queryCounter: metrics.dbQueries, queryDuration: metrics.dbQueryDuration });
    cleanups.push(() => orm.close());
    const applied = await migrate(orm);
    if (applied.length > 0) logger.info({ migrations: applied }, 'migrations applied');
    // Zones are used by the runtime and by PostgreSQL: only those both know are accepted.
    useDatabaseTimeZones((await orm.em.fork().getConnection().execute<{ name: string }[]>('select name from pg_timezone_names')).map((r) => r.name));

    const boot = await bootstrap(orm.em.fork(), config.adminApiKey);
    let adminKeyFile: string | undefined;
    if (boot.generatedAdminKey) {
      await mkdir(config.dataDir, { recursive: true });
      adminKeyFile = join(config.dataDir, 'admin-api-key');
      await writeFile(adminKeyFile, boot.generatedAdminKey + '\n', { mode: 0o600 });
    }

    const keyCache = new ApiKeyCache();
    const live = new LiveService(orm, databaseUrl, logger, keyCache, config.liveCoalesceMs, { reconnects: metrics.listenReconnects, connected: metrics.listenConnected });
    await live.start();
    cleanups.push(() => live.close());
    const sqlPool = new SqlPool(databaseUrl, logger, metrics.dbQueries, undefined, metrics.dbQueryDuration);
    cleanups.push(() => sqlPool.close());
    // This month's and the next ones' event partitions exist before the first event arrives. If that
    // fails (a lock not granted in time), events still land in the default partition and the daily
    // job creates the months later: no reason to refuse to start.
    await ensureEventPartitions(sqlPool).catch((err) => logger.warn({ err }, 'event partitions not created at start; the daily job retries'));
    const scrapeGauges = registerScrapeGauges(metrics, { databaseUrl, orm, sql: sqlPool, subscriptions: () => live.subscriberCount(), logger });
    cleanups.push(() => scrapeGauges.close());
    // The rate limiter's sync has a connection of its own: never queued behind ingestion, and its
    // background statements are not counted in splitcast_db_queries_total (per-request budgets).
    let rateLimiter: RateLimiter | undefined;
    if (config.rateLimits) {
      const limiterPool = new SqlPool(databaseUrl, logger, undefined, 1, undefined, { connectMs: 2000, statementMs: 2000 });
      cleanups.push(() => limiterPool.close());
      rateLimiter = new RateLimiter(config.rateLimits, limiterPool, logger, metrics.registry);
      rateLimiter.start();
      cleanups.push(() => rateLimiter!.stop());
    }
    const ingestion = new IngestionPipeline(sqlPool, logger, metrics.eventsIngested);
    const orders = new OrderPipeline(sqlPool, logger, ingestion, config.orderConversionWindowDays);
    const retries = new WebhookRetries(orm, ingestion, logger, metrics.webhookRetries);
    // Flushed at shutdown after the HTTP server has stopped (cleanups run in reverse), before the pool closes.
    const webhookReceipts = new WebhookReceipts(sqlPool, logger, config.webhookReceiptsFlushMs);
    webhookReceipts.start();
    cleanups.push(() => webhookReceipts.stop());
    const autoWinner = new AutoWinner(orm, logger);
    // The operator key (OPERATOR_API_KEY) first: it is no workspace's.
    const authenticateKey = withOperatorKey(config.operatorApiKey, (token: string | undefined) => authenticate(orm.em.fork(), token, keyCache));
    const sendTimes = createSendTimeSource(sqlPool);
    // Made before the server listens (queries and jobs use them too: provider health, reconciliation);
    // the simulator reads the listening address when it first posts a webhook.
    let url = '';
    const providers = createProviders(config, () => url, sqlPool, ingestion, logger);
    const deps: AppDeps = { config, orm, keyCache, sql: sqlPool, metrics, logger, authenticate: authenticateKey, perRequest, live, ingestion, orders, retries, webhookReceipts, sendTimes, providers };
    const jobs: JobDefinition[] = [...MODULES.flatMap((m) => m.jobs?.(deps) ?? []), eventPartitionsJob(sqlPool, config.eventRetentionDays)];
    // Every instance reports the jobs' series (at 0 where jobs are off), so dashboards and alerts see them.
    metrics.initJobs(jobs.map((j) => j.name));
    let scheduler: Scheduler | undefined;
    if (config.jobs) {
      autoWinner.start((hook) => live.onStatsChanged(hook));
      scheduler = await startScheduler(
        databaseUrl,
        logger,
        jobs,
        config.mongodbUrl,
        { runs: metrics.jobRuns, duration: metrics.jobDuration, lastSuccess: metrics.jobLastSuccess },
        // Consecutive failures per job, for the JOB_FAILING alert.
        (name, ok, error) => recordJobResult(sqlPool, name, ok, error),
      );
      cleanups.push(() => scheduler!.stop());
    }
    cleanups.push(() => retries.stop());
    cleanups.push(async () => autoWinner.stop());

    const schema = await createSchema(RESOLVERS);
    const routes = MODULES.flatMap((m) => (m.routes ? [m.routes] : []));
    const http = await createHttpServer({ ...deps, schema, logger, rateLimiter, routes });
    cleanups.push(() => http.close());
    const address = await http.fastify.listen({ port: config.port, host: config.host });
    const port = new URL(address).port;
    if (!config.publicUrlFromEnv) config.publicUrl = `http://localhost:${port}`; // e.g. PORT=0
    url = `http://localhost:${port}`;

    // Closed after the sender has stopped (cleanups run in reverse).
    cleanups.push(async () => void (await Promise.all(providers.providers.map((p) => p.close?.()))));
    let sender: Sender | undefined;
    if (config.jobs) {
      sender = new Sender(orm, sqlPool, ingestion, providers, () => config.publicUrl, logger, config.sendLeaseSeconds, {
        sends: metrics.sends,
        deferrals: metrics.sendDeferrals,
        providerDuration: metrics.providerDuration,
      }, new CircuitBreakers(sqlPool, breakerSettings(config.circuit), logger, metrics.circuitTransitions), catalogFor(config, logger));
      const dueRuns = new DueRuns(orm, logger, sendTimes);
      sender.start();
      dueRuns.start();
      cleanups.push(() => dueRuns.stop());
      cleanups.push(() => sender!.stop());
    }

    return {
      config,
      orm,
      live,
      ingestion,
      retries,
      webhookReceipts,
      sql: sqlPool,
      rateLimiter,
      scheduler,
      http,
      metrics,
      logger,
      url,
      sender,
      providers,
      defaultWorkspaceId: boot.workspace.id,
      generatedAdminKey: boot.generatedAdminKey,
      adminKeyFile,
      close: closeAll,
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}
