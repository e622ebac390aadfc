/**
 * Issue 17, richer metrics, each expectation computed by hand from the rows the test writes:
 * per-variant opens, reply sentiments and response times (queried and live), cumulative series,
 * test duration, and value segments (contacts by lifetime-value band, and a campaign's conversion
 * by band).
 */
import { randomBytes } from 'node:crypto';
import {
  AddRecipientsDocument,
  ArchiveCampaignDocument,
  CancelCampaignDocument,
  CampaignsCumulativeSeriesDocument,
  CampaignsTestDurationDocument,
  CampaignsValueSegmentsDocument,
  CampaignTestDurationDocument,
  CampaignValueSegmentsDocument,
  CampaignVariantMetricsDocument,
  CreateCampaignDocument,
  CumulativeSeriesDocument,
  DeclareWinnerDocument,
  EndTestDocument,
  RecordOrdersDocument,
  TrackEventsDocument,
  UpdateWorkspaceSettingsDocument,
  UpsertContactsDocument,
  ValueSegmentsDocument,
  VariantMetricsUpdatedDocument,
  type TrackEventInput,
} from '../generated/graphql';
import { rollupHourly } from '../../src/analytics/rollup';
import { errorOf, startTestApp, type TestApp } from '../helpers/harness';
import { subscribe } from '../helpers/ws';

let t: TestApp;
let key: string; // workspace W, America/New_York (EST, UTC−5, in November 2026)
let workspaceId: string;
let nextPhone = 3000;

async function workspaceOf(k: string): Promise<string> {
  const [row] = await t.sql<{ workspace_id: string }>(`select workspace_id from api_keys where key_hash = encode(sha256(convert_to(?, 'utf8')), 'hex')`, [k]);
  return row!.workspace_id;
}

/** An A/B campaign over `n` new contacts tagged `tag`: its variants in order, and each variant's contacts. */
async function abCampaign(k: string, tag: string, n: number, channel: 'SMS' | 'EMAIL' = 'SMS') {
  await t.ok(
    UpsertContactsDocument,
    { contacts: Array.from({ length: n }, (_, i) => ({ externalId: `${tag}-${i}`, email: `${tag}${i}@example.com`, phone: `+1415555${nextPhone++}`, consent: true, tags: [tag] })) },
    k,
  );
  const { createCampaign: c } = await t.ok(
    CreateCampaignDocument,
    { input: { name: tag, type: 'AB_TEST', channel, variants: channel === 'EMAIL' ? [{ template: 'a', subject: 'A' }, { template: 'b', subject: 'B' }] : [{ template: 'a' }, { template: 'b' }] } },
    k,
  );
  await t.ok(AddRecipientsDocument, { campaignId: c.id, audience: { tags: [tag] } }, k);
  const rows = await t.sql<{ contact_id: string; variant_id: string }>(
    `select a.contact_id, a.variant_id from assignments a join contacts c on c.id = a.contact_id and c.workspace_id = a.workspace_id where a.campaign_id = ? order by c.external_id`,
    [c.id],
  );
  const of = (variantId: string) => rows.filter((r) => r.variant_id === variantId).map((r) => r.contact_id);
  return { id: c.id, variants: c.variants.map((v) => v.id), contacts: c.variants.map((v) => of(v.id)) };
}

const track = async (k: string, events: TrackEventInput[]) => {
  const r = await t.ok(TrackEventsDocument, { events }, k);
  expect(r.trackEvents.rejected).toEqual([]);
  return r.trackEvents;
};

beforeAll(async () => {
  t = await startTestApp();
  key = await t.newWorkspaceKey('metrics');
  workspaceId = await workspaceOf(key);
  await t.ok(UpdateWorkspaceSettingsDocument, { input: { timezone: 'America/New_York' } }, key);
});
afterAll(() => t?.close());

