/**
 * The job scheduler: Agenda 6 on the application's PostgreSQL (table `agenda_jobs`), or on
 * MongoDB when MONGODB_URL is set (collection `agendaJobs`). Jobs survive restarts and, with
 * several instances, each run happens once (Agenda locks the job).
 * agenda and its backend are ESM-only, so they are loaded here with a dynamic import and nowhere
 * else. Agenda gets its own pg pool with an error handler: an idle connection dropping during
 * shutdown must not crash the process (see STACK.md).
 */
import { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Counter, Gauge, Histogram } from 'prom-client';

export interface JobDefinition {
  name: string;
  /** Cron expression and IANA zone, e.g. `0 2 * * *` in `UTC`. */
  cron: string;
  timezone: string;
  run(): Promise<unknown>;
}

/** splitcast_job_runs_total, splitcast_job_duration_seconds, splitcast_job_last_success_timestamp_seconds. */
export interface JobMetrics {
  runs: Counter<'job_name' | 'result'>;
  duration: Histogram<'job_name'>;
  lastSuccess: Gauge<'job_name'>;
}

/**
 * Told every run's outcome (scheduled or runNow), after the run: e.g. to keep consecutive failures
 * for alerts. Its own failure is logged and does not change the run's.
 */
export type JobResultHook = (name: string, ok: boolean, error?: string) => Promise<void> | void;

export interface Scheduler {
  /** Runs a job now (as the schedule would) and waits for it. */
  runNow(name: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startScheduler(databaseUrl: string, logger: Logger, jobs: readonly JobDefinition[], mongodbUrl?: string, metrics?: JobMetrics, onResult?: JobResultHook): Promise<Scheduler> {
  // One after the other: Jest's ESM loader (tests run the app in-process) fails on parallel imports.
  const { Agenda } = await import('agenda');
  let backend: ConstructorParameters<typeof Agenda>[0]['backend'];
  let release: () => Promise<void>;
  if (mongodbUrl) {
    // Connect ourselves first: Agenda's own connect has no catch, and an unreachable MongoDB
    // would kill the process instead of failing the start with a clear message.
    const { MongoClient } = await import('mongodb');
    const client = new MongoClient(mongodbUrl, { serverSelectionTimeoutMS: 5000 });
    try {
      await client.connect();
    } catch (err) {
      throw new Error(`MONGODB_URL is set but MongoDB is unreachable (${(err as Error).message})`);
    }
    const { MongoBackend } = await import('@agendajs/mongo-backend');
    backend = new MongoBackend({ mongo: client.db() });
    release = () => client.close();
  } else {
    const { PostgresBackend } = await import('@agendajs/postgres-backend');
    const pool = new Pool({ connectionString: databaseUrl, max: 3 });
    pool.on('error', (err) => logger.warn({ err }, 'scheduler database connection lost'));
    const postgres = new PostgresBackend({ pool });
    // Agenda's LISTEN connection re-emits its connection errors and then reconnects by itself;
    // with no listener, a dropped connection (PostgreSQL restart, failover, a killed backend)
    // would be an unhandled 'error' event and crash the process.
    postgres.notificationChannel?.on('error', (err) => logger.warn({ err }, 'scheduler notification connection lost; it reconnects'));
    backend = postgres;
    release = () => pool.end();
  }
  const agenda = new Agenda({ backend, processEvery: '30 seconds' });
  agenda.on('error', (err: unknown) => logger.error({ err }, 'scheduler error'));
  const byName = new Map(jobs.map((j) => [j.name, j]));
  const report = async (name: string, ok: boolean, error?: string) => {
    try {
      await onResult?.(name, ok, error);
    } catch (err) {
      logger.warn({ err, job: name }, 'job result not recorded');
    }
  };
  const run = async (job: JobDefinition) => {
    const started = Date.now();
    const t0 = performance.now();
    const labels = { job_name: job.name };
    try {
      const result = await job.run();
      metrics?.runs.inc({ ...labels, result: 'success' });
      metrics?.lastSuccess.set(labels, Date.now() / 1000);
      logger.info({ job: job.name, ms: Date.now() - started, result }, 'job done');
      await report(job.name, true);
    } catch (err) {
      metrics?.runs.inc({ ...labels, result: 'failure' });
      logger.error({ err, job: job.name }, 'job failed');
      await report(job.name, false, err instanceof Error ? err.message : String(err));
      throw err;
    } finally {
      metrics?.duration.observe(labels, (performance.now() - t0) / 1000);
    }
  };
  for (const job of jobs) agenda.define(job.name, () => run(job));
  await agenda.start();
  for (const job of jobs) await agenda.every(job.cron, job.name, undefined, { timezone: job.timezone, skipImmediate: true });
  return {
    async runNow(name) {
      const job = byName.get(name);
      if (!job) throw new Error(`no job ${name}`);
      await run(job);
    },
    async stop() {
      await agenda.stop();
      await release();
    },
  };
}
