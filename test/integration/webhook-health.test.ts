/**
 * Webhook health over real HTTP: a campaign sent through Twilio (a local server speaking its
 * Messages API and signing its callbacks) whose callbacks do not come is SILENT after
 * WEBHOOK_SILENT_AFTER_SECONDS, and HEALTHY once they do, with the send-to-callback lag; bad
 * signatures and malformed callbacks are counted per workspace and no other workspace sees them.
 */
import { randomBytes } from 'node:crypto';
import { CreateCampaignDocument, LaunchCampaignDocument, UpdateWorkspaceSettingsDocument, UpsertContactsDocument, WebhookHealthDocument } from '../generated/graphql';
import { silenceConditions, takeWebhookHealthSnapshots } from '../../src/operations/webhook-health';
import { twilioSignature } from '../../src/tracking/webhooks/signatures';
import { MAX_KEYS } from '../../src/tracking/webhooks/receipts';
import { newId } from '../../src/shared/ids';
import { recordMessage } from '../../src/tracking/messages';
import { Channel } from '../../src/domain/channel';
import { errorOf, startTestApp, type TestApp } from '../helpers/harness';
import { TwilioServer } from '../helpers/twilio-server';
import { until } from '../helpers/until';

const ACCOUNT = 'AC' + randomBytes(16).toString('hex');
const TOKEN = 'health-twilio-token';
const SILENT_AFTER = 2;

let twilio: TwilioServer;
let t: TestApp;
let key: string;
let workspaceId: string;
beforeAll(async () => {
  twilio = await new TwilioServer().allow(ACCOUNT, TOKEN).start();
  t = await startTestApp({ JOBS: 'on', SEND_PROVIDER: 'twilio', TWILIO_API_URL: twilio.baseUrl, WEBHOOK_SILENT_AFTER_SECONDS: String(SILENT_AFTER), WEBHOOK_RECEIPTS_FLUSH_MS: '100' });
  key = await t.newWorkspaceKey('health');
  const { updateWorkspaceSettings } = await t.ok(UpdateWorkspaceSettingsDocument, { input: { twilioAccountSid: ACCOUNT, twilioAuthToken: TOKEN, twilioFrom: '+15550001000' } }, key);
  workspaceId = updateWorkspaceSettings.id;
});
afterAll(async () => {
  await t.close();
  await twilio.stop();
});

const health = async (k = key) => (await t.ok(WebhookHealthDocument, {}, k)).webhookHealth;
const twilioHealth = async () => (await health()).find((h) => h.provider === 'twilio');

