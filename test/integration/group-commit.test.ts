/**
 * GroupCommit (src/db/group-commit.ts) on its own, on the real database: how requests are batched,
 * that a promise resolves only once its rows are committed, that a failing request does not fail
 * its neighbours, and which failures are retried (deadlock / serialization failure, raised by
 * PostgreSQL itself) and how often.
 */
import pino from 'pino';
import { GroupCommit, type GroupCommitOptions } from '../../src/db/group-commit';
import { SqlPool, type Sql } from '../../src/db/pool';
import { startTestApp, type TestApp } from '../helpers/harness';

let t: TestApp;
let pool: SqlPool;
let reader: SqlPool;
beforeAll(async () => {
  t = await startTestApp();
  pool = new SqlPool(t.databaseUrl, pino({ level: 'silent' }));
  reader = new SqlPool(t.databaseUrl, pino({ level: 'silent' }), undefined, 2);
  await pool.query('create table gc_probe (id text primary key)');
});
afterAll(async () => {
  await pool.close();
  await reader.close();
  await t.close();
});

/** A request: the rows it inserts; `failures` raise that SQLSTATE in its first attempts. */
interface Req {
  ids: string[];
  failures?: { code: string; times: number };
}

function queue(opts: GroupCommitOptions) {
  const batches: string[][] = [];
  const attempts = new Map<string, number>();
  const committed: string[][] = [];
  const flight = { now: 0, max: 0 };
  const gc = new GroupCommit<Req, string>(pool, pino({ level: 'silent' }), {
    name: 'probe',
    size: (r) => r.ids.length,
    async write(tx: Sql, batch: Req[]) {
      batches.push(batch.map((r) => r.ids[0]!));
      flight.max = Math.max(flight.max, ++flight.now);
      try {
        return await writeProbe(tx, batch);
      } finally {
        flight.now--;
      }
    },
    committed: (results) => committed.push(results),
  }, opts);
  async function writeProbe(tx: Sql, batch: Req[]) {
      for (const r of batch) {
        const n = (attempts.get(r.ids[0]!) ?? 0) + 1;
        attempts.set(r.ids[0]!, n);
        if (r.failures && n <= r.failures.times) await tx.query(`do $$ begin raise exception 'probe' using errcode = '${r.failures.code}'; end $$`);
      }
      await tx.query('insert into gc_probe (id) select unnest($1::text[])', [batch.flatMap((r) => r.ids)]);
      return batch.map((r) => r.ids.join(','));
  }
  return { gc, batches, attempts, committed, flight };
}

const stored = async (prefix: string) =>
  (await reader.query<{ id: string }>('select id from gc_probe where id like $1 order by id', [`${prefix}%`])).map((r) => r.id);
const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);

it('batches queued requests up to maxBatch items (a larger request alone, never split), resolving each once committed', async () => {
  const { gc, batches, committed } = queue({ maxBatch: 5, concurrency: 1 });
  // The first request starts at once; the others queue behind it (one transaction at a time).
  const seenAtResolve: Promise<boolean>[] = [];
  const submit = (r: Req) => {
    const p = gc.submit(r);
    seenAtResolve.push(p.then(async () => (await reader.query('select id from gc_probe where id = any($1)', [r.ids])).length === r.ids.length));
    return p;
  };
  const results = await Promise.all([
    submit({ ids: ['b-first'] }),
    ...ids('b-one-', 7).map((id) => submit({ ids: [id] })),
    submit({ ids: ids('b-big-', 7) }),
    submit({ ids: ['b-last-a', 'b-last-b'] }),
  ]);
  expect(results[0]).toBe('b-first');
  expect(results[9]).toBe('b-last-a,b-last-b');
  expect(batches).toEqual([
    ['b-first'],
    ['b-one-00', 'b-one-01', 'b-one-02', 'b-one-03', 'b-one-04'], // 5 items: full
    ['b-one-05', 'b-one-06'], // 2 + 7 > 5: the big request waits for the next transaction
    ['b-big-00'], // 7 items > maxBatch: alone
    ['b-last-a'],
  ]);
  expect(committed.map((c) => c.length)).toEqual([1, 5, 2, 1, 1]);
  // Each promise resolved with its rows already visible to another connection.
  expect(await Promise.all(seenAtResolve)).toEqual(new Array(10).fill(true));
  expect(await stored('b-')).toHaveLength(1 + 7 + 7 + 2);
});

