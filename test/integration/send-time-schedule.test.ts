/**
 * optimizeSendTime through the API, on the real app (jobs on, simulator): a scheduled run sends
 * each recipient with a recommendation at their local hour, a hashed holdout at sendAt, quiet hours
 * still win, and Campaign.sendTimeUplift compares the groups with the engine's statistics.
 * Recommendations are rows written straight into send_time_recommendations (what the learning job
 * stores; the end-to-end path from history is covered by send-time.test.ts and recommendations.test.ts);
 * the sends table shows each send's group and planned time.
 */
import {
  AddRecipientsDocument,
  CampaignSendTimeUpliftDocument,
  CampaignsSendTimeUpliftDocument,
  CreateCampaignDocument,
  ScheduleCampaignSendTimeDocument,
  TrackEventsDocument,
  UpdateWorkspaceSettingsDocument,
  UpsertContactsDocument,
} from '../generated/graphql';
import { growthbookHash } from '../../src/campaigns/assignment';
import { errorOf, startTestApp, type TestApp } from '../helpers/harness';
import { until } from '../helpers/until';
import { localHour } from '../helpers/local-time';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ JOBS: 'on' });
});
afterAll(() => t.close());

const KOLKATA = 'Asia/Kolkata';
const NEW_YORK = 'America/New_York';
const HOUR_MS = 3_600_000;

/** The first whole minute after `from` whose local hour in `zone` is `hour` (a search, independent of the planner). */
function nextLocalHourStart(from: number, zone: string, hour: number): number {
  for (let m = Math.floor(from / 60_000) * 60_000 + 60_000; m < from + 26 * HOUR_MS; m += 60_000) if (localHour(m, zone) === hour) return m;
  throw new Error(`no ${hour}:00 in ${zone} within 26 h`);
}

/** Contacts split by hashed group; each gets a recommended hour (or none) chosen below. */
interface Planned {
  id: string;
  zone: string | null;
  hour: number | null;
  group: 'OPTIMIZED' | 'HOLDOUT' | null;
  role: string;
}

