/**
 * The coalescing window of variantStatsUpdated is configurable (LIVE_COALESCE_MS): a burst is
 * spread at least one window apart on the server's emission times, the last message carrying the
 * final counts.
 */
import { TrackEventsDocument, VariantStatsUpdatedDocument } from '../generated/graphql';
import { campaignWithRecipients } from '../helpers/fixtures';
import { startTestApp, type TestApp } from '../helpers/harness';
import { subscribe } from '../helpers/ws';
import { loadConfig } from '../../src/config';

const WINDOW_MS = 1000;
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ LIVE_COALESCE_MS: String(WINDOW_MS) });
});
afterAll(() => t.close());

it(`coalesces to at most one message per campaign per LIVE_COALESCE_MS (${WINDOW_MS} ms here)`, async () => {
  const key = await t.newWorkspaceKey('window');
  const f = await campaignWithRecipients(t, key, 30, [50, 50], 'lw');
  const sub = await subscribe(t.url, key, VariantStatsUpdatedDocument, { campaignId: f.campaignId });
  try {
    const clicked = (u: { variantStatsUpdated: { variants: { clicked: number }[] } }) => u.variantStatsUpdated.variants.reduce((a, v) => a + v.clicked, 0);
    // 30 single-event requests over about 1.5 s.
    await Promise.all(
      f.contacts.slice(0, 30).map((c, i) =>
        new Promise((r) => setTimeout(r, i * 50)).then(() => t.ok(TrackEventsDocument, { events: [{ campaignId: f.campaignId, contactId: c.id, type: 'CLICKED' }] }, key)),
      ),
    );
    await sub.waitFor((u) => clicked(u) === 30, 5000);
    const times = sub.messages.map((m) => new Date(m.data.variantStatsUpdated.at).getTime());
    expect(times.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(WINDOW_MS);
    expect(clicked(sub.messages[sub.messages.length - 1]!.data)).toBe(30);
  } finally {
    await sub.close();
  }
});

it('refuses a window outside 10 ms – 60 s at start', async () => {
  expect(() => loadConfig({ LIVE_COALESCE_MS: '5' })).toThrow(/LIVE_COALESCE_MS/);
  expect(loadConfig({}).liveCoalesceMs).toBe(250);
});
