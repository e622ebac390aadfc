/**
 * Nothing acknowledged is lost: the real server process is killed (SIGKILL) while clients post
 * events; after a restart every acknowledged event is stored and counted exactly once, and
 * re-sending everything (the clients' retry) completes the set without double counting.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createTestDatabase, dropTestDatabase } from '../helpers/harness';
import { startServerProcess } from '../helpers/process';

const KEY = `sk_durability_${randomBytes(12).toString('hex')}`;
let databaseUrl: string;

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
});
afterAll(() => dropTestDatabase(databaseUrl));

const startServer = () => startServerProcess(databaseUrl, KEY, { JOBS: 'off' });

it('keeps every acknowledged event, exactly once, across a SIGKILL', async () => {
  let server = await startServer();
  const contacts = Array.from({ length: 50 }, (_, i) => ({ externalId: `d-${i}`, consent: true, tags: ['d'] }));
  await server.gql('mutation($c: [ContactInput!]!) { upsertContacts(contacts: $c) { created } }', { c: contacts });
  const { createCampaign } = await server.gql<{ createCampaign: { id: string } }>(
    'mutation { createCampaign(input: { name: "durable", type: AB_TEST, variants: [{ template: "a" }, { template: "b" }] }) { id } }',
  );
  const campaignId = createCampaign.id;
  await server.gql('mutation($id: ID!) { addRecipients(campaignId: $id, audience: { tags: ["d"] }) { added } }', { id: campaignId });
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const ids = (await db.query<{ id: string }>('select contact_id as id from assignments where campaign_id = $1', [campaignId])).rows.map((r) => r.id);

    // 8 writers post batches of 20 conversions (value 1, unique keys) until the server dies.
    const batchOf = (w: number, b: number) =>
      Array.from({ length: 20 }, (_, i) => ({ campaignId, contactId: ids[(w * 7 + b + i) % ids.length], type: 'CONVERTED', value: 1, idempotencyKey: `k-${w}-${b}-${i}` }));
    const attempted: ReturnType<typeof batchOf>[] = [];
    const acked = new Set<string>();
    let stop = false;
    const writers = Array.from({ length: 8 }, async (_, w) => {
      for (let b = 0; !stop; b++) {
        const batch = batchOf(w, b);
        attempted.push(batch);
        try {
          const res = await fetch(`${server.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body: JSON.stringify(batch) });
          if (res.status !== 200) return;
          const r = (await res.json()) as { accepted: number; duplicates: number };
          if (r.accepted !== 20) throw new Error(`expected 20 accepted, got ${JSON.stringify(r)}`);
          batch.forEach((e) => acked.add(e.idempotencyKey));
        } catch (e) {
          if ((e as Error).message.startsWith('expected')) throw e;
          return; // connection reset by the kill
        }
      }
    });
    await new Promise((r) => setTimeout(r, 1500));
    server.child.kill('SIGKILL');
    stop = true;
    await server.exited;
    await Promise.all(writers);
    expect(acked.size).toBeGreaterThan(100);

    server = await startServer();
    const stored = await db.query<{ key: string; n: string }>(
      `select idempotency_key as key, count(*) as n from events where campaign_id = $1 group by idempotency_key`,
      [campaignId],
    );
    const storedKeys = new Map(stored.rows.map((r) => [r.key, Number(r.n)]));
    for (const key of acked) expect(storedKeys.get(key)).toBe(1);
    const revenue = async () => Number((await db.query<{ r: string }>('select coalesce(sum(revenue), 0) as r from variant_counters where campaign_id = $1', [campaignId])).rows[0]!.r);
    expect(await revenue()).toBe(stored.rows.length); // counters agree with the stored events

    // The clients retry everything they sent: duplicates are recognised, the rest completes.
    let accepted = 0;
    let duplicates = 0;
    for (const batch of attempted) {
      const res = await fetch(`${server.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body: JSON.stringify(batch) });
      const r = (await res.json()) as { accepted: number; duplicates: number };
      accepted += r.accepted;
      duplicates += r.duplicates;
    }
    const total = attempted.length * 20;
    expect(accepted + duplicates).toBe(total);
    expect(duplicates).toBe(stored.rows.length);
    expect(await revenue()).toBe(total);
  } finally {
    await db.end();
    server.child.kill('SIGTERM');
    await server.exited;
  }
});
