/**
 * The circuit breaker per provider account, for real: the app sends through Twilio's protocol to a
 * local Twilio server that goes down (503, Twilio error 20503) and recovers. While the circuit is
 * open no create request reaches the server but the probes, sends are deferred (never failed, no
 * attempt consumed), providerHealth and /metrics show it; after recover() one probe closes it and
 * every recipient gets exactly one message. Per-message refusals (400, 21211) never open it.
 */
import { randomBytes } from 'node:crypto';
import { CampaignRunsDocument, CreateCampaignDocument, LaunchCampaignDocument, ProviderHealthDocument, UpdateWorkspaceSettingsDocument, UpsertContactsDocument } from '../generated/graphql';
import { startTestApp, type TestApp } from '../helpers/harness';
import { TwilioServer } from '../helpers/twilio-server';
import { until } from '../helpers/until';

let t: TestApp;
let server: TwilioServer;
beforeAll(async () => {
  server = await new TwilioServer().start();
  t = await startTestApp({
    JOBS: 'on',
    SEND_PROVIDER: 'twilio',
    TWILIO_API_URL: server.baseUrl,
    CIRCUIT_FAILURES: '3',
    CIRCUIT_OPEN_SECONDS: '2',
    CIRCUIT_MAX_OPEN_SECONDS: '4',
  });
});
// A test that fails mid-outage must not leave the next one facing a provider that is down.
afterEach(() => {
  server.recover();
  server.failures.length = 0;
});
afterAll(async () => {
  await t?.close();
  await server?.stop();
});

let phone = 7000;
const FROM = '+15005550006';

/** A workspace sending SMS through its own Twilio account on the local server, with `n` contacts and a campaign to them. */
async function twilioWorkspace(n: number, settings: Record<string, unknown> = {}) {
  const key = await t.newWorkspaceKey();
  const sid = 'AC' + randomBytes(16).toString('hex');
  const token = randomBytes(16).toString('hex');
  server.allow(sid, token);
  await t.ok(UpdateWorkspaceSettingsDocument, { input: { twilioAccountSid: sid, twilioAuthToken: token, twilioFrom: FROM, ...settings } }, key);
  const tag = `cb${phone}`;
  const phones = Array.from({ length: n }, () => `+1415556${phone++}`);
  await t.ok(UpsertContactsDocument, { contacts: phones.map((p, i) => ({ externalId: `${tag}-${i}`, phone: p, consent: true, tags: [tag] })) }, key);
  const { createCampaign } = await t.ok(CreateCampaignDocument, { input: { name: tag, type: 'AB_TEST', audience: { tags: [tag] }, variants: [{ template: 'Hi {first_name|there}' }, { template: 'Hello!' }] } }, key);
  return { key, sid, phones, campaignId: createCampaign.id, account: `twilio:${sid}:${FROM}:SMS` };
}

/** Create requests that reached the server for one account. */
const creates = (sid: string) => server.requests.filter((r) => r.method === 'POST' && r.path.includes(sid)).length;

/** One series of /metrics (labels in any order), 0 when absent. */
async function series(name: string, labels: Record<string, string>, url = t.url): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && want.every((w) => l.includes(w)));
  return line ? Number(line.split(' ').pop()) : 0;
}
const transitions = (from: string, to: string, url = t.url) => series('splitcast_circuit_transitions_total', { provider: 'twilio', channel: 'sms', from, to }, url);

async function sms(key: string) {
  const { providerHealth } = await t.ok(ProviderHealthDocument, {}, key);
  return providerHealth.find((p) => p.channel === 'SMS');
}

const sendRows = (campaignId: string) => t.sql<{ status: string; attempts: number }>('select status, attempts from sends where campaign_id = ?', [campaignId]);

