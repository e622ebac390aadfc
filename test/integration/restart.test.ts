/**
 * Kill and restart, the server *with its database*: the real server on its own embedded
 * PostgreSQL (no DATABASE_URL, its own DATA_DIR) is SIGKILLed together with every PostgreSQL
 * process of that directory while clients post events, and started again at once, ten times in a
 * row. The killed postmaster leaves postmaster.pid behind and may not be reaped yet when the next
 * start looks; every start must still be ready within 30 s, and no acknowledged event may be lost
 * or doubled. Also: a second server on a directory a live one holds refuses, naming the PID.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { brief, killLeftovers, killWithDatabase, postgresProcesses, processTree, spawnServer, startEmbeddedServerProcess, stillAlive, type ServerProcess } from '../helpers/process';

jest.setTimeout(150_000);

const KEY = `sk_restart_${randomBytes(12).toString('hex')}`;
const KILLS = 10;
const BATCH = 20;
let dataDir: string;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'splitcast-restart-'));
  chmodSync(dataDir, 0o755); // PostgreSQL runs as its own user when the tests run as root
});
afterAll(() => {
  // After a failure: no server or PostgreSQL left running (they would hold the test's pipes open).
  if (current) killLeftovers([...processTree(current.child.pid!), ...postgresProcesses(join(dataDir, 'pg'))]);
  rmSync(dataDir, { recursive: true, force: true });
});
let current: ServerProcess | undefined;

const start = async () => (current = await startEmbeddedServerProcess(dataDir, KEY, { JOBS: 'off', LOG_LEVEL: 'warn' }, { readyWithinMs: 30_000 }));

/** A client on the server's embedded cluster: its password file and the port in postmaster.pid. */
async function connect(): Promise<Client> {
  const password = readFileSync(join(dataDir, 'pg-password'), 'utf8').trim();
  const port = Number(readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[3]);
  const db = new Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
  db.on('error', () => undefined); // the cluster may die under it
  await db.connect();
  return db;
}

type Event = { campaignId: string; contactId: string; type: 'CONVERTED'; value: number; idempotencyKey: string };

