import { rollupHourly } from '../../src/analytics/rollup';
import { Migration20261130130000_reply_sentiments as ReplySentiments } from '../../migrations/Migration20261130130000_reply_sentiments';
import { CampaignVariantStatsDocument, TrackEventsDocument, type TrackEventInput } from '../generated/graphql';
import { campaignWithRecipients, type CampaignFixture } from '../helpers/fixtures';
import { errorOf, startTestApp, type TestApp } from '../helpers/harness';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

async function statsByVariant(key: string, campaignId: string) {
  const { campaign } = await t.ok(CampaignVariantStatsDocument, { id: campaignId }, key);
  return Object.fromEntries(campaign!.variants.map((v) => [v.id, v.stats]));
}

/** Totals over the campaign's variants. */
async function totals(key: string, campaignId: string) {
  const s = Object.values(await statsByVariant(key, campaignId));
  const sum = (k: keyof (typeof s)[number]) => s.reduce((a, v) => a + (v[k] as number), 0);
  return { sent: sum('sent'), delivered: sum('delivered'), clicked: sum('clicked'), replied: sum('replied'), positiveReplies: sum('positiveReplies'), negativeReplies: sum('negativeReplies'), neutralReplies: sum('neutralReplies'), converted: sum('converted'), optedOut: sum('optedOut'), revenue: sum('revenue'), events: sum('events'), assigned: sum('assigned') };
}

