/**
 * A slow client (here: one that stops reading its socket) does not make the server queue every
 * stats update for it: once the socket's send queue is over the bound, each subscription keeps only
 * its newest snapshot, sent when the queue drains — so it receives fewer messages than a reading
 * client, and its last one still carries the final counters. Status messages are never dropped.
 */
import WebSocket from 'ws';
import { ArchiveCampaignDocument, TrackEventsDocument } from '../generated/graphql';
import { campaignWithRecipients, type CampaignFixture } from '../helpers/fixtures';
import { startTestApp, type TestApp } from '../helpers/harness';
import { until } from '../helpers/until';

const WINDOW_MS = 50;
/** Subscriptions on the paused socket: 400 × ~0.6 KB per update fills the loopback buffers (a few MB) in a few dozen updates. */
const SUBSCRIPTIONS = 400;
const UPDATES = 60;
const QUERY = `subscription($c: ID!) { variantStatsUpdated(campaignId: $c) { campaignId at variants { id variantId assigned sent delivered clicked converted revenue clickRate conversionRate revenuePerRecipient events updatedAt } } }`;
const STATUS = 'subscription { campaignStatusChanged { id status } }';

let t: TestApp;
let key: string;
let f: CampaignFixture;
beforeAll(async () => {
  t = await startTestApp({ LIVE_COALESCE_MS: String(WINDOW_MS) });
  key = await t.newWorkspaceKey('slow');
  f = await campaignWithRecipients(t, key, UPDATES, [50, 50], 'slow');
});
afterAll(() => t.close());

async function rawSocket() {
  const socket = new WebSocket(t.url.replace(/^http/, 'ws') + '/graphql', 'graphql-transport-ws');
  const frames: { id?: string; type: string; payload?: { data?: Record<string, unknown> } }[] = [];
  socket.on('message', (d) => frames.push(JSON.parse(String(d))));
  await new Promise((r) => socket.once('open', r));
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } }));
  await until(() => frames.some((m) => m.type === 'connection_ack'), Boolean);
  return {
    socket,
    frames,
    subscribe: (id: string, query: string, variables: Record<string, unknown> = { c: f.campaignId }) => socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } })),
    next: (id: string) => frames.filter((m) => m.id === id && m.type === 'next').map((m) => m.payload!.data!),
  };
}

const clicked = (data: Record<string, unknown>) => (data.variantStatsUpdated as { variants: { clicked: number }[] }).variants.reduce((a, v) => a + v.clicked, 0);

it('keeps only the newest stats snapshot for a socket that does not read, and every status message', async () => {
  const others = await Promise.all([1, 2, 3].map((i) => campaignWithRecipients(t, key, 1, [50, 50], `slow-other-${i}`)));
  const before = t.app.live.subscriberCount();
  const reader = await rawSocket();
  const slow = await rawSocket();
  try {
    reader.subscribe('r', QUERY);
    reader.subscribe('rs', STATUS);
    for (let i = 0; i < SUBSCRIPTIONS; i++) slow.subscribe(`s${i}`, QUERY);
    slow.subscribe('status', STATUS);
    await until(() => t.app.live.subscriberCount(), (n) => n === before + SUBSCRIPTIONS + 3);
    (slow.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();

    // One click per update, each more than a window after the previous one's emission.
    for (let i = 0; i < UPDATES; i++) {
      await t.ok(TrackEventsDocument, { events: [{ campaignId: f.campaignId, contactId: f.contacts[i]!.id, type: 'CLICKED' as const }] }, key);
      await until(() => reader.next('r').map(clicked), (c) => c.includes(i + 1));
      await new Promise((r) => setTimeout(r, WINDOW_MS + 10));
    }
    for (const o of others) await t.ok(ArchiveCampaignDocument, { id: o.campaignId }, key);
    // The status messages went out (to the reader, so to the paused socket too) while it was paused.
    expect(await until(() => reader.next('rs').length, (n) => n === others.length)).toBe(others.length);
    const sentToReader = reader.next('r').length;
    expect(sentToReader).toBeGreaterThanOrEqual(UPDATES);

    (slow.socket as unknown as { _socket: { resume(): void } })._socket.resume();
    await until(
      () => Array.from({ length: SUBSCRIPTIONS }, (_, i) => slow.next(`s${i}`).at(-1)),
      (last) => last.every((d) => d !== undefined && clicked(d) === UPDATES),
      30_000,
    );
    const received = Array.from({ length: SUBSCRIPTIONS }, (_, i) => slow.next(`s${i}`).length);
    // Stale snapshots were dropped: a subscription that got them all would have as many as the reader.
    expect(Math.max(...received)).toBeLessThan(sentToReader);
    // Each subscription's messages still go forward in time (no stale one after a newer one).
    for (let i = 0; i < SUBSCRIPTIONS; i += 50) {
      const counts = slow.next(`s${i}`).map(clicked);
      expect(counts).toEqual([...counts].sort((a, b) => a - b));
    }
    const statuses = await until(
      () => slow.next('status').map((d) => d.campaignStatusChanged as { id: string; status: string }),
      (s) => s.length >= others.length,
    );
    expect(statuses).toEqual(others.map((o) => ({ id: o.campaignId, status: 'ARCHIVED' })));
  } finally {
    reader.socket.close();
    slow.socket.close();
  }
});
