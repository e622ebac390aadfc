import {
  AddRecipientsDocument,
  ApplyRecommendationDocument,
  CampaignRecommendationsDocument,
  CreateCampaignDocument,
  GenerateRecommendationsDocument,
  LaunchCampaignDocument,
  ScheduleCampaignSendTimeDocument,
  TrackEventsDocument,
  UpsertContactsDocument,
  type RecommendationFieldsFragment,
  type TrackEventInput,
} from '../generated/graphql';
import { analyzeOffers, type OfferCell, type SegmentValueStats } from '../../src/optimization/offers';
import { audienceSize } from '../../src/optimization/segments';
import pino from 'pino';
import { refreshRecommendations } from '../../src/optimization/recommendation.service';
import { refreshSendTimes } from '../../src/optimization/send-time.service';
import { errorOf, startTestApp, type TestApp } from '../helpers/harness';

/**
 * History written through the public API (trackEvents with past occurredAt), one workspace per scenario:
 * A (offers): segments gold and silver, 60 contacts each, three past STANDARD SMS campaigns at
 *   offers 0, 5 and 10 sent to all 120. Conversions per (segment, offer) of 60 messages:
 *   gold 3 / 18 / 15 at 40 per conversion (profit per message 2.00 / 10.50 / 7.50: 5 is best),
 *   silver 12 / 13 / 14 at 20 (4.00 / 3.25 / 2.33: 0 is best). Target: a DRAFT at offer 10.
 * B (segments, audience size): vip and basic, 40 contacts each, one past STANDARD EMAIL campaign:
 *   vip converted 20/40, basic 2/40 (workspace 22/80 = 27.5 %; vip's Wilson lower bound ≈ 35.2 %).
 * C (winner): a running 50/50 A/B test on 200 contacts, control converting 5 %, variant B 40 %.
 */
let t: TestApp;
const keys: Record<'A' | 'B' | 'C' | 'D', string> = { A: '', B: '', C: '', D: '' };
const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();

async function contacts(key: string, prefix: string, bySegment: Record<string, number>): Promise<Map<string, string[]>> {
  let i = 0;
  const rows = Object.entries(bySegment).flatMap(([segment, n]) =>
    Array.from({ length: n }, () => ({ externalId: `${prefix}-${segment}-${i}`, phone: `+1415555${String(3000 + i++).padStart(4, '0')}`, segment, consent: true, tags: [prefix] })),
  );
  await t.ok(UpsertContactsDocument, { contacts: rows }, key);
  const ids = await t.sql<{ id: string; segment: string }>(
    `select c.id, c.segment from contacts c where c.external_id like ? order by c.external_id`,
    [`${prefix}-%`],
  );
  const out = new Map<string, string[]>();
  for (const r of ids) out.set(r.segment, [...(out.get(r.segment) ?? []), r.id]);
  return out;
}

/** A past STANDARD campaign sent to everyone tagged `tag`; `converted[segment]` of each segment converted with `value`. */
async function pastCampaign(key: string, tag: string, input: { offerAmount?: number; channel?: 'SMS' | 'EMAIL' }, bySegment: Map<string, string[]>, converted: Record<string, number>, value: Record<string, number>) {
  const { createCampaign: c } = await t.ok(CreateCampaignDocument, { input: { name: `past ${tag} ${input.offerAmount ?? ''}`, ...input, variants: [{ template: 'Hello', ...(input.channel === 'EMAIL' ? { subject: 'Hello' } : {}) }] } }, key);
  await t.ok(AddRecipientsDocument, { campaignId: c.id, audience: { tags: [tag] } }, key);
  const events: TrackEventInput[] = [];
  for (const [segment, ids] of bySegment) {
    ids.forEach((id, i) => {
      events.push({ campaignId: c.id, contactId: id, type: 'SENT', occurredAt: daysAgo(10) });
      if (i < (converted[segment] ?? 0)) events.push({ campaignId: c.id, contactId: id, type: 'CONVERTED', occurredAt: daysAgo(9), value: value[segment] });
    });
  }
  const r = await t.ok(TrackEventsDocument, { events }, key);
  expect(r.trackEvents.rejected).toEqual([]);
  await t.sql(`update campaigns set status = 'COMPLETED' where id = ?`, [c.id]);
  return c.id;
}