it('opens on a provider outage, defers sends without failing them, probes, and closes on recovery: one message per recipient', async () => {
  const w = await twilioWorkspace(10, { sendRatePerSecond: 2 });
  expect(await sms(w.key)).toMatchObject({ provider: 'twilio', circuit: 'CLOSED', recentFailures: 0, lastError: null, account: w.account, openedAt: null, retryAt: null });
  // No secret in the account key.
  expect((await sms(w.key))!.account).not.toMatch(/[0-9a-f]{32}$/);

  server.down = { status: 503, code: 20503 };
  await t.ok(LaunchCampaignDocument, { id: w.campaignId }, w.key);
  // The failure count is written once per send batch, after the transition: wait for both.
  const open = await until(() => sms(w.key), (h) => h?.circuit === 'OPEN' && h.recentFailures >= 3);
  expect(open).toMatchObject({ circuit: 'OPEN', account: w.account, lastError: expect.stringContaining('20503') });
  expect(open!.recentFailures).toBeGreaterThanOrEqual(3);
  expect(new Date(open!.retryAt!).getTime()).toBeGreaterThan(new Date(open!.openedAt!).getTime());
  expect(await series('splitcast_provider_circuits', { provider: 'twilio', channel: 'sms', state: 'OPEN' })).toBeGreaterThanOrEqual(1);

  // While it is open only probes reach the server: wait for a probe to fail (the circuit re-opens).
  const requestsAtOpen = creates(w.sid);
  const probesAtOpen = await transitions('OPEN', 'HALF_OPEN');
  expect(await until(() => transitions('HALF_OPEN', 'OPEN'), (n) => n >= 1, 20_000)).toBeGreaterThanOrEqual(1);
  const reopened = await until(() => sms(w.key), (h) => h?.circuit === 'OPEN');
  expect(reopened!.openedAt).toBe(open!.openedAt); // open since the first trip
  // Requests first, then probes: a probe is counted before its request leaves, so a probe going
  // between the two reads cannot make the requests outnumber the probes.
  const made = creates(w.sid) - requestsAtOpen;
  const probes = (await transitions('OPEN', 'HALF_OPEN')) - probesAtOpen;
  expect(made).toBeLessThanOrEqual(probes);
  // Sends waited: none failed, some never tried (attempts given back), deferrals counted.
  const during = await sendRows(w.campaignId);
  expect(during.filter((s) => s.status === 'FAILED')).toEqual([]);
  expect(during.filter((s) => s.status === 'PENDING' && s.attempts === 0).length).toBeGreaterThan(0);
  expect(await series('splitcast_send_deferrals_total', { reason: 'circuit_open' })).toBeGreaterThan(0);

  server.recover();
  const runs = await until(
    async () => (await t.ok(CampaignRunsDocument, { id: w.campaignId }, w.key)).campaign!.runs[0],
    (r) => r?.sent === 10,
    45_000,
  );
  expect(runs).toMatchObject({ sent: 10, failed: 0, pending: 0 });
  expect((await sms(w.key))!).toMatchObject({ circuit: 'CLOSED', openedAt: null, retryAt: null });
  expect(await transitions('HALF_OPEN', 'CLOSED')).toBeGreaterThanOrEqual(1);
  // Exactly one message per recipient at the provider, none failed.
  const perPhone = new Map<string, number>();
  for (const m of server.messages.values()) if (m.accountSid === w.sid) perPhone.set(m.to, (perPhone.get(m.to) ?? 0) + 1);
  expect([...perPhone.keys()].sort()).toEqual([...w.phones].sort());
  expect([...perPhone.values()].every((n) => n === 1)).toBe(true);
  // Attempts count provider calls only: deferrals gave theirs back.
  const after = await sendRows(w.campaignId);
  expect(after.every((s) => s.status === 'SENT')).toBe(true);
  expect(after.reduce((n, s) => n + s.attempts, 0)).toBe(creates(w.sid));
  expect(await series('splitcast_provider_circuits', { provider: 'twilio', channel: 'sms', state: 'OPEN' })).toBe(0);
}, 90_000); // retries wait out their backoff (10 s) after the recovery

it('per-message refusals (400, Twilio error 21211) fail their sends but never open the circuit', async () => {
  const before = await transitions('CLOSED', 'OPEN');
  const w = await twilioWorkspace(6);
  for (let i = 0; i < 6; i++) server.failures.push({ status: 400, code: 21211, message: "The 'To' number is not a valid phone number." });
  await t.ok(LaunchCampaignDocument, { id: w.campaignId }, w.key);
  const runs = await until(
    async () => (await t.ok(CampaignRunsDocument, { id: w.campaignId }, w.key)).campaign!.runs[0],
    (r) => r?.failed === 6,
  );
  expect(runs).toMatchObject({ sent: 0, failed: 6 });
  expect(creates(w.sid)).toBe(6);
  expect(await sms(w.key)).toMatchObject({ circuit: 'CLOSED', recentFailures: 0, lastError: null });
  expect(await t.sql('select account from provider_circuits where account = ?', [w.account])).toEqual([]);
  expect(await transitions('CLOSED', 'OPEN')).toBe(before);
});

