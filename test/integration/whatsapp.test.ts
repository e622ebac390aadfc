/**
 * WhatsApp end to end on the real app: a WHATSAPP A/B campaign through a local server speaking
 * the Cloud API (template outside the 24-hour window, free text inside it), signed Cloud API
 * webhooks moving the counters, the verification handshake, bad signatures refused; and a
 * WHATSAPP campaign over the default simulator with no settings at all.
 */
import { randomBytes } from 'node:crypto';
import { CreateCampaignDocument, LaunchCampaignDocument, UpdateWorkspaceSettingsDocument, UpsertContactsDocument, WhatsAppCampaignDocument, type WhatsAppCampaignQuery } from '../generated/graphql';
import { createApp } from '../../src/app';
import { OUTSIDE_WHATSAPP_WINDOW } from '../../src/sending/compose';
import { DEFAULT_REPLIES } from '../../src/tracking/inbound';
import { derivedLinkToken } from '../../src/tracking/messages';
import { whatsappSignatureHeader } from '../../src/tracking/webhooks/signatures';
import { startTestApp, type TestApp } from '../helpers/harness';
import { until } from '../helpers/until';
import { cloudStatus, cloudText, cloudWebhook, WhatsAppCloudServer } from '../helpers/whatsapp-cloud-server';

const PHONE_NUMBER_ID = '106540352242922';
const ACCESS_TOKEN = 'EAAG-integration-token';
const APP_SECRET = 'meta-app-secret-123';
const VERIFY_TOKEN = 'verify-me-please';

let t: TestApp;
const cloud = new WhatsAppCloudServer().allow(PHONE_NUMBER_ID, ACCESS_TOKEN);
beforeAll(async () => {
  await cloud.start();
  // The Cloud API is a local server here: the operator's switch for non-Graph base URLs.
  t = await startTestApp({ JOBS: 'on', ALLOW_CUSTOM_PROVIDER_URLS: 'true' });
});
afterAll(async () => {
  await t.close();
  await cloud.stop();
});

const count = async (query: string, params: unknown[] = []) => Number((await t.sql<{ n: string }>(query, params))[0]!.n);
let phone = 7000;

/** A workspace (optionally with Cloud API settings) and contacts tagged with a fresh tag. */
async function workspace(names: string[], cloudSettings: boolean) {
  const key = await t.newWorkspaceKey();
  if (cloudSettings) {
    await t.ok(UpdateWorkspaceSettingsDocument, { input: { whatsappCloud: { phoneNumberId: PHONE_NUMBER_ID, accessToken: ACCESS_TOKEN, appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN, apiBaseUrl: cloud.baseUrl } } }, key);
  }
  const tag = `wa${phone}`;
  const contacts = names.map((firstName, i) => ({ externalId: `${tag}-${i}`, firstName, phone: `+1415556${phone++}`, consent: true, tags: [tag] }));
  await t.ok(UpsertContactsDocument, { contacts }, key);
  const [ws] = await t.sql<{ workspace_id: string }>('select workspace_id from contacts where external_id = ?', [contacts[0]!.externalId]);
  return { key, tag, workspaceId: ws!.workspace_id, contacts };
}

/** POSTs a Cloud API webhook body, signed with `secret` (the app secret by default). */
function webhook(workspaceId: string, body: unknown, secret: string | null = APP_SECRET) {
  const raw = JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (secret !== null) headers['x-hub-signature-256'] = whatsappSignatureHeader(secret, raw);
  return fetch(`${t.url}/webhooks/whatsapp/${workspaceId}`, { method: 'POST', headers, body: raw });
}

const stats = async (key: string, id: string): Promise<NonNullable<WhatsAppCampaignQuery['campaign']>> => (await t.ok(WhatsAppCampaignDocument, { id }, key)).campaign!;

