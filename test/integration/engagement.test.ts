/**
 * Engagement scores end to end (facts through the ingestion pipeline with past occurredAt, orders
 * through the recordOrders mutation), and audiences by purchase history, replies and engagement: reach,
 * recipients and a real send. Expected scores are computed by hand in the comments:
 * S = Σ weight × 2^(−age_days / 30) over 180 days; score = 100 × (1 − e^(−max(S, 0) / 10)), 1 decimal.
 */
import {
  AddRecipientsDocument,
  CampaignRunsDocument,
  ContactEngagementDocument,
  CreateCampaignDocument,
  EstimateReachByChannelDocument,
  EstimateReachDocument,
  LaunchCampaignDocument,
  RecomputeEngagementScoresDocument,
  RecordOrdersDocument,
  TrackEventsDocument,
  UpdateWorkspaceSettingsDocument,
  UpsertContactsDocument,
  ViewerDocument,
  type AudienceInput,
} from '../generated/graphql';
import { ENGAGEMENT_BATCH, ENGAGEMENT_JOB, MAX_ON_DEMAND_WORKSPACE, WRITE_SCORES_SQL } from '../../src/orders/engagement.service';
import { errorOf, startTestApp, type TestApp } from '../helpers/harness';
import { until } from '../helpers/until';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ JOBS: 'on' });
});
afterAll(() => t.close());

const DAY = 86_400_000;
/** `days` ago; "today" is a minute ago, so that no event is in the future. */
const ago = (days: number) => new Date(Date.now() - (days === 0 ? 60_000 : days * DAY));

let phone = 7000;

/** A workspace (simulator able to sign its webhooks) with consenting contacts named `names`; their ids by name. */
async function workspace(names: string[], noConsent: string[] = []) {
  const key = await t.newWorkspaceKey();
  await t.ok(UpdateWorkspaceSettingsDocument, { input: { twilioAuthToken: 'sim-token' } }, key);
  const { viewer } = await t.ok(ViewerDocument, {}, key);
  await t.ok(
    UpsertContactsDocument,
    { contacts: [...names, ...noConsent].map((n) => ({ externalId: n, phone: `+1415666${phone++}`, consent: !noConsent.includes(n), tags: ['all'] })) },
    key,
  );
  const rows = await t.sql<{ id: string; external_id: string }>('select id, external_id from contacts where workspace_id = ?', [viewer.workspace.id]);
  const ids = Object.fromEntries(rows.map((r) => [r.external_id, r.id])) as Record<string, string>;
  return { key, workspaceId: viewer.workspace.id, ids };
}

/** A draft campaign with these contacts as recipients (events need a recipient). */
async function campaignFor(key: string, contactIds: string[], audience?: AudienceInput): Promise<string> {
  const { createCampaign: c } = await t.ok(
    CreateCampaignDocument,
    { input: { name: `c${phone++}`, type: 'AB_TEST', audience, variants: [{ template: 'A https://shop.example/a' }, { template: 'B https://shop.example/b' }] } },
    key,
  );
  if (contactIds.length) await t.ok(AddRecipientsDocument, { campaignId: c.id, contactIds }, key);
  return c.id;
}

type Kind = 'OPENED' | 'CLICKED' | 'REPLIED' | 'CONVERTED' | 'OPTED_OUT';
/** Campaign facts through the ingestion pipeline (trackEvents), at past times. */
async function track(key: string, events: { campaignId: string; contactId: string; type: Kind; daysAgo: number }[]) {
  const { trackEvents } = await t.ok(
    TrackEventsDocument,
    { events: events.map((e) => ({ campaignId: e.campaignId, contactId: e.contactId, type: e.type, occurredAt: ago(e.daysAgo).toISOString(), value: e.type === 'CONVERTED' ? 10 : null })) },
    key,
  );
  expect(trackEvents).toMatchObject({ accepted: events.length, rejected: [] });
}

/**
 * Orders of a contact through the real recordOrders mutation (the contact's order_count, total_spend
 * and last_order_at are kept by it). The campaigns here are drafts (no message sent), so no order
 * makes an experiment conversion: the expected scores count each order once, as an order.
 */