it('a failing request fails alone: its batch is retried in halves and the others commit', async () => {
  const { gc, batches } = queue({ maxBatch: 100, concurrency: 1 });
  await pool.query("insert into gc_probe (id) values ('f-taken')");
  const outcomes = await Promise.allSettled([
    gc.submit({ ids: ['f-hold'] }), // runs alone; the next four queue into one batch
    gc.submit({ ids: ['f-a'] }),
    gc.submit({ ids: ['f-taken', 'f-b'] }), // unique violation: f-taken exists
    gc.submit({ ids: ['f-c'] }),
    gc.submit({ ids: ['f-d', 'f-d'] }), // violates on its own rows
  ]);
  expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'rejected']);
  expect(((outcomes[2] as PromiseRejectedResult).reason as { code: string }).code).toBe('23505');
  expect(await stored('f-')).toEqual(['f-a', 'f-c', 'f-hold', 'f-taken']);
  // The batch of four failed, then its halves, then theirs, one transaction after the other.
  expect(batches).toEqual([['f-hold'], ['f-a', 'f-taken', 'f-c', 'f-d'], ['f-a', 'f-taken'], ['f-a'], ['f-taken'], ['f-c', 'f-d'], ['f-c'], ['f-d']]);
});

it('retries deadlocks and serialization failures up to 3 attempts in all, and nothing else', async () => {
  const { gc, attempts } = queue({ maxBatch: 1, concurrency: 3 });
  const outcomes = await Promise.allSettled([
    gc.submit({ ids: ['r-deadlock'], failures: { code: '40P01', times: 2 } }),
    gc.submit({ ids: ['r-serial'], failures: { code: '40001', times: 2 } }),
    gc.submit({ ids: ['r-always'], failures: { code: '40001', times: 3 } }),
    gc.submit({ ids: ['r-other'], failures: { code: '23514', times: 1 } }),
  ]);
  expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected']);
  expect(((outcomes[2] as PromiseRejectedResult).reason as { code: string }).code).toBe('40001');
  expect(((outcomes[3] as PromiseRejectedResult).reason as { code: string }).code).toBe('23514');
  expect(Object.fromEntries(attempts)).toEqual({ 'r-deadlock': 3, 'r-serial': 3, 'r-always': 3, 'r-other': 1 });
  expect(await stored('r-')).toEqual(['r-deadlock', 'r-serial']);
});

it('isolates a failing request by halving its batch, one transaction at a time: few transactions, never more than `concurrency` in flight', async () => {
  const { gc, batches, flight } = queue({ maxBatch: 1000, concurrency: 1 });
  await pool.query("insert into gc_probe (id) values ('h-31')");
  const hold = gc.submit({ ids: ['h-hold'] }); // runs alone; the 64 below queue into one batch
  const outcomes = await Promise.allSettled(ids('h-', 64).map((id) => gc.submit({ ids: [id] })));
  await hold;
  expect(outcomes.filter((o) => o.status === 'rejected').length).toBe(1);
  expect(outcomes[31]!.status).toBe('rejected');
  expect(await stored('h-')).toHaveLength(1 + 64);
  // 64 → 32 + 32 → … → 1: one failed batch per level (7) plus its sound halves (6), and the hold.
  // Retrying each of the 64 on its own at once would take 65 transactions, up to the pool's size in flight.
  expect(batches.length).toBe(7 + 6 + 1);
  expect(flight.max).toBe(1);
});

it('a throwing `committed` hook neither fails nor repeats a committed batch', async () => {
  let writes = 0;
  const gc = new GroupCommit<Req, string>(pool, pino({ level: 'silent' }), {
    name: 'probe',
    size: (r) => r.ids.length,
    async write(tx: Sql, batch: Req[]) {
      writes++;
      await tx.query('insert into gc_probe (id) select unnest($1::text[])', [batch.flatMap((r) => r.ids)]);
      return batch.map((r) => r.ids.join(','));
    },
    committed: () => {
      throw new Error('metrics broke');
    },
  }, { maxBatch: 10, concurrency: 1 });
  const results = await Promise.allSettled([gc.submit({ ids: ['k-1'] }), gc.submit({ ids: ['k-2'] }), gc.submit({ ids: ['k-3'] })]);
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
  expect(writes).toBe(2); // k-1 alone, then k-2 and k-3 together: each written once
  expect(await stored('k-')).toEqual(['k-1', 'k-2', 'k-3']);
});
