/**
 * The alerts that the other operations features feed, end to end on the real app: webhook silence
 * while sending (a local Twilio server that does not call back) raises WEBHOOKS_SILENT and its
 * callbacks clear it; a provider outage opens the account's circuit and raises CIRCUIT_OPEN, and
 * the recovery closes it and clears the alert. A local receiver checks every alert's signature;
 * each condition is delivered once raised and once cleared, however often the job runs.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlertSettingsDocument, CreateCampaignDocument, LaunchCampaignDocument, UpsertContactsDocument } from '../generated/graphql';
import { ALERTS_JOB } from '../../src/operations/alerts';
import type { AlertPayload } from '../../src/operations/alert-rules';
import { verifyGenericSignature } from '../../src/tracking/webhooks/signatures';
import { startTestApp, type TestApp } from '../helpers/harness';
import { TwilioServer } from '../helpers/twilio-server';
import { until } from '../helpers/until';

const SECRET = 'whsec_ops_alerts';
const FROM = '+15005550006';

let twilio: TwilioServer;
let t: TestApp;
let receiver: Server;
let receiverUrl: string;
const received: { path: string; body: AlertPayload; signatureOk: boolean }[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      const header = req.headers['x-splitcast-signature'];
      const signatureOk = verifyGenericSignature(SECRET, raw, typeof header === 'string' ? header : undefined, Math.floor(Date.now() / 1000)).ok;
      received.push({ path: req.url ?? '', body: JSON.parse(raw) as AlertPayload, signatureOk });
      res.writeHead(signatureOk ? 204 : 401).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  twilio = await new TwilioServer().start();
  t = await startTestApp({
    JOBS: 'on',
    SEND_PROVIDER: 'twilio',
    TWILIO_API_URL: twilio.baseUrl,
    // The receiver listens on loopback.
    ALLOW_CUSTOM_PROVIDER_URLS: 'true',
    WEBHOOK_SILENT_AFTER_SECONDS: '2',
    WEBHOOK_RECEIPTS_FLUSH_MS: '100',
    CIRCUIT_FAILURES: '3',
    CIRCUIT_OPEN_SECONDS: '2',
    CIRCUIT_MAX_OPEN_SECONDS: '4',
  });
});
afterAll(async () => {
  await t?.close();
  await twilio?.stop();
  receiver.closeAllConnections();
  await new Promise<void>((r) => receiver.close(() => r()));
});

let phone = 3000;
/** A workspace sending SMS through its own account on the local Twilio server, alerting to `/<name>`, with a campaign to `n` contacts. */
async function workspace(name: string, n: number) {
  const key = await t.newWorkspaceKey(name);
  const sid = 'AC' + randomBytes(16).toString('hex');
  const token = randomBytes(16).toString('hex');
  twilio.allow(sid, token);
  await t.ok(AlertSettingsDocument, { input: { twilioAccountSid: sid, twilioAuthToken: token, twilioFrom: FROM, webhookSigningSecret: SECRET, alertWebhookUrl: `${receiverUrl}/${name}` } }, key);
  await t.ok(UpsertContactsDocument, { contacts: Array.from({ length: n }, (_, i) => ({ externalId: `${name}-${i}`, phone: `+1415557${phone++}`, consent: true, tags: [name] })) }, key);
  const { createCampaign } = await t.ok(CreateCampaignDocument, { input: { name, type: 'AB_TEST', audience: { tags: [name] }, variants: [{ template: 'A' }, { template: 'B' }] } }, key);
  return { key, sid, campaignId: createCampaign.id, account: `twilio:${sid}:${FROM}:SMS` };
}

const alertsTo = (name: string, key: string) => received.filter((r) => r.path === `/${name}` && r.body.key === key);

/** Runs the alerts job until the receiver has `state` for `key` at `/name`; then once more, to show nothing repeats. */
async function evaluateUntil(name: string, key: string, state: 'RAISED' | 'CLEARED') {
  const got = await until(
    async () => {
      await t.app.scheduler!.runNow(ALERTS_JOB);
      return alertsTo(name, key).filter((r) => r.body.state === state);
    },
    (list) => list.length > 0,
    30_000,
    200,
  );
  await t.app.scheduler!.runNow(ALERTS_JOB);
  return got;
}

it('raises WEBHOOKS_SILENT while sent messages get no callback, and clears it when they come', async () => {
  const w = await workspace('silent', 3);
  await t.ok(LaunchCampaignDocument, { id: w.campaignId }, w.key);
  await until(() => [...twilio.messages.values()].filter((m) => m.accountSid === w.sid).length, (n) => n === 3);

  const raised = await evaluateUntil('silent', 'WEBHOOKS_SILENT:twilio', 'RAISED');
  expect(raised).toHaveLength(1);
  expect(raised[0]).toMatchObject({ signatureOk: true, body: { kind: 'WEBHOOKS_SILENT', state: 'RAISED', details: expect.objectContaining({ provider: 'twilio' }) } });

  for (const m of twilio.messages.values()) if (m.accountSid === w.sid) expect(await twilio.callBack(m.sid, 'delivered')).toBe(200);
  const cleared = await evaluateUntil('silent', 'WEBHOOKS_SILENT:twilio', 'CLEARED');
  expect(cleared).toHaveLength(1);
  expect(cleared[0]).toMatchObject({ signatureOk: true, body: { state: 'CLEARED', id: raised[0]!.body.id } });
  expect(alertsTo('silent', 'WEBHOOKS_SILENT:twilio')).toHaveLength(2);
});

it('raises CIRCUIT_OPEN when a provider outage opens the circuit, and clears it once a probe closes it', async () => {
  // Callbacks come at once here: this test is about the circuit, not silence.
  twilio.autoCallback = 'delivered';
  const w = await workspace('circuit', 6);
  const key = `CIRCUIT_OPEN:${w.account}`;
  twilio.down = { status: 503, code: 20503 };
  await t.ok(LaunchCampaignDocument, { id: w.campaignId }, w.key);

  const raised = await evaluateUntil('circuit', key, 'RAISED');
  expect(raised).toHaveLength(1);
  expect(raised[0]).toMatchObject({ signatureOk: true, body: { kind: 'CIRCUIT_OPEN', state: 'RAISED', details: expect.objectContaining({ provider: 'twilio', channel: 'SMS' }) } });

  twilio.recover();
  const cleared = await evaluateUntil('circuit', key, 'CLEARED');
  expect(cleared).toHaveLength(1);
  expect(alertsTo('circuit', key)).toHaveLength(2);
  // Every recipient got exactly one message once the provider was back.
  const sends = await until(() => t.sql<{ status: string }>('select status from sends where campaign_id = ?', [w.campaignId]), (rows) => rows.every((r) => r.status === 'SENT'), 60_000);
  expect(sends.map((r) => r.status)).toEqual(Array(6).fill('SENT'));
  expect([...twilio.messages.values()].filter((m) => m.accountSid === w.sid)).toHaveLength(6);
}, 120_000);