async function recordOrdersFor(key: string, contactId: string, orders: { value: number; daysAgo: number }[]) {
  const { recordOrders } = await t.ok(
    RecordOrdersDocument,
    { orders: orders.map((o) => ({ contactId, orderId: `o${phone++}`, value: o.value, occurredAt: ago(o.daysAgo).toISOString() })) },
    key,
  );
  expect(recordOrders).toMatchObject({ accepted: orders.length, duplicates: 0, conversions: 0, rejected: [] });
}

const scoreOf = async (key: string, id: string) => (await t.ok(ContactEngagementDocument, { id }, key)).contact!;

describe('engagement score', () => {
  const names = ['clicker', 'clickReply', 'twoCampaigns', 'mixed', 'optout', 'returning', 'conv179', 'conv181', 'buyer179', 'buyer181', 'nothing'];
  let w: Awaited<ReturnType<typeof workspace>>;
  let foreign: Awaited<ReturnType<typeof workspace>>;
  /** By hand, at the time of the recompute (a few seconds of extra decay change no first decimal here). */
  const expected: Record<string, number> = {
    clicker: 25.9, // two clicks on one campaign today count once: S = 3 → 100 × (1 − e^−0.3) = 25.92
    clickReply: 55.1, // click 3 + reply 5 today: S = 8 → 55.07
    twoCampaigns: 45.1, // a click today on each of two campaigns: S = 6 → 45.12
    mixed: 57.3, // opened 30 d 1/2 + converted 60 d 8/4 + order 30 d 4/2 + order today 4 = 8.5 → 57.26
    optout: 0, // click 3 − opt-out 10 today: S = −7 → 0
    returning: 42.3, // opted out 60 d ago on one campaign −10/4, converted today on another 8: S = 5.5 → 42.31
    conv179: 1.3, // converted 179 d ago: 8 × 2^(−179/30) = 0.1279 → 1.27
    conv181: 0, // converted 181 d ago: beyond the 180-day horizon
    buyer179: 0.6, // ordered 179 d ago: 4 × 2^(−179/30) = 0.0640 → 0.64
    buyer181: 0, // ordered 181 d ago: beyond the horizon
    nothing: 0,
  };

  beforeAll(async () => {
    w = await workspace(names);
    foreign = await workspace(['elsewhere']);
    const i = w.ids;
    const a = await campaignFor(w.key, names.map((n) => i[n]!));
    const b = await campaignFor(w.key, [i.twoCampaigns!, i.returning!]);
    await track(w.key, [
      { campaignId: a, contactId: i.clicker!, type: 'CLICKED', daysAgo: 0 },
      { campaignId: a, contactId: i.clicker!, type: 'CLICKED', daysAgo: 0 },
      { campaignId: a, contactId: i.clickReply!, type: 'CLICKED', daysAgo: 0 },
      { campaignId: a, contactId: i.clickReply!, type: 'REPLIED', daysAgo: 0 },
      { campaignId: a, contactId: i.twoCampaigns!, type: 'CLICKED', daysAgo: 0 },
      { campaignId: b, contactId: i.twoCampaigns!, type: 'CLICKED', daysAgo: 0 },
      { campaignId: a, contactId: i.mixed!, type: 'OPENED', daysAgo: 30 },
      { campaignId: a, contactId: i.mixed!, type: 'CONVERTED', daysAgo: 60 },
      { campaignId: a, contactId: i.optout!, type: 'CLICKED', daysAgo: 0 },
      { campaignId: a, contactId: i.optout!, type: 'OPTED_OUT', daysAgo: 0 },
      { campaignId: a, contactId: i.returning!, type: 'OPTED_OUT', daysAgo: 60 },
      { campaignId: b, contactId: i.returning!, type: 'CONVERTED', daysAgo: 0 },
      { campaignId: a, contactId: i.conv179!, type: 'CONVERTED', daysAgo: 179 },
      { campaignId: a, contactId: i.conv181!, type: 'CONVERTED', daysAgo: 181 },
    ]);
    await recordOrdersFor(w.key, i.mixed!, [
      { value: 20, daysAgo: 30 },
      { value: 30, daysAgo: 0 },
    ]);
    await recordOrdersFor(w.key, i.buyer179!, [{ value: 5, daysAgo: 179 }]);
    await recordOrdersFor(w.key, i.buyer181!, [{ value: 5, daysAgo: 181 }]);
    // Stale scores, to see that contacts whose signals aged out (or never had any) go back to 0.
    await t.sql(`update contacts set engagement_score = 77 where workspace_id = ? and external_id in ('conv181', 'buyer181', 'nothing')`, [w.workspaceId]);
    // The other workspace: a click today and a score it keeps until its own workspace is rescored.
    const fc = await campaignFor(foreign.key, [foreign.ids.elsewhere!]);
    await track(foreign.key, [{ campaignId: fc, contactId: foreign.ids.elsewhere!, type: 'CLICKED', daysAgo: 0 }]);
    await t.sql(`update contacts set engagement_score = 33 where id = ?`, [foreign.ids.elsewhere]);
  });

  const expectScores = async () => {
    for (const n of names) {
      const c = await scoreOf(w.key, w.ids[n]!);
      expect([n, c.engagementScore]).toEqual([n, expected[n]]);
      expect(c.engagementScoredAt).not.toBeNull();
    }
  };

  it('recomputes on demand for the whole workspace, as computed by hand, and leaves other workspaces alone', async () => {
    const before = Date.now();
    const { recomputeEngagementScores: n } = await t.ok(RecomputeEngagementScoresDocument, {}, w.key);
    expect(n).toBe(names.length);
    await expectScores();
    expect(new Date((await scoreOf(w.key, w.ids.clicker!)).engagementScoredAt!).getTime()).toBeGreaterThanOrEqual(before - 1000);
    const f = await scoreOf(foreign.key, foreign.ids.elsewhere!);
    expect([f.engagementScore, f.engagementScoredAt]).toEqual([33, null]);
  });

  it('recomputes only the given contacts; unknown and foreign ids are skipped', async () => {
    await t.sql(`update contacts set engagement_score = 0, engagement_scored_at = null where workspace_id = ?`, [w.workspaceId]);
    const unknown = '00000000-0000-4000-8000-000000000001';
    const { recomputeEngagementScores: n } = await t.ok(
      RecomputeEngagementScoresDocument,
      { contactIds: [w.ids.clickReply!, w.ids.clickReply!, w.ids.mixed!, foreign.ids.elsewhere!, unknown] },
      w.key,
    );
    expect(n).toBe(2);
    expect((await scoreOf(w.key, w.ids.clickReply!)).engagementScore).toBe(55.1);
    expect((await scoreOf(w.key, w.ids.mixed!)).engagementScore).toBe(57.3);
    const untouched = await scoreOf(w.key, w.ids.clicker!);
    expect([untouched.engagementScore, untouched.engagementScoredAt]).toEqual([0, null]);
    expect((await scoreOf(foreign.key, foreign.ids.elsewhere!)).engagementScore).toBe(33);
    expect((await t.ok(RecomputeEngagementScoresDocument, { contactIds: [] }, w.key)).recomputeEngagementScores).toBe(0);
  });

  it('refuses more than 10,000 ids (TOO_MANY_CONTACTS) and a READ key (FORBIDDEN)', async () => {
    const ids = Array.from({ length: 10_001 }, (_, k) => `00000000-0000-4000-8000-${String(k).padStart(12, '0')}`);
    expect(errorOf(await t.gql(RecomputeEngagementScoresDocument, { contactIds: ids }, w.key))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TOO_MANY_CONTACTS', field: 'contactIds' });
    expect((await t.ok(RecomputeEngagementScoresDocument, { contactIds: ids.slice(0, 10_000) }, w.key)).recomputeEngagementScores).toBe(0);
    const reader = await t.newWorkspaceKey('reader', ['READ']);
    expect(errorOf(await t.gql(RecomputeEngagementScoresDocument, {}, reader))?.code).toBe('FORBIDDEN');
  });

  it('the nightly job rescores every contact of every workspace', async () => {
    await t.sql(`update contacts set engagement_score = 77, engagement_scored_at = null where workspace_id = ?`, [w.workspaceId]);
    await t.app.scheduler!.runNow(ENGAGEMENT_JOB);
    await expectScores();
    // The other workspace too: its click today, S = 3 → 25.9.
    expect((await scoreOf(foreign.key, foreign.ids.elsewhere!)).engagementScore).toBe(25.9);
  });
});

describe('engagement score: batches of 5,000 contacts', () => {
  it('rescores every contact across batch boundaries, for the whole workspace and for a long id list', async () => {
    const w = await workspace([]);
    await t.sql(
      `insert into contacts (id, workspace_id, external_id, tags, consent_channels, engagement_score)
       select gen_random_uuid(), ?, 'bulk-' || g, array['bulk'], array['SMS'], 50 from generate_series(1, 12001) g`,
      [w.workspaceId],
    );
    const ordered = (await t.sql<{ id: string }>('select id from contacts where workspace_id = ? order by id', [w.workspaceId])).map((r) => r.id);
    // The first and last contact of the first batch, the first of the second, and the very last one.
    const clickers = [ordered[0]!, ordered[4999]!, ordered[5000]!, ordered[12000]!];
    const c = await campaignFor(w.key, clickers);
    await track(w.key, clickers.map((contactId) => ({ campaignId: c, contactId, type: 'CLICKED' as const, daysAgo: 0 })));
    const tally = async () =>
      (await t.sql<{ score: number; n: string }>('select round(engagement_score::numeric, 1)::float8 as score, count(*) as n from contacts where workspace_id = ? group by 1 order by 1', [w.workspaceId])).map((r) => [
        Number(r.score),
        Number(r.n),
      ]);

    expect((await t.ok(RecomputeEngagementScoresDocument, {}, w.key)).recomputeEngagementScores).toBe(12_001);
    expect(await tally()).toEqual([
      [0, 11_997],
      [25.9, 4], // one click today: S = 3
    ]);
    const clicked = await t.sql<{ id: string }>('select id from contacts where workspace_id = ? and engagement_score > 0 order by id', [w.workspaceId]);
    expect(clicked.map((r) => r.id)).toEqual(clickers);

    await t.sql('update contacts set engagement_score = 50 where workspace_id = ?', [w.workspaceId]);
    expect((await t.ok(RecomputeEngagementScoresDocument, { contactIds: ordered.slice(0, 6000) }, w.key)).recomputeEngagementScores).toBe(6000);
    expect(await tally()).toEqual([
      [0, 5997],
      [25.9, 3],
      [50, 6001],
    ]);
  });
});

describe('engagement score: a workspace of 50,001 contacts', () => {
  let w: Awaited<ReturnType<typeof workspace>>;
  beforeAll(async () => {
    w = await workspace([]);
    await t.sql(
      `insert into contacts (id, workspace_id, external_id, tags, consent_channels) select gen_random_uuid(), ?, 'big-' || g, array['big'], array['SMS'] from generate_series(1, ?::int) g`,
      [w.workspaceId, MAX_ON_DEMAND_WORKSPACE + 1],
    );
    await t.sql('analyze contacts');
  });

  it('writes a batch by key, not by hashing the whole contacts table (the update statement’s plan)', async () => {
    const ids = (await t.sql<{ id: string }>('select id from contacts where workspace_id = ? order by id limit ?', [w.workspaceId, ENGAGEMENT_BATCH])).map((r) => r.id);
    const plan = await t.app.sql.query<{ 'QUERY PLAN': string }>(`explain ${WRITE_SCORES_SQL}`, [w.workspaceId, ids, ids.map(() => 1), new Date()]);
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).not.toMatch(/Seq Scan on contacts/);
  });

  it('refuses to rescore more than 50,000 contacts whole inside the request (TOO_MANY_CONTACTS); ids still work; 50,000 do', async () => {
    expect(errorOf(await t.gql(RecomputeEngagementScoresDocument, {}, w.key))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TOO_MANY_CONTACTS', field: 'contactIds' });
    const [first] = await t.sql<{ id: string }>('select id from contacts where workspace_id = ? order by id limit 1', [w.workspaceId]);
    expect((await t.ok(RecomputeEngagementScoresDocument, { contactIds: [first!.id] }, w.key)).recomputeEngagementScores).toBe(1);
    await t.sql('delete from contacts where workspace_id = ? and id = ?', [w.workspaceId, first!.id]);
    expect((await t.ok(RecomputeEngagementScoresDocument, {}, w.key)).recomputeEngagementScores).toBe(MAX_ON_DEMAND_WORKSPACE);
  });
});

describe('engagement score: an order that converts a test recipient', () => {
  it('counts as the conversion (8) and as the order (4): S = 12 → 69.9', async () => {
    const w = await workspace(['buyer']);
    const c = await campaignFor(w.key, [], { tags: ['all'] });
    await t.ok(LaunchCampaignDocument, { id: c }, w.key);
    await until(
      async () => (await t.ok(CampaignRunsDocument, { id: c }, w.key)).campaign!,
      (x) => x.runs[0]?.sent === 1,
    );
    const { recordOrders } = await t.ok(RecordOrdersDocument, { orders: [{ contactId: w.ids.buyer!, orderId: 'conv-1', value: 40 }] }, w.key);
    expect(recordOrders).toMatchObject({ accepted: 1, conversions: 1, rejected: [] });
    await t.ok(RecomputeEngagementScoresDocument, { contactIds: [w.ids.buyer!] }, w.key);
    // converted today 8 + order today 4 = 12 → 100 × (1 − e^−1.2) = 69.88 (the same purchase, counted twice)
    expect((await scoreOf(w.key, w.ids.buyer!)).engagementScore).toBe(69.9);
  });
});

describe('lastRepliedAt (kept by ingestion)', () => {
  it('moves to the latest REPLIED event, never back', async () => {
    const w = await workspace(['ann']);
    const c = await campaignFor(w.key, [w.ids.ann!]);
    expect((await scoreOf(w.key, w.ids.ann!)).lastRepliedAt).toBeNull();
    await track(w.key, [{ campaignId: c, contactId: w.ids.ann!, type: 'CLICKED', daysAgo: 1 }]);
    expect((await scoreOf(w.key, w.ids.ann!)).lastRepliedAt).toBeNull(); // a click is no reply
    const five = ago(5);
    await t.ok(TrackEventsDocument, { events: [{ campaignId: c, contactId: w.ids.ann!, type: 'REPLIED', occurredAt: five.toISOString() }] }, w.key);
    expect(new Date((await scoreOf(w.key, w.ids.ann!)).lastRepliedAt!).getTime()).toBe(five.getTime());
    await t.ok(TrackEventsDocument, { events: [{ campaignId: c, contactId: w.ids.ann!, type: 'REPLIED', occurredAt: ago(20).toISOString() }] }, w.key);
    expect(new Date((await scoreOf(w.key, w.ids.ann!)).lastRepliedAt!).getTime()).toBe(five.getTime());
    const two = ago(2);
    await t.ok(TrackEventsDocument, { events: [{ campaignId: c, contactId: w.ids.ann!, type: 'REPLIED', occurredAt: two.toISOString() }] }, w.key);
    expect(new Date((await scoreOf(w.key, w.ids.ann!)).lastRepliedAt!).getTime()).toBe(two.getTime());
  });
});

describe('audiences by purchase history, replies and engagement', () => {
  let w: Awaited<ReturnType<typeof workspace>>;
  const names = ['recent', 'mid', 'old', 'never', 'replier', 'oldReplier'];
  const everyone = [...names].sort();

  beforeAll(async () => {
    w = await workspace(names, ['noConsent']);
    const i = w.ids;
    await recordOrdersFor(w.key, i.recent!, [{ value: 20, daysAgo: 5 }]); // 1 order, 20
    await recordOrdersFor(w.key, i.mid!, [
      { value: 50, daysAgo: 20 },
      { value: 30, daysAgo: 40 },
    ]); // 2 orders, 80, last 20 days ago
    await recordOrdersFor(w.key, i.old!, [{ value: 500, daysAgo: 100 }]); // 1 order, 500
    await recordOrdersFor(w.key, i.noConsent!, [{ value: 20, daysAgo: 5 }]); // counted in total, not withConsent
    const history = await campaignFor(w.key, [i.replier!, i.oldReplier!]);
    await track(w.key, [
      { campaignId: history, contactId: i.replier!, type: 'REPLIED', daysAgo: 3 },
      { campaignId: history, contactId: i.oldReplier!, type: 'REPLIED', daysAgo: 40 },
    ]);
    await t.ok(RecomputeEngagementScoresDocument, {}, w.key);
  });

  it('scores the audience’s contacts as computed by hand (what minEngagementScore filters on)', async () => {
    // Scores by hand: recent 4 × 2^(−5/30) = 3.564 → 30.0; mid 4 × 2^(−20/30) + 4 × 2^(−40/30) = 4.107 → 33.7;
    // old 4 × 2^(−100/30) = 0.397 → 3.9; replier 5 × 2^(−3/30) = 4.665 → 37.3; oldReplier 5 × 2^(−40/30) = 1.984 → 18.0;
    // never 0; noConsent as recent, 30.0.
    const scores = await t.sql<{ external_id: string; engagement_score: number }>('select external_id, engagement_score from contacts where workspace_id = ?', [w.workspaceId]);
    expect(Object.fromEntries(scores.map((s) => [s.external_id, Math.round(Number(s.engagement_score) * 10) / 10]))).toEqual({
      recent: 30,
      mid: 33.7,
      old: 3.9,
      never: 0,
      replier: 37.3,
      oldReplier: 18,
      noConsent: 30,
    });
  });

  /** Who addRecipients assigns for the audience, checked against estimateReach and estimateReachByChannel. */
  async function select(audience: AudienceInput): Promise<{ names: string[]; total: number }> {
    const { estimateReach } = await t.ok(EstimateReachDocument, { audience }, w.key);
    const { estimateReachByChannel } = await t.ok(EstimateReachByChannelDocument, { audience, channel: 'SMS' }, w.key);
    const c = await campaignFor(w.key, []);
    const { addRecipients: r } = await t.ok(AddRecipientsDocument, { campaignId: c, audience }, w.key);
    expect(r.added).toBe(estimateReach.withConsent);
    expect(r.added + r.skippedNoConsent + r.skippedOptedOut).toBe(estimateReach.total);
    expect(estimateReachByChannel.withConsent).toBe(estimateReach.withConsent);
    const rows = await t.sql<{ external_id: string }>('select c.external_id from assignments a join contacts c on c.id = a.contact_id and c.workspace_id = a.workspace_id where a.campaign_id = ?', [c]);
    return { names: rows.map((x) => x.external_id).sort(), total: estimateReach.total };
  }

  it.each<[string, AudienceInput, string[], number]>([
    ['ordered in the last 30 days', { orderedInLastDays: 30 }, ['mid', 'recent'], 3],
    ['ordered in the last 10 days', { orderedInLastDays: 10 }, ['recent'], 2],
    ['not ordered in the last 30 days (never ordered included)', { notOrderedInLastDays: 30 }, ['never', 'old', 'oldReplier', 'replier'], 4],
    ['ordered 10–30 days ago', { orderedInLastDays: 30, notOrderedInLastDays: 10 }, ['mid'], 1],
    ['at least 0 orders: everyone', { minOrderCount: 0 }, everyone, 7],
    ['at least 1 order', { minOrderCount: 1 }, ['mid', 'old', 'recent'], 4],
    ['at least 2 orders', { minOrderCount: 2 }, ['mid'], 1],
    ['spent at least 80 (equal counts)', { minTotalSpend: 80 }, ['mid', 'old'], 2],
    ['spent at least 80.01', { minTotalSpend: 80.01 }, ['old'], 1],
    ['spent at least 1e308 (huge, still a number): nobody', { minTotalSpend: 1e308 }, [], 0],
    ['spent at least 5e-324 (tiny, still above 0)', { minTotalSpend: 5e-324 }, ['mid', 'old', 'recent'], 4],
    ['at least 2^31 − 1 orders: nobody', { minOrderCount: 2 ** 31 - 1 }, [], 0],
    ['replied in the last 7 days', { repliedInLastDays: 7 }, ['replier'], 1],
    ['replied in the last 60 days', { repliedInLastDays: 60 }, ['oldReplier', 'replier'], 2],
    ['engagement at least 33', { minEngagementScore: 33 }, ['mid', 'replier'], 2],
    ['engagement at least a stored score (37.3)', { minEngagementScore: 37.3 }, ['replier'], 1],
    ['engagement at least 30 (30.0 included)', { minEngagementScore: 30 }, ['mid', 'recent', 'replier'], 4],
    ['a combination: an order, none in 30 days, spent ≥ 100', { minOrderCount: 1, notOrderedInLastDays: 30, minTotalSpend: 100 }, ['old'], 1],
    ['a combination with a tag: replied in 60 days, never ordered, engagement ≥ 10', { tags: ['all'], repliedInLastDays: 60, notOrderedInLastDays: 3650, minEngagementScore: 10 }, ['oldReplier', 'replier'], 2],
  ])('reach and recipients: %s', async (_label, audience, expected, total) => {
    expect(await select(audience)).toEqual({ names: expected, total });
  });

  it('a send goes only to the audience: ordered 10–30 days ago, and replied in the last 7 days', async () => {
    for (const [audience, who] of [
      [{ orderedInLastDays: 30, notOrderedInLastDays: 10 }, 'mid'],
      [{ repliedInLastDays: 7 }, 'replier'],
    ] as const) {
      const c = await campaignFor(w.key, [], audience);
      await t.ok(LaunchCampaignDocument, { id: c }, w.key);
      const runs = await until(
        async () => (await t.ok(CampaignRunsDocument, { id: c }, w.key)).campaign!,
        (x) => x.runs[0]?.sent === 1,
      );
      expect(runs.runs[0]).toMatchObject({ queued: 1, sent: 1, failed: 0 });
      const sentTo = await t.sql<{ external_id: string }>(
        'select c.external_id from messages m join contacts c on c.id = m.contact_id and c.workspace_id = m.workspace_id where m.campaign_id = ?',
        [c],
      );
      expect(sentTo.map((r) => r.external_id)).toEqual([who]);
    }
  });

  it.each<[string, AudienceInput, string]>([
    ['orderedInLastDays 0', { orderedInLastDays: 0 }, 'orderedInLastDays'],
    ['notOrderedInLastDays 3651', { notOrderedInLastDays: 3651 }, 'notOrderedInLastDays'],
    ['repliedInLastDays -1', { repliedInLastDays: -1 }, 'repliedInLastDays'],
    ['minOrderCount -1', { minOrderCount: -1 }, 'minOrderCount'],
    ['minTotalSpend -5', { minTotalSpend: -5 }, 'minTotalSpend'],
    ['minEngagementScore 100.5', { minEngagementScore: 100.5 }, 'minEngagementScore'],
    ['minEngagementScore -1', { minEngagementScore: -1 }, 'minEngagementScore'],
  ])('refuses %s with INVALID_AUDIENCE and its path (reach, reach by channel, campaigns)', async (_label, audience, field) => {
    const expected = { code: 'BAD_USER_INPUT', reason: 'INVALID_AUDIENCE' };
    expect(errorOf(await t.gql(EstimateReachDocument, { audience }, w.key))).toMatchObject({ ...expected, field: `audience.${field}` });
    expect(errorOf(await t.gql(EstimateReachByChannelDocument, { audience, channel: 'SMS' }, w.key))).toMatchObject({ ...expected, field: `audience.${field}` });
    const created = await t.gql(CreateCampaignDocument, { input: { name: 'bad', type: 'AB_TEST', audience, variants: [{ template: 'a' }, { template: 'b' }] } }, w.key);
    expect(errorOf(created)).toMatchObject({ ...expected, field: `input.audience.${field}` });
  });
});
