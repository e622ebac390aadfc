/**
 * SqlPool (src/db/pool.ts) when the server ends a connection in the middle of a transaction or a
 * cursor read (pg_terminate_backend: what a failover or a DBA does). pg emits an 'error' event on
 * the client besides rejecting its query, and pg-pool listens for it only on idle clients: without
 * a listener of our own it is an uncaught exception that kills the process (seen once in a clean
 * clone's database-down test). The caller must get a rejected promise, the process must go on, and
 * the broken connection must not return to the pool.
 */
import pino from 'pino';
import { SqlPool } from '../../src/db/pool';
import { startTestApp, type TestApp } from '../helpers/harness';
import { until } from '../helpers/until';

let t: TestApp;
let pool: SqlPool;
let admin: SqlPool;
beforeAll(async () => {
  t = await startTestApp();
  pool = new SqlPool(t.databaseUrl, pino({ level: 'silent' }), undefined, 1);
  admin = new SqlPool(t.databaseUrl, pino({ level: 'silent' }), undefined, 1);
});
afterAll(async () => {
  await pool.close();
  await admin.close();
  await t.close();
});

/** Terminates the backend running the query that contains `marker`, once it runs. */
async function terminateWhenRunning(marker: string): Promise<void> {
  await until(() => admin.query(`select 1 from pg_stat_activity where query like $1 and query not like '%pg_stat_activity%'`, [`%${marker}%`]), (rows) => rows.length > 0, 10_000);
  await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where query like $1 and query not like '%pg_stat_activity%'`, [`%${marker}%`]);
}

it('a transaction whose connection is terminated rejects, and the pool serves the next caller on a fresh connection', async () => {
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => uncaught.push(e);
  process.on('uncaughtException', onUncaught);
  try {
    const tx = pool.transaction((sql) => sql.query(`select pg_sleep(30) /* tx-marker */`));
    const settled = tx.then(() => 'resolved', (e: Error) => e.message);
    await terminateWhenRunning('tx-marker');
    expect(await settled).not.toBe('resolved');
    // Let the socket's error and close events run.
    await new Promise((r) => setTimeout(r, 200));
    expect(uncaught).toEqual([]);
    // The pool's only connection was the broken one: the next statement must get a new one.
    expect(await pool.query<{ ok: number }>('select 1 as ok')).toEqual([{ ok: 1 }]);
  } finally {
    process.off('uncaughtException', onUncaught);
  }
});

it('a cursor read whose connection is terminated rejects without an uncaught error', async () => {
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => uncaught.push(e);
  process.on('uncaughtException', onUncaught);
  try {
    const read = pool.each(`select g, pg_sleep(case when g = 2 then 30 else 0 end) /* cursor-marker */ from generate_series(1, 3) g`, [], 1, () => undefined);
    const settled = read.then(() => 'resolved', (e: Error) => e.message);
    await terminateWhenRunning('cursor-marker');
    expect(await settled).not.toBe('resolved');
    await new Promise((r) => setTimeout(r, 200));
    expect(uncaught).toEqual([]);
    expect(await pool.query<{ ok: number }>('select 1 as ok')).toEqual([{ ok: 1 }]);
  } finally {
    process.off('uncaughtException', onUncaught);
  }
});