describe('variant metrics: opens, reply sentiments, response time', () => {
  /*
   * EMAIL campaign; 24 contacts so that each variant surely has 4 (hash assignment). Variant A:
   *   a0 SENT 10:00:00, REPLIED NEGATIVE 10:01:40 (100 s), REPLIED POSITIVE 10:30; opens the pixel twice
   *   a1 SENT 10:00:00, REPLIED NEUTRAL 11:00 (stored first), then the earlier REPLIED without
   *      sentiment at 10:05:00 arrives: the first reply moves → 300 s; an OPENED event
   *   a2 SENT 10:10:00, REPLIED NEUTRAL 10:10:50 (50 s) and again 10:20 (counted once)
   *   a3 SENT 10:00:00, never replies, never opens
   *   → sent 4, opened 2, openRate 0.5, replied 3, positive 1, negative 1, neutral 2, mean (100+300+50)/3 = 150 s
   * Variant B:
   *   b0 SENT 10:00:00, REPLIED POSITIVE 10:00:20 (20 s); opens the pixel
   *   b1 SENT 10:00:00 and again 10:30 (the first send counts), REPLIED NEGATIVE 10:40 → 2400 s
   *   b2 SENT 10:00:00, two OPENED events (counted once), no reply
   *   b3 assigned, nothing sent (a REPLIED without a send counts in replied, not in the response time)
   *   → sent 3, opened 2, openRate 2/3, replied 3, positive 1, negative 1, neutral 0, mean (20+2400)/2 = 1210 s
   */
  let m: Awaited<ReturnType<typeof abCampaign>>;
  const expected = () => [
    { variantId: m.variants[0], sent: 4, opened: 2, openRate: 0.5, replied: 3, positiveReplies: 1, negativeReplies: 1, neutralReplies: 2, avgResponseSeconds: 150 },
    { variantId: m.variants[1], sent: 3, opened: 2, openRate: 2 / 3, replied: 3, positiveReplies: 1, negativeReplies: 1, neutralReplies: 0, avgResponseSeconds: 1210 },
  ];

  it('counts them per variant, queried and in variantStatsUpdated', async () => {
    m = await abCampaign(key, 'mx', 24, 'EMAIL');
    const [A, B] = m.contacts as [string[], string[]];
    expect(A.length).toBeGreaterThanOrEqual(4);
    expect(B.length).toBeGreaterThanOrEqual(4);
    const live = await subscribe(t.url, key, VariantMetricsUpdatedDocument, { campaignId: m.id });
    try {
      const e = (contactId: string, type: TrackEventInput['type'], at: string, sentiment?: 'POSITIVE' | 'NEGATIVE' | 'NEUTRAL'): TrackEventInput => ({
        campaignId: m.id,
        contactId,
        type,
        occurredAt: `2026-11-02T${at}Z`,
        ...(sentiment ? { sentiment } : {}),
      });
      await track(key, [
        e(A[0]!, 'SENT', '10:00:00'), e(A[1]!, 'SENT', '10:00:00'), e(A[2]!, 'SENT', '10:10:00'), e(A[3]!, 'SENT', '10:00:00'),
        e(B[0]!, 'SENT', '10:00:00'), e(B[1]!, 'SENT', '10:00:00'), e(B[2]!, 'SENT', '10:00:00'),
      ]);
      await track(key, [
        e(A[0]!, 'REPLIED', '10:01:40', 'NEGATIVE'),
        e(A[1]!, 'REPLIED', '11:00:00', 'NEUTRAL'),
        e(A[2]!, 'REPLIED', '10:10:50', 'NEUTRAL'),
        e(B[0]!, 'REPLIED', '10:00:20', 'POSITIVE'),
        e(B[1]!, 'SENT', '10:30:00'),
        e(B[1]!, 'REPLIED', '10:40:00', 'NEGATIVE'),
        e(B[2]!, 'OPENED', '10:05:00'),
        e(B[3]!, 'REPLIED', '10:50:00'),
      ]);
      await track(key, [
        e(A[0]!, 'REPLIED', '10:30:00', 'POSITIVE'),
        e(A[1]!, 'REPLIED', '10:05:00'), // earlier than the NEUTRAL reply stored before it
        e(A[1]!, 'OPENED', '10:06:00'),
        e(A[2]!, 'REPLIED', '10:20:00', 'NEUTRAL'),
        e(B[2]!, 'OPENED', '10:07:00'),
      ]);
      // The open pixel of a0's and b0's messages (rows as the sender writes them: a tracking token per email).
      for (const [contactId, variantId, times] of [[A[0]!, m.variants[0]!, 2], [B[0]!, m.variants[1]!, 1]] as const) {
        const token = randomBytes(16).toString('hex');
        await t.sql(
          `insert into messages (id, workspace_id, campaign_id, contact_id, variant_id, provider, status, channel, tracking_token, sent_at)
           values (gen_random_uuid(), ?, ?, ?, ?, 'simulator', 'SENT', 'EMAIL', ?, '2026-11-02T10:00:00Z')`,
          [workspaceId, m.id, contactId, variantId, token],
        );
        for (let i = 0; i < times; i++) {
          const res = await fetch(`${t.url}/o/${token}`);
          expect(res.status).toBe(200);
          await res.arrayBuffer();
        }
      }

      const { campaign } = await t.ok(CampaignVariantMetricsDocument, { id: m.id }, key);
      const stats = campaign!.variants.map((v) => v.stats);
      expect(stats.map(({ id, ...s }) => (expect(id).toBe(s.variantId), s))).toEqual(expected());

      const matches = (u: { variantStatsUpdated: { variants: { variantId: string; opened: number; replied: number }[] } }) =>
        u.variantStatsUpdated.variants.some((v) => v.variantId === m.variants[0] && v.opened === 2 && v.replied === 3) &&
        u.variantStatsUpdated.variants.some((v) => v.variantId === m.variants[1] && v.opened === 2 && v.replied === 3);
      const pushed = await live.waitFor(matches, 5000);
      const byId = new Map(pushed.variantStatsUpdated.variants.map(({ id: _id, ...v }) => [v.variantId, v]));
      expect(m.variants.map((id) => byId.get(id!))).toEqual(expected());
    } finally {
      await live.close();
    }
  });

  it("keeps each recipient's FIRST reply, also when an earlier reply arrives after a later one", async () => {
    const [A] = m.contacts as [string[]];
    const rows = await t.sql<{ contact_id: string; replied_at: Date }>(`select contact_id, replied_at from assignments where campaign_id = ? and contact_id in (?, ?)`, [m.id, A[0], A[1]]);
    const at = new Map(rows.map((r) => [r.contact_id, new Date(r.replied_at).toISOString()]));
    expect(at.get(A[0]!)).toBe('2026-11-02T10:01:40.000Z');
    expect(at.get(A[1]!)).toBe('2026-11-02T10:05:00.000Z'); // stored after the 11:00 reply
  });
});

