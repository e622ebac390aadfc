/**
 * What callers see while the database cannot be reached, for real: the test database is closed to
 * new connections and its connections are terminated (what a DBA's maintenance or a failover does
 * to the app). Ingestion, webhooks and GraphQL answer "retry later" (503 / DATABASE_UNAVAILABLE),
 * never a 2xx for something not stored and never a bare 500; /readyz says not ready while
 * /healthz stays up; once the database is back, the same requests succeed without a restart.
 */
import { adminClient, startTestApp, type TestApp } from '../helpers/harness';
import { campaignWithRecipients, type CampaignFixture } from '../helpers/fixtures';
import { until } from '../helpers/until';

let t: TestApp;
let key: string;
let f: CampaignFixture;
beforeAll(async () => {
  t = await startTestApp({ JOBS: 'off' });
  key = await t.newWorkspaceKey('db-down');
  f = await campaignWithRecipients(t, key, 2, [50, 50], 'dbdown');
});
afterAll(async () => {
  await setConnections(true).catch(() => undefined);
  await t.close();
});

/** Opens or closes the test database to connections; closing also ends the app's connections. */
async function setConnections(allowed: boolean): Promise<void> {
  const db = new URL(t.databaseUrl).pathname.slice(1);
  const admin = await adminClient();
  try {
    await admin.query(`alter database ${db} allow_connections ${allowed}`);
    if (!allowed) await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [db]);
  } finally {
    await admin.end();
  }
}

const postEvent = (idempotencyKey: string) =>
  fetch(`${t.url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify([{ campaignId: f.campaignId, contactId: f.contacts[0]!.id, type: 'DELIVERED', idempotencyKey }]),
  });

it('answers 503 / DATABASE_UNAVAILABLE while the database is down, and recovers by itself', async () => {
  expect((await postEvent('before')).status).toBe(200);
  await setConnections(false);

  // The first statements may still meet a dying connection: every answer is a retry-later one.
  const down = await postEvent('during');
  expect(down.status).toBe(503);
  expect(down.headers.get('retry-after')).toBe('5');
  expect(await down.json()).toMatchObject({ error: { code: 'UNAVAILABLE', reason: 'DATABASE_UNAVAILABLE' } });

  const webhook = await fetch(`${t.url}/webhooks/twilio/${f.workspaceId}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'MessageSid=SM1&MessageStatus=delivered' });
  expect(webhook.status).toBe(503);

  const gql = await t.raw<{ campaign: { id: string } | null }>(`{ campaign(id: "${f.campaignId}") { id name } }`, {}, key);
  expect(gql.errors?.[0]?.extensions).toMatchObject({ code: 'INTERNAL', reason: 'DATABASE_UNAVAILABLE' });

  const ready = await until(() => fetch(`${t.url}/readyz`).then((r) => r.status), (s) => s === 503);
  expect(ready).toBe(503);
  expect((await fetch(`${t.url}/healthz`)).status).toBe(200);

  await setConnections(true);
  const back = await until(() => postEvent('after').then((r) => r.status), (s) => s === 200);
  expect(back).toBe(200);
  expect(await until(() => fetch(`${t.url}/readyz`).then((r) => r.status), (s) => s === 200)).toBe(200);
  // Only what was acknowledged is stored: the event refused with 503 is not.
  const keys = await t.sql<{ k: string }>(`select idempotency_key as k from events where campaign_id = ? and type = 'DELIVERED' order by k`, [f.campaignId]);
  expect(keys.map((r) => r.k)).toEqual(['after', 'before']);
});
