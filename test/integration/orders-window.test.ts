/**
 * The conversion window of orders is whole hours (24 × ORDER_CONVERSION_WINDOW_DAYS), like
 * attribution's touch window, whatever the database's time zone: with calendar days in a zone
 * with daylight saving time, "7 days" after a send before the spring change would be 167 hours.
 */
import { Client } from 'pg';
import { TrackEventsDocument } from '../generated/graphql';
import { campaignWithRecipients } from '../helpers/fixtures';
import { startTestApp, type TestApp } from '../helpers/harness';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const HOUR = 3_600_000;

it('counts an order 167.5 hours after a send across a DST change as within 7 days, in a database whose time zone has DST', async () => {
  // New sessions (the second instance's pools) read timestamps in New York time, where 2026-03-08 has 23 hours.
  await t.sql(`alter database "${new URL(t.databaseUrl).pathname.slice(1)}" set timezone = 'America/New_York'`);
  const app = await t.anotherInstance();
  const probe = new Client({ connectionString: t.databaseUrl });
  await probe.connect();
  expect((await probe.query<{ TimeZone: string }>('show timezone')).rows[0]!.TimeZone).toBe('America/New_York');
  await probe.end();
  const key = await t.newWorkspaceKey('orders-window');
  const f = await campaignWithRecipients(t, key, 2, [50, 50], 'dst');
  const sent = Date.parse('2026-03-05T12:00:00Z'); // 07:00 EST; the window ends 2026-03-12T12:00Z (168 h)
  const events = f.contacts.map((c) => ({ campaignId: f.campaignId, contactId: c.id, type: 'SENT' as const, occurredAt: new Date(sent).toISOString() }));
  expect((await t.ok(TrackEventsDocument, { events }, key)).trackEvents.accepted).toBe(2);
  const post = (orders: unknown[]) =>
    fetch(`${app.url}/v1/orders`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(orders) }).then((r) => r.json() as Promise<{ accepted: number; conversions: number }>);
  const r = await post([
    { contactId: f.contacts[0]!.id, orderId: 'dst-in', value: 10, occurredAt: new Date(sent + 167.5 * HOUR).toISOString() }, // inside 168 h
    { contactId: f.contacts[1]!.id, orderId: 'dst-out', value: 10, occurredAt: new Date(sent + 168 * HOUR + 1).toISOString() }, // just after
  ]);
  expect(r).toMatchObject({ accepted: 2, conversions: 1 });
  const [converted] = await t.sql<{ contact_id: string }>("select contact_id from events where campaign_id = ? and type = 'CONVERTED'", [f.campaignId]);
  expect(converted!.contact_id).toBe(f.contacts[0]!.id);
});