const generate = async (key: string, campaignId: string) => (await t.ok(GenerateRecommendationsDocument, { campaignId }, key)).generateRecommendations;
const current = async (key: string, id: string) => (await t.ok(CampaignRecommendationsDocument, { id }, key)).campaign!;

beforeAll(async () => {
  t = await startTestApp();
  keys.A = await t.newWorkspaceKey('recs-offers');
  keys.B = await t.newWorkspaceKey('recs-segments');
  keys.C = await t.newWorkspaceKey('recs-winner');
  keys.D = await t.newWorkspaceKey('recs-send-time');
});
afterAll(() => t.close());

describe('OFFER', () => {
  let target: string;
  let rows: RecommendationFieldsFragment[];
  const conversions = { gold: [3, 18, 15], silver: [12, 13, 14] };

  beforeAll(async () => {
    const bySegment = await contacts(keys.A, 'hist', { gold: 60, silver: 60 });
    for (const [i, offer] of [0, 5, 10].entries()) {
      await pastCampaign(keys.A, 'hist', { offerAmount: offer }, bySegment, { gold: conversions.gold[i]!, silver: conversions.silver[i]! }, { gold: 40, silver: 20 });
    }
    target = (await t.ok(CreateCampaignDocument, { input: { name: 'Spring sale', offerAmount: 10, variants: [{ template: 'Sale!' }] } }, keys.A)).createCampaign.id;
    rows = await generate(keys.A, target);
  });

  it('recommends per segment the offer with the highest expected profit, with the figures of the pure analysis', () => {
    expect(rows.map((r) => [r.type, r.segment, r.recommendedValue, r.currentValue])).toEqual([
      ['OFFER', 'gold', '5', '10'],
      ['OFFER', 'silver', '0', '10'],
    ]);
    // The same counts, by hand, through the pure function: the SQL gathered exactly these.
    const cells: OfferCell[] = (['gold', 'silver'] as const).flatMap((segment) => [0, 5, 10].map((offer, i) => ({ segment, offer, messages: 60, conversions: conversions[segment][i]! })));
    const values: SegmentValueStats[] = [
      { segment: 'gold', conversions: 36, revenue: 36 * 40, revenueSq: 36 * 1600 },
      { segment: 'silver', conversions: 39, revenue: 39 * 20, revenueSq: 39 * 400 },
    ];
    const expected = analyzeOffers(cells, values, ['gold', 'silver'], 10);
    for (const [i, s] of expected.segments.entries()) {
      expect(rows[i]!.expectedImpact).toBeCloseTo(s.gain!.mean, 10);
      expect(rows[i]!.confidence).toBeCloseTo(s.best.probabilityBest, 12);
      expect(s.notEnoughData).toBeNull();
    }
    // Hand check of gold: shrinkage moves the raw 10.50 − 7.50 = 3.00 per message only a little.
    expect(rows[0]!.expectedImpact!).toBeGreaterThan(2);
    expect(rows[0]!.expectedImpact!).toBeLessThan(3.2);
    expect(rows[0]!.confidence).toBeGreaterThan(0.8); // 0.88: 60 messages per offer leave 10 a chance
    expect(rows[0]!.title).toMatch(/^Offer 5 instead of 10 to segment gold: \+\d+\.\d+ profit per message \(90 % interval /);
    expect(rows[0]!.basis).toContain('0 (3/60), 5 (18/60), 10 (15/60)');
    expect(rows[1]!.basis).toContain('segment silver: 180 messages');
    expect(rows.every((r) => r.appliedAt === null && r.supersededAt === null && r.campaignId === target)).toBe(true);
  });

  it('applies: the campaign offer changes, appliedAt is set, and a second apply is refused', async () => {
    const before = Date.now();
    const applied = (await t.ok(ApplyRecommendationDocument, { id: rows[0]!.id }, keys.A)).applyRecommendation;
    expect(Date.parse(applied.appliedAt!)).toBeGreaterThanOrEqual(before - 1000);
    const c = await current(keys.A, target);
    expect(c.offerAmount).toBe(5);
    const [{ applied_by_key }] = (await t.sql<{ applied_by_key: string }>('select applied_by_key from recommendations where id = ?', [rows[0]!.id])) as [{ applied_by_key: string }];
    const [{ id: keyId }] = (await t.sql<{ id: string }>(`select id from api_keys where key_hash = encode(sha256(convert_to(?, 'utf8')), 'hex')`, [keys.A])) as [{ id: string }];
    expect(applied_by_key).toBe(keyId);
    const again = await t.gql(ApplyRecommendationDocument, { id: rows[0]!.id }, keys.A);
    expect(errorOf(again)).toEqual({ code: 'BAD_USER_INPUT', reason: 'RECOMMENDATION_ALREADY_APPLIED', field: 'id' });
  });

  it('a new generation supersedes the unapplied rows; the applied one stays listed; a superseded one cannot be applied', async () => {
    const next = await generate(keys.A, target);
    // The campaign now offers 5: gold is told to keep it.
    expect(next.map((r) => [r.segment, r.recommendedValue, r.currentValue])).toEqual([
      ['gold', '5', '5'],
      ['silver', '0', '5'],
    ]);
    expect(next[0]!.title).toMatch(/^Keep the offer of 5 for segment gold/);
    const listed = (await current(keys.A, target)).recommendations;
    expect(listed.map((r) => r.id).sort()).toEqual([rows[0]!.id, ...next.map((r) => r.id)].sort());
    const stale = await t.gql(ApplyRecommendationDocument, { id: rows[1]!.id }, keys.A);
    expect(errorOf(stale)).toEqual({ code: 'BAD_USER_INPUT', reason: 'RECOMMENDATION_SUPERSEDED', field: 'id' });
  });

  it('refuses to apply once the campaign can no longer change', async () => {
    const next = (await current(keys.A, target)).recommendations.find((r) => r.segment === 'silver' && r.appliedAt === null)!;
    await t.ok(LaunchCampaignDocument, { id: target }, keys.A);
    const r = await t.gql(ApplyRecommendationDocument, { id: next.id }, keys.A);
    expect(errorOf(r)).toEqual({ code: 'BAD_USER_INPUT', reason: 'RECOMMENDATION_NOT_APPLICABLE', field: 'id' });
    expect((await current(keys.A, target)).offerAmount).toBe(5);
  });

  it('says "not enough data" rather than guessing for a segment without history', async () => {
    const c = (await t.ok(CreateCampaignDocument, { input: { name: 'New segment', offerAmount: 5, audience: { segments: ['platinum', 'gold'] }, variants: [{ template: 'x' }] } }, keys.A)).createCampaign.id;
    const r = await generate(keys.A, c);
    const platinum = r.find((x) => x.segment === 'platinum')!;
    expect(platinum.title).toMatch(/^Offer for segment platinum: not enough data to recommend a change \(0 offer\(s\) with ≥ 50 messages/);
    expect(platinum.recommendedValue).toBe('5');
    expect(platinum.expectedImpact).toBeNull();
    // Applying advice records it and changes nothing.
    await t.ok(ApplyRecommendationDocument, { id: platinum.id }, keys.A);
    expect((await current(keys.A, c)).offerAmount).toBe(5);
  });

  it('answers NOT_FOUND for another workspace’s campaign or recommendation, and FORBIDDEN to a READ key', async () => {
    expect(errorOf(await t.gql(GenerateRecommendationsDocument, { campaignId: target }, keys.B))).toMatchObject({ code: 'NOT_FOUND' });
    expect(errorOf(await t.gql(ApplyRecommendationDocument, { id: rows[1]!.id }, keys.B))).toMatchObject({ code: 'NOT_FOUND' });
    const created = await t.raw<{ createApiKey: { secret: string } }>('mutation { createApiKey(name: "reader", scopes: [READ]) { secret } }', {}, keys.A);
    const reader = created.data!.createApiKey.secret;
    expect((await t.ok(CampaignRecommendationsDocument, { id: target }, reader)).campaign!.recommendations.length).toBeGreaterThan(0);
    expect(errorOf(await t.gql(ApplyRecommendationDocument, { id: rows[1]!.id }, reader))).toMatchObject({ code: 'FORBIDDEN' });
    expect(errorOf(await t.gql(GenerateRecommendationsDocument, { campaignId: target }, reader))).toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('SEGMENT and AUDIENCE_SIZE', () => {
  beforeAll(async () => {
    const bySegment = await contacts(keys.B, 'seg', { vip: 40, basic: 40 });
    await pastCampaign(keys.B, 'seg', { channel: 'EMAIL' }, bySegment, { vip: 20, basic: 2 }, { vip: 10, basic: 10 });
  });

  it('recommends the segments whose Wilson lower bound beats the workspace rate, and applies them as the audience', async () => {
    const c = (await t.ok(CreateCampaignDocument, { input: { name: 'Newsletter', channel: 'EMAIL', audience: { tags: ['seg'] }, variants: [{ template: 'News', subject: 'News' }] } }, keys.B)).createCampaign.id;
    const rows = await generate(keys.B, c);
    expect(rows.map((r) => r.type)).toEqual(['SEGMENT']);
    const s = rows[0]!;
    expect(s.recommendedValue).toBe('vip');
    expect(s.segment).toBe('vip');
    expect(s.currentValue).toBe('all segments');
    expect(s.expectedImpact).toBeCloseTo(20 / 40 - 22 / 80, 12);
    expect(s.title).toContain('vip 50.0 % (95 % CI 35.2 %–64.8 %)');
    expect(s.basis).toContain('vip 20/40, basic 2/40; workspace 22/80');
    await t.ok(ApplyRecommendationDocument, { id: s.id }, keys.B);
    expect((await current(keys.B, c)).audience).toEqual({ tags: ['seg'], segments: ['vip'] });
  });

  it('sizes an A/B test with the engine’s power calculation and raises the tested share when the audience allows', async () => {
    const c = (
      await t.ok(
        CreateCampaignDocument,
        { input: { name: 'Small test', type: 'AB_TEST', audience: { tags: ['seg'] }, experiment: { testAudiencePercent: 20, minimumDetectableEffect: 2 }, variants: [{ template: 'a' }, { template: 'b' }] } },
        keys.B,
      )
    ).createCampaign.id;
    const rows = await generate(keys.B, c);
    const size = audienceSize({ baseline: 22 / 80, relativeEffect: 2, confidenceLevel: 0.95, weights: [50, 50], testAudiencePercent: 20 });
    expect(size.testRecipients).toBe(2 * size.perVariant!);
    const a = rows.find((r) => r.type === 'AUDIENCE_SIZE')!;
    expect(a.currentValue).toBe('80');
    expect(a.expectedImpact).toBe(size.audience! - 80);
    const percent = Math.ceil((100 * size.testRecipients!) / 80);
    expect(a.title).toContain(`raise the tested share to ${percent} %`);
    expect(a.basis).toContain(`baseline 27.50 % conversion from the workspace's history (22/80`);
    await t.ok(ApplyRecommendationDocument, { id: a.id }, keys.B);
    expect((await current(keys.B, c)).experiment!.testAudiencePercent).toBe(percent);
  });

  it('only informs when even the whole audience is too small', async () => {
    const c = (await t.ok(CreateCampaignDocument, { input: { name: 'Big test', type: 'AB_TEST', audience: { tags: ['seg'] }, variants: [{ template: 'a' }, { template: 'b' }] } }, keys.B)).createCampaign.id;
    const a = (await generate(keys.B, c)).find((r) => r.type === 'AUDIENCE_SIZE')!;
    const size = audienceSize({ baseline: 22 / 80, relativeEffect: 0.1, confidenceLevel: 0.95, weights: [50, 50], testAudiencePercent: 100 });
    expect(a.recommendedValue).toBe(String(size.audience));
    expect(a.title).toMatch(new RegExp(`^The test needs ${size.audience} recipients to detect a 10 % relative lift; it has 80 contacts in the audience \\(enough for about \\+\\d+ %\\)`));
    await t.ok(ApplyRecommendationDocument, { id: a.id }, keys.B);
    expect((await current(keys.B, c)).experiment!.testAudiencePercent).toBe(100);
  });
});

describe('WINNER', () => {
  it('recommends declaring the significant leader; applying declares it with the recommendation as reason', async () => {
    const bySegment = await contacts(keys.C, 'ab', { any: 200 });
    const { createCampaign: c } = await t.ok(
      CreateCampaignDocument,
      { input: { name: 'AB', type: 'AB_TEST', audience: { tags: ['ab'] }, experiment: { autoSelectWinner: false }, variants: [{ template: 'a' }, { template: 'b' }] } },
      keys.C,
    );
    await t.ok(LaunchCampaignDocument, { id: c.id }, keys.C);
    const assigned = await t.sql<{ contact_id: string; variant_id: string }>('select contact_id, variant_id from assignments where campaign_id = ? order by contact_id', [c.id]);
    expect(assigned.length).toBe(bySegment.get('any')!.length);
    const control = c.variants.find((v) => v.isControl)!.id;
    const seen = new Map<string, number>();
    const events: TrackEventInput[] = [];
    for (const a of assigned) {
      const i = seen.get(a.variant_id) ?? 0;
      seen.set(a.variant_id, i + 1);
      events.push({ campaignId: c.id, contactId: a.contact_id, type: 'SENT', occurredAt: daysAgo(1) });
      if (i % 20 < (a.variant_id === control ? 1 : 8)) events.push({ campaignId: c.id, contactId: a.contact_id, type: 'CONVERTED', occurredAt: daysAgo(1), value: 10 });
    }
    await t.ok(TrackEventsDocument, { events }, keys.C);
    const rate = (v: string) => {
      const n = seen.get(v)!;
      const k = Array.from({ length: n }, (_, i) => i % 20 < (v === control ? 1 : 8)).filter(Boolean).length;
      return `${((100 * k) / n).toFixed(2)} %`;
    };
    const b = c.variants.find((v) => !v.isControl)!.id;
    const rows = await generate(keys.C, c.id);
    const w = rows.find((r) => r.type === 'WINNER')!;
    expect(w.recommendedValue).toBe('variant B');
    expect(w.title.startsWith(`Declare variant B the winner: ${rate(b)} vs ${rate(control)} for the control`)).toBe(true);
    expect(w.confidence).toBeGreaterThan(0.95);
    expect(w.expectedImpact!).toBeGreaterThan(0.3);
    await t.ok(ApplyRecommendationDocument, { id: w.id }, keys.C);
    const after = await current(keys.C, c.id);
    expect(after.winner).toMatchObject({ source: 'MANUAL', reason: `applied recommendation ${w.id}`, variant: { key: 'B' } });
    // Declared now: the next generation has no WINNER row.
    expect((await generate(keys.C, c.id)).some((r) => r.type === 'WINNER')).toBe(false);
  });
});

describe('SEND_TIME', () => {
  /**
   * Workspace D (zone UTC): 30 contacts of segment "evening" each got 24 past messages, one per
   * hour of the day (campaign k at k:00 UTC, k days + 30 ago), and clicked exactly the ones sent at
   * 19:00, 20:00 and 21:00. A campaign scheduled for 09:00 UTC should rather go at their hour.
   */
  let target: string;
  beforeAll(async () => {
    const bySegment = await contacts(keys.D, 'd', { evening: 30 });
    const ids = bySegment.get('evening')!;
    for (let k = 0; k < 24; k++) {
      const { createCampaign: c } = await t.ok(CreateCampaignDocument, { input: { name: `past hour ${k}`, variants: [{ template: 'Hello' }] } }, keys.D);
      await t.ok(AddRecipientsDocument, { campaignId: c.id, audience: { tags: ['d'] } }, keys.D);
      const day = new Date(Date.now() - (30 + k) * 86_400_000);
      const at = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), k));
      const events: TrackEventInput[] = ids.flatMap((id) => [
        { campaignId: c.id, contactId: id, type: 'SENT' as const, occurredAt: at.toISOString() },
        ...(k >= 19 && k <= 21 ? [{ campaignId: c.id, contactId: id, type: 'CLICKED' as const, occurredAt: new Date(at.getTime() + 600_000).toISOString() }] : []),
      ]);
      expect((await t.ok(TrackEventsDocument, { events }, keys.D)).trackEvents.rejected).toEqual([]);
      await t.sql(`update campaigns set status = 'COMPLETED' where id = ?`, [c.id]);
    }
    const [{ workspace_id }] = (await t.sql<{ workspace_id: string }>(`select workspace_id from contacts where id = ?`, [ids[0]])) as [{ workspace_id: string }];
    await refreshSendTimes(t.app.sql, workspace_id);
    const { createCampaign: c } = await t.ok(CreateCampaignDocument, { input: { name: 'next', variants: [{ template: 'Hello' }], audience: { tags: ['d'] } } }, keys.D);
    target = c.id;
  });

  it('recommends optimizeSendTime with the learned gain over the scheduled hour; applying turns it on', async () => {
    // Not scheduled yet: advice measured against a random hour, nothing to apply.
    const unscheduled = (await generate(keys.D, target)).find((r) => r.type === 'SEND_TIME')!;
    expect(unscheduled.title).toMatch(/schedule the campaign/);
    expect(unscheduled.expectedImpact!).toBeGreaterThan(0);

    const sendAt = new Date(Date.now() + 86_400_000);
    sendAt.setUTCHours(9, 0, 0, 0);
    await t.ok(ScheduleCampaignSendTimeDocument, { id: target, input: { sendAt: sendAt.toISOString(), timezone: 'UTC' } }, keys.D);
    const row = (await generate(keys.D, target)).find((r) => r.type === 'SEND_TIME')!;
    expect(row.recommendedValue).toBe('optimizeSendTime');
    expect(row.basis).toMatch(/^30 of 30 contacts in the audience have a learned send time \(30 from their own history/);
    expect(row.basis).toMatch(/most common hour (19|20|21):00 local/);
    // The gain over 09:00 is larger than over a random hour: 09:00 is one of their worst hours.
    expect(row.expectedImpact!).toBeGreaterThan(unscheduled.expectedImpact!);
    expect(row.confidence).toBeGreaterThan(0.5);

    await t.ok(ApplyRecommendationDocument, { id: row.id }, keys.D);
    const [{ schedule }] = (await t.sql<{ schedule: { optimizeSendTime: boolean; sendAt: string; sendTimeHoldoutPercent: number } }>(`select schedule from campaigns where id = ?`, [target])) as [
      { schedule: { optimizeSendTime: boolean; sendAt: string; sendTimeHoldoutPercent: number } },
    ];
    expect(schedule).toMatchObject({ optimizeSendTime: true, sendAt: sendAt.toISOString(), sendTimeHoldoutPercent: 10 });
    // Already optimized: the next generation has no SEND_TIME row.
    expect((await generate(keys.D, target)).some((r) => r.type === 'SEND_TIME')).toBe(false);
  });
});

describe('the daily job', () => {
  it('gives every DRAFT, SCHEDULED and RUNNING campaign a new generation, leaves the others alone, and deletes superseded rows after 30 days', async () => {
    const before = await t.sql<{ campaign_id: string; n: number }>(`select campaign_id, count(*)::int as n from recommendations where superseded_at is null and applied_at is null group by 1`);
    // Superseded rows older than the retention go; newer ones stay.
    const [old] = (await t.sql<{ id: string }>(`select id from recommendations where superseded_at is not null limit 1`)) as [{ id: string }];
    await t.sql(`update recommendations set superseded_at = now() - interval '31 days' where id = ?`, [old.id]);
    const superseded = (await t.sql<{ n: number }>(`select count(*)::int as n from recommendations where superseded_at is not null`))[0]!.n;
    const result = await refreshRecommendations(t.app.orm, pino({ level: 'silent' }));
    expect(await t.sql(`select 1 from recommendations where id = ?`, [old.id])).toHaveLength(0);
    expect((await t.sql<{ n: number }>(`select count(*)::int as n from recommendations where superseded_at is not null`))[0]!.n).toBeGreaterThanOrEqual(superseded - 1);
    const [{ n }] = (await t.sql<{ n: number }>(`select count(*)::int as n from campaigns where status in ('DRAFT', 'SCHEDULED', 'RUNNING')`)) as [{ n: number }];
    expect(result).toEqual({ campaigns: n, failed: 0 });
    const after = await t.sql<{ campaign_id: string; created_at: Date; status: string }>(
      `select r.campaign_id, max(r.created_at) as created_at, min(c.status) as status from recommendations r join campaigns c on c.id = r.campaign_id
       where r.superseded_at is null and r.applied_at is null group by 1`,
    );
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((r) => ['DRAFT', 'SCHEDULED', 'RUNNING'].includes(r.status))).toBe(true);
    expect(before.length).toBeGreaterThan(0);
  });
});
