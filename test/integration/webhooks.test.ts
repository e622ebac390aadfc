import { createHmac } from 'node:crypto';
import { UpdateWorkspaceSettingsDocument } from '../generated/graphql';
import { recordMessage } from '../../src/tracking/messages';
import { MAX_ATTEMPTS } from '../../src/tracking/webhooks/retries';
import { genericSignatureHeader, openPhoneSignatureHeader, twilioSignature } from '../../src/tracking/webhooks/signatures';
import { campaignWithRecipients, type CampaignFixture } from '../helpers/fixtures';
import { startTestApp, type TestApp } from '../helpers/harness';

const PUBLIC_URL = 'https://hooks.splitcast.test';
const TWILIO_TOKEN = 'twilio-auth-token-123';
const OPENPHONE_SECRET = Buffer.from('openphone-signing-key-bytes').toString('base64');
const GENERIC_SECRET = 'whsec_generic_456';

let t: TestApp;
let key: string;
let f: CampaignFixture;
beforeAll(async () => {
  t = await startTestApp({ PUBLIC_URL });
  key = await t.newWorkspaceKey('hooks');
  await t.ok(UpdateWorkspaceSettingsDocument, { input: { twilioAuthToken: TWILIO_TOKEN, openphoneSigningSecret: OPENPHONE_SECRET, webhookSigningSecret: GENERIC_SECRET } }, key);
  f = await campaignWithRecipients(t, key, 12, [50, 50], 'hk');
});
afterAll(() => t.close());

const count = async (query: string, params: unknown[]) => Number((await t.sql<{ n: string }>(query, params))[0]!.n);
const events = (contactId: string, type: string) => count('select count(*) as n from events where contact_id = ? and type = ?', [contactId, type]);
const counter = async (column: string) => count(`select coalesce(sum(${column}), 0) as n from variant_counters where campaign_id = ?`, [f.campaignId]);

/** A message "sent" to contact i, with the provider's id. */
async function sent(i: number, provider: string, providerMessageId: string, links: string[] = []) {
  const c = f.contacts[i]!;
  return recordMessage(t.app.orm.em.fork(), { workspaceId: f.workspaceId, campaignId: f.campaignId, contactId: c.id, variantId: c.variantId, provider, providerMessageId, links });
}

function twilio(params: Record<string, string>, opts: { sign?: boolean; token?: string; workspaceId?: string } = {}) {
  const path = `/webhooks/twilio/${opts.workspaceId ?? f.workspaceId}`;
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (opts.sign !== false) headers['x-twilio-signature'] = twilioSignature(opts.token ?? TWILIO_TOKEN, PUBLIC_URL + path, params);
  return fetch(t.url + path, { method: 'POST', headers, body: new URLSearchParams(params).toString() });
}

function openphone(event: unknown, opts: { sign?: boolean; secret?: string } = {}) {
  const body = JSON.stringify(event);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.sign !== false) headers['openphone-signature'] = openPhoneSignatureHeader(opts.secret ?? OPENPHONE_SECRET, body, Date.now());
  return fetch(`${t.url}/webhooks/openphone/${f.workspaceId}`, { method: 'POST', headers, body });
}

function generic(payload: unknown, opts: { sign?: boolean; secret?: string; at?: number; tamper?: boolean } = {}) {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.sign !== false) headers['x-splitcast-signature'] = genericSignatureHeader(opts.secret ?? GENERIC_SECRET, body, opts.at ?? Math.floor(Date.now() / 1000));
  return fetch(`${t.url}/webhooks/generic/${f.workspaceId}`, { method: 'POST', headers, body: opts.tamper ? body.replace('CLICKED', 'CONVERTED') : body });
}