describe('WhatsApp Cloud API', () => {
  let ws: Awaited<ReturnType<typeof workspace>>;
  beforeAll(async () => {
    ws = await workspace(['Ana', 'Bo'], true);
  });
  const digits = (i: number) => ws.contacts[i]!.phone.slice(1);

  it('answers the verification handshake only for the workspace verify token', async () => {
    const get = (query: Record<string, string>, workspaceId = ws.workspaceId) => fetch(`${t.url}/webhooks/whatsapp/${workspaceId}?${new URLSearchParams(query)}`);
    const ok = await get({ 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY_TOKEN, 'hub.challenge': '1158201444' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await ok.text()).toBe('1158201444');
    const refused: Record<string, string>[] = [
      { 'hub.mode': 'subscribe', 'hub.verify_token': 'wrong', 'hub.challenge': '1' },
      { 'hub.mode': 'unsubscribe', 'hub.verify_token': VERIFY_TOKEN, 'hub.challenge': '1' },
      { 'hub.challenge': '1' },
    ];
    for (const query of refused) {
      const res = await get(query);
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
    }
    expect((await get({ 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY_TOKEN })).status).toBe(400);
    // A workspace without Cloud API settings has no verify token: nothing matches.
    const other = await workspace(['X'], false);
    expect((await get({ 'hub.mode': 'subscribe', 'hub.verify_token': '', 'hub.challenge': '1' }, other.workspaceId)).status).toBe(403);
    expect((await get({ 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY_TOKEN, 'hub.challenge': '1' }, '0190c1d2-0000-7000-8000-000000000000')).status).toBe(404);
  });

  it('sends a template outside the window and free text inside it; signed statuses move the counters', async () => {
    // Bo writes first (a signed inbound message): his 24-hour window opens.
    const wrote = new Date();
    const inbound = await webhook(ws.workspaceId, cloudWebhook({ contacts: [{ profile: { name: 'Bo' }, wa_id: digits(1) }], messages: [cloudText(digits(1), 'Hello, any deals?', wrote)] }));
    expect(inbound.status).toBe(200);
    const [window] = await t.sql<{ whatsapp_inbound_at: Date | null }>('select whatsapp_inbound_at from contacts where external_id = ?', [ws.contacts[1]!.externalId]);
    expect(Math.abs(new Date(window!.whatsapp_inbound_at!).getTime() - Math.floor(wrote.getTime() / 1000) * 1000)).toBeLessThan(1000);
    expect((await t.sql<{ whatsapp_inbound_at: Date | null }>('select whatsapp_inbound_at from contacts where external_id = ?', [ws.contacts[0]!.externalId]))[0]!.whatsapp_inbound_at).toBeNull();

    const { createCampaign } = await t.ok(
      CreateCampaignDocument,
      {
        input: {
          name: `${ws.tag}-ab`,
          channel: 'WHATSAPP',
          type: 'AB_TEST',
          audience: { tags: [ws.tag] },
          variants: [
            { key: 'A', template: 'Hi {first_name}, 20% off today https://shop.example/a', whatsappTemplate: { name: 'spring_sale_a', language: 'en_US', parameters: ['{first_name}', '20%'] } },
            { key: 'B', template: 'Hey {first_name}, free shipping https://shop.example/b', whatsappTemplate: { name: 'spring_sale_b', language: 'pt_BR', parameters: ['{first_name}'] } },
          ],
        },
      },
      ws.key,
    );
    const id = createCampaign.id;
    await t.ok(LaunchCampaignDocument, { id }, ws.key);
    const sent = await until(() => stats(ws.key, id), (c) => c.stats.sent === 2);
    expect(sent.stats.sent).toBe(2);
    expect(sent.sendFailures).toEqual([]);

    const variantOf = async (i: number) =>
      (await t.sql<{ key: string }>('select v.key from assignments a join variants v on v.id = a.variant_id join contacts c on c.id = a.contact_id where a.campaign_id = ? and c.external_id = ?', [id, ws.contacts[i]!.externalId]))[0]!.key;

    // Ana never wrote: her variant's approved template, parameters rendered for her.
    const [toAna] = cloud.to(digits(0));
    expect(cloud.to(digits(0))).toHaveLength(1);
    expect(toAna!.authorization).toBe(`Bearer ${ACCESS_TOKEN}`);
    expect(toAna!.phoneNumberId).toBe(PHONE_NUMBER_ID);
    const expected =
      (await variantOf(0)) === 'A'
        ? { name: 'spring_sale_a', language: { code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }, { type: 'text', text: '20%' }] }] }
        : { name: 'spring_sale_b', language: { code: 'pt_BR' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }] }] };
    expect(toAna!.body).toEqual({ messaging_product: 'whatsapp', recipient_type: 'individual', to: digits(0), type: 'template', template: expected });

    // Bo wrote within 24 hours: free text, with a tracked link.
    const [toBo] = cloud.to(digits(1));
    expect(toBo!.body).toMatchObject({ type: 'text', text: { preview_url: true } });
    const text = (toBo!.body.text as { body: string }).body;
    expect(text).toMatch(new RegExp(`^(Hi Bo, 20% off today|Hey Bo, free shipping) ${t.url}/l/[0-9A-Za-z]+$`));

    // Recorded under the webhook's provider with the wamid the API answered.
    const messages = await t.sql<{ provider: string; provider_message_id: string; channel: string }>('select provider, provider_message_id, channel from messages where campaign_id = ? order by provider_message_id', [id]);
    expect(messages).toEqual([toAna!.messageId!, toBo!.messageId!].sort().map((m) => ({ provider: 'whatsapp', provider_message_id: m, channel: 'WHATSAPP' })));

    // Several signed statuses in one POST: both delivered, Ana read hers.
    const statuses = [cloudStatus(toAna!.messageId!, 'sent', digits(0)), cloudStatus(toAna!.messageId!, 'delivered', digits(0)), cloudStatus(toBo!.messageId!, 'delivered', digits(1)), cloudStatus(toAna!.messageId!, 'read', digits(0))];
    const res = await webhook(ws.workspaceId, cloudWebhook({ statuses }));
    expect(res.status).toBe(200);
    const moved = await stats(ws.key, id);
    expect(moved.stats).toMatchObject({ sent: 2, delivered: 2, opened: 1, failed: 0 });
    // Meta redelivers: nothing counts twice.
    expect((await webhook(ws.workspaceId, cloudWebhook({ statuses }))).status).toBe(200);
    expect((await stats(ws.key, id)).stats).toMatchObject({ delivered: 2, opened: 1 });

    // A bad signature: 401, nothing stored.
    const eventsBefore = await count('select count(*) as n from events where campaign_id = ?', [id]);
    const read = cloudWebhook({ statuses: [cloudStatus(toBo!.messageId!, 'read', digits(1))] });
    for (const secret of ['not-the-app-secret', null]) {
      const refused = await webhook(ws.workspaceId, read, secret);
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
    }
    const tampered = await fetch(`${t.url}/webhooks/whatsapp/${ws.workspaceId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': whatsappSignatureHeader(APP_SECRET, JSON.stringify(cloudWebhook({ statuses: [cloudStatus(toBo!.messageId!, 'sent', digits(1))] }))) },
      body: JSON.stringify(read),
    });
    expect(tampered.status).toBe(401);
    expect(await count('select count(*) as n from events where campaign_id = ?', [id])).toBe(eventsBefore);
    expect((await stats(ws.key, id)).stats.opened).toBe(1);

    // Bo replies on WhatsApp: a REPLIED event on this campaign.
    expect((await webhook(ws.workspaceId, cloudWebhook({ messages: [cloudText(digits(1), 'Love it, thanks')] }))).status).toBe(200);
    expect((await stats(ws.key, id)).stats.replied).toBe(1);
  });

  it('refuses a malformed or implausible body (400) without storing any of its events', async () => {
    const before = await count('select count(*) as n from events e join contacts c on c.id = e.contact_id where c.workspace_id = ?', [ws.workspaceId]);
    const cases = [
      { object: 'whatsapp_business_account' },
      { object: 'page', entry: [{ changes: [] }] },
      // One good message beside one from 1970: the whole request is refused, the good one too.
      cloudWebhook({ messages: [cloudText(digits(0), 'hi'), cloudText(digits(0), 'old', new Date(0))] }),
      cloudWebhook({ messages: [cloudText(digits(0), 'bad \u0000 text')] }),
    ];
    for (const body of cases) {
      const res = await webhook(ws.workspaceId, body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BAD_REQUEST');
    }
    expect(await count('select count(*) as n from events e join contacts c on c.id = e.contact_id where c.workspace_id = ?', [ws.workspaceId])).toBe(before);
  });

  it('fails the send, with the reason, for a variant without a template to a contact outside the window', async () => {
    const { createCampaign } = await t.ok(
      CreateCampaignDocument,
      { input: { name: `${ws.tag}-free`, channel: 'WHATSAPP', type: 'STANDARD', audience: { tags: [ws.tag] }, variants: [{ template: 'Just text, {first_name}' }] } },
      ws.key,
    );
    await t.ok(LaunchCampaignDocument, { id: createCampaign.id }, ws.key);
    const done = await until(() => stats(ws.key, createCampaign.id), (c) => c.stats.sent === 1 && c.sendFailures.length === 1);
    expect(done.sendFailures).toEqual([{ error: OUTSIDE_WHATSAPP_WINDOW, contact: { externalId: ws.contacts[0]!.externalId } }]);
    expect(cloud.to(digits(1)).at(-1)!.body).toMatchObject({ type: 'text', text: { body: 'Just text, Bo' } });
  });
});

describe('messages recorded before the provider call', () => {
  it('redirects a click made while the provider still holds the send; a refused send leaves no message', async () => {
    const w = await workspace(['Cy', 'Di'], true);
    const d = (i: number) => w.contacts[i]!.phone.slice(1);
    // Both wrote first: free text, with a tracked link.
    for (const i of [0, 1]) expect((await webhook(w.workspaceId, cloudWebhook({ messages: [cloudText(d(i), 'Hi there')] }))).status).toBe(200);
    const seen: Record<string, { click: number; location: string | null; message: { status: string; provider_message_id: string | null; links: string } | undefined }> = {};
    cloud.onSend = async (r) => {
      if (r.body.type !== 'text' || (r.body.to !== d(0) && r.body.to !== d(1))) return;
      const text = (r.body.text as { body: string }).body;
      const url = /(http\S+\/l\/[0-9A-Za-z]+)/.exec(text)![1]!;
      // The recipient clicks before the provider has even answered the sender.
      const click = await fetch(url, { redirect: 'manual' });
      const [message] = await t.sql<{ status: string; provider_message_id: string | null; links: string }>(
        `select m.status, m.provider_message_id, (select count(*) from links l where l.message_id = m.id) as links
         from messages m join contacts c on c.id = m.contact_id where c.external_id = ?`,
        [r.body.to === d(0) ? w.contacts[0]!.externalId : w.contacts[1]!.externalId],
      );
      seen[r.body.to as string] = { click: click.status, location: click.headers.get('location'), message };
      // Di's number is refused for good (Graph error 100): a final failure.
      return r.body.to === d(1) ? { status: 400, code: 100, message: 'Invalid parameter' } : undefined;
    };
    try {
      const { createCampaign } = await t.ok(
        CreateCampaignDocument,
        { input: { name: `${w.tag}-early`, channel: 'WHATSAPP', type: 'STANDARD', audience: { tags: [w.tag] }, variants: [{ template: 'Hi {first_name}: https://shop.example/early' }] } },
        w.key,
      );
      const id = createCampaign.id;
      await t.ok(LaunchCampaignDocument, { id }, w.key);
      const done = await until(() => stats(w.key, id), (c) => c.stats.sent === 1 && c.sendFailures.length === 1);
      expect(done.sendFailures).toEqual([{ error: expect.stringContaining('Invalid parameter'), contact: { externalId: w.contacts[1]!.externalId } }]);
      // During the call: the message (QUEUED, no provider id yet) and its link were there, the click redirected.
      for (const i of [0, 1]) expect(seen[d(i)]).toEqual({ click: 302, location: 'https://shop.example/early', message: { status: 'QUEUED', provider_message_id: null, links: '1' } });
      // Cy's message now has the provider's id; its link token derives from the send's token.
      const [cy] = await t.sql<{ status: string; provider_message_id: string; token: string; send_token: string }>(
        `select m.status, m.provider_message_id, l.token, s.tracking_token as send_token
         from messages m join links l on l.message_id = m.id join sends s on s.id = m.id where m.campaign_id = ?`,
        [id],
      );
      expect(cy).toMatchObject({ status: 'SENT', provider_message_id: cloud.to(d(0)).at(-1)!.messageId });
      expect(cy!.token).toBe(derivedLinkToken(cy!.send_token, 0, 10));
      // Di's was never accepted: her message row and link are gone (the clicks made during the calls
      // stay recorded as events; a refused message is never clicked outside a test).
      expect(await count('select count(*) as n from messages where campaign_id = ?', [id])).toBe(1);
      expect(await count('select count(*) as n from links where campaign_id = ?', [id])).toBe(1);
      expect(await count(`select count(*) as n from events where campaign_id = ? and type = 'CLICKED'`, [id])).toBe(2);
    } finally {
      cloud.onSend = undefined;
    }
  });

  it('keeps the message recorded for a failed attempt: the retry goes out with the same link and row', async () => {
    const w = await workspace(['Ed'], true);
    const d = w.contacts[0]!.phone.slice(1);
    expect((await webhook(w.workspaceId, cloudWebhook({ messages: [cloudText(d, 'Hi there')] }))).status).toBe(200);
    const texts: string[] = [];
    cloud.onSend = async (r) => {
      if (r.body.to !== d) return;
      texts.push((r.body.text as { body: string }).body);
      // The first attempt: Meta is unavailable (retryable).
      return texts.length === 1 ? { status: 503, code: 2, message: 'Service temporarily unavailable' } : undefined;
    };
    try {
      const { createCampaign } = await t.ok(
        CreateCampaignDocument,
        { input: { name: `${w.tag}-retry`, channel: 'WHATSAPP', type: 'STANDARD', audience: { tags: [w.tag] }, variants: [{ template: 'Hi {first_name}: https://shop.example/retry' }] } },
        w.key,
      );
      const id = createCampaign.id;
      await t.ok(LaunchCampaignDocument, { id }, w.key);
      await until(async () => texts.length, (n) => n === 1);
      const [waiting] = await until(
        () => t.sql<{ status: string; send_status: string; attempts: number }>('select m.status, s.status as send_status, s.attempts from messages m join sends s on s.id = m.id where m.campaign_id = ?', [id]),
        (rows) => rows[0]?.attempts === 1 && rows[0].send_status === 'PENDING',
      );
      expect(waiting).toMatchObject({ status: 'QUEUED' });
      // Its backoff (10 s) cut short.
      await t.sql(`update sends set next_attempt_at = now() where campaign_id = ?`, [id]);
      await until(() => stats(w.key, id), (c) => c.stats.sent === 1);
      expect(texts).toHaveLength(2);
      expect(texts[1]).toBe(texts[0]);
      const rows = await t.sql<{ status: string; provider_message_id: string; links: string }>(
        'select m.status, m.provider_message_id, (select count(*) from links l where l.message_id = m.id) as links from messages m where m.campaign_id = ?',
        [id],
      );
      expect(rows).toEqual([{ status: 'SENT', provider_message_id: cloud.to(d).at(-1)!.messageId, links: '1' }]);
    } finally {
      cloud.onSend = undefined;
    }
  });
});

describe('WhatsApp keywords', () => {
  it('confirms a WhatsApp STOP on WhatsApp, through the Cloud API', async () => {
    const ws = await workspace(['Hal'], true);
    const waId = ws.contacts[0]!.phone.slice(1);
    expect((await webhook(ws.workspaceId, cloudWebhook({ messages: [cloudText(waId, 'STOP')] }))).status).toBe(200);
    const outbox = await until(
      () => t.sql<{ kind: string; channel: string; status: string }>('select o.kind, o.channel, o.status from outbox o join contacts c on c.id = o.contact_id where c.external_id = ?', [ws.contacts[0]!.externalId]),
      (rows) => rows[0]?.status === 'SENT',
    );
    expect(outbox).toEqual([{ kind: 'OPT_OUT', channel: 'WHATSAPP', status: 'SENT' }]);
    expect(cloud.to(waId).map((r) => r.body)).toEqual([{ messaging_product: 'whatsapp', recipient_type: 'individual', to: waId, type: 'text', text: { body: DEFAULT_REPLIES.OPT_OUT, preview_url: true } }]);
  });
});

describe('WhatsApp over the default simulator (no settings)', () => {
  it('plays back signed Cloud API webhooks: delivered, read (opened), replied', async () => {
    const ws = await workspace(['Cy', 'Di', 'Ed', 'Flo'], false);
    const requestsBefore = cloud.requests.length;
    const { createCampaign } = await t.ok(
      CreateCampaignDocument,
      {
        input: {
          name: `${ws.tag}-sim`,
          channel: 'WHATSAPP',
          type: 'AB_TEST',
          audience: { tags: [ws.tag] },
          variants: [
            { key: 'A', template: 'Hi {first_name}', whatsappTemplate: { name: 'sim_a', language: 'en', parameters: ['{first_name}'] } },
            { key: 'B', template: 'Hey {first_name}', whatsappTemplate: { name: 'sim_b', language: 'en' } },
          ],
        },
      },
      ws.key,
    );
    const id = createCampaign.id;
    const rates = { delivery: 1, open: 1, reply: 1, stopShare: 0, click: 0, conversion: 0, delayMs: 50 };
    await t.sql('update campaigns set simulation = ?::jsonb where id = ?', [JSON.stringify({ A: rates, B: rates }), id]);
    await t.ok(LaunchCampaignDocument, { id }, ws.key);
    const done = await until(() => stats(ws.key, id), (c) => c.stats.delivered === 4 && c.stats.opened === 4 && c.stats.replied === 4);
    expect(done.stats).toMatchObject({ sent: 4, delivered: 4, failed: 0, opened: 4, replied: 4, optedOut: 0 });
    expect(done.sendFailures).toEqual([]);
    expect(cloud.requests.length).toBe(requestsBefore); // nothing went to the Cloud API
    const messages = await t.sql<{ provider: string; channel: string }>('select distinct provider, channel from messages where campaign_id = ?', [id]);
    expect(messages).toEqual([{ provider: 'whatsapp', channel: 'WHATSAPP' }]);
    // The simulated replies opened each contact's 24-hour window.
    expect(await count('select count(*) as n from contacts where workspace_id = ? and whatsapp_inbound_at is not null', [ws.workspaceId])).toBe(4);
  });

  it("honours the simulator's secret only while the server runs the simulator", async () => {
    const ws = await workspace(['Gus'], false);
    const [row] = await t.sql<{ secret: string }>('update workspaces set simulator_signing_secret = ? where id = ? returning simulator_signing_secret as secret', [randomBytes(16).toString('hex'), ws.workspaceId]);
    const body = JSON.stringify(cloudWebhook({ messages: [cloudText(ws.contacts[0]!.phone, 'hello')] }));
    const post = (url: string) => fetch(`${url}/webhooks/whatsapp/${ws.workspaceId}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': whatsappSignatureHeader(row!.secret, body) }, body });
    expect((await post(t.url)).status).toBe(200);
    expect(await count('select count(*) as n from contacts where workspace_id = ? and whatsapp_inbound_at is not null', [ws.workspaceId])).toBe(1);
    // The same request to an instance sending through Twilio: refused, nothing stored.
    const other = await createApp({ ...t.app.config, sendProvider: 'twilio', jobs: false });
    try {
      await t.sql('update contacts set whatsapp_inbound_at = null where workspace_id = ?', [ws.workspaceId]);
      expect((await post(other.url)).status).toBe(401);
      expect(await count('select count(*) as n from contacts where workspace_id = ? and whatsapp_inbound_at is not null', [ws.workspaceId])).toBe(0);
    } finally {
      await other.close();
    }
  });
});