it('is SILENT while sent messages get no callback past the window, HEALTHY once they come, with the lag', async () => {
  await t.ok(UpsertContactsDocument, { contacts: [0, 1, 2].map((i) => ({ externalId: `wh-${i}`, phone: `+1415556100${i}`, consent: true, tags: ['wh'] })) }, key);
  const { createCampaign } = await t.ok(CreateCampaignDocument, { input: { name: 'health', type: 'AB_TEST', audience: { tags: ['wh'] }, variants: [{ template: 'A' }, { template: 'B' }] } }, key);
  await t.ok(LaunchCampaignDocument, { id: createCampaign.id }, key);
  await until(() => twilio.messages.size, (n) => n === 3);
  expect(twilio.messages.size).toBe(3);
  await until(
    async () => (await t.sql<{ n: string }>('select count(*) as n from messages where campaign_id = ? and provider_message_id is not null', [createCampaign.id]))[0]!.n,
    (n) => Number(n) === 3,
  );

  // Nothing comes back from Twilio (no autoCallback).
  const silent = await until(twilioHealth, (h) => h?.status === 'SILENT');
  expect(silent).toMatchObject({ status: 'SILENT', sentLastHour: 3, awaitingCallback: 3, lastReceivedAt: null, receivedLastHour: 0, lagP50Seconds: null });
  expect(silent!.reasons[0]).toMatch(/3 message\(s\) waiting for a status callback for over 2 s/);
  const conditions = await silenceConditions(t.app.sql, t.app.config);
  expect(conditions.filter((c) => c.workspaceId === workspaceId)).toEqual([
    expect.objectContaining({ kind: 'WEBHOOKS_SILENT', key: 'WEBHOOKS_SILENT:twilio', details: expect.objectContaining({ provider: 'twilio', awaitingCallback: 3 }) }),
  ]);

  // Twilio calls back at last.
  for (const sid of twilio.messages.keys()) expect(await twilio.callBack(sid, 'delivered')).toBe(200);
  const healthy = await until(twilioHealth, (h) => h?.status === 'HEALTHY' && h.acceptedLastHour === 3);
  expect(healthy).toMatchObject({ status: 'HEALTHY', reasons: [], awaitingCallback: 0, acceptedLastHour: 3, receivedLastHour: 3, sentLastHour: 3 });
  expect(healthy!.lastReceivedAt).not.toBeNull();
  // The callbacks came after the silence was seen, so at least the window after the send.
  expect(healthy!.lagP50Seconds).toBeGreaterThanOrEqual(SILENT_AFTER);
  expect(healthy!.lagP95Seconds).toBeGreaterThanOrEqual(healthy!.lagP50Seconds!);
  expect((await silenceConditions(t.app.sql, t.app.config)).filter((c) => c.workspaceId === workspaceId)).toEqual([]);

  // The hourly job keeps a snapshot; history shows it.
  expect(await takeWebhookHealthSnapshots(t.app.sql, t.app.config)).toBeGreaterThanOrEqual(1);
  const withHistory = await twilioHealth();
  expect(withHistory!.history).toEqual([expect.objectContaining({ status: 'HEALTHY', accepted: 3, sent: 3, awaitingCallback: 0 })]);
  expect(errorOf(await t.gql(WebhookHealthDocument, { hours: 0 }, key))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_HOURS' });
});

it('counts bad signatures and malformed callbacks for the workspace only', async () => {
  const path = `/webhooks/twilio/${workspaceId}`;
  const post = async (params: Record<string, string>, signature: string | undefined, id = workspaceId) => {
    const res = await fetch(`${t.url}/webhooks/twilio/${id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature ? { 'x-twilio-signature': signature } : {}) },
      body: new URLSearchParams(params).toString(),
    });
    await res.arrayBuffer(); // read: an unread body keeps its connection open
    return res;
  };
  const before = (await twilioHealth())!;
  const params = { MessageSid: 'SMforged', MessageStatus: 'delivered' };
  expect((await post(params, undefined)).status).toBe(401);
  expect((await post(params, twilioSignature('not-the-token', t.app.config.publicUrl + path, params))).status).toBe(401);
  const malformed = { MessageStatus: 'delivered' }; // signed, but no MessageSid
  expect((await post(malformed, twilioSignature(TOKEN, t.app.config.publicUrl + path, malformed))).status).toBe(400);
  // An unknown workspace is nobody's to count.
  const nobody = '0190c1d2-0000-7000-8000-00000000dead';
  expect((await post(params, undefined, nobody)).status).toBe(404);

  const after = await until(twilioHealth, (h) => h!.badSignatureLastHour === before.badSignatureLastHour + 2 && h!.malformedLastHour === before.malformedLastHour + 1);
  expect(after).toMatchObject({ badSignatureLastHour: before.badSignatureLastHour + 2, malformedLastHour: before.malformedLastHour + 1, receivedLastHour: before.receivedLastHour + 3 });
  // Rejected requests prove nothing about the provider: the last receipt is still the last good one.
  expect(after!.lastReceivedAt).toBe(before.lastReceivedAt);
  expect(await t.sql('select 1 from webhook_receipts where workspace_id = ?', [nobody])).toEqual([]);

  const other = await t.newWorkspaceKey('health-other');
  expect(await health(other)).toEqual([]);
});

it('does not call email silent while the workspace has no email webhook key (its events are optional)', async () => {
  const [m] = await t.sql<{ campaign_id: string; contact_id: string }>('select campaign_id, contact_id from messages where workspace_id = ? limit 1', [workspaceId]);
  await recordMessage(t.app.orm.em.fork(), { workspaceId, campaignId: m!.campaign_id, contactId: m!.contact_id, variantId: null, provider: 'email', providerMessageId: '<wh-1@mg.example>', channel: Channel.EMAIL });
  await t.sql(`update messages set sent_at = now() - interval '1 minute' where provider_message_id = '<wh-1@mg.example>'`);
  const email = async () => (await health()).find((h) => h.provider === 'email');
  expect(await email()).toMatchObject({ status: 'HEALTHY', sentLastHour: 1, awaitingCallback: 1 });
  await t.ok(UpdateWorkspaceSettingsDocument, { input: { emailWebhookKey: 'key-0123456789abcdef' } }, key);
  expect(await email()).toMatchObject({ status: 'SILENT', awaitingCallback: 1 });
});

it('writes the counts gathered since the last flush when the server stops (rate-limited requests included)', async () => {
  const slow = await startTestApp({ WEBHOOK_RECEIPTS_FLUSH_MS: '60000', RATE_LIMIT_WEBHOOK: '2/60' });
  try {
    const k = await slow.newWorkspaceKey('flush-at-stop');
    const id = (await slow.ok(UpdateWorkspaceSettingsDocument, { input: { twilioAuthToken: 'flush-token' } }, k)).updateWorkspaceSettings.id;
    for (const expected of [401, 401, 429]) {
      const res = await fetch(`${slow.url}/webhooks/twilio/${id}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'MessageSid=SM1&MessageStatus=sent' });
      await res.arrayBuffer();
      expect(res.status).toBe(expected);
    }
    const counted = () => slow.sql<{ outcome: string; count: string }>('select outcome, count from webhook_receipts where workspace_id = ? order by outcome', [id]);
    expect(await counted()).toEqual([]); // still in memory (next flush in a minute)
    await slow.restart();
    expect(await counted()).toEqual([
      { outcome: 'bad_signature', count: '2' },
      { outcome: 'rate_limited', count: '1' },
    ]);
  } finally {
    await slow.close();
  }
});

