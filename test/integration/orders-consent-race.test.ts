/**
 * An order and an opt-out of the same test recipient at the same time. The order pipeline holds
 * the contact FOR KEY SHARE (its orders' foreign key) before it locks the recipient's assignment;
 * the event pipeline locks the assignment, then the contact to change its opt-outs. Changing
 * opt-outs is not a key update: FOR NO KEY UPDATE does not wait for a key-share lock, FOR UPDATE
 * would, and the two transactions would deadlock (each waiting for the other).
 * deadlock_timeout is raised for this database so that a deadlock shows as a hang, not a retry.
 */
import { Client } from 'pg';
import { TrackEventsDocument } from '../generated/graphql';
import { campaignWithRecipients } from '../helpers/fixtures';
import { startTestApp, type TestApp } from '../helpers/harness';
import { until } from '../helpers/until';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

it('an order and an opt-out of one recipient, queued behind the same assignment lock, both commit without a deadlock', async () => {
  await t.sql(`alter database "${new URL(t.databaseUrl).pathname.slice(1)}" set deadlock_timeout = '60s'`);
  const app = await t.anotherInstance(); // its sessions start after the change
  const key = await t.newWorkspaceKey('orders-consent');
  const f = await campaignWithRecipients(t, key, 1, [50, 50], 'oc');
  const c = f.contacts[0]!;
  const sentAt = new Date(Date.now() - 3_600_000).toISOString();
  expect((await t.ok(TrackEventsDocument, { events: [{ campaignId: f.campaignId, contactId: c.id, type: 'SENT', occurredAt: sentAt }] }, key)).trackEvents.accepted).toBe(1);

  const gql = (query: string, variables: unknown) =>
    fetch(`${app.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query, variables }) }).then((r) => r.json() as Promise<{ data?: Record<string, { accepted: number; conversions?: number }>; errors?: unknown }>);
  const holder = new Client({ connectionString: t.databaseUrl });
  await holder.connect();
  const waiting = async (n: number) =>
    // From another session: within the holder's transaction pg_stat_activity would be one snapshot.
    until(async () => Number((await t.sql<{ n: string }>("select count(*) as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database() and query ilike '%assignments%'"))[0]!.n), (w) => w >= n);
  let optOut: ReturnType<typeof gql>;
  let order: ReturnType<typeof gql>;
  try {
    await holder.query('begin');
    await holder.query('select 1 from assignments where campaign_id = $1 and contact_id = $2 for update', [f.campaignId, c.id]);
    // The opt-out queues first on the assignment, then the order (which already holds the contact FOR KEY SHARE).
    optOut = gql('mutation($e: [TrackEventInput!]!) { trackEvents(events: $e) { accepted } }', { e: [{ campaignId: f.campaignId, contactId: c.id, type: 'OPTED_OUT' }] });
    expect(await waiting(1)).toBeGreaterThanOrEqual(1);
    order = gql('mutation($o: [OrderInput!]!) { recordOrders(orders: $o) { accepted conversions } }', { o: [{ contactId: c.id, orderId: 'oc-1', value: 25 }] });
    expect(await waiting(2)).toBeGreaterThanOrEqual(2);
    await holder.query('commit');
  } finally {
    await holder.end();
  }
  // Without a deadlock both answer at once; a deadlock would hold them for deadlock_timeout (60 s).
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 15_000).unref());
  const results = await Promise.race([Promise.all([optOut!, order!]), timeout]);
  expect(results).not.toBe('timeout');
  const [o, r] = results as Awaited<ReturnType<typeof gql>>[];
  expect(o!.errors).toBeUndefined();
  expect(r!.errors).toBeUndefined();
  expect(o!.data!.trackEvents!.accepted).toBe(1);
  expect(r!.data!.recordOrders).toEqual({ accepted: 1, conversions: 1 });
  await t.sql(`alter database "${new URL(t.databaseUrl).pathname.slice(1)}" reset deadlock_timeout`);
}, 90_000);