it('automatic replies honour the shared circuit and go out once it closes, with no campaign sending through the account', async () => {
  const w = await twilioWorkspace(3); // its campaign is never launched: nothing but the replies goes through the account
  server.down = { status: 503, code: 20503 };
  // Replies queued as inbound keywords queue them (STOP, HELP): they fail until the circuit opens.
  const contacts: { id: string; workspace_id: string }[] = [];
  for (const p of w.phones) contacts.push(...(await t.sql<{ id: string; workspace_id: string }>('select id, workspace_id from contacts where phone = ?', [p])));
  for (const c of contacts) {
    await t.sql(`insert into outbox (id, workspace_id, contact_id, kind, body, dedupe_key, channel) values (gen_random_uuid(), ?, ?, 'HELP', 'Reply STOP to opt out.', ?, 'SMS')`, [c.workspace_id, c.id, `cb-test:${c.id}`]);
  }
  expect((await until(() => sms(w.key), (h) => h?.circuit === 'OPEN'))!.circuit).toBe('OPEN');
  server.recover();
  const replies = () => t.sql<{ status: string }>(`select status from outbox where dedupe_key like 'cb-test:%' and workspace_id = ?`, [contacts[0]!.workspace_id]);
  // The circuit may probe after 2 s (4 s after a failed probe): a reply probes, closes it, the others follow.
  expect((await until(replies, (rows) => rows.every((r) => r.status === 'SENT'), 30_000)).map((r) => r.status)).toEqual(['SENT', 'SENT', 'SENT']);
  expect((await sms(w.key))!.circuit).toBe('CLOSED');
  const to = [...server.messages.values()].filter((m) => m.accountSid === w.sid).map((m) => m.to);
  expect(to.sort()).toEqual([...w.phones].sort()); // one reply each, none doubled
}, 60_000);

it('two instances honour one circuit: whichever trips it, both defer, one probe at a time', async () => {
  const other = await t.anotherInstance(); // JOBS=on: its sender claims sends too
  const both = async (from: string, to: string) => (await transitions(from, to)) + (await transitions(from, to, other.url));
  const w = await twilioWorkspace(12, { sendRatePerSecond: 4 });
  server.down = { status: 503, code: 20503 };
  const probesBefore = await both('OPEN', 'HALF_OPEN');
  const failedProbesBefore = await both('HALF_OPEN', 'OPEN');
  await t.ok(LaunchCampaignDocument, { id: w.campaignId }, w.key);
  expect((await until(() => sms(w.key), (h) => h?.circuit === 'OPEN'))!.circuit).toBe('OPEN');
  const requestsAtOpen = creates(w.sid);
  const probesAtOpen = await both('OPEN', 'HALF_OPEN');
  expect(await until(() => both('HALF_OPEN', 'OPEN'), (n) => n >= failedProbesBefore + 2, 30_000)).toBeGreaterThanOrEqual(failedProbesBefore + 2);
  expect(creates(w.sid) - requestsAtOpen).toBeLessThanOrEqual((await both('OPEN', 'HALF_OPEN')) - probesAtOpen);
  expect((await sendRows(w.campaignId)).filter((s) => s.status === 'FAILED')).toEqual([]);

  server.recover();
  const runs = await until(
    async () => (await t.ok(CampaignRunsDocument, { id: w.campaignId }, w.key)).campaign!.runs[0],
    (r) => r?.sent === 12,
    60_000,
  );
  expect(runs).toMatchObject({ sent: 12, failed: 0, pending: 0 });
  expect(await both('OPEN', 'HALF_OPEN')).toBeGreaterThan(probesBefore);
  const to = [...server.messages.values()].filter((m) => m.accountSid === w.sid).map((m) => m.to);
  expect(to.sort()).toEqual([...w.phones].sort());
  const after = await sendRows(w.campaignId);
  expect(after.reduce((n, s) => n + s.attempts, 0)).toBe(creates(w.sid));
}, 120_000);
