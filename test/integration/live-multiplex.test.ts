/**
 * Multiplexed subscriptions: subscribers of the same shape get the very same payload bytes (only
 * the subscription id differs), a different selection set gets its own correct shape, and ending
 * a subscription (the client's `complete`, or the socket's close) stops it on the server while the
 * socket's other subscriptions go on.
 */
import WebSocket from 'ws';
import { TrackEventsDocument, VariantStatsUpdatedDocument } from '../generated/graphql';
import { campaignWithRecipients, type CampaignFixture } from '../helpers/fixtures';
import { startTestApp, type TestApp } from '../helpers/harness';
import { until } from '../helpers/until';
import { subscribe } from '../helpers/ws';

let t: TestApp;
let key: string;
let f: CampaignFixture;
beforeAll(async () => {
  t = await startTestApp();
  key = await t.newWorkspaceKey('multiplex');
  f = await campaignWithRecipients(t, key, 20, [50, 50], 'mx');
});
afterAll(() => t.close());

const FULL = 'subscription($c: ID!) { variantStatsUpdated(campaignId: $c) { campaignId at variants { variantId clicked events } } }';
const SMALL = 'subscription($c: ID!) { variantStatsUpdated(campaignId: $c) { campaignId variants { clicked } } }';

/** A graphql-transport-ws socket driven by hand, keeping every raw frame the server sends. */
async function rawSocket(apiKey: string) {
  const socket = new WebSocket(t.url.replace(/^http/, 'ws') + '/graphql', 'graphql-transport-ws');
  const frames: string[] = [];
  const closes: number[] = [];
  socket.on('message', (d) => frames.push(String(d)));
  socket.on('close', (code) => closes.push(code));
  await new Promise((r) => socket.once('open', r));
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${apiKey}` } }));
  await until(() => frames.some((m) => JSON.parse(m).type === 'connection_ack'), Boolean);
  return {
    socket,
    frames,
    closes,
    subscribe: (id: string, query: string) => socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables: { c: f.campaignId } } })),
    complete: (id: string) => socket.send(JSON.stringify({ id, type: 'complete' })),
    /** The `next` frames of subscription `id`, with their payload as raw text (the frame without its id part). */
    payloads: (id: string) => frames.filter((m) => m.startsWith(`{"id":${JSON.stringify(id)},"type":"next","payload":`)).map((m) => m.slice(`{"id":${JSON.stringify(id)},"type":"next","payload":`.length, -1)),
  };
}

const click = (from: number, n: number) => t.ok(TrackEventsDocument, { events: f.contacts.slice(from, from + n).map((c) => ({ campaignId: f.campaignId, contactId: c.id, type: 'CLICKED' as const })) }, key);
const clickedIn = (payload: string) => (JSON.parse(payload) as { data: { variantStatsUpdated: { variants: { clicked: number }[] } } }).data.variantStatsUpdated.variants.reduce((a, v) => a + v.clicked, 0);

it('sends the same payload bytes to every subscriber of a shape, and each shape its own fields', async () => {
  const before = t.app.live.subscriberCount();
  const a = await rawSocket(key);
  const b = await rawSocket(key);
  const client = await subscribe(t.url, key, VariantStatsUpdatedDocument, { campaignId: f.campaignId });
  try {
    a.subscribe('first', FULL);
    b.subscribe('other-id', FULL);
    b.subscribe('small', SMALL);
    expect(await until(() => t.app.live.subscriberCount(), (n) => n === before + 4)).toBe(before + 4);
    await click(0, 3);
    await until(() => [a.payloads('first'), b.payloads('other-id'), b.payloads('small')].every((p) => p.some((x) => clickedIn(x) === 3)), Boolean);
    await client.waitFor((u) => u.variantStatsUpdated.variants.reduce((s, v) => s + v.clicked, 0) === 3, 5000);

    const [fromA, fromB] = [a.payloads('first'), b.payloads('other-id')];
    expect(fromA.length).toBeGreaterThan(0);
    expect(fromB).toEqual(fromA); // byte for byte, `at` included: one execution, one serialization
    const full = JSON.parse(fromA[fromA.length - 1]!);
    expect(Object.keys(full)).toEqual(['data']);
    expect(Object.keys(full.data.variantStatsUpdated).sort()).toEqual(['at', 'campaignId', 'variants']);
    expect(full.data.variantStatsUpdated.variants.map((v: { variantId: string }) => v.variantId).sort()).toEqual(f.variants.map((v) => v.id).sort());
    for (const v of full.data.variantStatsUpdated.variants) expect(Object.keys(v).sort()).toEqual(['clicked', 'events', 'variantId']);

    const small = JSON.parse(b.payloads('small').at(-1)!);
    expect(small).toEqual({ data: { variantStatsUpdated: { campaignId: f.campaignId, variants: [expect.any(Object), expect.any(Object)] } } });
    for (const v of small.data.variantStatsUpdated.variants) expect(Object.keys(v)).toEqual(['clicked']);
    expect(clickedIn(b.payloads('small').at(-1)!)).toBe(3);

    // The graphql-ws client parses the same frames into its document's shape.
    const last = client.messages.at(-1)!.data.variantStatsUpdated;
    expect(last.campaignId).toBe(f.campaignId);
    expect(client.errors).toEqual([]);
  } finally {
    await client.close();
    a.socket.close();
    b.socket.close();
  }
  expect(await until(() => t.app.live.subscriberCount(), (n) => n === before)).toBe(before);
});

it("ends a subscription on the client's complete, and keeps the socket's other subscriptions", async () => {
  const before = t.app.live.subscriberCount();
  const s = await rawSocket(key);
  try {
    s.subscribe('stays', FULL);
    s.subscribe('goes', SMALL);
    expect(await until(() => t.app.live.subscriberCount(), (n) => n === before + 2)).toBe(before + 2);
    s.complete('goes');
    expect(await until(() => t.app.live.subscriberCount(), (n) => n === before + 1)).toBe(before + 1);
    const total = (await t.app.live.readStats(t.app.orm.em.fork(), f.campaignId)).variants.reduce((a, v) => a + v.clicked, 0);
    await click(3, 2);
    await until(() => s.payloads('stays').some((p) => clickedIn(p) === total + 2), Boolean);
    expect(s.payloads('stays').some((p) => clickedIn(p) === total + 2)).toBe(true);
    expect(s.payloads('goes')).toEqual([]);
    expect(s.closes).toEqual([]);
  } finally {
    s.socket.close();
  }
  expect(await until(() => t.app.live.subscriberCount(), (n) => n === before)).toBe(before);
});

it('answers a subscription to an unknown campaign with NOT_FOUND on that id only', async () => {
  const s = await rawSocket(key);
  try {
    s.socket.send(JSON.stringify({ id: 'bad', type: 'subscribe', payload: { query: FULL, variables: { c: '00000000-0000-4000-8000-000000000000' } } }));
    await until(() => s.frames.some((m) => m.includes('"bad"') && m.includes('NOT_FOUND')), Boolean);
    const frames = s.frames.filter((m) => m.includes('"bad"')).map((m) => JSON.parse(m));
    expect(frames[0]).toMatchObject({ id: 'bad', type: 'next', payload: { errors: [{ extensions: { code: 'NOT_FOUND' } }] } });
    expect(frames.at(-1)).toEqual({ id: 'bad', type: 'complete' });
    expect(s.closes).toEqual([]);
  } finally {
    s.socket.close();
  }
});
