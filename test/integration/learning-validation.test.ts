/**
 * The learning validation at small scale (the full scale is `npm run validate:learning`): a
 * known-truth world (test/learning/world.ts) written through the public API, then the learning
 * features' answers scored against the truth (test/learning/evaluate.ts).
 *
 * Scale: 1,200 contacts in 4 segments, ~26k messages over 90 days, ~35k events, weekly campaigns
 * (campaignPeriodDays 7): ~170 campaigns rather than ~450 daily ones.
 *
 * Thresholds at this scale (documented in the README's learning-validation section):
 *  - send time: the issue's ≥ 50 % (everyone), and, for contacts with ≥ 10 messages, at least the
 *    segment ceiling (each contact sent at its segment's true best hour) less 3 points. The issue's
 *    ≥ 80 % for them is printed, not asserted: on this population no estimator can reach it (the
 *    Bayes-oracle bound of test/unit/send-time-bound.test.ts is 72–73 %: two or three engagements per
 *    contact cannot place an individual shift), and the table says "NOT met";
 *  - affinity: the issue's ≥ 70 % (contacts with an interaction);
 *  - conversion model: AUC ≥ baseline + 0.05, half the issue's + 0.10 (which the table reports, and
 *    the full scale meets with + 0.20). Contact ids are random UUIDs, so the held-out fifth of the
 *    contacts differs on every run: at 600 contacts the lift ranged 0.09–0.21 between runs (one run
 *    under 0.10); at 1,200, 0.13–0.17. The assertion stays well clear of that spread;
 *  - offers: ≥ 3 of the 4 segments (75 %) within one grid step, not the issue's 80 % (which with 4
 *    segments means all 4): at ~600 messages per (segment, offer) even the plain empirical argmax
 *    misses one segment on some seeds; the full scale asserts nothing but reports against 80 %.
 * The evaluation reads the optimization API's on-demand paths (no job is run: JOBS=off).
 */
import { ContactsDocument, TrackEventsDocument } from '../generated/graphql';
import { canonicalTimeZone } from '../../src/shared/time-zone';
import { startTestApp, type TestApp } from '../helpers/harness';
import { evaluateAffinity, evaluateModel, evaluateOffers, evaluateSendTime, figuresTable, offersTable, type Figures } from '../learning/evaluate';
import { generateWorld, startDateEndingBefore, type World } from '../learning/world';
import { worldEvents, writeMerchantNames, writeWorld, type WrittenWorld } from '../learning/writer';

const SMALL = { contacts: 1200, segments: 4, campaignPeriodDays: 7, seed: 20261201, tag: 'small' };

let t: TestApp;
let key: string;
let world: World;
let written: WrittenWorld;
const now = new Date();

