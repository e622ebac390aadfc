import { parse } from 'csv-parse/sync';
import {
  AddRecipientsDocument,
  CampaignAnalyticsDocument,
  CohortsDocument,
  CompareCampaignsDocument,
  CreateCampaignDocument,
  DashboardDocument,
  PortfolioDocument,
  PortfolioTimeSeriesDocument,
  TopCampaignsDocument,
  TrackEventsDocument,
  UpdateWorkspaceSettingsDocument,
  UpsertContactsDocument,
  type TrackEventInput,
} from '../generated/graphql';
import { rollupHourly } from '../../src/analytics/rollup';
import { errorOf, startTestApp, type TestApp } from '../helpers/harness';

/**
 * A hand-computed dataset in a Lisbon workspace (DST starts Sunday 2026-03-29 at 01:00 UTC):
 * C1 (AB test, 0.01 per message, offer 2): contacts c0–c5, all SENT on Fri 2026-03-27 10:00Z
 *   (c0 twice: 7 messages, 6 recipients), c0–c3 DELIVERED, c0–c1 CLICKED,
 *   c1 CONVERTED 50 on Sun 2026-03-29 12:00Z, c0 CONVERTED 100 on Mon 2026-03-30 09:00Z.
 *   Segments: c0, c1, c2 gold; c3, c4 silver; c5 none.
 * C2 (free: cost 0): contact z SENT on 2026-03-27 10:00Z, nothing else.
 * C3: no events at all.
 */
let t: TestApp;
let key: string;
let c1: { id: string; variants: { id: string; key: string }[] };
let c2: string;
let c3: string;
const variantOf = new Map<string, string>();

async function contactIds(): Promise<Map<string, string>> {
  const rows = await t.sql<{ id: string; external_id: string }>(
    `select c.id, c.external_id from contacts c join api_keys k on k.workspace_id = c.workspace_id where k.key_hash = encode(sha256(convert_to(?, 'utf8')), 'hex')`,
    [key],
  );
  return new Map(rows.map((r) => [r.external_id, r.id]));
}

beforeAll(async () => {
  t = await startTestApp();
  key = await t.newWorkspaceKey('analytics');
  await t.ok(UpdateWorkspaceSettingsDocument, { input: { timezone: 'Europe/Lisbon' } }, key);
  const segments = ['gold', 'gold', 'gold', 'silver', 'silver', null];
  await t.ok(
    UpsertContactsDocument,
    {
      contacts: [
        ...segments.map((segment, i) => ({ externalId: i === 5 ? '=HYPERLINK("x")' : `c${i}`, phone: `+1415555${2000 + i}`, segment, consent: true, tags: ['c1'] })),
        { externalId: 'z', phone: '+14155552100', consent: true, tags: ['c2'] },
      ],
    },
    key,
  );
  const ids = await contactIds();
  const id = (ext: string) => ids.get(ext)!;
  const c = await t.ok(CreateCampaignDocument, { input: { name: 'Spring', type: 'AB_TEST', costPerMessage: 0.01, offerAmount: 2, variants: [{ template: 'a' }, { template: 'b' }] } }, key);
  c1 = c.createCampaign;
  await t.ok(AddRecipientsDocument, { campaignId: c1.id, audience: { tags: ['c1'] } }, key);
  c2 = (await t.ok(CreateCampaignDocument, { input: { name: 'Free', costPerMessage: 0, variants: [{ template: 'x' }] } }, key)).createCampaign.id;
  await t.ok(AddRecipientsDocument, { campaignId: c2, audience: { tags: ['c2'] } }, key);
  c3 = (await t.ok(CreateCampaignDocument, { input: { name: 'Silent', type: 'AB_TEST', costPerMessage: 0.05, variants: [{ template: 'x' }, { template: 'y' }] } }, key)).createCampaign.id;
  for (const r of await t.sql<{ contact_id: string; variant_id: string }>('select contact_id, variant_id from assignments where campaign_id = ?', [c1.id])) {
    variantOf.set(r.contact_id, r.variant_id);
  }
  const cs = ['c0', 'c1', 'c2', 'c3', 'c4', '=HYPERLINK("x")'].map(id);
  const e = (contact: string, type: TrackEventInput['type'], at: string, value?: number): TrackEventInput => ({ campaignId: c1.id, contactId: contact, type, occurredAt: at, ...(value ? { value } : {}) });
  await t.ok(TrackEventsDocument, {
    events: [
      ...cs.map((c) => e(c, 'SENT', '2026-03-27T10:00:00Z')),
      e(cs[0]!, 'SENT', '2026-03-27T10:30:00Z'),
      ...cs.slice(0, 4).map((c) => e(c, 'DELIVERED', '2026-03-27T10:05:00Z')),
      e(cs[0]!, 'CLICKED', '2026-03-27T11:00:00Z'),
      e(cs[1]!, 'CLICKED', '2026-03-27T11:00:00Z'),
      e(cs[1]!, 'CONVERTED', '2026-03-29T12:00:00Z', 50),
      e(cs[0]!, 'CONVERTED', '2026-03-30T09:00:00Z', 100),
      { campaignId: c2, contactId: id('z'), type: 'SENT', occurredAt: '2026-03-27T10:00:00Z' },
    ],
  }, key);
  await t.sql(`update campaigns set status = 'RUNNING' where id = ?`, [c1.id]);
});
afterAll(() => t.close());

