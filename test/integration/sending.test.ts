import {
  AddRecipientsDocument,
  BanditWavesDocument,
  DeclareWinnerDocument,
  EndTestDocument,
  CampaignRunsDocument,
  CampaignSendFailuresDocument,
  CancelCampaignDocument,
  CreateCampaignDocument,
  LaunchCampaignDocument,
  PauseCampaignDocument,
  ResumeCampaignDocument,
  ScheduleCampaignDocument,
  UpdateWorkspaceSettingsDocument,
  UpsertContactsDocument,
  ViewerDocument,
} from '../generated/graphql';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { recordMessage } from '../../src/tracking/messages';
import { twilioSignature } from '../../src/tracking/webhooks/signatures';
import { errorOf, startTestApp, type TestApp } from '../helpers/harness';
import { until } from '../helpers/until';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ JOBS: 'on' });
});
afterAll(() => t.close());

let phone = 3000;

/** A workspace whose simulator can sign webhooks, with contacts tagged `tag`. */
async function workspace(contacts: { consent?: boolean; optedOut?: boolean }[], settings: Record<string, unknown> = {}) {
  const key = await t.newWorkspaceKey();
  await t.ok(UpdateWorkspaceSettingsDocument, { input: { twilioAuthToken: 'sim-token', ...settings } }, key);
  const tag = `t${phone}`;
  await t.ok(UpsertContactsDocument, { contacts: contacts.map((c, i) => ({ externalId: `${tag}-${i}`, phone: `+1415555${phone++}`, consent: c.consent ?? true, tags: [tag] })) }, key);
  const optedOut = contacts.flatMap((c, i) => (c.optedOut ? [`${tag}-${i}`] : []));
  if (optedOut.length) await t.sql(`update contacts set opted_out_channels = array['SMS', 'WHATSAPP', 'EMAIL'] where external_id in (select jsonb_array_elements_text(?::jsonb))`, [JSON.stringify(optedOut)]);
  const { createCampaign } = await t.ok(
    CreateCampaignDocument,
    { input: { name: tag, type: 'AB_TEST', audience: { tags: [tag] }, variants: [{ template: 'Hi {first_name|there}: https://shop.example/a' }, { template: 'Hello! https://shop.example/b' }] } },
    key,
  );
  return { key, campaignId: createCampaign.id };
}

/** Messages the provider accepted, per contact (a message row is recorded just before its provider call). */
const messagesPerContact = (campaignId: string) =>
  t.sql<{ contact_id: string; n: string }>('select contact_id, count(*) as n from messages where campaign_id = ? and provider_message_id is not null group by contact_id', [campaignId]);

it('launches over the simulator: one message per eligible recipient, skips counted', async () => {
  const { key, campaignId } = await workspace([...Array(12).fill({}), { consent: false }, { consent: false }, { optedOut: true }]);
  const { launchCampaign } = await t.ok(LaunchCampaignDocument, { id: campaignId }, key);
  expect(launchCampaign.status).toBe('RUNNING');
  const runs = async () => (await t.ok(CampaignRunsDocument, { id: campaignId }, key)).campaign!;
  const done = await until(runs, (c) => c.runs[0]?.sent === 12);
  expect(done.runs).toEqual([{ runNumber: 1, queued: 12, sent: 12, failed: 0, pending: 0, skippedOptedOut: 1, skippedNoConsent: 2, skippedCapped: 0 }]);
  const perContact = await messagesPerContact(campaignId);
  expect(perContact).toHaveLength(12);
  expect(perContact.every((r) => Number(r.n) === 1)).toBe(true);
  expect(done.stats.sent).toBe(12);
  // The simulator reports every message's fate back through the signed Twilio webhook (97 % are
  // delivered by default, so count both outcomes: a fixed delivered count would fail now and then).
  const reported = await until(runs, (c) => c.stats.delivered + c.stats.failed === 12);
  expect(reported.stats.delivered + reported.stats.failed).toBe(12);
  expect(reported.stats.delivered).toBeGreaterThan(0);
  // Bodies carry tracked links, not the raw URLs.
  const [m] = await t.sql<{ body: string }>('select body from messages where campaign_id = ? limit 1', [campaignId]);
  expect(m!.body).toMatch(new RegExp(`${t.url}/l/[0-9A-Za-z]{10}`));
});

