/**
 * A SIGKILL in the middle of sending, then a restart: every recipient gets exactly one message.
 * Sends that were in flight are retried after their lease with the same idempotency key, which
 * the provider (here the simulator, with its durable memory) answers with the same message.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createTestDatabase, dropTestDatabase } from '../helpers/harness';
import { startServerProcess } from '../helpers/process';

const KEY = `sk_senddur_${randomBytes(12).toString('hex')}`;
let databaseUrl: string;

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
});
afterAll(() => dropTestDatabase(databaseUrl));

const startServer = () => startServerProcess(databaseUrl, KEY, { JOBS: 'on', SEND_LEASE_SECONDS: '1', NODE_OPTIONS: '' });

it('sends no duplicate after a SIGKILL mid-send and a restart', async () => {
  let server = await startServer();
  await server.gql('mutation { updateWorkspaceSettings(input: { twilioAuthToken: "sim-token", sendRatePerSecond: 40 }) { id } }');
  await server.gql('mutation($c: [ContactInput!]!) { upsertContacts(contacts: $c) { created } }', {
    c: Array.from({ length: 150 }, (_, i) => ({ externalId: `k-${i}`, phone: `+1415${String(6000000 + i)}`, consent: true, tags: ['k'] })),
  });
  const { createCampaign } = await server.gql<{ createCampaign: { id: string } }>(
    'mutation { createCampaign(input: { name: "kill", audience: { tags: ["k"] }, variants: [{ template: "hello" }] }) { id } }',
  );
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await server.gql('mutation($id: ID!) { launchCampaign(id: $id) { status } }', { id: createCampaign.id });
    const count = async (q: string) => Number((await db.query<{ n: string }>(q, [createCampaign.id])).rows[0]!.n);
    // Accepted by the provider: a message row is recorded just before its provider call, its
    // provider id once accepted.
    const messages = () => count('select count(*) as n from messages where campaign_id = $1 and provider_message_id is not null');
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
    // A send killed between its message row and its provider call found that row again: one row each.
    expect(await count('select count(*) as n from messages where campaign_id = $1')).toBe(150);
    // What the "provider" accepted: one per recipient.
    expect(await count(`select count(*) as n from simulator_sends where idempotency_key like $1 || ':%'`)).toBe(150);
    expect(await count(`select count(*) as n from sends where campaign_id = $1 and status = 'SENT'`)).toBe(150);
  } finally {
    await db.end();
    server.child.kill('SIGTERM');
    await server.exited;
  }
});