it('schedules with optimizeSendTime: hours, holdout, quiet hours, uplift', async () => {
  const key = await t.newWorkspaceKey();
  // A sendAt a few seconds ahead but not in the last minute of a New York hour (:00 UTC) or a
  // Kolkata one (:30 UTC), so that "now" and the sends made now are in the hour planned from sendAt.
  while (((Date.now() + 3000) / 60_000) % 30 >= 29) await new Promise((r) => setTimeout(r, 1000));
  const sendAt = new Date(Date.now() + 2500);
  const hK = localHour(sendAt.getTime(), KOLKATA);
  const hNY = localHour(sendAt.getTime(), NEW_YORK);
  // Quiet hours cover New York's current hour (and the next); Kolkata's is 9–11 h later, outside.
  await t.ok(UpdateWorkspaceSettingsDocument, { input: { twilioAuthToken: 'sim-token', quietHours: { start: hNY, end: (hNY + 2) % 24 } } }, key);

  const contacts = [
    ...Array.from({ length: 80 }, (_, i) => ({ externalId: `k${i}`, phone: `+141555${String(60000 + i)}`, timezone: KOLKATA, consent: true, tags: ['stx'] })),
    ...Array.from({ length: 20 }, (_, i) => ({ externalId: `n${i}`, phone: `+141555${String(61000 + i)}`, timezone: NEW_YORK, consent: true, tags: ['stx'] })),
    ...Array.from({ length: 2 }, (_, i) => ({ externalId: `u${i}`, phone: `+141555${String(62000 + i)}`, consent: true, tags: ['stx'] })),
  ];
  expect((await t.ok(UpsertContactsDocument, { contacts }, key)).upsertContacts.created).toBe(102);
  const { createCampaign } = await t.ok(CreateCampaignDocument, { input: { name: 'send time', audience: { tags: ['stx'] }, variants: [{ template: 'Hi! https://shop.example/st' }] } }, key);
  const campaignId = createCampaign.id;
  // The simulator delivers but never clicks, replies or converts: engagement comes from trackEvents only.
  await t.sql(`update campaigns set simulation = jsonb_build_object(v.key, '{"delivery":1,"click":0,"reply":0,"conversion":0,"delayMs":20}'::jsonb) from variants v where v.campaign_id = campaigns.id and campaigns.id = ?`, [campaignId]);

  // Bad shares are refused with a reason; the default is 10.
  for (const bad of [51, -1]) {
    expect(errorOf(await t.gql(ScheduleCampaignSendTimeDocument, { id: campaignId, input: { sendAt: sendAt.toISOString(), optimizeSendTime: true, sendTimeHoldoutPercent: bad } }, key))).toEqual({
      code: 'BAD_USER_INPUT',
      reason: 'INVALID_SEND_TIME_HOLDOUT',
      field: 'input.sendTimeHoldoutPercent',
    });
  }
  const later = await t.ok(ScheduleCampaignSendTimeDocument, { id: campaignId, input: { sendAt: new Date(Date.now() + 86_400_000).toISOString(), optimizeSendTime: true } }, key);
  expect(later.scheduleCampaign.schedule).toMatchObject({ optimizeSendTime: true, sendTimeHoldoutPercent: 10 });
  // Not sent yet: no uplift.
  expect((await t.ok(CampaignSendTimeUpliftDocument, { id: campaignId }, key)).campaign!.sendTimeUplift).toBeNull();

  const { scheduleCampaign } = await t.ok(ScheduleCampaignSendTimeDocument, { id: campaignId, input: { sendAt: sendAt.toISOString(), timezone: 'UTC', optimizeSendTime: true, sendTimeHoldoutPercent: 40 } }, key);
  expect(scheduleCampaign.schedule).toMatchObject({ optimizeSendTime: true, sendTimeHoldoutPercent: 40 });

  // Holdout membership, computed here from the public hash seed (GrowthBook hash v2, seed + suffix).
  const seed = scheduleCampaign.hashSeed;
  const heldOut = (id: string) => growthbookHash(`${seed}:send-time-holdout`, id, 2)! < 0.4;
  const ids = new Map((await t.sql<{ id: string; external_id: string }>('select id, external_id from contacts where workspace_id = (select workspace_id from campaigns where id = ?)', [campaignId])).map((r) => [r.external_id, r.id]));
  const kolkata = [...Array(80).keys()].map((i) => ids.get(`k${i}`)!);
  const newYork = [...Array(20).keys()].map((i) => ids.get(`n${i}`)!);
  const kOptimized = kolkata.filter((id) => !heldOut(id));
  const kHoldout = kolkata.filter(heldOut);
  expect(kOptimized.length).toBeGreaterThanOrEqual(15); // 80 contacts, 60 % expected: fails with probability < 1e-9
  expect(kHoldout.length).toBeGreaterThanOrEqual(10); // 40 % expected: fails with probability ≈ 3e-7

  const plan: Planned[] = [
    // Kolkata: 12 sent now (their hour is the current one), 3 later (3 h ahead), 10 held out (their
    // own hour is ignored: they go at sendAt), the rest without a recommendation.
    ...kOptimized.slice(0, 12).map((id) => ({ id, zone: KOLKATA, hour: hK, group: 'OPTIMIZED' as const, role: 'now' })),
    ...kOptimized.slice(12, 15).map((id) => ({ id, zone: KOLKATA, hour: (hK + 3) % 24, group: 'OPTIMIZED' as const, role: 'later' })),
    ...kHoldout.slice(0, 10).map((id) => ({ id, zone: KOLKATA, hour: (hK + 3) % 24, group: 'HOLDOUT' as const, role: 'holdout' })),
    ...[...kOptimized.slice(15), ...kHoldout.slice(10)].map((id) => ({ id, zone: KOLKATA, hour: null, group: null, role: 'none' })),
    // New York, in quiet hours now: the optimized at the current hour are deferred by quiet hours,
    // those at hNY + 4 planned then; the held-out are deferred too.
    ...newYork.map((id, i) =>
      heldOut(id)
        ? { id, zone: NEW_YORK, hour: hNY, group: 'HOLDOUT' as const, role: 'quiet' }
        : { id, zone: NEW_YORK, hour: i % 2 === 0 ? hNY : (hNY + 4) % 24, group: 'OPTIMIZED' as const, role: i % 2 === 0 ? 'quiet' : 'later' },
    ),
    // No zone (workspace's, UTC) and no recommendation.
    ...['u0', 'u1'].map((x) => ({ id: ids.get(x)!, zone: null, hour: null, group: null, role: 'none' })),
  ];
  // Every contact gets a row, as the learning job would store: those "without a recommendation"
  // get basis DEFAULT (nothing learned: the sender leaves them at sendAt, ungrouped). All rows are
  // fresh (no history), so the sender's prepare step has nothing to compute.
  await t.sql(
    `insert into send_time_recommendations (contact_id, workspace_id, optimal_hour, window_start, window_hours, expected_rate, confidence, basis, messages, rates)
     select x.id, c.workspace_id, coalesce(x.hour, 10), coalesce(x.hour, 10), 1, 0.1, 0.5, case when x.hour is null then 'DEFAULT' else 'CONTACT' end, 10,
            array_fill(0.1::double precision, array[24])
     from jsonb_to_recordset(?::jsonb) as x(id uuid, hour int) join contacts c on c.id = x.id`,
    [JSON.stringify(plan.map((p) => ({ id: p.id, hour: p.hour })))],
  );

  // The run starts at sendAt; everything not planned later or in quiet hours goes out.
  const goesNow = plan.filter((p) => p.role === 'now' || p.role === 'holdout' || p.role === 'none');
  type SendRow = { contact_id: string; status: string; send_time_group: string | null; next_attempt_at: string; sent_at: string | null };
  const sends = () => t.sql<SendRow>('select contact_id, status, send_time_group, next_attempt_at, sent_at from sends where campaign_id = ?', [campaignId]);
  const rows = await until(
    sends,
    (r) =>
      r.length === plan.length &&
      r.filter((s) => s.status === 'SENT').length === goesNow.length &&
      // New York's sends made due now have been deferred to the end of quiet hours (not a 60 s lease).
      r.every((s) => s.status === 'SENT' || new Date(s.next_attempt_at).getTime() > Date.now() + 10 * 60_000),
    30_000,
  );
  const byContact = new Map(rows.map((r) => [r.contact_id, r]));
  const quietEnd = nextLocalHourStart(sendAt.getTime(), NEW_YORK, (hNY + 2) % 24);
  for (const p of plan) {
    const s = byContact.get(p.id)!;
    const where = { contact: p.id, role: p.role, zone: p.zone };
    expect({ ...where, group: s.send_time_group }).toEqual({ ...where, group: p.group });
    if (p.role === 'now' || p.role === 'holdout' || p.role === 'none') {
      // Sent at sendAt (the poll runs every 0.5 s), in the recipient's planned local hour.
      expect({ ...where, status: s.status }).toEqual({ ...where, status: 'SENT' });
      const sentAt = new Date(s.sent_at!).getTime();
      expect(sentAt).toBeGreaterThanOrEqual(sendAt.getTime());
      expect(sentAt).toBeLessThan(sendAt.getTime() + 30_000);
      if (p.role === 'now') expect(localHour(sentAt, KOLKATA)).toBe(hK);
    } else if (p.role === 'later') {
      // Pending until hour:00 local (Kolkata: hK + 3, i.e. :30 UTC; New York: hNY + 4).
      expect({ ...where, status: s.status, at: new Date(s.next_attempt_at).toISOString() }).toEqual({
        ...where,
        status: 'PENDING',
        at: new Date(nextLocalHourStart(sendAt.getTime(), p.zone!, p.hour!)).toISOString(),
      });
    } else {
      // role 'quiet': due at sendAt, deferred by quiet hours to (hNY + 2):00 New York time.
      expect({ ...where, status: s.status, at: new Date(s.next_attempt_at).toISOString() }).toEqual({ ...where, status: 'PENDING', at: new Date(quietEnd).toISOString() });
    }
  }
  expect(plan.some((p) => p.zone === NEW_YORK && p.group === 'HOLDOUT')).toBe(true); // 20 contacts at 40 %: fails with probability 4e-5
  expect(plan.filter((p) => p.role === 'later' && p.zone === NEW_YORK).length).toBeGreaterThan(0);

  // Before any engagement: both groups counted (sent ones only), rates 0.
  const before = (await t.ok(CampaignSendTimeUpliftDocument, { id: campaignId }, key)).campaign!;
  expect(before.sendTimeUplift).toMatchObject({ metric: 'CONVERSION', treated: 12, holdout: 10, treatedRate: 0, holdoutRate: 0, pValue: 1 });

  // Conversions: 7 of the 12 sent at their hour (one twice), 2 of the 10 held out, and some that must
  // not count: a recipient without a recommendation and one whose send has not gone out yet.
  const now = plan.filter((p) => p.role === 'now');
  const holdout = plan.filter((p) => p.role === 'holdout');
  const convert = (p: Planned) => ({ campaignId, contactId: p.id, type: 'CONVERTED' as const, value: 20 });
  const events = [...now.slice(0, 7), now[0]!, ...holdout.slice(0, 2), plan.find((p) => p.role === 'none')!, plan.find((p) => p.role === 'later')!].map(convert);
  const tracked = await t.ok(TrackEventsDocument, { events }, key);
  expect(tracked.trackEvents.rejected).toEqual([]);

  const after = (await t.ok(CampaignSendTimeUpliftDocument, { id: campaignId }, key)).campaign!.sendTimeUplift!;
  // Reference (scipy; Newcombe 1998 method 10 from Wilson intervals, pooled z-test), as in
  // test/fixtures/send-time-plan/make_reference.py:
  //   python3 -c "from scipy.stats import norm; import math; t,ts,h,hs=12,7,10,2; p=(ts+hs)/(t+h); z=(ts/t-hs/h)/math.sqrt(p*(1-p)*(1/t+1/h)); print(2*norm.sf(abs(z)))"
  //   → 0.06862236372994387; interval [-0.023608127683753866, 0.6487582836979169]
  expect(after).toMatchObject({ metric: 'CONVERSION', treated: 12, holdout: 10 });
  expect(after.treatedRate).toBeCloseTo(7 / 12, 12);
  expect(after.holdoutRate).toBeCloseTo(0.2, 12);
  expect(after.absoluteLift).toBeCloseTo(7 / 12 - 0.2, 12);
  expect(after.liftLower).toBeCloseTo(-0.023608127683753866, 10);
  expect(after.liftUpper).toBeCloseTo(0.6487582836979169, 10);
  expect(after.pValue).toBeCloseTo(0.06862236372994387, 10);

  // In a list (one loader statement for the page): a campaign without optimizeSendTime has none.
  await t.ok(CreateCampaignDocument, { input: { name: 'plain', variants: [{ template: 'Hello' }] } }, key);
  const list = (await t.ok(CampaignsSendTimeUpliftDocument, { first: 10 }, key)).campaigns.nodes;
  expect(list).toHaveLength(2);
  expect(list.find((c) => c.id === campaignId)!.sendTimeUplift).toMatchObject({ treated: 12, holdout: 10 });
  expect(list.find((c) => c.id !== campaignId)!.sendTimeUplift).toBeNull();

  // Another workspace sees nothing of it.
  const other = await t.newWorkspaceKey();
  expect((await t.gql(CampaignSendTimeUpliftDocument, { id: campaignId }, other)).data?.campaign ?? null).toBeNull();
}, 120_000); // may first wait up to a minute for a safe minute (above), then sends for up to 30 s