const analytics = async (id: string, vars: { interval?: 'HOUR' | 'DAY' | 'WEEK' | 'MONTH'; from?: string; to?: string } = {}) =>
  (await t.ok(CampaignAnalyticsDocument, { id, ...vars }, key)).campaign!;

/**
 * A window reaching back to a few days before the dataset, whatever today's date (a fixed 365 days
 * would lose the March 2026 events from late March 2027 on).
 */
const SERIES_DAYS = Math.ceil((Date.now() - Date.parse('2026-03-20T00:00:00Z')) / 86_400_000);

/**
 * The workspace-wide series over SERIES_DAYS, hand-computed from the dataset (Lisbon weeks):
 * week of Mon 23 March: 7 sent (C1 6 recipients, C2 1), 1 conversion (c1, 50); week of Mon 30
 * March (starts 29 March 23:00Z, summer time): 1 conversion (c0, 100); March: all of it.
 */
async function expectPortfolioSeries() {
  const series = async (vars: { interval: 'DAY' | 'WEEK' | 'MONTH'; channel?: 'SMS' | 'EMAIL' }, k = key) =>
    (await t.ok(PortfolioTimeSeriesDocument, { days: SERIES_DAYS, ...vars }, k)).portfolioTimeSeries;
  const weeks = await series({ interval: 'WEEK' });
  const nonZero = (bs: typeof weeks) => bs.filter((b) => b.sent || b.converted || b.revenue || b.delivered || b.clicked).map((b) => [b.start, b.sent, b.delivered, b.clicked, b.converted, b.revenue]);
  expect(nonZero(weeks)).toEqual([
    ['2026-03-23T00:00:00.000Z', 7, 4, 2, 1, 50],
    ['2026-03-29T23:00:00.000Z', 0, 0, 0, 1, 100],
  ]);
  expect(weeks.every((b) => b.variantId === null)).toBe(true);
  expect(weeks.length).toBeGreaterThanOrEqual(Math.floor(SERIES_DAYS / 7)); // every week present, empty ones included
  expect(weeks.length).toBeLessThanOrEqual(Math.ceil(SERIES_DAYS / 7) + 1);
  const months = await series({ interval: 'MONTH' });
  expect(nonZero(months)).toEqual([['2026-03-01T00:00:00.000Z', 7, 4, 2, 2, 150]]);
  const days = await series({ interval: 'DAY' });
  expect(days.length).toBeGreaterThanOrEqual(SERIES_DAYS + 1);
  expect(days.length).toBeLessThanOrEqual(SERIES_DAYS + 2);
  expect(nonZero(days).map((r) => [r[0], r[1], r[4]])).toEqual([
    ['2026-03-27T00:00:00.000Z', 7, 0],
    ['2026-03-29T00:00:00.000Z', 0, 1],
    ['2026-03-29T23:00:00.000Z', 0, 1],
  ]);
  // Adds up to portfolio's totals over the same window.
  const { portfolio } = await t.ok(PortfolioDocument, { days: SERIES_DAYS }, key);
  expect([days.reduce((a, b) => a + b.sent, 0), days.reduce((a, b) => a + b.converted, 0), days.reduce((a, b) => a + b.revenue, 0)]).toEqual([portfolio.sent, portfolio.converted, portfolio.revenue]);
  // The campaigns are SMS: nothing on EMAIL, all of it on SMS; another workspace sees none of it.
  expect(nonZero(await series({ interval: 'MONTH', channel: 'EMAIL' }))).toEqual([]);
  expect(nonZero(await series({ interval: 'MONTH', channel: 'SMS' }))).toEqual(nonZero(months));
  expect(nonZero(await series({ interval: 'MONTH' }, await t.newWorkspaceKey()))).toEqual([]);
}