describe('cumulativeSeries (America/New_York days: local midnight is 05:00Z)', () => {
  /*
   * Campaign C; variant A contacts p0, p1; variant B contacts q0, q1:
   *   Nov 2 14:00Z (local Nov 2)   SENT p0, p1, q0
   *   Nov 3 03:00Z (local Nov 2)   CONVERTED p0 10
   *   Nov 3 06:00Z (local Nov 3)   CLICKED q0
   *   Nov 4 04:30Z (local Nov 3!)  SENT q1
   *   Nov 4 15:00Z (local Nov 4)   REPLIED p1, CONVERTED q0 25.5
   *   Nov 5 12:00Z (local Nov 5)   CONVERTED p1 4.25
   *   Nov 6 12:00Z (local Nov 6)   CONVERTED q1 100   (after `to`)
   * DAY from local Nov 4 00:00 (05:00Z) to local Nov 5 18:00 (23:00Z): buckets Nov 4, Nov 5.
   */
  let c: Awaited<ReturnType<typeof abCampaign>>;
  const from = '2026-11-04T05:00:00.000Z';
  const to = '2026-11-05T23:00:00.000Z';
  const z = { sent: 0, delivered: 0, clicked: 0, replied: 0, converted: 0, revenue: 0 };
  let A: string;
  let B: string;
  const dayExpected = () => [
    { start: '2026-11-04T05:00:00.000Z', variantId: A, ...z, sent: 2, replied: 1, converted: 1, revenue: 10 },
    { start: '2026-11-04T05:00:00.000Z', variantId: B, ...z, sent: 2, clicked: 1, converted: 1, revenue: 25.5 },
    { start: '2026-11-05T05:00:00.000Z', variantId: A, ...z, sent: 2, replied: 1, converted: 2, revenue: 14.25 },
    { start: '2026-11-05T05:00:00.000Z', variantId: B, ...z, sent: 2, clicked: 1, converted: 1, revenue: 25.5 },
  ];
  const hourExpected = () => [
    { start: '2026-11-04T15:00:00.000Z', variantId: A, ...z, sent: 2, replied: 1, converted: 1, revenue: 10 },
    { start: '2026-11-04T15:00:00.000Z', variantId: B, ...z, sent: 2, clicked: 1, converted: 1, revenue: 25.5 },
    { start: '2026-11-04T16:00:00.000Z', variantId: A, ...z, sent: 2, replied: 1, converted: 1, revenue: 10 },
    { start: '2026-11-04T16:00:00.000Z', variantId: B, ...z, sent: 2, clicked: 1, converted: 1, revenue: 25.5 },
  ];
  const sortBuckets = <T extends { start: string; variantId?: string | null }>(b: T[]) =>
    [...b].sort((x, y) => x.start.localeCompare(y.start) || c.variants.indexOf(x.variantId!) - c.variants.indexOf(y.variantId!));

  beforeAll(async () => {
    c = await abCampaign(key, 'cs', 16);
    [A, B] = c.variants as [string, string];
    const [pa, qb] = c.contacts as [string[], string[]];
    const [p0, p1] = pa as [string, string];
    const [q0, q1] = qb as [string, string];
    const e = (contactId: string, type: TrackEventInput['type'], at: string, value?: number): TrackEventInput => ({ campaignId: c.id, contactId, type, occurredAt: at, ...(value ? { value } : {}) });
    await track(key, [
      e(p0, 'SENT', '2026-11-02T14:00:00Z'), e(p1, 'SENT', '2026-11-02T14:00:00Z'), e(q0, 'SENT', '2026-11-02T14:00:00Z'),
      e(p0, 'CONVERTED', '2026-11-03T03:00:00Z', 10),
      e(q0, 'CLICKED', '2026-11-03T06:00:00Z'),
      e(q1, 'SENT', '2026-11-04T04:30:00Z'),
      e(p1, 'REPLIED', '2026-11-04T15:00:00Z'), e(q0, 'CONVERTED', '2026-11-04T15:00:00Z', 25.5),
      e(p1, 'CONVERTED', '2026-11-05T12:00:00Z', 4.25),
      e(q1, 'CONVERTED', '2026-11-06T12:00:00Z', 100),
    ]);
  });

  it('adds the activity before `from` into the first bucket, and ends with the totals up to `to`', async () => {
    const { campaign } = await t.ok(CumulativeSeriesDocument, { id: c.id, interval: 'DAY', from, to }, key);
    expect(sortBuckets(campaign!.cumulativeSeries)).toEqual(dayExpected());
    // timeSeries over the same range still holds each bucket's own activity only.
    const own = sortBuckets(campaign!.timeSeries);
    expect(own.map((b) => [b.sent, b.replied, b.converted, b.revenue])).toEqual([
      [0, 1, 0, 0],
      [0, 0, 1, 25.5],
      [0, 0, 1, 4.25],
      [0, 0, 0, 0],
    ]);
  });

  it('uses the same buckets for HOUR', async () => {
    const { campaign } = await t.ok(CumulativeSeriesDocument, { id: c.id, interval: 'HOUR', from: '2026-11-04T15:00:00Z', to: '2026-11-04T16:30:00Z' }, key);
    expect(sortBuckets(campaign!.cumulativeSeries)).toEqual(hourExpected());
  });

  it('ends with the lifetime totals when `to` is after the last activity', async () => {
    const { campaign } = await t.ok(CumulativeSeriesDocument, { id: c.id, interval: 'WEEK', from: '2026-11-02T05:00:00Z', to: '2026-11-20T12:00:00Z' }, key);
    const last = sortBuckets(campaign!.cumulativeSeries).slice(-2);
    expect(last.map((b) => [b.variantId, b.sent, b.clicked, b.replied, b.converted, b.revenue])).toEqual([
      [A, 2, 0, 1, 2, 14.25],
      [B, 2, 1, 0, 2, 125.5],
    ]);
  });

  it('answers the same once the early hours are rolled up into days', async () => {
    // Rolls up every local day before Nov 4 (35 days before Dec 9): Nov 2 and Nov 3 become daily rows.
    const { hours } = await rollupHourly(t.app.sql, t.app.logger, new Date('2026-12-09T12:00:00Z'));
    expect(hours).toBeGreaterThan(0);
    const [left] = await t.sql<{ n: string }>(`select count(*) as n from variant_hourly where campaign_id = ? and hour < ?`, [c.id, from]);
    expect(left!.n).toBe('0');
    const day = await t.ok(CumulativeSeriesDocument, { id: c.id, interval: 'DAY', from, to }, key);
    expect(sortBuckets(day.campaign!.cumulativeSeries)).toEqual(dayExpected());
    const hour = await t.ok(CumulativeSeriesDocument, { id: c.id, interval: 'HOUR', from: '2026-11-04T15:00:00Z', to: '2026-11-04T16:30:00Z' }, key);
    expect(sortBuckets(hour.campaign!.cumulativeSeries)).toEqual(hourExpected());
  });

  it('HOUR over rolled-up days: a day cut by `from` counts whole in the first bucket, a later one at its local midnight', async () => {
    // After the rollup above, local Nov 2 and Nov 3 are daily rows only. From Nov 2 12:00Z (local 07:00):
    //   local Nov 2 (began 05:00Z, before `from`): SENT p0, p1, q0; CONVERTED p0 10 → in the first bucket;
    //   local Nov 3 (midnight = Nov 3 05:00Z): CLICKED q0, SENT q1 → from the 05:00Z bucket on;
    //   Nov 4 15:00Z (hourly): REPLIED p1, CONVERTED q0 25.5 → the last bucket (16:00Z) ends with the totals up to `to`.
    const { campaign } = await t.ok(CumulativeSeriesDocument, { id: c.id, interval: 'HOUR', from: '2026-11-02T12:00:00Z', to: '2026-11-04T16:30:00Z' }, key);
    const at = (start: string) =>
      sortBuckets(campaign!.cumulativeSeries)
        .filter((b) => b.start === start)
        .map((b) => [b.variantId === A ? 'A' : 'B', b.sent, b.clicked, b.replied, b.converted, b.revenue]);
    expect(campaign!.cumulativeSeries).toHaveLength(2 * 53); // Nov 2 12:00Z … Nov 4 16:00Z
    expect(at('2026-11-02T12:00:00.000Z')).toEqual([['A', 2, 0, 0, 1, 10], ['B', 1, 0, 0, 0, 0]]);
    expect(at('2026-11-03T04:00:00.000Z')).toEqual([['A', 2, 0, 0, 1, 10], ['B', 1, 0, 0, 0, 0]]);
    expect(at('2026-11-03T05:00:00.000Z')).toEqual([['A', 2, 0, 0, 1, 10], ['B', 2, 1, 0, 0, 0]]);
    expect(at('2026-11-04T16:00:00.000Z')).toEqual([['A', 2, 0, 1, 1, 10], ['B', 2, 1, 0, 1, 25.5]]);
  });

  it('keeps timeSeries range errors', async () => {
    const r = await t.gql(CumulativeSeriesDocument, { id: c.id, interval: 'DAY', from: to, to: from }, key);
    expect(errorOf(r)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_RANGE' });
  });

  // Each measurement is preceded by a different query (first: 100), so that none is answered from
  // the shared results of an identical one (src/graphql/shared-results.ts).
  it('batches a list of campaigns: as many statements for one campaign as for all', async () => {
    const statements = async (first: number) => {
      await t.ok(CampaignsCumulativeSeriesDocument, { first: 100, interval: 'DAY', from, to }, key);
      const before = await t.metric('splitcast_db_queries_total');
      const { campaigns } = await t.ok(CampaignsCumulativeSeriesDocument, { first, interval: 'DAY', from, to }, key);
      const n = (await t.metric('splitcast_db_queries_total')) - before;
      return { n, count: campaigns.nodes.length, nodes: campaigns.nodes };
    };
    const one = await statements(1);
    const all = await statements(50);
    expect(all.count).toBeGreaterThanOrEqual(2);
    expect(one.n).toBeGreaterThanOrEqual(2); // really executed (the list and this field at least)
    expect(all.n).toBe(one.n);
    expect(sortBuckets(all.nodes.find((x) => x.id === c.id)!.cumulativeSeries).map((b) => [b.sent, b.converted, b.revenue])).toEqual(
      dayExpected().map((b) => [b.sent, b.converted, b.revenue]),
    );
  });
});

describe('testDurationHours', () => {
  const hoursBetween = (a: Date | string, b: Date | string) => (new Date(b).getTime() - new Date(a).getTime()) / 3_600_000;
  const duration = async (id: string) => (await t.ok(CampaignTestDurationDocument, { id }, key)).campaign!;
  const newCampaign = async (name: string, type: 'AB_TEST' | 'STANDARD' = 'AB_TEST') =>
    (await t.ok(CreateCampaignDocument, { input: { name, type, variants: type === 'AB_TEST' ? [{ template: 'a' }, { template: 'b' }] : [{ template: 'a' }] } }, key)).createCampaign;

  it('is null before the test starts and for a STANDARD campaign', async () => {
    const draft = await newCampaign('draft');
    expect(await duration(draft.id)).toMatchObject({ status: 'DRAFT', startedAt: null, testDurationHours: null });
    const standard = await newCampaign('standard', 'STANDARD');
    await t.sql(`update campaigns set status = 'RUNNING', started_at = '2026-11-02T10:00:00Z' where id = ?`, [standard.id]);
    expect((await duration(standard.id)).testDurationHours).toBeNull();
  });

  it('runs to now while the test runs', async () => {
    const running = await newCampaign('running');
    await t.sql(`update campaigns set status = 'RUNNING', started_at = now() - interval '90 minutes' where id = ?`, [running.id]);
    const [row] = await t.sql<{ started_at: Date }>(`select started_at from campaigns where id = ?`, [running.id]);
    const before = new Date();
    const { testDurationHours } = await duration(running.id);
    const after = new Date();
    expect(testDurationHours).toBeGreaterThanOrEqual(hoursBetween(row!.started_at, before));
    expect(testDurationHours).toBeLessThanOrEqual(hoursBetween(row!.started_at, after));
  });

  it('ends at the first winner decision, before endTest', async () => {
    const c = await newCampaign('decided');
    await t.sql(`update campaigns set status = 'RUNNING', started_at = '2026-11-02T10:00:00Z' where id = ?`, [c.id]);
    await t.ok(DeclareWinnerDocument, { campaignId: c.id, variantId: c.variants[1]!.id, reason: 'B reads better' }, key);
    await t.ok(DeclareWinnerDocument, { campaignId: c.id, variantId: c.variants[0]!.id, reason: 'A after all' }, key);
    // Both decisions and the start are real rows; the first one is moved to a chosen time.
    await t.sql(`update winners set decided_at = '2026-11-02T16:30:00Z' where campaign_id = ? and superseded_at is not null`, [c.id]);
    expect((await duration(c.id)).testDurationHours).toBe(6.5);
    const ended = await t.ok(EndTestDocument, { campaignId: c.id }, key);
    expect(ended.endTest.status).toBe('COMPLETED');
    expect((await duration(c.id)).testDurationHours).toBe(6.5);
  });

  it('ends at endTest when no winner was declared before', async () => {
    const c = await newCampaign('ended');
    await t.sql(`update campaigns set status = 'RUNNING', started_at = '2026-11-02T10:00:00Z' where id = ?`, [c.id]);
    await t.ok(EndTestDocument, { campaignId: c.id }, key); // declares the control and ends the test, both now
    const [row] = await t.sql<{ started_at: Date; test_ended_at: Date; decided_at: Date }>(
      `select c.started_at, c.test_ended_at, w.decided_at from campaigns c join winners w on w.campaign_id = c.id and w.workspace_id = c.workspace_id where c.id = ?`,
      [c.id],
    );
    const end = Math.min(new Date(row!.test_ended_at).getTime(), new Date(row!.decided_at).getTime());
    expect((await duration(c.id)).testDurationHours).toBe(hoursBetween(row!.started_at, new Date(end)));
    // Hand-set: the test ended 26 h after its start (and its automatic winner with it).
    await t.sql(`update campaigns set test_ended_at = '2026-11-03T12:00:00Z', completed_at = '2026-11-03T12:00:00Z' where id = ?`, [c.id]);
    await t.sql(`update winners set decided_at = '2026-11-03T12:00:00Z' where campaign_id = ?`, [c.id]);
    expect((await duration(c.id)).testDurationHours).toBe(26);
  });

  it('ends at completion without a decision, and at the cancel of a canceled test (also once archived)', async () => {
    const completed = await newCampaign('completed');
    await t.sql(`update campaigns set status = 'COMPLETED', started_at = '2026-11-02T10:00:00Z', completed_at = '2026-11-04T10:00:00Z' where id = ?`, [completed.id]);
    expect((await duration(completed.id)).testDurationHours).toBe(48);
    // Canceled through the real mutation (which stamps completed_at), then archived much later.
    const canceled = await newCampaign('canceled');
    await t.sql(`update campaigns set status = 'RUNNING', started_at = '2026-11-02T10:00:00Z' where id = ?`, [canceled.id]);
    expect((await t.ok(CancelCampaignDocument, { id: canceled.id }, key)).cancelCampaign.status).toBe('CANCELED');
    const [row] = await t.sql<{ started_at: Date; completed_at: Date }>(`select started_at, completed_at from campaigns where id = ?`, [canceled.id]);
    expect((await duration(canceled.id)).testDurationHours).toBe(hoursBetween(row!.started_at, row!.completed_at));
    // The cancel moved to a chosen time (3 h 15 min after the start); archiving now does not extend the test.
    await t.sql(`update campaigns set completed_at = '2026-11-02T13:15:00Z' where id = ?`, [canceled.id]);
    expect((await t.ok(ArchiveCampaignDocument, { id: canceled.id }, key)).archiveCampaign.status).toBe('ARCHIVED');
    expect((await duration(canceled.id)).testDurationHours).toBe(3.25);
  });

  it('batches a list of campaigns', async () => {
    const statements = async (first: number) => {
      await t.ok(CampaignsTestDurationDocument, { first: 100 }, key);
      const before = await t.metric('splitcast_db_queries_total');
      const { campaigns } = await t.ok(CampaignsTestDurationDocument, { first }, key);
      return { n: (await t.metric('splitcast_db_queries_total')) - before, nodes: campaigns.nodes };
    };
    const one = await statements(1);
    const all = await statements(50);
    expect(all.nodes.filter((n) => n.testDurationHours !== null).length).toBeGreaterThanOrEqual(4);
    expect(one.n).toBeGreaterThanOrEqual(2); // really executed (the list and this field at least)
    expect(all.n).toBe(one.n);
  });
});

describe('value segments', () => {
  let v: string; // workspace V
  let f: string; // a foreign workspace
  let campaign: Awaited<ReturnType<typeof abCampaign>>;
  /**
   * The contacts' purchase totals, through the real recordOrders (values per contact; no entry or []:
   * no orders). The orders are dated before the campaign's sends (and recorded before them), so they
   * make no experiment conversion (`conversions: 0`): the campaign's conversions are the CONVERTED
   * events below, and every contact's band is fixed before the campaign is measured.
   */
  const recordPurchases = async (k: string, values: Record<string, number[]>) => {
    const orders = Object.entries(values).flatMap(([externalId, vs]) =>
      vs.map((value, i) => ({ orderId: `${externalId}-order-${i}`, externalId, value, occurredAt: '2026-10-01T12:00:00Z' })),
    );
    const { recordOrders } = await t.ok(RecordOrdersDocument, { orders }, k);
    expect(recordOrders).toEqual({ accepted: orders.length, duplicates: 0, conversions: 0, rejected: [] });
  };

  beforeAll(async () => {
    v = await t.newWorkspaceKey('value');
    f = await t.newWorkspaceKey('foreign');
    campaign = await abCampaign(v, 'vs', 9);
    // [order count, total spend]: vs-0 and vs-8 [0, 0]; vs-1 [1, 0]; vs-2 [2, 99.99]; vs-3 [1, 100];
    // vs-4 [3, 499.5]; vs-5 [2, 500]; vs-6 [5, 1000]; vs-7 [10, 2500.25].
    await recordPurchases(v, {
      'vs-1': [0], // a free order: in the lowest spend band, not in "no orders"
      'vs-2': [60, 39.99],
      'vs-3': [100], // on a boundary: the upper band
      'vs-4': [100, 199.5, 200],
      'vs-5': [250, 250],
      'vs-6': [200, 200, 200, 200, 200],
      'vs-7': [250, 250, 250, 250, 250, 250, 250, 250, 250, 250.25],
    });
    // The foreign workspace: contacts and a campaign of its own, with sends and a conversion.
    const foreign = await abCampaign(f, 'fx', 3);
    await recordPurchases(f, { 'fx-0': [50], 'fx-1': [100, 150, 200, 250] });
    await track(f, foreign.contacts.flat().map((contactId) => ({ campaignId: foreign.id, contactId, type: 'SENT', occurredAt: '2026-11-02T10:00:00Z' })));

    const ids = new Map((await t.sql<{ id: string; external_id: string }>(`select id, external_id from contacts where workspace_id = ?`, [await workspaceOf(v)])).map((r) => [r.external_id, r.id]));
    const e = (ext: string, type: TrackEventInput['type'], value?: number): TrackEventInput => ({ campaignId: campaign.id, contactId: ids.get(ext)!, type, occurredAt: '2026-11-03T10:00:00Z', ...(value ? { value } : {}) });
    await track(v, [
      ...['vs-0', 'vs-1', 'vs-2', 'vs-3', 'vs-4', 'vs-5', 'vs-6'].map((x) => e(x, 'SENT')), // vs-7, vs-8: never sent
      e('vs-2', 'CONVERTED', 20),
      e('vs-3', 'CONVERTED', 40),
      { ...e('vs-3', 'CONVERTED', 10), occurredAt: '2026-11-03T11:00:00Z' }, // a second order of the same recipient
      e('vs-6', 'CONVERTED', 300),
    ]);
  });

  it('groups the workspace contacts by lifetime value, a boundary value in the upper band', async () => {
    const { valueSegments } = await t.ok(ValueSegmentsDocument, {}, v);
    expect(valueSegments).toEqual([
      { label: 'no orders', minSpend: 0, maxSpend: 0, contacts: 2, orders: 0, totalSpend: 0, averageSpend: 0 },
      { label: '[0, 100)', minSpend: 0, maxSpend: 100, contacts: 2, orders: 3, totalSpend: 99.99, averageSpend: 49.995 },
      { label: '[100, 500)', minSpend: 100, maxSpend: 500, contacts: 2, orders: 4, totalSpend: 599.5, averageSpend: 299.75 },
      { label: '[500, 1000)', minSpend: 500, maxSpend: 1000, contacts: 1, orders: 2, totalSpend: 500, averageSpend: 500 },
      { label: '[1000, ∞)', minSpend: 1000, maxSpend: null, contacts: 2, orders: 15, totalSpend: 3500.25, averageSpend: 1750.125 },
    ]);
  });

  it('takes other boundaries, empty bands included', async () => {
    const { valueSegments } = await t.ok(ValueSegmentsDocument, { boundaries: [50, 1e9] }, v);
    expect(valueSegments).toEqual([
      { label: 'no orders', minSpend: 0, maxSpend: 0, contacts: 2, orders: 0, totalSpend: 0, averageSpend: 0 },
      { label: '[0, 50)', minSpend: 0, maxSpend: 50, contacts: 1, orders: 1, totalSpend: 0, averageSpend: 0 },
      { label: '[50, 1000000000)', minSpend: 50, maxSpend: 1e9, contacts: 6, orders: 23, totalSpend: 4699.74, averageSpend: 783.29 },
      { label: '[1000000000, ∞)', minSpend: 1e9, maxSpend: null, contacts: 0, orders: 0, totalSpend: 0, averageSpend: null },
    ]);
  });

  it('rejects boundaries that are not ascending, positive and at most 20', async () => {
    for (const boundaries of [[], [100, 100], [500, 100], [0, 10], [-5], Array.from({ length: 21 }, (_, i) => i + 1)]) {
      const r = await t.gql(ValueSegmentsDocument, { boundaries }, v);
      expect(errorOf(r)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_VALUE_BOUNDARIES', field: 'boundaries' });
      const c = await t.gql(CampaignValueSegmentsDocument, { id: campaign.id, boundaries }, v);
      expect(errorOf(c)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_VALUE_BOUNDARIES' });
    }
    expect((await t.ok(ValueSegmentsDocument, { boundaries: Array.from({ length: 20 }, (_, i) => i + 1) }, v)).valueSegments).toHaveLength(22);
  });

  it("gives a campaign's sent recipients and their conversion per band", async () => {
    const { campaign: c } = await t.ok(CampaignValueSegmentsDocument, { id: campaign.id }, v);
    expect(c!.valueSegments).toEqual([
      { label: 'no orders', minSpend: 0, maxSpend: 0, sent: 1, converted: 0, conversionRate: 0, revenue: 0 },
      { label: '[0, 100)', minSpend: 0, maxSpend: 100, sent: 2, converted: 1, conversionRate: 0.5, revenue: 20 },
      { label: '[100, 500)', minSpend: 100, maxSpend: 500, sent: 2, converted: 1, conversionRate: 0.5, revenue: 50 },
      { label: '[500, 1000)', minSpend: 500, maxSpend: 1000, sent: 1, converted: 0, conversionRate: 0, revenue: 0 },
      { label: '[1000, ∞)', minSpend: 1000, maxSpend: null, sent: 1, converted: 1, conversionRate: 1, revenue: 300 },
    ]);
  });

  it("keeps other workspaces' contacts and campaigns out", async () => {
    const { valueSegments } = await t.ok(ValueSegmentsDocument, {}, f);
    expect(valueSegments.map((s) => [s.label, s.contacts, s.orders, s.totalSpend])).toEqual([
      ['no orders', 1, 0, 0],
      ['[0, 100)', 1, 1, 50],
      ['[100, 500)', 0, 0, 0],
      ['[500, 1000)', 1, 4, 700],
      ['[1000, ∞)', 0, 0, 0],
    ]);
    expect(errorOf(await t.gql(CampaignValueSegmentsDocument, { id: campaign.id }, f))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('batches a list of campaigns', async () => {
    await abCampaign(v, 'vs2', 2); // a second campaign, nothing sent
    const statements = async (first: number) => {
      await t.ok(CampaignsValueSegmentsDocument, { first: 100 }, v);
      const before = await t.metric('splitcast_db_queries_total');
      const { campaigns } = await t.ok(CampaignsValueSegmentsDocument, { first }, v);
      return { n: (await t.metric('splitcast_db_queries_total')) - before, nodes: campaigns.nodes };
    };
    const one = await statements(1);
    const all = await statements(50);
    expect(all.nodes).toHaveLength(2);
    expect(one.n).toBeGreaterThanOrEqual(2); // really executed (the list and this field at least)
    expect(all.n).toBe(one.n);
    expect(all.nodes.find((n) => n.id === campaign.id)!.valueSegments.map((s) => s.sent)).toEqual([1, 2, 2, 1, 1]);
    expect(all.nodes.find((n) => n.id !== campaign.id)!.valueSegments.map((s) => s.sent)).toEqual([0, 0, 0, 0, 0]);
  });

  it("bands recipients by their current totals: an order after the send converts and moves the recipient's band", async () => {
    // vs-0 (sent 2026-11-03 10:00, no orders) orders 150 a day later, inside the 7-day conversion
    // window: recordOrders makes it a conversion of the campaign (revenue 150), and vs-0 moves from
    // "no orders" to [100, 500), beside vs-3 (converted, 50) and vs-4 (not converted).
    const { recordOrders } = await t.ok(RecordOrdersDocument, { orders: [{ orderId: 'vs-0-after-send', externalId: 'vs-0', value: 150, occurredAt: '2026-11-04T10:00:00Z' }] }, v);
    expect(recordOrders).toEqual({ accepted: 1, duplicates: 0, conversions: 1, rejected: [] });
    const { campaign: c } = await t.ok(CampaignValueSegmentsDocument, { id: campaign.id }, v);
    expect(c!.valueSegments.map((s) => [s.label, s.sent, s.converted, s.conversionRate, s.revenue])).toEqual([
      ['no orders', 0, 0, 0, 0],
      ['[0, 100)', 2, 1, 0.5, 20],
      ['[100, 500)', 3, 2, 2 / 3, 200],
      ['[500, 1000)', 1, 0, 0, 0],
      ['[1000, ∞)', 1, 1, 1, 300],
    ]);
  });
});
