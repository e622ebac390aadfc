/**
 * Bench set-up: one embedded PostgreSQL in a temporary directory for the run, and the real app
 * on it (through the test harness, so benches and tests build the server the same way).
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../src/db/embedded';
import { startTestApp, type TestApp } from '../test/helpers/harness';

export interface BenchEnv {
  t: TestApp;
  close(): Promise<void>;
}

export async function startBenchApp(env: Record<string, string> = {}): Promise<BenchEnv> {
  const dir = await mkdtemp(join(tmpdir(), 'splitcast-bench-'));
  await chmod(dir, 0o755); // PostgreSQL runs as its own user when started by root
  const db = await startEmbeddedPostgres({ dir: join(dir, 'pg') });
  process.env.SPLITCAST_TEST_DATABASE_URL = db.url;
  const t = await startTestApp(env);
  return {
    t,
    async close() {
      await t.close();
      await db.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Wall time of `fn` in milliseconds. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}