describe('stats and ROI', () => {
  it('sums the campaign, with cost per message plus the offer per conversion', async () => {
    const a = await analytics(c1.id);
    expect(a.stats).toEqual({ recipients: 6, messages: 7, sent: 6, delivered: 4, failed: 0, clicked: 2, replied: 0, converted: 2, optedOut: 0, revenue: 150, cost: 4.07, conversionRate: 2 / 6 });
    expect(a.roi.cost).toBe(4.07);
    expect(a.roi.revenue).toBe(150);
    expect(a.roi.profit).toBeCloseTo(145.93, 10);
    expect(a.roi.roas).toBeCloseTo(150 / 4.07, 10);
    expect(a.roi.roiPercent).toBeCloseTo((145.93 / 4.07) * 100, 8);
    expect(a.roi.costPerConversion).toBeCloseTo(2.035, 10);
  });

  it('answers nulls, not divisions by zero, for a free campaign without conversions', async () => {
    const a = await analytics(c2);
    expect(a.stats).toMatchObject({ sent: 1, converted: 0, cost: 0, conversionRate: 0 });
    expect(a.roi).toEqual({ cost: 0, revenue: 0, profit: 0, roas: null, roiPercent: null, costPerConversion: null });
  });

  it('answers zeros for a campaign with no events', async () => {
    const a = await analytics(c3);
    expect(a.stats).toEqual({ recipients: 0, messages: 0, sent: 0, delivered: 0, failed: 0, clicked: 0, replied: 0, converted: 0, optedOut: 0, revenue: 0, cost: 0, conversionRate: 0 });
    expect(a.roi).toEqual({ cost: 0, revenue: 0, profit: 0, roas: null, roiPercent: null, costPerConversion: null });
    expect(a.funnel.steps.every((s) => s.count === 0 && s.rateOfSent === 0 && s.stepConversion === 0)).toBe(true);
    expect(a.segments).toEqual([]);
  });

  it('shows the funnel with step conversions, for the campaign and each variant', async () => {
    const { funnel } = await analytics(c1.id);
    expect(funnel.steps).toEqual([
      { step: 'SENT', count: 6, rateOfSent: 1, stepConversion: 1 },
      { step: 'DELIVERED', count: 4, rateOfSent: 4 / 6, stepConversion: 4 / 6 },
      { step: 'CLICKED', count: 2, rateOfSent: 2 / 6, stepConversion: 2 / 4 },
      { step: 'REPLIED', count: 0, rateOfSent: 0, stepConversion: 0 },
      { step: 'CONVERTED', count: 2, rateOfSent: 2 / 6, stepConversion: 0 },
    ]);
    const perVariantSent = funnel.variants.map((v) => v.steps[0]!.count);
    expect(perVariantSent.reduce((a, b) => a + b, 0)).toBe(6);
  });

  it('breaks results down by contact segment', async () => {
    const { segments } = await analytics(c1.id);
    expect(segments).toEqual([
      { segment: 'gold', recipients: 3, sent: 3, converted: 2, conversionRate: 2 / 3, revenue: 150 },
      { segment: '(none)', recipients: 1, sent: 1, converted: 0, conversionRate: 0, revenue: 0 },
      { segment: 'silver', recipients: 2, sent: 2, converted: 0, conversionRate: 0, revenue: 0 },
    ]);
  });
});

