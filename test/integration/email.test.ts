/**
 * Email end to end: an A/B campaign over a real SMTP server started here (smtp-server; mailparser
 * reads what arrives), the open pixel, the unsubscribe page and RFC 8058 one-click POST, an SMTP
 * 5xx, the Mailgun event webhook, and the simulator speaking email with no setup.
 */
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import {
  ContactBounceDocument,
  CampaignRunsDocument,
  CreateCampaignDocument,
  EmailCampaignStatsDocument,
  LaunchCampaignDocument,
  OptInDocument,
  UpdateWorkspaceSettingsDocument,
  UpsertContactsDocument,
  ViewerDocument,
} from '../generated/graphql';
import { mailgunSignature } from '../../src/tracking/webhooks/signatures';
import { derivedLinkToken } from '../../src/tracking/messages';
import { startTestApp, type TestApp } from '../helpers/harness';
import { until } from '../helpers/until';

let t: TestApp;
let smtp: SMTPServer;
let smtpPort: number;
const received: ParsedMail[] = [];
const refused = 'nobody@example.com';
/** Usernames the server was asked to authenticate, in order: a password sent in clear shows here. */
const authAttempts: string[] = [];

beforeAll(async () => {
  t = await startTestApp({ JOBS: 'on' });
  smtp = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'], // plain SMTP on loopback: no certificate to trust
    allowInsecureAuth: true,
    onAuth(auth, _session, cb) {
      authAttempts.push(auth.username ?? '');
      if (auth.username === 'mailer' && auth.password === 's3cret') return cb(null, { user: 'mailer' });
      return cb(new Error('Invalid username or password'));
    },
    onRcptTo(address, _session, cb) {
      if (address.address === refused) return cb(Object.assign(new Error(`5.1.1 <${refused}>: Recipient address rejected: User unknown`), { responseCode: 550 }));
      return cb();
    },
    onData(stream, _session, cb) {
      simpleParser(stream).then(
        (mail) => {
          received.push(mail);
          cb();
        },
        (err: Error) => cb(err),
      );
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await t.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

const stats = (id: string, key: string) => t.ok(EmailCampaignStatsDocument, { id }, key).then((d) => d.campaign!);
const header = (mail: ParsedMail, name: string) => mail.headerLines.find((h) => h.key === name)?.line.replace(/^[^:]+:\s*/, '');
const addressOf = (mail: ParsedMail) => (Array.isArray(mail.to) ? mail.to[0] : mail.to)!.value[0]!.address!;

/** A workspace with contacts tagged `tag` (email addresses, first names) and an EMAIL A/B campaign. */
async function emailCampaign(emails: string[], settings: Record<string, unknown>) {
  const key = await t.newWorkspaceKey();
  if (Object.keys(settings).length) await t.ok(UpdateWorkspaceSettingsDocument, { input: settings }, key);
  const tag = `em${randomBytes(3).toString('hex')}`;
  const contacts = emails.map((email, i) => ({ externalId: `${tag}-${i}`, email, firstName: `Name${i}`, consent: true, tags: [tag] }));
  await t.ok(UpsertContactsDocument, { contacts }, key);
  const html = (v: string) => `<html><body><p>Hi {first_name}, variant ${v}: <a href="https://shop.example/${v}?a=1&amp;b=2">shop</a></p></body></html>`;
  const { createCampaign } = await t.ok(
    CreateCampaignDocument,
    {
      input: {
        name: tag,
        type: 'AB_TEST',
        channel: 'EMAIL',
        audience: { tags: [tag] },
        variants: [
          { template: 'Hi {first_name}, spring sale: https://shop.example/A?a=1&b=2', subject: 'Spring sale, {first_name}', html: html('A') },
          { template: 'Hello {first_name}, free shipping: https://shop.example/B?a=1&b=2', subject: 'Free shipping for {first_name}', html: html('B') },
        ],
      },
    },
    key,
  );
  return { key, tag, campaignId: createCampaign.id };
}

describe('an EMAIL A/B campaign over SMTP', () => {
  const emails = Array.from({ length: 10 }, (_, i) => `person${i}.${randomBytes(2).toString('hex')}@example.com`);
  let c: Awaited<ReturnType<typeof emailCampaign>>;
  let mine: ParsedMail[];
  const subjects: Record<string, (name: string) => string> = { A: (n) => `Spring sale, ${n}`, B: (n) => `Free shipping for ${n}` };

  beforeAll(async () => {
    c = await emailCampaign([...emails, refused], {
      // This server has no STARTTLS: sending in clear (the password too) must be asked for explicitly.
      smtp: { host: '127.0.0.1', port: smtpPort, secure: false, requireTls: false, username: 'mailer', password: 's3cret', from: 'Shop <news@shop.example>' },
      emailWebhookKey: 'mg-signing-key',
    });
    await t.ok(LaunchCampaignDocument, { id: c.campaignId }, c.key);
    await until(() => received.filter((m) => emails.includes(addressOf(m))).length, (n) => n >= emails.length);
    await until(() => stats(c.campaignId, c.key), (s) => s.stats.sent === emails.length && s.sendFailures.length === 1);
    mine = received.filter((m) => emails.includes(addressOf(m)));
  });

  it('delivers one mail per recipient, each with its variant subject, from the configured sender', async () => {
    expect(mine.map(addressOf).sort()).toEqual([...emails].sort());
    const rows = await t.sql<{ email: string; first_name: string; key: string; provider: string; provider_message_id: string }>(
      `select ct.email, ct.first_name, v.key, m.provider, m.provider_message_id from assignments a join contacts ct on ct.id = a.contact_id
       join variants v on v.id = a.variant_id join messages m on m.campaign_id = a.campaign_id and m.contact_id = a.contact_id where a.campaign_id = ?`,
      [c.campaignId],
    );
    expect(rows).toHaveLength(emails.length);
    expect(new Set(rows.map((r) => r.key))).toEqual(new Set(['A', 'B'])); // 10 recipients: both variants are used (all in one: 2 × 0.5^10)
    for (const row of rows) {
      const mail = mine.find((m) => addressOf(m) === row.email)!;
      expect(mail.subject).toBe(subjects[row.key]!(row.first_name));
      expect(mail.from!.value[0]).toMatchObject({ name: 'Shop', address: 'news@shop.example' });
      // The Message-ID is the recorded provider id, so Mailgun's events find the message.
      expect(row.provider).toBe('email');
      expect(mail.messageId).toBe(`<${row.provider_message_id}>`);
      expect(mail.text).toContain(row.key === 'A' ? `Hi ${row.first_name}, spring sale` : `Hello ${row.first_name}, free shipping`);
      expect(mail.html).toContain(`Hi ${row.first_name}, variant ${row.key}`);
    }
  });

  it('rewrites links to tracked /l/ links that redirect and count clicks', async () => {
    const mail = mine[0]!;
    const textLink = new RegExp(`${t.url}/l/([0-9A-Za-z]+)`).exec(mail.text!)![1];
    expect(mail.text).not.toContain('https://shop.example');
    expect(mail.html).toContain(`href="${t.url}/l/${textLink}"`); // one token per URL in both parts
    const res = await fetch(`${t.url}/l/${textLink}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(/^https:\/\/shop\.example\/[AB]\?a=1&b=2$/);
    expect((await until(() => stats(c.campaignId, c.key), (s) => s.stats.clicked === 1)).stats.clicked).toBe(1);
  });

  it('carries List-Unsubscribe with RFC 8058 one-click; the one-click POST records OPTED_OUT', async () => {
    const mail = mine[1]!;
    const unsubscribe = header(mail, 'list-unsubscribe');
    expect(unsubscribe).toMatch(new RegExp(`^<${t.url}/u/[0-9a-f]{32}>$`));
    expect(header(mail, 'list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    const url = unsubscribe!.slice(1, -1);
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    // The mail receiver may POST again: it stays one opt-out.
    expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' })).status).toBe(200);
    const s = await stats(c.campaignId, c.key);
    expect(s.stats.optedOut).toBe(1);
    const [log] = await t.sql<{ source: string; n: string }>(
      `select source, count(*) as n from opt_out_log where contact_id = (select id from contacts where email = ?) group by source`,
      [addressOf(mail)],
    );
    expect(log).toEqual({ source: 'email:unsubscribe', n: '1' });
    // Out of email only: consent on SMS and WhatsApp stays, and the log names the channel.
    const [contact] = await t.sql<{ consent_channels: string[]; opted_out_channels: string[]; channel: string }>(
      `select c.consent_channels, c.opted_out_channels, l.channel from contacts c join opt_out_log l on l.contact_id = c.id where c.email = ?`,
      [addressOf(mail)],
    );
    expect(contact).toEqual({ consent_channels: ['SMS', 'WHATSAPP', 'EMAIL'], opted_out_channels: ['EMAIL'], channel: 'EMAIL' });
  });

  it('unsubscribes again through the same link after the contact opted back in', async () => {
    const mail = mine[1]!;
    const url = header(mail, 'list-unsubscribe')!.slice(1, -1);
    const [{ id }] = await t.sql<{ id: string }>('select id from contacts where email = ?', [addressOf(mail)]);
    await t.ok(OptInDocument, { contactId: id }, c.key);
    const out = async () => (await t.sql<{ out: string[] }>('select opted_out_channels as out from contacts where id = ?', [id]))[0]!.out;
    expect(await out()).toEqual([]);
    expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' })).status).toBe(200);
    expect(await out()).toEqual(['EMAIL']);
  });

  it('keeps each mail’s tokens on its send, so a mail sent again after a crash carries working links', async () => {
    const rows = await t.sql<{ send_token: string | null; message_token: string | null; link_tokens: string[] }>(
      `select s.tracking_token as send_token, m.tracking_token as message_token, array(select l.token from links l where l.message_id = m.id) as link_tokens
       from sends s join messages m on m.campaign_id = s.campaign_id and m.contact_id = s.contact_id
       where s.campaign_id = ? and s.status = 'SENT'`,
      [c.campaignId],
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r.send_token).toMatch(/^[0-9a-f]{32}$/);
      expect(r.message_token).toBe(r.send_token);
      // Reproducible from the send's token, and not revealing it (a shared link must not unsubscribe).
      expect(r.link_tokens.sort()).toEqual(r.link_tokens.map((_, i) => derivedLinkToken(r.send_token!, i)).sort());
      for (const token of r.link_tokens) expect(token).not.toContain(r.send_token!.slice(0, 8));
    }
  });

  it('shows a confirmation page on GET (which changes nothing) and unsubscribes on its form', async () => {
    const mail = mine[2]!;
    const url = header(mail, 'list-unsubscribe')!.slice(1, -1);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    const html = await page.text();
    const email = addressOf(mail);
    expect(html).toContain(`Unsubscribe ${email[0]}`);
    expect(html).toContain(`${email.slice(email.indexOf('@'))} from `);
    expect(html).not.toContain(email);
    expect(html).toContain('<form method="post">');
    const optedOut = async () => (await t.sql<{ out: boolean }>(`select 'EMAIL' = any(opted_out_channels) as out from contacts where email = ?`, [email]))[0]!.out;
    expect(await optedOut()).toBe(false);
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'confirm=yes' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain('You are unsubscribed');
    expect(await optedOut()).toBe(true);
    expect((await fetch(`${t.url}/u/NoSuchToken`)).status).toBe(404);
    const unknown = await fetch(`${t.url}/u/NoSuchToken`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('records the first open of the pixel only, and serves the image whatever the token', async () => {
    const mail = mine[3]!;
    const pixel = /<img src="([^"]+\/o\/[0-9a-f]{32})"/.exec(mail.html as string)![1]!;
    for (let i = 0; i < 2; i++) {
      const res = await fetch(pixel);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/gif');
      expect(res.headers.get('cache-control')).toContain('no-store');
      expect(Buffer.from(await res.arrayBuffer()).subarray(0, 6).toString('latin1')).toBe('GIF89a');
    }
    const s = await stats(c.campaignId, c.key);
    expect(s.stats.opened).toBe(1);
    const [events] = await t.sql<{ n: string }>(`select count(*) as n from events where campaign_id = ? and type = 'OPENED'`, [c.campaignId]);
    expect(events!.n).toBe('1');
    const unknown = await fetch(`${t.url}/o/NoSuchToken`);
    expect(unknown.status).toBe(200);
    expect(unknown.headers.get('content-type')).toBe('image/gif');
  });

  it('fails the send the SMTP server refused with its reason, and suppresses the address (hard bounce)', async () => {
    const s = await stats(c.campaignId, c.key);
    expect(s.sendFailures).toHaveLength(1);
    expect(s.sendFailures[0]!.error).toMatch(/^SMTP 550 5\.1\.1 <nobody@example\.com>: Recipient address rejected: User unknown/);
    const [contact] = await t.sql<{ id: string; email_bounced_at: string | null }>('select id, email_bounced_at from contacts where email = ? and external_id like ?', [refused, `${c.tag}-%`]);
    expect(contact!.email_bounced_at).not.toBeNull();
    // Visible through the API: why EMAIL campaigns skip the contact.
    const { contact: shown } = await t.ok(ContactBounceDocument, { id: contact!.id }, c.key);
    expect(new Date(shown!.emailBouncedAt as string).getTime()).toBe(new Date(contact!.email_bounced_at!).getTime());
  });

  it('does not queue email to a contact who unsubscribed, nor to a hard-bounced address', async () => {
    const optedOut = addressOf(mine[1]!);
    const { createCampaign } = await t.ok(CreateCampaignDocument, { input: { name: `${c.tag}-2`, type: 'AB_TEST', channel: 'EMAIL', audience: { tags: [c.tag] }, variants: [{ template: 'Again', subject: 'Again' }, { template: 'Again!', subject: 'Again!' }] } }, c.key);
    await t.ok(LaunchCampaignDocument, { id: createCampaign.id }, c.key);
    const runs = await t.ok(CampaignRunsDocument, { id: createCampaign.id }, c.key);
    // Two unsubscribed (one-click and the page's form), one address suppressed by its hard bounce.
    expect(runs.campaign!.runs[0]!.skippedOptedOut).toBe(3);
    const sends = await t.sql<{ email: string }>('select ct.email from sends s join contacts ct on ct.id = s.contact_id where s.campaign_id = ?', [createCampaign.id]);
    expect(sends.map((r) => r.email)).not.toContain(optedOut);
    expect(sends.map((r) => r.email)).not.toContain(refused);
    expect(sends).toHaveLength(emails.length + 1 - 3);
  });

  describe('the Mailgun event webhook', () => {
    let workspaceId: string;
    const post = (body: unknown) => fetch(`${t.url}/webhooks/email/${workspaceId}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const sign = (key: string, timestamp = Math.floor(Date.now() / 1000)) => {
      const token = randomBytes(25).toString('hex');
      return { timestamp: String(timestamp), token, signature: mailgunSignature(key, String(timestamp), token) };
    };
    let messageIds: { id: string; email: string }[];
    /** Messages whose contacts have not opened, clicked or unsubscribed in the tests above. */
    const untouched = () => messageIds.filter((m) => ![mine[0], mine[1], mine[2], mine[3]].map((x) => addressOf(x!)).includes(m.email));

    beforeAll(async () => {
      const [ws] = await t.sql<{ workspace_id: string }>('select workspace_id from campaigns where id = ?', [c.campaignId]);
      workspaceId = ws!.workspace_id;
      messageIds = await t.sql<{ id: string; email: string }>(
        'select m.provider_message_id as id, ct.email from messages m join contacts ct on ct.id = m.contact_id where m.campaign_id = ? order by ct.email',
        [c.campaignId],
      );
    });
    const event = (event: string, m: { id: string; email: string }, extra: Record<string, unknown> = {}) => ({
      id: randomBytes(8).toString('hex'),
      event,
      timestamp: Date.now() / 1000,
      recipient: m.email,
      message: { headers: { 'message-id': m.id } },
      ...extra,
    });

    it('moves the counters on validly signed events, once per event even when replayed', async () => {
      const before = (await stats(c.campaignId, c.key)).stats;
      const body = { signature: sign('mg-signing-key'), 'event-data': event('delivered', messageIds[0]!) };
      const res = await post(body);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'processed' });
      const again = await post(body); // the same token again: acknowledged, not processed again
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual({ status: 'replayed' });
      for (const m of messageIds.slice(1, 4)) expect((await post({ signature: sign('mg-signing-key'), 'event-data': event('delivered', m) })).status).toBe(200);
      const [opener, clicker, deferred] = untouched();
      expect((await post({ signature: sign('mg-signing-key'), 'event-data': event('opened', opener!) })).status).toBe(200);
      expect((await post({ signature: sign('mg-signing-key'), 'event-data': event('clicked', clicker!, { url: 'https://shop.example/A' }) })).status).toBe(200);
      expect((await post({ signature: sign('mg-signing-key'), 'event-data': event('failed', deferred!, { severity: 'temporary' }) })).status).toBe(200);
      const after = (await stats(c.campaignId, c.key)).stats;
      expect(after.delivered - before.delivered).toBe(4);
      expect(after.opened - before.opened).toBe(1);
      expect(after.clicked - before.clicked).toBe(1);
      expect(after.failed).toBe(before.failed);
      const [click] = await t.sql<{ url: string; source: string }>(`select url, source from events where campaign_id = ? and type = 'CLICKED' and source = 'webhook:email'`, [c.campaignId]);
      expect(click).toEqual({ url: 'https://shop.example/A', source: 'webhook:email' });
    });

    it('records a hard bounce as FAILED and suppresses the address until the email changes; a spam report opts out', async () => {
      const [, , , m, complained] = untouched();
      if (!m || !complained) throw new Error('not enough untouched recipients');
      const failedBefore = (await stats(c.campaignId, c.key)).stats.failed;
      const res = await post({ signature: sign('mg-signing-key'), 'event-data': event('failed', m, { severity: 'permanent', reason: 'bounce' }) });
      expect(res.status).toBe(200);
      expect((await stats(c.campaignId, c.key)).stats.failed).toBe(failedBefore + 1);
      expect((await t.sql<{ status: string }>('select status from messages where provider = ? and provider_message_id = ?', ['email', m.id]))[0]!.status).toBe('FAILED');
      const bounced = async () => (await t.sql<{ email_bounced_at: string | null }>('select email_bounced_at from contacts where email = ?', [m.email]))[0]!.email_bounced_at;
      expect(await bounced()).not.toBeNull();
      const [contact] = await t.sql<{ external_id: string }>('select external_id from contacts where email = ?', [m.email]);
      await t.ok(UpsertContactsDocument, { contacts: [{ externalId: contact!.external_id, email: `new.${m.email}` }] }, c.key);
      expect((await t.sql<{ email_bounced_at: string | null }>('select email_bounced_at from contacts where external_id = ?', [contact!.external_id]))[0]!.email_bounced_at).toBeNull();

      const before = (await stats(c.campaignId, c.key)).stats.optedOut;
      expect((await post({ signature: sign('mg-signing-key'), 'event-data': event('complained', complained) })).status).toBe(200);
      expect((await stats(c.campaignId, c.key)).stats.optedOut).toBe(before + 1);
      const [log] = await t.sql<{ source: string; keyword: string }>('select source, keyword from opt_out_log where contact_id = (select id from contacts where email = ?)', [complained.email]);
      expect(log).toEqual({ source: 'webhook:email', keyword: 'complained' });
    });

    it('refuses bad and stale signatures (401) and malformed events (400), storing nothing', async () => {
      const [before] = await t.sql<{ n: string }>('select count(*) as n from events where campaign_id = ?', [c.campaignId]);
      const data = event('delivered', messageIds[1]!);
      const bad = await post({ signature: sign('not-the-key'), 'event-data': data });
      expect(bad.status).toBe(401);
      expect(await bad.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED', reason: 'BAD_SIGNATURE' } });
      const stale = await post({ signature: sign('mg-signing-key', Math.floor(Date.now() / 1000) - 600), 'event-data': data });
      expect(stale.status).toBe(401);
      expect(await stale.json()).toMatchObject({ error: { reason: 'EXPIRED_SIGNATURE' } });
      expect((await post({ 'event-data': data })).status).toBe(401);
      const malformed = await post({ signature: sign('mg-signing-key'), 'event-data': { event: 'delivered' } });
      expect(malformed.status).toBe(400);
      expect(await malformed.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });
      const notJson = await fetch(`${t.url}/webhooks/email/${workspaceId}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"signature":' });
      expect(notJson.status).toBe(400);
      const [after] = await t.sql<{ n: string }>('select count(*) as n from events where campaign_id = ?', [c.campaignId]);
      expect(after!.n).toBe(before!.n);
    });
  });
});

it('by default (a username set) refuses to authenticate in clear to a server without STARTTLS: the send fails, the password is never sent', async () => {
  const email = `tls.${randomBytes(2).toString('hex')}@example.com`;
  const c = await emailCampaign([email], { smtp: { host: '127.0.0.1', port: smtpPort, secure: false, username: 'mailer-tls', password: 's3cret', from: 'news@shop.example' } });
  const { viewer } = await t.ok(ViewerDocument, {}, c.key);
  expect(viewer.workspace.settings).toMatchObject({ smtp: { requireTls: true, username: 'mailer-tls' } });
  await t.ok(LaunchCampaignDocument, { id: c.campaignId }, c.key);
  const s = await until(() => stats(c.campaignId, c.key), (x) => x.sendFailures.length === 1);
  expect(s.sendFailures[0]!.error).toMatch(/^SMTP server refused STARTTLS \(5\d\d .*\): nothing was sent, credentials included\. Enable STARTTLS on the server or use secure \(port 465\)/);
  expect(s.stats.sent).toBe(0);
  expect(authAttempts).not.toContain('mailer-tls');
  expect(received.filter((m) => addressOf(m) === email)).toEqual([]);
});

it('sends an EMAIL campaign through the simulator with no setup: delivered, opened, clicked and unsubscribed move', async () => {
  const emails = Array.from({ length: 6 }, (_, i) => `sim${i}.${randomBytes(2).toString('hex')}@example.com`);
  const c = await emailCampaign(emails, {});
  const sure = { delivery: 1, open: 1, click: 1, reply: 1, stopShare: 1, conversion: 0, delayMs: 50 };
  await t.sql('update campaigns set simulation = ?::jsonb where id = ?', [JSON.stringify({ A: sure, B: sure }), c.campaignId]);
  await t.ok(LaunchCampaignDocument, { id: c.campaignId }, c.key);
  const s = await until(
    () => stats(c.campaignId, c.key),
    (x) => x.stats.sent === 6 && x.stats.delivered === 6 && x.stats.opened === 6 && x.stats.clicked === 6 && x.stats.optedOut === 6,
  );
  expect(s.stats).toEqual({ sent: 6, delivered: 6, failed: 0, opened: 6, clicked: 6, optedOut: 6 });
  expect(s.sendFailures).toEqual([]);
  const sources = await t.sql<{ type: string; source: string }>('select distinct type, source from events where campaign_id = ? order by type', [c.campaignId]);
  expect(sources).toEqual([
    { type: 'CLICKED', source: 'link' },
    { type: 'DELIVERED', source: 'webhook:email' },
    { type: 'OPENED', source: 'email:open' },
    { type: 'OPTED_OUT', source: 'email:unsubscribe' },
    { type: 'SENT', source: 'sender' },
  ]);
  // Nothing went to the SMTP server: this workspace has no SMTP settings.
  expect(received.filter((m) => emails.includes(addressOf(m)))).toEqual([]);
});
