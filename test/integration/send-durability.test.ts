/**
 * A SIGKILL in the middle of sending, then a restart: every recipient gets exactly one message.
 * Sends that were in flight are retried after their lease with the same idempotency key, which
 * the provider (here the simulator, with its durable memory) answers with the same message.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../../src/db/embedded';
import { createTestDatabase, dropTestDatabase } from '../helpers/harness';

const MAIN = join(__dirname, '..', '..', 'src', 'main.js');
const KEY = `sk_senddur_${randomBytes(12).toString('hex')}`;
let databaseUrl: string;

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
});
afterAll(() => dropTestDatabase(databaseUrl));

async function startServer(): Promise<{ child: ChildProcess; url: string; exited: Promise<unknown> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), ADMIN_API_KEY: KEY, LOG_LEVEL: 'fatal', JOBS: 'on', SEND_LEASE_SECONDS: '1', NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise((r) => child.on('exit', r));
  const deadline = Date.now() + 20_000;
  while (!out.includes('Splitcast is ready')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, url: `http://127.0.0.1:${port}`, exited };
}

async function gql<T>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data: T; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

it('sends no duplicate after a SIGKILL mid-send and a restart', async () => {
  let server = await startServer();
  await gql(server.url, 'mutation { updateWorkspaceSettings(input: { twilioAuthToken: "sim-token", sendRatePerSecond: 40 }) { id } }');
  await gql(server.url, 'mutation($c: [ContactInput!]!) { upsertContacts(contacts: $c) { created } }', {
    c: Array.from({ length: 150 }, (_, i) => ({ externalId: `k-${i}`, phone: `+1415${String(6000000 + i)}`, consent: true, tags: ['k'] })),
  });
  const { createCampaign } = await gql<{ createCampaign: { id: string } }>(
    server.url,
    'mutation { createCampaign(input: { name: "kill", audience: { tags: ["k"] }, variants: [{ template: "hello" }] }) { id } }',
  );
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await gql(server.url, 'mutation($id: ID!) { launchCampaign(id: $id) { status } }', { id: createCampaign.id });
    const count = async (q: string) => Number((await db.query<{ n: string }>(q, [createCampaign.id])).rows[0]!.n);
    const messages = () => count('select count(*) as n from messages where campaign_id = $1');
    const deadline = Date.now() + 10_000;
    while ((await messages()) < 40 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    server.child.kill('SIGKILL');
    await server.exited;
    const atKill = await messages();
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(150);

    server = await startServer();
    const done = Date.now() + 20_000;
    while ((await messages()) < 150 && Date.now() < done) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 1500)); // any late retry would show up now
    expect(await messages()).toBe(150);
    expect(await count('select count(distinct contact_id) as n from messages where campaign_id = $1')).toBe(150);
    // What the "provider" accepted: one per recipient.
    expect(await count(`select count(*) as n from simulator_sends where idempotency_key like $1 || ':%'`)).toBe(150);
    expect(await count(`select count(*) as n from sends where campaign_id = $1 and status = 'SENT'`)).toBe(150);
  } finally {
    await db.end();
    server.child.kill('SIGTERM');
    await server.exited;
  }
});