describe('time series (Europe/Lisbon, across the DST change)', () => {
  const total = (buckets: { start: string; converted: number; sent: number; revenue: number }[], start: string, k: 'converted' | 'sent' | 'revenue') =>
    buckets.filter((b) => b.start === start).reduce((a, b) => a + b[k], 0);

  it('has local calendar weeks starting Monday 00:00 — 23 March in winter time, 30 March in summer time', async () => {
    const { timeSeries } = await analytics(c1.id, { interval: 'WEEK', from: '2026-03-23T00:00:00Z', to: '2026-04-05T12:00:00Z' });
    const starts = [...new Set(timeSeries.map((b) => b.start))];
    expect(starts).toEqual(['2026-03-23T00:00:00.000Z', '2026-03-29T23:00:00.000Z']);
    expect(timeSeries).toHaveLength(4); // two variants × two weeks, empty ones included
    expect(total(timeSeries, '2026-03-23T00:00:00.000Z', 'converted')).toBe(1); // Sunday 29th, 12:00Z
    expect(total(timeSeries, '2026-03-29T23:00:00.000Z', 'converted')).toBe(1); // Monday 30th
    expect(total(timeSeries, '2026-03-23T00:00:00.000Z', 'sent')).toBe(6);
    expect(total(timeSeries, '2026-03-29T23:00:00.000Z', 'revenue')).toBe(100);
  });

  it('has days of 24, 23 and 24 hours around the change, every day present', async () => {
    const { timeSeries } = await analytics(c1.id, { interval: 'DAY', from: '2026-03-27T00:00:00Z', to: '2026-03-30T12:00:00Z' });
    const starts = [...new Set(timeSeries.map((b) => b.start))];
    expect(starts).toEqual(['2026-03-27T00:00:00.000Z', '2026-03-28T00:00:00.000Z', '2026-03-29T00:00:00.000Z', '2026-03-29T23:00:00.000Z']);
    expect(total(timeSeries, '2026-03-28T00:00:00.000Z', 'sent')).toBe(0);
    expect(total(timeSeries, '2026-03-29T00:00:00.000Z', 'revenue')).toBe(50);
  });

  it('has months in local time and absolute hours', async () => {
    const months = (await analytics(c1.id, { interval: 'MONTH', from: '2026-03-10T00:00:00Z', to: '2026-04-10T00:00:00Z' })).timeSeries;
    expect([...new Set(months.map((b) => b.start))]).toEqual(['2026-03-01T00:00:00.000Z', '2026-03-31T23:00:00.000Z']);
    expect(total(months, '2026-03-01T00:00:00.000Z', 'converted')).toBe(2); // 29 and 30 March
    const hours = (await analytics(c1.id, { interval: 'HOUR', from: '2026-03-27T09:00:00Z', to: '2026-03-27T12:00:00Z' })).timeSeries;
    expect([...new Set(hours.map((b) => b.start))]).toEqual(['2026-03-27T09:00:00.000Z', '2026-03-27T10:00:00.000Z', '2026-03-27T11:00:00.000Z', '2026-03-27T12:00:00.000Z']);
    expect(total(hours, '2026-03-27T10:00:00.000Z', 'sent')).toBe(6);
  });

  it('gives every variant a bucket for a campaign without events', async () => {
    const { timeSeries } = await analytics(c3, { interval: 'DAY', from: '2026-03-27T00:00:00Z', to: '2026-03-28T12:00:00Z' });
    expect(timeSeries).toHaveLength(4);
    expect(timeSeries.every((b) => b.sent === 0 && b.revenue === 0)).toBe(true);
  });

  it('refuses an inverted range and too many buckets', async () => {
    expect(errorOf(await t.gql(CampaignAnalyticsDocument, { id: c1.id, interval: 'DAY', from: '2026-04-01T00:00:00Z', to: '2026-03-01T00:00:00Z' }, key))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_RANGE' });
    expect(errorOf(await t.gql(CampaignAnalyticsDocument, { id: c1.id, interval: 'HOUR', from: '2024-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, key))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TOO_MANY_BUCKETS' });
  });

  it('has a workspace-wide series from the hourly buckets: every bucket, adding up to the portfolio', async () => {
    await expectPortfolioSeries();
    expect(errorOf(await t.gql(PortfolioTimeSeriesDocument, { days: 365, interval: 'HOUR' }, key))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TOO_MANY_BUCKETS' });
    expect(errorOf(await t.gql(PortfolioTimeSeriesDocument, { days: 0 }, key))).toMatchObject({ reason: 'INVALID_DAYS' });
    const hours = (await t.ok(PortfolioTimeSeriesDocument, { days: 1, interval: 'HOUR' }, key)).portfolioTimeSeries;
    expect(hours.length).toBeGreaterThanOrEqual(24);
    expect(hours.length).toBeLessThanOrEqual(25);
  });

  it('gives the same days and weeks after the nightly rollup compacted the hours', async () => {
    const before = (await analytics(c1.id, { interval: 'DAY', from: '2026-03-27T00:00:00Z', to: '2026-03-31T00:00:00Z' })).timeSeries;
    const weeksBefore = (await analytics(c1.id, { interval: 'WEEK', from: '2026-03-23T00:00:00Z', to: '2026-04-05T12:00:00Z' })).timeSeries;
    const { hours } = await rollupHourly(t.app.sql, t.app.logger);
    expect(hours).toBeGreaterThan(0);
    expect(Number((await t.sql<{ n: string }>('select count(*) as n from variant_hourly where campaign_id = ?', [c1.id]))[0]!.n)).toBe(0);
    expect((await analytics(c1.id, { interval: 'DAY', from: '2026-03-27T00:00:00Z', to: '2026-03-31T00:00:00Z' })).timeSeries).toEqual(before);
    expect((await analytics(c1.id, { interval: 'WEEK', from: '2026-03-23T00:00:00Z', to: '2026-04-05T12:00:00Z' })).timeSeries).toEqual(weeksBefore);
    expect((await rollupHourly(t.app.sql, t.app.logger)).hours).toBe(0); // idempotent
  });
});

describe('portfolio, rankings and comparisons', () => {
  it('totals the workspace over a window', async () => {
    const { portfolio } = await t.ok(PortfolioDocument, { days: SERIES_DAYS }, key);
    expect(portfolio.totalCampaigns).toBe(3);
    expect(portfolio.activeCampaigns).toBe(1);
    expect(portfolio.sent).toBe(7);
    expect(portfolio.converted).toBe(2);
    expect(portfolio.overallConversionRate).toBeCloseTo(2 / 7, 12);
    expect(portfolio.revenue).toBe(150);
    expect(portfolio.cost).toBeCloseTo(4.07, 10);
    expect(portfolio.roas).toBeCloseTo(150 / 4.07, 10);
    // Nothing happened in the last 30 days; the campaigns were created in it.
    expect((await t.ok(PortfolioDocument, { days: 30 }, key)).portfolio).toMatchObject({ totalCampaigns: 3, sent: 0, revenue: 0, cost: 0, roas: null, overallConversionRate: 0 });
    expect(errorOf(await t.gql(PortfolioDocument, { days: 0 }, key))).toMatchObject({ reason: 'INVALID_DAYS' });
  });

  it('gives the same workspace-wide series after the rollup compacted the hours into days', async () => {
    await expectPortfolioSeries();
  });

  it('ranks campaigns, leaving out those where the metric is undefined', async () => {
    const rank = async (metric: 'REVENUE' | 'CONVERSION_RATE' | 'ROAS' | 'ROI' | 'RESPONSE_RATE') =>
      (await t.ok(TopCampaignsDocument, { metric, days: SERIES_DAYS }, key)).topCampaigns.map((r) => [r.campaign.name, r.value]);
    expect((await rank('REVENUE'))[0]).toEqual(['Spring', 150]);
    expect(await rank('CONVERSION_RATE')).toEqual([
      ['Spring', 2 / 6],
      ['Free', 0],
    ]);
    expect(await rank('ROAS')).toEqual([['Spring', 150 / 4.07]]);
    expect((await rank('ROI'))[0]![1]).toBeCloseTo((145.93 / 4.07) * 100, 8);
    expect(errorOf(await t.gql(TopCampaignsDocument, { metric: 'ROI', limit: 0 }, key))).toMatchObject({ reason: 'INVALID_LIMIT' });
  });

  it('compares campaigns in the order asked; a foreign or unknown id is NOT_FOUND', async () => {
    const { compareCampaigns } = await t.ok(CompareCampaignsDocument, { ids: [c2, c1.id] }, key);
    expect(compareCampaigns.map((s) => [s.campaign.id, s.stats.sent, s.roi.cost])).toEqual([
      [c2, 1, 0],
      [c1.id, 6, 4.07],
    ]);
    expect(errorOf(await t.gql(CompareCampaignsDocument, { ids: [c1.id] }, await t.newWorkspaceKey()))?.code).toBe('NOT_FOUND');
  });
});

describe('cohorts', () => {
  /**
   * cohorts(weeks) counts back from the server's current week (at most 52), so the March 2026 dataset
   * above would leave its window: this one is placed relative to today, in a Tokyo workspace (UTC+9,
   * no DST), so local weeks start on Sunday 15:00Z. W = the local week two weeks before the current one:
   *   d: first SENT in week W-1 (Wed), SENT again in W: its cohort is W-1, 1 contact, no conversion;
   *   a, b, c: first SENT in W (Tue 10:00 local); a CONVERTED in W (Wed), b CONVERTED Monday 01:00
   *   local of W+1 (still Sunday in UTC: week 1 only in the workspace's zone), c never.
   */
  const DAY = 86_400_000;
  const TOKYO = 9 * 3_600_000;
  const local = new Date(Date.now() + TOKYO);
  const mondayLocal = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()) - ((local.getUTCDay() + 6) % 7) * DAY;
  const W = mondayLocal - 14 * DAY - TOKYO; // week W's start, as an instant
  const iso = (ms: number) => new Date(ms).toISOString();

  it('groups contacts by the local week of their first message and follows their conversions', async () => {
    const k = await t.newWorkspaceKey('analytics-cohorts');
    await t.ok(UpdateWorkspaceSettingsDocument, { input: { timezone: 'Asia/Tokyo' } }, k);
    const names = ['a', 'b', 'c', 'd'];
    await t.ok(UpsertContactsDocument, { contacts: names.map((n, i) => ({ externalId: `cohort-${n}`, phone: `+1415555${3000 + i}`, consent: true, tags: ['cohort'] })) }, k);
    const campaign = (await t.ok(CreateCampaignDocument, { input: { name: 'Cohorts', costPerMessage: 0, variants: [{ template: 'x' }] } }, k)).createCampaign.id;
    await t.ok(AddRecipientsDocument, { campaignId: campaign, audience: { tags: ['cohort'] } }, k);
    const rows = await t.sql<{ id: string; external_id: string }>(
      `select c.id, c.external_id from contacts c join api_keys k on k.workspace_id = c.workspace_id where k.key_hash = encode(sha256(convert_to(?, 'utf8')), 'hex')`,
      [k],
    );
    const id = (n: string) => rows.find((r) => r.external_id === `cohort-${n}`)!.id;
    const ev = (n: string, type: TrackEventInput['type'], at: number, value?: number): TrackEventInput => ({ campaignId: campaign, contactId: id(n), type, occurredAt: iso(at), ...(value ? { value } : {}) });
    const tue10 = W + DAY + 10 * 3_600_000;
    await t.ok(TrackEventsDocument, {
      events: [
        ev('d', 'SENT', W - 5 * DAY),
        ...['a', 'b', 'c', 'd'].map((n) => ev(n, 'SENT', tue10)),
        ev('a', 'CONVERTED', W + 2 * DAY, 10),
        ev('b', 'CONVERTED', W + 7 * DAY + 3_600_000, 20),
      ],
    }, k);

    const { cohorts } = await t.ok(CohortsDocument, { weeks: 8 }, k);
    expect(cohorts.map((c) => [c.weekStart, c.contacts])).toEqual([
      [iso(W - 7 * DAY), 1],
      [iso(W), 3],
    ]);
    expect(cohorts[0]!.weeks.slice(0, 4)).toEqual([0, 1, 2, 3].map((week) => ({ week, converted: 0, rate: 0 })));
    // Weeks up to the current one (3 and 2 weeks; one more if the week turned during the test).
    expect(cohorts[1]!.weeks.slice(0, 3)).toEqual([
      { week: 0, converted: 1, rate: 1 / 3 },
      { week: 1, converted: 1, rate: 1 / 3 },
      { week: 2, converted: 0, rate: 0 },
    ]);
  });
});

describe('CSV export', () => {
  const get = (id: string, k: string | null = key) => fetch(`${t.url}/v1/campaigns/${id}/export.csv`, { headers: k ? { authorization: `Bearer ${k}` } : {} });

  it('streams one row per recipient, masks phones and neutralises formulas', async () => {
    const res = await get(c1.id);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/csv/);
    const rows = parse(await res.text(), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(6);
    expect(Object.keys(rows[0]!)).toEqual(['external_id', 'phone', 'variant', 'status', 'first_delivered_at', 'first_clicked_at', 'first_replied_at', 'first_converted_at', 'revenue']);
    const byId = Object.fromEntries(rows.map((r) => [r.external_id, r]));
    expect(byId.c0).toMatchObject({ phone: '********2000', status: 'DELIVERED', first_clicked_at: '2026-03-27T11:00:00.000Z', first_converted_at: '2026-03-30T09:00:00.000Z', revenue: '100.00' });
    expect(byId.c4).toMatchObject({ status: 'SENT', first_delivered_at: '', revenue: '0.00' });
    expect(byId["'=HYPERLINK(\"x\")"]).toBeDefined();
    expect(rows.every((r) => /^\*+\d{4}$/.test(r.phone!))).toBe(true);
    expect(rows.every((r) => r.variant === 'A' || r.variant === 'B')).toBe(true);
  });

  it('needs a key (401), and answers 404 for another workspace’s campaign', async () => {
    expect((await get(c1.id, null)).status).toBe(401);
    expect((await get(c1.id, await t.newWorkspaceKey('other', ['READ']))).status).toBe(404);
    expect((await get('nope')).status).toBe(404);
  });
});

describe('query budget', () => {
  it('resolves the dashboard with the same few statements for 5 and for 50 campaigns', async () => {
    const k = await t.newWorkspaceKey('budget');
    const ws = (await t.sql<{ workspace_id: string }>(`select workspace_id from api_keys where key_hash = encode(sha256(convert_to(?, 'utf8')), 'hex')`, [k]))[0]!.workspace_id;
    const experiment = JSON.stringify({ primaryMetric: 'CONVERSION', method: 'SEQUENTIAL', confidenceLevel: 0.95, minSampleSize: 30, autoSelectWinner: false, testAudiencePercent: 100, minimumDetectableEffect: null });
    await t.sql(
      `insert into campaigns (id, workspace_id, name, channel, type, status, experiment, cost_per_message, salt, created_at)
       select gen_random_uuid(), ?, 'budget ' || g, 'SMS', 'AB_TEST', 'RUNNING', ?::jsonb, 0.01, md5(g::text), now() - make_interval(secs => g) from generate_series(1, 60) g`,
      [ws, experiment],
    );
    await t.sql(
      `insert into variants (id, workspace_id, campaign_id, key, name, template, weight, is_control, position)
       select gen_random_uuid(), c.workspace_id, c.id, k.key, 'Variant ' || k.key, 'text', 50, k.pos = 0, k.pos
       from campaigns c cross join (values ('A', 0), ('B', 1)) as k(key, pos) where c.workspace_id = ?`,
      [ws],
    );
    await t.sql(
      `insert into variant_counters (variant_id, campaign_id, workspace_id, assigned, messages, sent, delivered, converted, revenue, revenue_sq)
       select v.id, v.campaign_id, v.workspace_id, 1000, 1000, 1000, 970, 30 + v.position * 5, 1200, 60000 from variants v where v.workspace_id = ?`,
      [ws],
    );
    const statements = async (first: number) => {
      await t.ok(DashboardDocument, { first: 1 }, k); // the key is now cached, as for any dashboard
      const before = await t.metric('splitcast_db_queries_total');
      const { campaigns } = await t.ok(DashboardDocument, { first }, k);
      expect(campaigns.nodes).toHaveLength(first);
      expect(campaigns.nodes.every((n) => n.analysis !== null && n.stats.sent === 2000)).toBe(true);
      return (await t.metric('splitcast_db_queries_total')) - before;
    };
    const five = await statements(5);
    const fifty = await statements(50);
    expect(fifty).toBe(five);
    expect(fifty).toBeLessThanOrEqual(8);
  });
});