describe('Twilio', () => {
  it('records a signed status callback once, however often it is redelivered', async () => {
    await sent(0, 'twilio', 'SM0001');
    const before = await counter('delivered');
    for (let i = 0; i < 3; i++) {
      const res = await twilio({ MessageSid: 'SM0001', MessageStatus: 'delivered', AccountSid: 'AC1' });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/xml/);
    }
    expect(await events(f.contacts[0]!.id, 'DELIVERED')).toBe(1);
    expect(await counter('delivered')).toBe(before + 1);
    expect((await t.sql<{ status: string }>('select status from messages where provider_message_id = ?', ['SM0001']))[0]!.status).toBe('DELIVERED');
  });

  it('refuses unsigned, wrongly signed and foreign-token requests with 401 and records nothing', async () => {
    await sent(1, 'twilio', 'SM0002');
    const params = { MessageSid: 'SM0002', MessageStatus: 'delivered' };
    expect((await twilio(params, { sign: false })).status).toBe(401);
    expect((await twilio(params, { token: 'someone-elses-token' })).status).toBe(401);
    const tampered = await fetch(`${t.url}/webhooks/twilio/${f.workspaceId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(TWILIO_TOKEN, `${PUBLIC_URL}/webhooks/twilio/${f.workspaceId}`, params) },
      body: new URLSearchParams({ ...params, MessageStatus: 'failed' }).toString(),
    });
    expect(tampered.status).toBe(401);
    expect(((await tampered.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
    expect(await count('select count(*) as n from events where message_id in (select id from messages where provider_message_id = ?)', ['SM0002'])).toBe(0);
  });

  it('answers 404 for an unknown workspace and 400 for a malformed callback', async () => {
    expect((await twilio({ MessageSid: 'SM1', MessageStatus: 'delivered' }, { workspaceId: '0190c1d2-0000-7000-8000-000000000000' })).status).toBe(404);
    expect((await twilio({ MessageSid: 'SM1', MessageStatus: 'delivered' }, { workspaceId: 'nope' })).status).toBe(404);
    const res = await twilio({ MessageStatus: 'delivered' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BAD_REQUEST');
  });

  it.each([
    ['STOP', 2],
    ['  stop  ', 3],
    ['Stop!', 4],
    ['\nUnSubscribe\n', 5],
    ['quit', 6],
  ])('opts the sender out on %j: event, opt-out log with the keyword, one confirmation', async (body, i) => {
    const c = f.contacts[i]!;
    await sent(i, 'twilio', `SMout${i}`);
    for (let n = 0; n < 2; n++) expect((await twilio({ MessageSid: `SMin${i}`, From: c.phone, To: '+15550000000', Body: body, SmsStatus: 'received' })).status).toBe(200);
    expect((await t.sql<{ opted_out: boolean }>('select cardinality(opted_out_channels) > 0 as opted_out from contacts where id = ?', [c.id]))[0]!.opted_out).toBe(true);
    expect(await events(c.id, 'OPTED_OUT')).toBe(1);
    const log = await t.sql<{ action: string; source: string; keyword: string }>('select action, source, keyword from opt_out_log where contact_id = ?', [c.id]);
    expect(log).toEqual([{ action: 'OPTED_OUT', source: 'sms:twilio', keyword: body.trim().replace(/!$/, '').toUpperCase() }]);
    expect(await count(`select count(*) as n from outbox where contact_id = ? and kind = 'OPT_OUT'`, [c.id])).toBe(1);
  });

  it('opts back in on START, answers HELP, and records other texts as replies with a sentiment', async () => {
    const c = f.contacts[7]!;
    await sent(7, 'twilio', 'SMout7');
    const inbound = (sid: string, body: string) => twilio({ MessageSid: sid, From: c.phone, Body: body, SmsStatus: 'received' });
    await inbound('SMa', 'stop');
    await inbound('SMb', ' Start ');
    expect((await t.sql<{ opted_out: boolean }>('select cardinality(opted_out_channels) > 0 as opted_out from contacts where id = ?', [c.id]))[0]!.opted_out).toBe(false);
    expect((await t.sql<{ action: string }>('select action from opt_out_log where contact_id = ? order by at', [c.id])).map((r) => r.action)).toEqual(['OPTED_OUT', 'OPTED_IN']);
    await inbound('SMc', 'help');
    expect((await t.sql<{ kind: string }>('select kind from outbox where contact_id = ? order by created_at', [c.id])).map((r) => r.kind)).toEqual(['OPT_OUT', 'OPT_IN', 'HELP']);
    await inbound('SMd', 'Yes please, I love it!');
    const replies = await t.sql<{ sentiment: string }>(`select sentiment from events where contact_id = ? and type = 'REPLIED'`, [c.id]);
    expect(replies).toEqual([{ sentiment: 'POSITIVE' }]);
    expect(await counter('positive_replies')).toBeGreaterThanOrEqual(1);
  });

  it('opts out a sender with no recent campaign message too (and ignores unknown numbers)', async () => {
    const c = f.contacts[8]!;
    expect((await twilio({ MessageSid: 'SMx', From: c.phone, Body: 'STOP' })).status).toBe(200);
    expect((await t.sql<{ opted_out: boolean }>('select cardinality(opted_out_channels) > 0 as opted_out from contacts where id = ?', [c.id]))[0]!.opted_out).toBe(true);
    expect((await twilio({ MessageSid: 'SMy', From: '+14155550000', Body: 'hello' })).status).toBe(200);
  });
});

describe('OpenPhone', () => {
  it('records message.delivered and message.received when signed, once per event id', async () => {
    const c = f.contacts[9]!;
    await sent(9, 'openphone', 'AC9');
    const delivered = { id: 'EV1', object: 'event', type: 'message.delivered', data: { object: { id: 'AC9', status: 'delivered' } } };
    expect((await openphone(delivered)).status).toBe(200);
    expect((await openphone(delivered)).status).toBe(200);
    expect(await events(c.id, 'DELIVERED')).toBe(1);
    const received = { id: 'EV2', object: 'event', type: 'message.received', data: { object: { id: 'ACin9', from: c.phone, body: 'not interested, thanks' } } };
    expect((await openphone(received)).status).toBe(200);
    expect(await t.sql<{ sentiment: string }>(`select sentiment from events where contact_id = ? and type = 'REPLIED'`, [c.id])).toEqual([{ sentiment: 'NEGATIVE' }]);
  });

  it('refuses a missing or wrong signature (401) and a malformed event (400)', async () => {
    const event = { id: 'EV3', type: 'message.delivered', data: { object: { id: 'AC9' } } };
    expect((await openphone(event, { sign: false })).status).toBe(401);
    expect((await openphone(event, { secret: Buffer.from('wrong').toString('base64') })).status).toBe(401);
    expect((await openphone({ hello: 'world' })).status).toBe(400);
  });
});

describe('generic', () => {
  it('accepts signed events in the TrackEventInput shape; refuses expired, tampered and unsigned bodies', async () => {
    const c = f.contacts[10]!;
    const payload = [{ campaignId: f.campaignId, contactId: c.id, type: 'CLICKED', idempotencyKey: 'gen-1' }];
    const ok = await generic(payload);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect(await (await generic(payload)).json()).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
    const refused = async (res: Response) => [res.status, ((await res.json()) as { error: { code: string; reason: string } }).error];
    expect(await refused(await generic(payload, { sign: false }))).toEqual([401, expect.objectContaining({ code: 'UNAUTHENTICATED', reason: 'MISSING_SIGNATURE' })]);
    expect(await refused(await generic(payload, { at: Math.floor(Date.now() / 1000) - 301 }))).toEqual([401, expect.objectContaining({ code: 'UNAUTHENTICATED', reason: 'EXPIRED_SIGNATURE' })]);
    expect(await refused(await generic(payload, { tamper: true }))).toEqual([401, expect.objectContaining({ code: 'UNAUTHENTICATED', reason: 'BAD_SIGNATURE' })]);
    expect(await refused(await generic(payload, { secret: 'nope' }))).toEqual([401, expect.objectContaining({ code: 'UNAUTHENTICATED', reason: 'BAD_SIGNATURE' })]);
    expect(await events(c.id, 'CLICKED')).toBe(1);
  });

  it('answers 400 for a body that is not events', async () => {
    const body = '"just a string"';
    const sig = `t=${Math.floor(Date.now() / 1000)},v1=${createHmac('sha256', GENERIC_SECRET).update(`${Math.floor(Date.now() / 1000)}.${body}`).digest('hex')}`;
    const res = await fetch(`${t.url}/webhooks/generic/${f.workspaceId}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-splitcast-signature': sig }, body });
    expect(res.status).toBe(400);
    const broken = await fetch(`${t.url}/webhooks/generic/${f.workspaceId}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' });
    expect(broken.status).toBe(400);
  });
});

describe('retry queue', () => {
  it('parks a callback for an unknown message, then processes it once the message exists', async () => {
    const c = f.contacts[11]!;
    const res = await twilio({ MessageSid: 'SMlate', MessageStatus: 'delivered' });
    expect(res.status).toBe(200);
    const [row] = await t.sql<{ status: string; attempts: number }>(`select status, attempts from webhook_retries where payload->>'providerMessageId' = 'SMlate'`);
    expect(row).toMatchObject({ status: 'PENDING', attempts: 1 });
    await sent(11, 'twilio', 'SMlate');
    await t.sql(`update webhook_retries set next_attempt_at = now() where payload->>'providerMessageId' = 'SMlate'`);
    await t.app.retries.runDue();
    expect((await t.sql<{ status: string }>(`select status from webhook_retries where payload->>'providerMessageId' = 'SMlate'`))[0]!.status).toBe('DONE');
    expect(await events(c.id, 'DELIVERED')).toBe(1);
  });

  it('backs off exponentially and dead-letters after the last attempt, visibly in the metrics', async () => {
    await twilio({ MessageSid: 'SMnever', MessageStatus: 'failed' });
    const where = `payload->>'providerMessageId' = 'SMnever'`;
    await t.sql(`update webhook_retries set next_attempt_at = now() where ${where}`);
    await t.app.retries.runDue();
    const [r2] = await t.sql<{ attempts: number; delay: string }>(`select attempts, extract(epoch from next_attempt_at - updated_at) as delay from webhook_retries where ${where}`);
    expect(r2!.attempts).toBe(2);
    expect(Number(r2!.delay)).toBeCloseTo(10, 0); // 5 s, then 10 s, …
    const deadBefore = await t.metric('splitcast_webhook_retries_total{result="DEAD"}').catch(() => 0);
    await t.sql(`update webhook_retries set attempts = ?, next_attempt_at = now() where ${where}`, [MAX_ATTEMPTS - 1]);
    await t.app.retries.runDue();
    expect((await t.sql<{ status: string }>(`select status from webhook_retries where ${where}`))[0]!.status).toBe('DEAD');
    expect(await t.metric('splitcast_webhook_retries_total{result="DEAD"}')).toBe(deadBefore + 1);
  });
});

describe('tracked links', () => {
  it('records CLICKED for the message’s contact and variant and redirects', async () => {
    const c = f.contacts[1]!;
    const { links } = await sent(1, 'twilio', 'SMlink', ['https://shop.example/offer?x=1']);
    const res = await fetch(`${t.url}/l/${links[0]!.token}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://shop.example/offer?x=1');
    const [ev] = await t.sql<{ variant_id: string; url: string }>(`select variant_id, url from events where contact_id = ? and type = 'CLICKED'`, [c.id]);
    expect(ev).toEqual({ variant_id: c.variantId, url: 'https://shop.example/offer?x=1' });
  });

  it('answers an unknown token with a 404 page and records nothing', async () => {
    const before = await count(`select count(*) as n from events where type = 'CLICKED'`, []);
    const res = await fetch(`${t.url}/l/doesnotexist`, { redirect: 'manual' });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await count(`select count(*) as n from events where type = 'CLICKED'`, [])).toBe(before);
  });
});