const post = (server: ServerProcess, batch: Event[]) =>
  fetch(`${server.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body: JSON.stringify(batch) });

it(`keeps every acknowledged event exactly once across ${KILLS} SIGKILLs of the server with its database, each restart ready within 30 s`, async () => {
  let server = await start();
  const readyMs = [server.readyMs];
  const contacts = Array.from({ length: 40 }, (_, i) => ({ externalId: `r-${i}`, consent: true, tags: ['r'] }));
  await server.gql('mutation($c: [ContactInput!]!) { upsertContacts(contacts: $c) { created } }', { c: contacts });
  const { createCampaign } = await server.gql<{ createCampaign: { id: string } }>(
    'mutation { createCampaign(input: { name: "restart", type: AB_TEST, variants: [{ template: "a" }, { template: "b" }] }) { id } }',
  );
  const campaignId = createCampaign.id;
  await server.gql('mutation($id: ID!) { addRecipients(campaignId: $id, audience: { tags: ["r"] }) { added } }', { id: campaignId });
  let db = await connect();
  const ids = (await db.query<{ id: string }>('select contact_id as id from assignments where campaign_id = $1', [campaignId])).rows.map((r) => r.id);
  await db.end();
  expect(ids).toHaveLength(40);

  const acked = new Set<string>();
  /** Sent, but the answer was lost in a kill: the client retries them after the restart. */
  let pending: Event[][] = [];
  const failures: string[] = [];
  const staleNotices: string[] = [];
  const batchOf = (round: number, w: number, b: number): Event[] =>
    Array.from({ length: BATCH }, (_, i) => ({ campaignId, contactId: ids[(w * 7 + b + i) % ids.length]!, type: 'CONVERTED', value: 1, idempotencyKey: `r${round}-w${w}-b${b}-${i}` }));

  /** The client's retry: every batch in doubt is sent again until acknowledged; a retry never counts twice. */
  async function retryPending() {
    for (const batch of pending) {
      const res = await post(server, batch);
      expect(res.status).toBe(200);
      const r = (await res.json()) as { accepted: number; duplicates: number };
      expect(r.accepted + r.duplicates).toBe(BATCH);
      batch.forEach((e) => acked.add(e.idempotencyKey));
    }
    pending = [];
  }

  /** After each restart: everything acknowledged so far is stored, once. */
  async function checkStored() {
    const c = await connect();
    try {
      const rows = (await c.query<{ key: string; n: number }>('select idempotency_key as key, count(*)::int as n from events where campaign_id = $1 group by idempotency_key', [campaignId])).rows;
      const stored = new Map(rows.map((r) => [r.key, r.n]));
      const lost = [...acked].filter((k) => stored.get(k) !== 1);
      expect(lost).toEqual([]);
      expect(rows.filter((r) => r.n !== 1)).toEqual([]);
    } finally {
      await c.end();
    }
  }

  for (let round = 0; round < KILLS; round++) {
    // 4 writers post batches until the kill; the kill comes once this round has 3 acknowledged
    // batches, so it always lands while requests are in flight.
    let stop = false;
    let ackedThisRound = 0;
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let b = 0; !stop; b++) {
        const batch = batchOf(round, w, b);
        try {
          const res = await post(server, batch);
          if (res.status !== 200) throw new Error(`status ${res.status}`);
          const r = (await res.json()) as { accepted: number; duplicates: number };
          if (r.accepted !== BATCH) failures.push(`round ${round}: fresh batch got ${JSON.stringify(r)}`);
          batch.forEach((e) => acked.add(e.idempotencyKey));
          ackedThisRound++;
        } catch {
          pending.push(batch); // no answer: in doubt
          return;
        }
      }
    });
    const deadline = Date.now() + 20_000;
    while (ackedThisRound < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(ackedThisRound).toBeGreaterThanOrEqual(3);
    const victims = killWithDatabase(server, dataDir);
    stop = true;
    expect(victims.filter((p) => p.argv.some((a) => a.endsWith('main.js')))).toHaveLength(1);
    expect(victims.some((p) => p.argv.includes('-D'))).toBe(true); // the postmaster
    expect(await server.exited).toBeNull(); // killed by the signal
    await Promise.all(writers);

    server = await start(); // at once: the postmaster may be a zombie still
    readyMs.push(server.readyMs);
    staleNotices.push(...server.output().split('\n').filter((l) => l.includes('postmaster.pid')));
    await checkStored();
    await retryPending();
  }
  expect(failures).toEqual([]);
  expect(Math.max(...readyMs)).toBeLessThan(30_000);

  // In the end the stored events are exactly the acknowledged ones, each once, and the counters agree.
  db = await connect();
  try {
    const rows = (await db.query<{ key: string }>('select idempotency_key as key from events where campaign_id = $1', [campaignId])).rows;
    expect(rows.length).toBe(acked.size);
    expect(new Set(rows.map((r) => r.key))).toEqual(acked);
    const counters = (await db.query<{ revenue: string; converted_events: string }>('select coalesce(sum(revenue), 0) as revenue, coalesce(sum(events), 0) as converted_events from variant_counters where campaign_id = $1', [campaignId])).rows[0]!;
    expect(Number(counters.revenue)).toBe(acked.size);
    expect(Number(counters.converted_events)).toBe(acked.size);
  } finally {
    await db.end();
  }
  // Printed for the record (not asserted): start times, and how often a stale postmaster.pid was met.
  console.log(`restart: ${acked.size} events acknowledged; ready after ${readyMs.join(', ')} ms; ${staleNotices.length} stale-pid notices:\n${staleNotices.slice(0, 3).join('\n')}`);

  // A second server on the directory the live one holds refuses at once, naming the PID and the directory.
  const postmaster = postgresProcesses(join(dataDir, 'pg')).find((p) => p.argv.includes('-D'))!;
  const second = await spawnServer(KEY, { DATABASE_URL: '', DATA_DIR: dataDir, JOBS: 'off', LOG_LEVEL: 'warn' }, { readyWithinMs: 20_000 }).then(
    (s) => {
      s.child.kill('SIGKILL');
      return 'started';
    },
    (e: Error) => e.message,
  );
  expect(second).toContain(`PostgreSQL (PID ${postmaster.pid}) is already running on the data directory ${join(dataDir, 'pg')}`);
  expect(second).toContain(`kill ${postmaster.pid}`);
  expect(stillAlive([postmaster])).toHaveLength(1); // untouched
  expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

  server.child.kill('SIGTERM');
  expect(await server.exited).toBe(0);
  expect(stillAlive(postgresProcesses(join(dataDir, 'pg'))).map(brief)).toEqual([]);
});