it('fires a schedule 2 s ahead exactly once', async () => {
  const { key, campaignId } = await workspace(Array(3).fill({}));
  const sendAt = new Date(Date.now() + 2000).toISOString();
  const { scheduleCampaign } = await t.ok(ScheduleCampaignDocument, { id: campaignId, input: { sendAt, timezone: 'America/New_York' } }, key);
  expect(scheduleCampaign).toMatchObject({ status: 'SCHEDULED', schedule: { timezone: 'America/New_York', recurrence: null } });
  expect(new Date(scheduleCampaign.schedule!.nextRunAt!).getTime()).toBe(new Date(sendAt).getTime());
  const c = await until(async () => (await t.ok(CampaignRunsDocument, { id: campaignId }, key)).campaign!, (x) => x.runs[0]?.sent === 3, 10000);
  expect(c.status).toBe('RUNNING');
  expect(c.runs).toHaveLength(1);
  expect(c.schedule!.nextRunAt).toBeNull();
  await new Promise((r) => setTimeout(r, 1500));
  expect((await t.ok(CampaignRunsDocument, { id: campaignId }, key)).campaign!.runs).toHaveLength(1);
});

it('pauses (nothing more is sent) and resumes without duplicates', async () => {
  const { key, campaignId } = await workspace(Array(24).fill({}), { sendRatePerSecond: 6 });
  await t.ok(LaunchCampaignDocument, { id: campaignId }, key);
  await until(async () => (await messagesPerContact(campaignId)).length, (n) => n >= 3);
  await t.ok(PauseCampaignDocument, { id: campaignId }, key);
  // Sends claimed before the pause still finish: wait until none is under a sender's lease (a
  // claim moves next_attempt_at a minute ahead; rate-limit deferrals move it one second).
  const leased = async () =>
    Number((await t.sql<{ n: string }>(`select count(*) as n from sends where campaign_id = ? and status = 'PENDING' and next_attempt_at > now() + interval '10 seconds'`, [campaignId]))[0]!.n);
  expect(await until(leased, (n) => n === 0, 10000)).toBe(0);
  const atPause = (await messagesPerContact(campaignId)).length;
  expect(atPause).toBeLessThan(24);
  await new Promise((r) => setTimeout(r, 1500));
  expect((await messagesPerContact(campaignId)).length).toBe(atPause);
  await t.ok(ResumeCampaignDocument, { id: campaignId }, key);
  const after = await until(() => messagesPerContact(campaignId), (rows) => rows.length === 24, 10000);
  expect(after).toHaveLength(24);
  expect(after.every((r) => Number(r.n) === 1)).toBe(true);
});

it('defers sends in quiet hours (contact or workspace zone) instead of dropping them', async () => {
  const hour = new Date().getUTCHours();
  const { key, campaignId } = await workspace(Array(2).fill({}), { quietHours: { start: hour, end: (hour + 2) % 24 } });
  await t.ok(LaunchCampaignDocument, { id: campaignId }, key);
  // Wait for the sender to have looked at both (deferred past now), however slow the machine.
  const pending = await until(
    () => t.sql<{ status: string; next_attempt_at: string; attempts: number }>('select status, next_attempt_at, attempts from sends where campaign_id = ?', [campaignId]),
    (rows) => rows.length === 2 && rows.every((r) => new Date(r.next_attempt_at).getTime() > Date.now() + 30 * 60_000), // the end of quiet hours, not a lease
    10000,
  );
  expect(pending).toHaveLength(2);
  for (const s of pending) {
    expect(s.status).toBe('PENDING');
    expect(s.attempts).toBe(0);
    const at = new Date(s.next_attempt_at);
    expect(at.getUTCHours()).toBe((hour + 2) % 24);
    expect(at.getUTCMinutes()).toBe(0);
  }
  expect(await messagesPerContact(campaignId)).toHaveLength(0);
});