it('counts a real provider callback even when garbage posted to made-up workspace ids filled the receipts between two flushes', async () => {
  const slow = await startTestApp({ WEBHOOK_RECEIPTS_FLUSH_MS: '60000' });
  try {
    const k = await slow.newWorkspaceKey('receipts-flood');
    const id = (await slow.ok(UpdateWorkspaceSettingsDocument, { input: { twilioAuthToken: 'flood-token' } }, k)).updateWorkspaceSettings.id;
    // A body that is not JSON is answered 400 before the workspace is looked up: counted as malformed for whatever id the URL names.
    const garbage = await fetch(`${slow.url}/webhooks/generic/${newId()}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    await garbage.arrayBuffer();
    expect(garbage.status).toBe(400);
    // The rest of the flood, as the route records it (one request per made-up id).
    for (let i = 0; i < MAX_KEYS; i++) slow.app.webhookReceipts.record(newId(), 'generic', 'malformed');

    const path = `/webhooks/twilio/${id}`;
    const params = { MessageSid: 'SMflood', MessageStatus: 'queued' };
    const res = await fetch(slow.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature('flood-token', slow.app.config.publicUrl + path, params) },
      body: new URLSearchParams(params).toString(),
    });
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    await slow.app.webhookReceipts.flush();
    const rows = await slow.sql<{ outcome: string; count: string; authentic: boolean }>('select outcome, count, last_at is not null as authentic from webhook_receipts where workspace_id = ?', [id]);
    expect(rows).toEqual([{ outcome: 'accepted', count: '1', authentic: true }]);
  } finally {
    await slow.close();
  }
});