beforeAll(async () => {
  t = await startTestApp({ RATE_LIMIT: 'off' });
  key = await t.newWorkspaceKey('learning');
  world = generateWorld({ ...SMALL, startDate: startDateEndingBefore(now, 90) });
  written = await writeWorld(t, key, world);
  console.log(`learning validation (small): wrote ${world.contacts.length} contacts, ${world.campaigns.length + 1} campaigns, ${written.events} events in ${written.timings.total} ms ${JSON.stringify(written.timings)}`);
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe('the known-truth world, written through the public API', () => {
  it('stores every message, click, conversion and order value (campaign stats read back)', async () => {
    const totals = { sent: 0, clicked: 0, converted: 0, revenue: 0, campaigns: 0 };
    let browsing: { sent: number; clicked: number } | undefined;
    for (let after: string | null = null; ; ) {
      const r: { campaigns: { nodes: { id: string; stats: { sent: number; clicked: number; converted: number; revenue: number } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } = (
        await t.raw('query($after: String) { campaigns(first: 200, after: $after) { nodes { id stats { sent clicked converted revenue } } pageInfo { hasNextPage endCursor } } }', { after }, key)
      ).data as never;
      for (const c of r.campaigns.nodes) {
        if (c.id === written.browsingCampaignId) {
          browsing = c.stats;
          continue;
        }
        totals.campaigns++;
        totals.sent += c.stats.sent;
        totals.clicked += c.stats.clicked;
        totals.converted += c.stats.converted;
        totals.revenue += c.stats.revenue;
      }
      if (!r.campaigns.pageInfo.hasNextPage) break;
      after = r.campaigns.pageInfo.endCursor;
    }
    expect(totals.campaigns).toBe(world.campaigns.length);
    expect(totals.sent).toBe(world.messages.length);
    expect(totals.clicked).toBe(world.messages.filter((m) => m.engaged).length);
    expect(totals.converted).toBe(world.messages.filter((m) => m.converted).length);
    expect(totals.revenue).toBeCloseTo(world.messages.reduce((a, m) => a + (m.value ?? 0), 0), 2);
    // Visits: clicks without messages (unique per contact in the counters).
    expect(browsing).toEqual({ sent: 0, clicked: new Set(world.visits.map((v) => v.contact)).size, converted: 0, revenue: 0 });
  });

  it('keeps each contact segment and zone (null: the workspace zone applies)', async () => {
    const { contacts } = await t.ok(ContactsDocument, { filter: { tags: [SMALL.tag] }, first: 200 }, key);
    const byExternal = new Map(world.contacts.map((c) => [c.externalId, c]));
    expect(contacts.totalCount).toBe(world.contacts.length);
    for (const c of contacts.nodes) {
      expect(c.segment).toBe(byExternal.get(c.externalId!)!.segment);
      // The server stores the runtime's canonical name (Node 20's ICU: Asia/Kolkata → Asia/Calcutta).
      const zone = byExternal.get(c.externalId!)!.timezone;
      expect(c.timezone ?? null).toBe(zone === null ? null : canonicalTimeZone(zone));
    }
  });

  it('can be written again without counting anything twice (idempotency keys)', async () => {
    const events = worldEvents(world, written.contactIds, written.campaignIds, written.browsingCampaignId).slice(0, 1000);
    const { trackEvents } = await t.ok(TrackEventsDocument, { events }, key);
    expect(trackEvents).toEqual({ accepted: 0, duplicates: 1000, rejected: [] });
  });
});

// Needs the optimization API (sendTimeRecommendation, merchantAffinity, upsertMerchants,
// generateRecommendations, trainModel): fails with the server's validation message until it exists.
describe('learning validation against the truth', () => {
  const figures: Partial<Figures> = {};

  afterAll(() => {
    if (figures.sendTime && figures.offers && figures.model && figures.affinity) {
      console.log(`learning validation (small scale)\n${figuresTable(figures as Figures)}\n\n${offersTable(figures.offers)}`);
    }
  });

  it('send time: the segment ceiling for contacts with ≥ 10 messages (less 3 points), ≥ 50 % of the oracle uplift over everyone', async () => {
    figures.sendTime = await evaluateSendTime(t, key, world, written);
    expect(figures.sendTime.capturedWithHistory).toBeGreaterThanOrEqual(figures.sendTime.segmentCeilingWithHistory - 0.03);
    expect(figures.sendTime.capturedEveryone).toBeGreaterThanOrEqual(0.5);
  }, 60_000);

  it('affinity: the true favourite merchant first for ≥ 70 % of contacts', async () => {
    await writeMerchantNames(t, key, world);
    figures.affinity = await evaluateAffinity(t, key, world, written);
    expect(figures.affinity.top1).toBeGreaterThanOrEqual(0.7);
  }, 60_000);

  it('offers: within one grid step of the true optimum for ≥ 3 of 4 segments', async () => {
    figures.offers = await evaluateOffers(t, key, world);
    expect(figures.offers.withinOneStep).toBeGreaterThanOrEqual(0.75);
  }, 60_000);

  it('conversion model: held-out AUC ≥ baseline + 0.05 (the + 0.10 target is reported)', async () => {
    figures.model = await evaluateModel(t, key, world, now);
    expect(figures.model.lift).toBeGreaterThanOrEqual(0.05);
  }, 60_000);
});