it('learns the hours from history before the run: no stored recommendation needed', async () => {
  // 12 contacts in Tokyo (UTC+9, no DST), each sent 24 past messages, one per local hour, who clicked
  // only those sent at 20:00–21:59 local. Nothing is stored for them when the run comes due: the
  // sender's prepare step computes their recommendations from this history, outside its transaction.
  const key = await t.newWorkspaceKey();
  const TOKYO = 'Asia/Tokyo';
  const contacts = Array.from({ length: 12 }, (_, i) => ({ externalId: `t${i}`, phone: `+141555${String(63000 + i)}`, timezone: TOKYO, consent: true, tags: ['learned'] }));
  await t.ok(UpsertContactsDocument, { contacts }, key);
  const ids = (await t.sql<{ id: string }>(`select id from contacts where external_id like 't%' and timezone = ? and workspace_id = (select workspace_id from contacts where external_id = 't0' and timezone = ? limit 1)`, [TOKYO, TOKYO])).map((r) => r.id);
  expect(ids).toHaveLength(12);
  for (let h = 0; h < 24; h++) {
    const { createCampaign: past } = await t.ok(CreateCampaignDocument, { input: { name: `past ${h}`, variants: [{ template: 'Hello' }] } }, key);
    await t.ok(AddRecipientsDocument, { campaignId: past.id, audience: { tags: ['learned'] } }, key);
    const day = Date.now() - (20 + h) * 86_400_000;
    const at = Math.floor(day / 86_400_000) * 86_400_000 + ((h - 9 + 24) % 24) * HOUR_MS; // h:00 in Tokyo
    const events = ids.flatMap((contactId) => [
      { campaignId: past.id, contactId, type: 'SENT' as const, occurredAt: new Date(at).toISOString() },
      ...(h === 20 || h === 21 ? [{ campaignId: past.id, contactId, type: 'CLICKED' as const, occurredAt: new Date(at + 300_000).toISOString() }] : []),
    ]);
    expect((await t.ok(TrackEventsDocument, { events }, key)).trackEvents.rejected).toEqual([]);
    await t.sql(`update campaigns set status = 'COMPLETED' where id = ?`, [past.id]);
  }
  expect(await t.sql(`select 1 from send_time_recommendations where contact_id = any(?::uuid[])`, [`{${ids.join(',')}}`])).toHaveLength(0);

  const { createCampaign } = await t.ok(CreateCampaignDocument, { input: { name: 'learned', audience: { tags: ['learned'] }, variants: [{ template: 'Hi' }] } }, key);
  const sendAt = new Date(Date.now() + 2500);
  await t.ok(ScheduleCampaignSendTimeDocument, { id: createCampaign.id, input: { sendAt: sendAt.toISOString(), optimizeSendTime: true, sendTimeHoldoutPercent: 0 } }, key);
  type Row = { contact_id: string; send_time_group: string | null; next_attempt_at: string; optimal_hour: number; basis: string };
  const rows = await until(
    () =>
      t.sql<Row>(
        `select s.contact_id, s.send_time_group, s.next_attempt_at, r.optimal_hour, r.basis
         from sends s left join send_time_recommendations r on r.contact_id = s.contact_id where s.campaign_id = ?`,
        [createCampaign.id],
      ),
    (r) => r.length === 12,
    30_000,
  );
  for (const r of rows) {
    expect({ basis: r.basis, group: r.send_time_group }).toEqual({ basis: 'CONTACT', group: 'OPTIMIZED' });
    expect([20, 21]).toContain(r.optimal_hour);
    // Planned at the learned local hour, within 24 h of sendAt (or now, if that hour is the current one).
    const at = new Date(r.next_attempt_at).getTime();
    expect(at).toBeLessThan(sendAt.getTime() + 24 * HOUR_MS);
    expect(localHour(Math.max(at, sendAt.getTime()), TOKYO)).toBe(r.optimal_hour);
  }
}, 60_000);
