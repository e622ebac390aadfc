/**
 * Review of the event_keys idempotency table (Migration20261205000000_event_partitions): concurrent
 * batches carrying the same keys, from two instances (two pools, so two transactions racing on the
 * same event_keys rows), in opposite orders and with repeats inside a batch. Each key is stored
 * once and answered ACCEPTED once; every other copy is a DUPLICATE, never an error or a deadlock.
 */
import { type TrackEventInput } from '../generated/graphql';
import { campaignWithRecipients } from '../helpers/fixtures';
import { startTestApp, type TestApp } from '../helpers/harness';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

it('the same keys from 8 concurrent writers on two instances are stored once each, the rest answered as duplicates', async () => {
  const key = await t.newWorkspaceKey('key-race');
  const f = await campaignWithRecipients(t, key, 10, [50, 50], 'kr');
  const b = await t.anotherInstance();
  const KEYS = 60;
  const batch = (w: number): TrackEventInput[] => {
    const order = Array.from({ length: KEYS }, (_, i) => i);
    if (w % 2 === 1) order.reverse();
    // Writer w also repeats a few keys within its own batch.
    const withRepeats = [...order, ...order.filter((i) => i % 7 === w % 7)];
    return withRepeats.map((i) => ({ campaignId: f.campaignId, contactId: f.contacts[i % 10]!.id, type: 'CLICKED', idempotencyKey: `race-${i}` }));
  };
  const post = async (url: string, events: TrackEventInput[]) => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: 'mutation($e: [TrackEventInput!]!) { trackEvents(events: $e) { accepted duplicates rejected { index code } } }', variables: { e: events } }),
    });
    return (await res.json()) as { data?: { trackEvents: { accepted: number; duplicates: number; rejected: unknown[] } }; errors?: unknown[] };
  };
  const batches = Array.from({ length: 8 }, (_, w) => batch(w));
  const results = await Promise.all(batches.map((events, w) => post(w % 2 === 0 ? t.url : b.url, events)));
  for (const r of results) {
    expect(r.errors).toBeUndefined();
    expect(r.data!.trackEvents.rejected).toEqual([]);
  }
  const sent = batches.reduce((a, e) => a + e.length, 0);
  expect(results.reduce((a, r) => a + r.data!.trackEvents.accepted, 0)).toBe(KEYS);
  expect(results.reduce((a, r) => a + r.data!.trackEvents.duplicates, 0)).toBe(sent - KEYS);

  const rows = await t.sql<{ k: string; n: string }>(`select idempotency_key as k, count(*) as n from events where campaign_id = ? group by 1`, [f.campaignId]);
  expect(rows).toHaveLength(KEYS);
  expect(rows.every((r) => Number(r.n) === 1)).toBe(true);
  const [keys] = await t.sql<{ n: string }>(`select count(*) as n from event_keys where idempotency_key like 'race-%'`);
  expect(Number(keys!.n)).toBe(KEYS);
  const [counters] = await t.sql<{ events: string }>('select sum(events) as events from variant_counters where campaign_id = ?', [f.campaignId]);
  expect(Number(counters!.events)).toBe(KEYS);

  // A later batch with all of them again: duplicates only, nothing stored.
  const again = await post(t.url, batch(0));
  expect(again.data!.trackEvents).toMatchObject({ accepted: 0, duplicates: batch(0).length });
});