it('refuses illegal transitions with CONFLICT and bad schedules with reasons', async () => {
  const { key, campaignId } = await workspace(Array(1).fill({}));
  expect(errorOf(await t.gql(PauseCampaignDocument, { id: campaignId }, key))).toMatchObject({ code: 'CONFLICT', reason: 'INVALID_TRANSITION' });
  expect(errorOf(await t.gql(ResumeCampaignDocument, { id: campaignId }, key))).toMatchObject({ code: 'CONFLICT', reason: 'INVALID_TRANSITION' });
  expect(errorOf(await t.gql(ScheduleCampaignDocument, { id: campaignId, input: { sendAt: '2030-01-01T09:00:00', timezone: 'Mars/Base' } }, key))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_TIMEZONE' });
  expect(errorOf(await t.gql(ScheduleCampaignDocument, { id: campaignId, input: { sendAt: '2030-01-01T09:00:00Z', recurrence: 'FREQ=SOMETIMES' } }, key))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_RECURRENCE' });
  expect(errorOf(await t.gql(ScheduleCampaignDocument, { id: campaignId, input: { sendAt: '2001-01-01T09:00:00Z' } }, key))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_SEND_AT' });
  // A sendAt without an offset is read in the schedule's zone (09:00 New York = 14:00Z in winter).
  const local = await t.ok(ScheduleCampaignDocument, { id: campaignId, input: { sendAt: '2030-01-07T09:00:00', timezone: 'America/New_York', recurrence: 'FREQ=WEEKLY;BYDAY=MO' } }, key);
  expect(local.scheduleCampaign.schedule).toMatchObject({ sendAt: '2030-01-07T14:00:00.000Z', nextRunAt: '2030-01-07T14:00:00.000Z', recurrence: 'FREQ=WEEKLY;BYDAY=MO' });
  expect((await t.ok(CancelCampaignDocument, { id: campaignId }, key)).cancelCampaign.status).toBe('CANCELED');
  expect(errorOf(await t.gql(LaunchCampaignDocument, { id: campaignId }, key))).toMatchObject({ code: 'CONFLICT', reason: 'INVALID_TRANSITION' });
});

it('sends the test share first, then the winner to the remainder after endTest', async () => {
  const key = await t.newWorkspaceKey();
  await t.ok(UpdateWorkspaceSettingsDocument, { input: { twilioAuthToken: 'sim-token' } }, key);
  const tag = `rem${phone}`;
  await t.ok(UpsertContactsDocument, { contacts: Array.from({ length: 40 }, (_, i) => ({ externalId: `${tag}-${i}`, phone: `+1415555${phone++}`, consent: true, tags: [tag] })) }, key);
  const { createCampaign: c } = await t.ok(
    CreateCampaignDocument,
    { input: { name: tag, type: 'AB_TEST', audience: { tags: [tag] }, experiment: { testAudiencePercent: 30, autoSelectWinner: false }, variants: [{ template: 'control text' }, { template: 'winner text' }] } },
    key,
  );
  await t.ok(LaunchCampaignDocument, { id: c.id }, key);
  const [held] = await t.sql<{ n: string }>('select count(*) as n from assignments where campaign_id = ? and holdout', [c.id]);
  const heldOut = Number(held!.n);
  expect(heldOut).toBeGreaterThan(10);
  const tested = 40 - heldOut;
  await until(() => messagesPerContact(c.id), (rows) => rows.length === tested);
  expect(await messagesPerContact(c.id)).toHaveLength(tested);

  await t.ok(DeclareWinnerDocument, { campaignId: c.id, variantId: c.variants[1]!.id, reason: 'clear favourite' }, key);
  await t.ok(EndTestDocument, { campaignId: c.id, sendWinnerToRemainder: true }, key);
  const all = await until(() => messagesPerContact(c.id), (rows) => rows.length === 40, 10000);
  expect(all).toHaveLength(40);
  expect(all.every((r) => Number(r.n) === 1)).toBe(true);
  const bodies = await t.sql<{ body: string }>(
    'select m.body from messages m join assignments a on a.campaign_id = m.campaign_id and a.contact_id = m.contact_id where m.campaign_id = ? and a.holdout',
    [c.id],
  );
  expect(bodies).toHaveLength(heldOut);
  expect(bodies.every((b) => b.body === 'winner text')).toBe(true);
  const runs = (await t.ok(CampaignRunsDocument, { id: c.id }, key)).campaign!.runs;
  expect(runs.map((r) => [r.runNumber, r.queued])).toEqual([
    [2, heldOut],
    [1, tested],
  ]);
});

it('shares the workspace rate limit between two instances, each send made once', async () => {
  // A second sender on the same database, closed at the end: left running, it would take part of
  // later tests' sends, whose playback (callbacks, clicks) this instance's playbackIdle() cannot see.
  const second = await t.anotherInstance();
  try {
    await twoInstances();
  } finally {
    await second.close();
  }
});

async function twoInstances(): Promise<void> {
  const { key, campaignId } = await workspace(Array(20).fill({}), { sendRatePerSecond: 4 });
  await t.ok(LaunchCampaignDocument, { id: campaignId }, key);
  const rows = await until(() => messagesPerContact(campaignId), (r) => r.length === 20, 15000);
  expect(rows).toHaveLength(20);
  expect(rows.every((r) => Number(r.n) === 1)).toBe(true);
  // The limiter's invariant, from timestamps the database recorded (no wall-clock margin): the
  // limiter hands out at most 4 tokens per calendar second of the database clock, whichever
  // instance asks, so 20 sends took tokens in at least 5 distinct seconds.
  const perSecond = await t.sql<{ second: string; used: number }>(
    "select second, used from send_rate where account = 'simulator:' || (select workspace_id from campaigns where id = ?) || ':SMS' order by second",
    [campaignId],
  );
  expect(Math.max(...perSecond.map((r) => r.used))).toBeLessThanOrEqual(4);
  expect(perSecond.reduce((a, r) => a + r.used, 0)).toBe(20);
  expect(perSecond.length).toBeGreaterThanOrEqual(5);
  // Cross-check on the provider's side (the simulator records when it accepted each send, same
  // database clock): a limiter of N per calendar second lets at most 2N through in a sliding
  // second; acceptance comes a little after the token, so allow one more second's worth (3N):
  // no window of one second holds 13 accepted sends. Without a limit all 20 go within ~0.1 s.
  const accepted = (
    await t.sql<{ ms: string }>(`select extract(epoch from created_at) * 1000 as ms from simulator_sends where idempotency_key like ? || ':%' order by created_at`, [campaignId])
  ).map((r) => Number(r.ms));
  expect(accepted).toHaveLength(20);
  for (let i = 0; i + 12 < accepted.length; i++) expect(accepted[i + 12]! - accepted[i]!).toBeGreaterThanOrEqual(1000);

  // Both instances poll for due runs: a scheduled run is still queued once.
  const other = await workspace(Array(3).fill({}));
  await t.ok(ScheduleCampaignDocument, { id: other.campaignId, input: { sendAt: new Date(Date.now() + 1000).toISOString() } }, other.key);
  const c = await until(async () => (await t.ok(CampaignRunsDocument, { id: other.campaignId }, other.key)).campaign!, (x) => x.runs[0]?.sent === 3);
  await new Promise((r) => setTimeout(r, 1000));
  expect((await t.ok(CampaignRunsDocument, { id: other.campaignId }, other.key)).campaign!.runs).toHaveLength(1);
  expect(c.runs[0]!.queued).toBe(3);
}

it('sends a bandit in waves and shifts traffic towards the best arm', async () => {
  const key = await t.newWorkspaceKey();
  await t.ok(UpdateWorkspaceSettingsDocument, { input: { twilioAuthToken: 'sim-token', sendRatePerSecond: 500 } }, key);
  const tag = `bandit${phone}`;
  await t.ok(UpsertContactsDocument, { contacts: Array.from({ length: 900 }, (_, i) => ({ externalId: `${tag}-${i}`, phone: `+1415${String(5000000 + phone * 1000 + i).slice(-7)}`, consent: true, tags: [tag] })) }, key);
  phone++;
  const { createCampaign: c } = await t.ok(
    CreateCampaignDocument,
    {
      input: {
        name: tag,
        type: 'BANDIT',
        audience: { tags: [tag] },
        experiment: { primaryMetric: 'CLICK', banditWaveSize: 450, banditWaveIntervalMinutes: 60 }, // ~150 per arm: past the 100 needed to update
        variants: [{ template: 'a https://x.example/a' }, { template: 'b https://x.example/b' }, { template: 'c https://x.example/c' }],
      },
    },
    key,
  );
  // True click rates 5 %, 10 %, 60 % (the simulator clicks the tracked link).
  await t.sql('update campaigns set simulation = ?::jsonb where id = ?', [JSON.stringify({ A: { click: 0.05, delayMs: 50 }, B: { click: 0.1, delayMs: 50 }, C: { click: 0.6, delayMs: 50 } }), c.id]);
  await t.ok(LaunchCampaignDocument, { id: c.id }, key);
  const sentTotal = async () => (await t.ok(BanditWavesDocument, { id: c.id }, key)).campaign!.variants.reduce((a, v) => a + v.stats.sent, 0);
  await until(sentTotal, (n) => n === 450, 15000);
  await t.app.sender!.playbackIdle(); // the clicks have come back
  await t.sql(`update campaigns set next_wave_at = now() where id = ?`, [c.id]);
  await until(sentTotal, (n) => n === 900, 15000);
  const { campaign } = await t.ok(BanditWavesDocument, { id: c.id }, key);
  expect(campaign!.banditWaves.map((w) => w.wave)).toEqual([1, 2]);
  const first = campaign!.banditWaves[0]!.weights.map((w) => w.weight);
  const second = campaign!.banditWaves[1]!.weights.map((w) => w.weight);
  expect(first.map((w) => Math.round(w))).toEqual([33, 33, 33]);
  expect(second[2]).toBeGreaterThan(90); // C clicks best
  expect(second[0]).toBeGreaterThanOrEqual(1); // the floor
  expect(second.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 6);
  const [wave2] = await t.sql<{ c: string; n: string }>(
    `select count(*) filter (where v.key = 'C') as c, count(*) as n from assignments a join variants v on v.id = a.variant_id
     where a.campaign_id = ? and a.contact_id not in (select contact_id from sends s join campaign_runs r on r.id = s.run_id where r.run_number = 1 and r.campaign_id = ?)`,
    [c.id, c.id],
  );
  expect(Number(wave2!.n)).toBe(450);
  expect(Number(wave2!.c) / 450).toBeGreaterThan(0.8); // the second wave went mostly to C
});

it('delivers the automatic reply to STOP (the contact is opted out, the confirmation still goes)', async () => {
  const { key } = await workspace(Array(1).fill({}));
  const [contact] = await t.sql<{ id: string; phone: string; workspace_id: string }>(
    `select c.id, c.phone, c.workspace_id from contacts c join api_keys k on k.workspace_id = c.workspace_id where k.key_hash = encode(sha256(convert_to(?, 'utf8')), 'hex')`,
    [key],
  );
  const path = `/webhooks/twilio/${contact!.workspace_id}`;
  const params = { MessageSid: 'SMstop1', From: contact!.phone, Body: 'STOP', SmsStatus: 'received' };
  const res = await fetch(t.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature('sim-token', t.app.config.publicUrl + path, params) },
    body: new URLSearchParams(params).toString(),
  });
  expect(res.status).toBe(200);
  const outbox = await until(
    () => t.sql<{ status: string; kind: string }>('select status, kind from outbox where contact_id = ?', [contact!.id]),
    (rows) => rows[0]?.status === 'SENT',
  );
  expect(outbox).toEqual([{ status: 'SENT', kind: 'OPT_OUT' }]);
  const [accepted] = await t.sql<{ n: string }>(`select count(*) as n from simulator_sends where idempotency_key like 'outbox:%'`);
  expect(Number(accepted!.n)).toBeGreaterThanOrEqual(1);
});

it('ends a partial test after its maximum duration: the control is kept (recorded as such) and the remainder gets it', async () => {
  const key = await t.newWorkspaceKey();
  await t.ok(UpdateWorkspaceSettingsDocument, { input: { twilioAuthToken: 'sim-token' } }, key);
  const tag = `max${phone}`;
  await t.ok(UpsertContactsDocument, { contacts: Array.from({ length: 20 }, (_, i) => ({ externalId: `${tag}-${i}`, phone: `+1415555${phone++}`, consent: true, tags: [tag] })) }, key);
  const { createCampaign: c } = await t.ok(
    CreateCampaignDocument,
    { input: { name: tag, type: 'AB_TEST', audience: { tags: [tag] }, experiment: { testAudiencePercent: 50, maxTestHours: 1 }, variants: [{ template: 'control' }, { template: 'other' }] } },
    key,
  );
  await t.ok(LaunchCampaignDocument, { id: c.id }, key);
  await t.sql(`update campaigns set started_at = now() - interval '2 hours' where id = ?`, [c.id]);
  const all = await until(() => messagesPerContact(c.id), (rows) => rows.length === 20, 10000);
  expect(all).toHaveLength(20);
  const [w] = await t.sql<{ source: string; reason: string; variant_id: string }>('select source, reason, variant_id from winners where campaign_id = ?', [c.id]);
  expect(w).toMatchObject({ source: 'AUTOMATIC', variant_id: c.variants[0]!.id });
  expect(w!.reason).toMatch(/maximum test duration.*control is kept/i);
});

it('skips and counts contacts over the frequency cap', async () => {
  const { key, campaignId } = await workspace(Array(4).fill({}), { frequencyCap: 1 });
  // Two of the contacts already got a campaign message this week.
  const first = await t.ok(CreateCampaignDocument, { input: { name: 'earlier', variants: [{ template: 'earlier' }] } }, key);
  const ids = (await t.sql<{ id: string }>(
    `select c.id from contacts c join api_keys k on k.workspace_id = c.workspace_id where k.key_hash = encode(sha256(convert_to(?, 'utf8')), 'hex') order by c.external_id limit 2`,
    [key],
  )).map((r) => r.id);
  await t.ok(AddRecipientsDocument, { campaignId: first.createCampaign.id, contactIds: ids }, key);
  await t.ok(LaunchCampaignDocument, { id: first.createCampaign.id }, key);
  // The cap counts sends marked SENT (which happens just after their message is recorded).
  const sentSends = async () => Number((await t.sql<{ n: string }>(`select count(*) as n from sends where campaign_id = ? and status = 'SENT'`, [first.createCampaign.id]))[0]!.n);
  expect(await until(sentSends, (n) => n === 2)).toBe(2);
  await t.ok(LaunchCampaignDocument, { id: campaignId }, key);
  const c = await until(async () => (await t.ok(CampaignRunsDocument, { id: campaignId }, key)).campaign!, (x) => x.runs[0]?.sent === 2);
  expect(c.runs[0]).toMatchObject({ queued: 2, sent: 2, skippedCapped: 2, skippedOptedOut: 0, skippedNoConsent: 0 });
});

it('reports simulated conversions through the signed generic webhook when the workspace has a secret', async () => {
  const { key, campaignId } = await workspace(Array(5).fill({}), { webhookSigningSecret: 'whsec-sim' });
  await t.sql('update campaigns set simulation = ?::jsonb where id = ?', [JSON.stringify({ A: { delivery: 1, reply: 0, conversion: 1, revenue: 25, delayMs: 20 }, B: { delivery: 1, reply: 0, conversion: 1, revenue: 25, delayMs: 20 } }), campaignId]);
  await t.ok(LaunchCampaignDocument, { id: campaignId }, key);
  const rows = await until(
    () => t.sql<{ source: string; value: string }>(`select source, value from events where campaign_id = ? and type = 'CONVERTED'`, [campaignId]),
    (r) => r.length === 5,
  );
  expect(rows).toHaveLength(5);
  expect(rows.every((r) => r.source === 'webhook:generic' && Number(r.value) === 25)).toBe(true);
});

it('recognises a message recorded twice for the same provider id (the retry-after-crash path of the sender)', async () => {
  const { campaignId } = await workspace(Array(1).fill({}));
  const [c] = await t.sql<{ id: string; workspace_id: string }>('select id, workspace_id from contacts where external_id like ? limit 1', [`t${phone - 1}-%`]);
  const m = { workspaceId: c!.workspace_id, campaignId, contactId: c!.id, variantId: null, provider: 'twilio', providerMessageId: 'SMdup' };
  await recordMessage(t.app.orm.em.fork(), m);
  await expect(recordMessage(t.app.orm.em.fork(), m)).rejects.toBeInstanceOf(UniqueConstraintViolationException);
});

it('works out of the box: a workspace with no provider secrets sends every message and ingests the simulated deliveries', async () => {
  const key = await t.newWorkspaceKey(); // no updateWorkspaceSettings: no Twilio token, no webhook secret
  const tag = `fresh${phone}`;
  await t.ok(UpsertContactsDocument, { contacts: Array.from({ length: 6 }, (_, i) => ({ externalId: `${tag}-${i}`, phone: `+1415555${phone++}`, consent: true, tags: [tag] })) }, key);
  const { createCampaign: c } = await t.ok(
    CreateCampaignDocument,
    { input: { name: tag, type: 'AB_TEST', audience: { tags: [tag] }, variants: [{ template: 'Hi https://shop.example/a' }, { template: 'Hello https://shop.example/b' }] } },
    key,
  );
  const sure = { delivery: 1, reply: 0, conversion: 0, delayMs: 300 };
  await t.sql('update campaigns set simulation = ?::jsonb where id = ?', [JSON.stringify({ A: sure, B: sure }), c.id]);
  await t.ok(LaunchCampaignDocument, { id: c.id }, key);
  const view = async () => (await t.ok(CampaignSendFailuresDocument, { id: c.id }, key)).campaign!;
  // A status callback that overtakes the sender's commit of its message is parked and processed
  // by the webhook retry job (every minute): allow for that path too.
  const done = await until(view, (x) => x.stats.delivered === 6 || x.stats.failed > 0, 75_000);
  expect(done.sendFailures).toEqual([]);
  expect(done.runs).toEqual([{ runNumber: 1, sent: 6, failed: 0, pending: 0, retrying: 0, sendFailures: [] }]);
  expect(done.stats).toEqual({ sent: 6, delivered: 6, failed: 0 });
  // The deliveries came back through the real, signed Twilio webhook route.
  const sources = await t.sql<{ source: string; n: string }>(`select source, count(*) as n from events where campaign_id = ? and type = 'DELIVERED' group by source`, [c.id]);
  expect(sources.map((r) => [r.source, Number(r.n)])).toEqual([['webhook:twilio', 6]]);
  // The simulator signed with a secret of its own; the user's secrets stay unset.
  const { viewer } = await t.ok(ViewerDocument, {}, key);
  expect(viewer.workspace.settings).toMatchObject({ twilioAuthTokenSet: false, webhookSigningSecretSet: false });
  const [ws] = await t.sql<{ twilio_auth_token: string | null; webhook_signing_secret: string | null; simulator_signing_secret: string | null }>(
    'select twilio_auth_token, webhook_signing_secret, simulator_signing_secret from workspaces where id = ?',
    [viewer.workspace.id],
  );
  expect(ws).toMatchObject({ twilio_auth_token: null, webhook_signing_secret: null });
  expect(ws!.simulator_signing_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
}, 90_000);

it('shows each failed send with its reason in Campaign.sendFailures and per run, newest first, bounded by first', async () => {
  const key = await t.newWorkspaceKey();
  const tag = `fail${phone}`;
  // Two recipients the sender cannot reach (consent, but an email and no phone), three it can.
  await t.ok(
    UpsertContactsDocument,
    {
      contacts: [
        ...Array.from({ length: 3 }, (_, i) => ({ externalId: `${tag}-ok-${i}`, phone: `+1415555${phone++}`, consent: true, tags: [tag] })),
        ...Array.from({ length: 2 }, (_, i) => ({ externalId: `${tag}-nophone-${i}`, email: `${tag}-${i}@example.com`, consent: true, tags: [tag] })),
      ],
    },
    key,
  );
  const { createCampaign: c } = await t.ok(CreateCampaignDocument, { input: { name: tag, audience: { tags: [tag] }, variants: [{ template: 'hello' }] } }, key);
  // Every simulated message is delivered: a drawn delivery failure (3 % each by default) would be a third failure in the stats.
  await t.sql('update campaigns set simulation = ?::jsonb where id = ?', [JSON.stringify({ A: { delivery: 1 } }), c.id]);
  await t.ok(LaunchCampaignDocument, { id: c.id }, key);
  const done = await until(async () => (await t.ok(CampaignSendFailuresDocument, { id: c.id }, key)).campaign!, (x) => x.runs[0]?.pending === 0, 10000);
  expect(done.runs).toHaveLength(1);
  expect(done.runs[0]).toMatchObject({ runNumber: 1, sent: 3, failed: 2, pending: 0, retrying: 0 });
  expect(done.stats.failed).toBe(2);
  expect(done.sendFailures).toHaveLength(2);
  expect(done.sendFailures.map((f) => f.contact.externalId).sort()).toEqual([`${tag}-nophone-0`, `${tag}-nophone-1`]);
  expect(done.sendFailures.every((f) => f.error === 'the contact has no phone number')).toBe(true);
  const at = done.sendFailures.map((f) => new Date(f.at).getTime());
  expect(at[0]).toBeGreaterThanOrEqual(at[1]!); // newest first
  expect(done.runs[0]!.sendFailures.map((f) => f.contact.externalId)).toEqual(done.sendFailures.map((f) => f.contact.externalId));

  const one = (await t.ok(CampaignSendFailuresDocument, { id: c.id, first: 1 }, key)).campaign!;
  expect(one.sendFailures).toEqual([done.sendFailures[0]]);
  expect(one.runs[0]!.sendFailures).toHaveLength(1);
  expect((await t.ok(CampaignSendFailuresDocument, { id: c.id, first: 0 }, key)).campaign!.sendFailures).toEqual([]);
  expect((await t.ok(CampaignSendFailuresDocument, { id: c.id, first: null }, key)).campaign!.sendFailures).toHaveLength(2);
  for (const first of [-1, 201]) {
    expect(errorOf(await t.gql(CampaignSendFailuresDocument, { id: c.id, first }, key))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_PAGE_SIZE', field: 'first' });
  }
  // Another workspace's failures are not visible (the campaign itself is NOT_FOUND there).
  expect(errorOf(await t.gql(CampaignSendFailuresDocument, { id: c.id }, await t.newWorkspaceKey()))).toMatchObject({ code: 'NOT_FOUND' });
});