describe('trackEvents', () => {
  let key: string;
  let f: CampaignFixture;
  beforeAll(async () => {
    key = await t.newWorkspaceKey('track');
    f = await campaignWithRecipients(t, key, 6);
  });

  it('stores events and counts each fact once per recipient; revenue sums every conversion', async () => {
    const [a, b] = f.contacts;
    const ev = (contact: typeof a, type: TrackEventInput['type'], extra: Partial<TrackEventInput> = {}): TrackEventInput => ({ campaignId: f.campaignId, contactId: contact!.id, type, ...extra });
    const { trackEvents } = await t.ok(TrackEventsDocument, {
      events: [
        ev(a, 'SENT'), ev(a, 'DELIVERED'), ev(a, 'CLICKED'), ev(a, 'CLICKED'), ev(a, 'CONVERTED', { value: 20 }), ev(a, 'CONVERTED', { value: 5.5 }),
        ev(b, 'SENT'), ev(b, 'REPLIED', { sentiment: 'POSITIVE' }), ev(b, 'REPLIED', { sentiment: 'NEGATIVE' }),
      ],
    }, key);
    expect(trackEvents).toEqual({ accepted: 9, duplicates: 0, rejected: [] });
    expect(await totals(key, f.campaignId)).toEqual({ assigned: 6, sent: 2, delivered: 1, clicked: 1, replied: 1, positiveReplies: 1, negativeReplies: 1, neutralReplies: 0, converted: 1, optedOut: 0, revenue: 25.5, events: 9 });
    const stats = await statsByVariant(key, f.campaignId);
    const sa = stats[a!.variantId]!;
    expect(sa.sent).toBeGreaterThanOrEqual(1);
    expect(sa.conversionRate).toBeCloseTo(sa.converted / sa.sent);
    const [row] = await t.sql<{ n: string }>('select count(*) as n from events where campaign_id = ?', [f.campaignId]);
    expect(Number(row!.n)).toBe(9);
  });

  it('counts an idempotency key once, also within one call and across calls', async () => {
    const c = f.contacts[2]!;
    const e = { campaignId: f.campaignId, contactId: c.id, type: 'CONVERTED' as const, value: 10, idempotencyKey: 'order-1001' };
    expect((await t.ok(TrackEventsDocument, { events: [e, e] }, key)).trackEvents).toEqual({ accepted: 1, duplicates: 1, rejected: [] });
    expect((await t.ok(TrackEventsDocument, { events: [e] }, key)).trackEvents).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
    const [row] = await t.sql<{ revenue: string }>('select revenue from assignments where campaign_id = ? and contact_id = ?', [f.campaignId, c.id]);
    expect(Number(row!.revenue)).toBe(10);
  });

  it('rejects events about non-recipients, unknown campaigns, wrong variants and bad values, and keeps the rest', async () => {
    const other = await campaignWithRecipients(t, key, 1, [50, 50], 'other');
    const c = f.contacts[3]!;
    const wrongVariant = f.variants.find((v) => v.id !== c.variantId)!.id;
    const { trackEvents } = await t.ok(TrackEventsDocument, {
      events: [
        { campaignId: f.campaignId, contactId: other.contacts[0]!.id, type: 'CLICKED' },
        { campaignId: '0190c1d2-0000-7000-8000-000000000000', contactId: c.id, type: 'CLICKED' },
        { campaignId: f.campaignId, contactId: c.id, type: 'CLICKED', variantId: wrongVariant },
        { campaignId: f.campaignId, contactId: c.id, type: 'CLICKED', value: 3 },
        { campaignId: f.campaignId, contactId: c.id, type: 'CONVERTED', value: -1 },
        { campaignId: f.campaignId, contactId: c.id, type: 'SENT', occurredAt: new Date(Date.now() + 3_600_000).toISOString() },
        { campaignId: f.campaignId, contactId: c.id, type: 'DELIVERED', sentiment: 'POSITIVE' },
        { campaignId: f.campaignId, contactId: c.id, type: 'CLICKED', variantId: c.variantId },
      ],
    }, key);
    expect(trackEvents.accepted).toBe(1);
    expect(trackEvents.rejected.map((r) => [r.index, r.code])).toEqual([
      [0, 'NOT_A_RECIPIENT'],
      [1, 'NOT_FOUND'],
      [2, 'VARIANT_MISMATCH'],
      [3, 'INVALID_VALUE'],
      [4, 'INVALID_VALUE'],
      [5, 'INVALID_OCCURRED_AT'],
      [6, 'INVALID_SENTIMENT'],
    ]);
  });

  it('does not let one workspace write events to another workspace’s campaign', async () => {
    const stranger = await t.newWorkspaceKey('stranger');
    const c = f.contacts[4]!;
    const { trackEvents } = await t.ok(TrackEventsDocument, { events: [{ campaignId: f.campaignId, contactId: c.id, type: 'CLICKED' }] }, stranger);
    expect(trackEvents.rejected[0]?.code).toBe('NOT_FOUND');
    expect(trackEvents.accepted).toBe(0);
  });

  it('refuses more than 1000 events per call and a READ key', async () => {
    const many = Array.from({ length: 1001 }, () => ({ campaignId: f.campaignId, contactId: f.contacts[0]!.id, type: 'OPENED' as const }));
    expect(errorOf(await t.gql(TrackEventsDocument, { events: many }, key))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TOO_MANY_EVENTS' });
    const reader = await t.newWorkspaceKey('reader', ['READ']);
    expect(errorOf(await t.gql(TrackEventsDocument, { events: [] }, reader))?.code).toBe('FORBIDDEN');
  });

  it('opts a contact out on an OPTED_OUT event and logs it once', async () => {
    const c = f.contacts[5]!;
    await t.ok(TrackEventsDocument, { events: [{ campaignId: f.campaignId, contactId: c.id, type: 'OPTED_OUT' }, { campaignId: f.campaignId, contactId: c.id, type: 'OPTED_OUT' }] }, key);
    const [contact] = await t.sql<{ opted_out: boolean }>('select cardinality(opted_out_channels) > 0 as opted_out from contacts where id = ?', [c.id]);
    expect(contact!.opted_out).toBe(true);
    const log = await t.sql<{ action: string; source: string }>('select action, source from opt_out_log where contact_id = ?', [c.id]);
    expect(log).toEqual([{ action: 'OPTED_OUT', source: 'api' }]);
    expect((await totals(key, f.campaignId)).optedOut).toBe(1);
  });
});

describe('POST /v1/events', () => {
  let key: string;
  let f: CampaignFixture;
  beforeAll(async () => {
    key = await t.newWorkspaceKey('rest');
    f = await campaignWithRecipients(t, key, 3, [50, 50], 'rest');
  });
  const post = (body: unknown, k: string | null = key) =>
    fetch(`${t.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...(k ? { authorization: `Bearer ${k}` } : {}) }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  it('accepts a JSON array and answers once the events are stored', async () => {
    const res = await post([{ campaignId: f.campaignId, contactId: f.contacts[0]!.id, type: 'DELIVERED', idempotencyKey: 'dlv-1' }]);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect((await totals(key, f.campaignId)).delivered).toBe(1);
    expect(await (await post({ events: [{ campaignId: f.campaignId, contactId: f.contacts[0]!.id, type: 'DELIVERED', idempotencyKey: 'dlv-1' }] })).json()).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
  });

  it('answers 401 without a key, 403 for READ, 400 for malformed bodies', async () => {
    expect((await post([], null)).status).toBe(401);
    const reader = await t.newWorkspaceKey('rest-reader', ['READ']);
    expect((await post([], reader)).status).toBe(403);
    const bad = await post('{"oops": ');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('BAD_REQUEST');
    expect((await post({ not: 'events' })).status).toBe(400);
    expect((await post([1, 2])).status).toBe(400);
    const tooMany = await post(Array.from({ length: 1001 }, () => ({ campaignId: f.campaignId, contactId: f.contacts[0]!.id, type: 'OPENED' })));
    expect(tooMany.status).toBe(400);
    expect(((await tooMany.json()) as { error: { reason: string } }).error.reason).toBe('TOO_MANY_EVENTS');
  });
});

describe('concurrency', () => {
  it('10 concurrent writers × 100 events on the same contacts give exact counts', async () => {
    const key = await t.newWorkspaceKey('concurrency');
    const f = await campaignWithRecipients(t, key, 20, [50, 50], 'cc');
    const writers = Array.from({ length: 10 }, (_, w) =>
      t.ok(TrackEventsDocument, {
        events: Array.from({ length: 100 }, (_, i) => {
          const contact = f.contacts[(i + w) % 20]!;
          const types = ['SENT', 'DELIVERED', 'CLICKED', 'CONVERTED'] as const;
          const type = types[i % 4]!;
          return { campaignId: f.campaignId, contactId: contact.id, type, ...(type === 'CONVERTED' ? { value: 1 } : {}), idempotencyKey: `w${w}-e${i}` };
        }),
      }, key),
    );
    const results = await Promise.all(writers);
    expect(results.reduce((a, r) => a + r.trackEvents.accepted, 0)).toBe(1000);
    // Every contact received every type from some writer; conversions: 250 events × 1.
    expect(await totals(key, f.campaignId)).toMatchObject({ sent: 20, delivered: 20, clicked: 20, converted: 20, revenue: 250, events: 1000 });
    const [row] = await t.sql<{ revenue: string; sq: string }>(
      'select sum(revenue) as revenue, sum(revenue * revenue) as sq from assignments where campaign_id = ?', [f.campaignId]);
    const [counters] = await t.sql<{ revenue: string; sq: string }>('select sum(revenue) as revenue, sum(revenue_sq) as sq from variant_counters where campaign_id = ?', [f.campaignId]);
    expect(Number(counters!.revenue)).toBe(Number(row!.revenue));
    expect(Number(counters!.sq)).toBeCloseTo(Number(row!.sq), 6);
    // Hourly buckets hold the same unique counts.
    const [hourly] = await t.sql<{ clicked: string }>('select sum(clicked) as clicked from variant_hourly where campaign_id = ?', [f.campaignId]);
    expect(Number(hourly!.clicked)).toBe(20);
  });
});

describe('reply sentiments: positiveReplies, negativeReplies, neutralReplies', () => {
  let key: string;
  let f: CampaignFixture;
  beforeAll(async () => {
    key = await t.newWorkspaceKey('sentiments');
    f = await campaignWithRecipients(t, key, 4, [50, 50], 'snt');
  });
  // Old enough (more than 35 days) for the nightly rollup to move their buckets into days.
  const T = (hhmm: string) => `2026-01-15T${hhmm}:00.000Z`;
  const reply = (i: number, occurredAt: string, sentiment?: 'POSITIVE' | 'NEGATIVE' | 'NEUTRAL'): TrackEventInput => ({
    campaignId: f.campaignId, contactId: f.contacts[i]!.id, type: 'REPLIED', occurredAt, ...(sentiment ? { sentiment } : {}),
  });
  const COLUMNS = 'replied, positive_replies, negative_replies, neutral_replies';
  const snapshot = async () => ({
    assignments: await t.sql(`select contact_id, replied_at, positive_reply_at, negative_reply_at, neutral_reply_at from assignments where campaign_id = ? order by contact_id`, [f.campaignId]),
    counters: await t.sql(`select variant_id, ${COLUMNS} from variant_counters where campaign_id = ? order by variant_id`, [f.campaignId]),
    hourly: await t.sql(`select variant_id, hour, ${COLUMNS} from variant_hourly where campaign_id = ? order by variant_id, hour`, [f.campaignId]),
  });

  it('counts each recipient once per sentiment, through trackEvents, on VariantStats and CampaignStats', async () => {
    const first = await t.ok(TrackEventsDocument, {
      events: [
        reply(0, T('10:05'), 'NEGATIVE'), reply(0, T('11:05'), 'POSITIVE'), reply(0, T('11:10'), 'NEGATIVE'), // one in each of the two
        reply(1, T('10:05'), 'NEUTRAL'), reply(1, T('10:06'), 'NEUTRAL'), // repeats count once
        reply(2, T('10:05')), // no sentiment: replied only
        reply(3, T('12:05'), 'NEGATIVE'),
      ],
    }, key);
    expect(first.trackEvents).toEqual({ accepted: 7, duplicates: 0, rejected: [] });
    // A late, earlier negative reply of contact 3 moves its first time, not the counts.
    expect((await t.ok(TrackEventsDocument, { events: [reply(3, T('09:05'), 'NEGATIVE')] }, key)).trackEvents.accepted).toBe(1);

    expect(await totals(key, f.campaignId)).toMatchObject({ replied: 4, positiveReplies: 1, negativeReplies: 2, neutralReplies: 1, events: 8 });
    const stats = await statsByVariant(key, f.campaignId);
    for (const v of f.variants) {
      const mine = (i: number[]) => i.filter((n) => f.contacts[n]!.variantId === v.id).length;
      expect(stats[v.id]).toMatchObject({ replied: mine([0, 1, 2, 3]), positiveReplies: mine([0]), negativeReplies: mine([0, 3]), neutralReplies: mine([1]) });
    }
    const res = await t.raw<{ campaign: { stats: Record<string, number> } }>(
      'query($id: ID!) { campaign(id: $id) { stats { replied positiveReplies negativeReplies neutralReplies } } }', { id: f.campaignId }, key);
    expect(res.errors).toBeUndefined();
    expect(res.data!.campaign.stats).toEqual({ replied: 4, positiveReplies: 1, negativeReplies: 2, neutralReplies: 1 });

    const [c3] = await t.sql<{ negative_reply_at: Date; replied_at: Date }>('select negative_reply_at, replied_at from assignments where campaign_id = ? and contact_id = ?', [f.campaignId, f.contacts[3]!.id]);
    expect(new Date(c3!.negative_reply_at).toISOString()).toBe(T('09:05'));
    expect(new Date(c3!.replied_at).toISOString()).toBe(T('09:05'));
    // Hourly buckets: each recipient in the hour of the event that counted it.
    const [h] = await t.sql<Record<string, string>>(
      `select sum(negative_replies) filter (where hour = ?) as neg10, sum(negative_replies) filter (where hour = ?) as neg12,
              sum(positive_replies) filter (where hour = ?) as pos11, sum(neutral_replies) as neutral, sum(negative_replies) as negative
       from variant_hourly where campaign_id = ?`,
      [T('10:00'), T('12:00'), T('11:00'), f.campaignId]);
    expect(Object.fromEntries(Object.entries(h!).map(([k, v]) => [k, Number(v)]))).toEqual({ neg10: 1, neg12: 1, pos11: 1, neutral: 1, negative: 2 });
  });

  it('the migration backfill rebuilds the same first times, counters and hourly buckets from the events', async () => {
    const before = await snapshot();
    await t.sql(`update assignments set negative_reply_at = null, neutral_reply_at = null`);
    await t.sql(`update variant_counters set negative_replies = 0, neutral_replies = 0`);
    await t.sql(`update variant_hourly set negative_replies = 0, neutral_replies = 0`);
    const migration = new ReplySentiments(t.app.orm.em.getDriver(), t.app.orm.config);
    await migration.up();
    const backfill = migration.getQueries().map(String).filter((q) => !/^\s*alter table/i.test(q));
    expect(backfill).toHaveLength(3);
    // The backfill was written for the schema of its day: variant_hourly keyed by (variant_id, hour),
    // without workspace_id (added by Migration20261206000000_citus_readiness). For the replay, give
    // it that key back and fill workspace_id from the campaign as the migration did.
    await t.sql('create unique index replay_hourly_uq on variant_hourly (variant_id, hour)');
    await t.sql(`create function replay_hourly_ws() returns trigger language plpgsql as $$
      begin new.workspace_id := (select workspace_id from campaigns where id = new.campaign_id); return new; end $$`);
    await t.sql('create trigger replay_hourly_ws before insert on variant_hourly for each row execute function replay_hourly_ws()');
    try {
      for (const q of backfill) await t.sql(q);
    } finally {
      await t.sql('drop trigger replay_hourly_ws on variant_hourly');
      await t.sql('drop function replay_hourly_ws()');
      await t.sql('drop index replay_hourly_uq');
    }
    expect(await snapshot()).toEqual(before);
    expect((await totals(key, f.campaignId)).negativeReplies).toBe(2);
  });

  it('the nightly rollup carries the sentiment counts into daily rows', async () => {
    const [hourly] = await t.sql<Record<string, string>>(`select sum(negative_replies) as negative, sum(neutral_replies) as neutral from variant_hourly where campaign_id = ?`, [f.campaignId]);
    await rollupHourly(t.app.sql, t.app.logger);
    const [left] = await t.sql<{ n: string }>('select count(*) as n from variant_hourly where campaign_id = ?', [f.campaignId]);
    expect(Number(left!.n)).toBe(0);
    const [daily] = await t.sql<Record<string, string>>(`select sum(negative_replies) as negative, sum(neutral_replies) as neutral from variant_daily where campaign_id = ?`, [f.campaignId]);
    expect(daily).toEqual(hourly);
    expect(Number(daily!.negative)).toBe(2);
    expect(Number(daily!.neutral)).toBe(1);
  });
});
