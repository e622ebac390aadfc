/**
 * The opt-out report (issue 18, point 4): counts by channel, source and keyword in a window, the
 * opt-outs with their contacts page by page, and GET /v1/opt-outs.csv. Opt-outs are made through
 * real paths (a signed Twilio STOP, optOutChannel, trackEvents with a past occurredAt) and the
 * expected figures are computed by hand from the scenario below. Real app, embedded PostgreSQL.
 */
import {
  AddRecipientsDocument,
  CreateApiKeyDocument,
  CreateCampaignDocument,
  OptOutChannelDocument,
  OptOutReportContactsDocument,
  OptOutReportCountsDocument,
  TrackEventsDocument,
  UpdateWorkspaceSettingsDocument,
  UpsertContactsDocument,
  type Channel,
  type OptOutReportContactsQuery,
} from '../generated/graphql';
import { randomBytes } from 'node:crypto';
import { twilioSignature } from '../../src/tracking/webhooks/signatures';
import { errorOf, startTestApp, type TestApp } from '../helpers/harness';

const PUBLIC_URL = 'https://hooks.splitcast.test';
const TOKEN = 'twilio-token-oor';
const DAY = 86_400_000;
const HOUR = 3_600_000;

let t: TestApp;
let key: string;
let readKey: string;
let ids: string[];

beforeAll(async () => {
  t = await startTestApp({ PUBLIC_URL });
  key = await t.newWorkspaceKey('opt-out report');
  readKey = (await t.ok(CreateApiKeyDocument, { name: 'reader', scopes: ['READ'] }, key)).createApiKey.secret;
  await t.ok(UpdateWorkspaceSettingsDocument, { input: { twilioAuthToken: TOKEN } }, key);
  // c1's and c3's externalIds are formulas: the CSV must neutralise them.
  const contacts = Array.from({ length: 6 }, (_, i) => ({
    externalId: i === 1 ? '=2+3' : i === 3 ? '@SUM(1)' : `oor-${i}`,
    phone: `+1415777000${i}`,
    email: `oor-${i}@example.com`,
    consent: true,
    tags: ['oor'],
  }));
  await t.ok(UpsertContactsDocument, { contacts }, key);
  const rows = await t.sql<{ id: string; phone: string }>(`select id, phone from contacts where tags @> array['oor'] order by phone`);
  ids = rows.map((r) => r.id);
  expect(ids).toHaveLength(6);

  const campaign = async (channel: Channel) => {
    const id = (await t.ok(CreateCampaignDocument, { input: { name: `oor ${channel}`, channel, audience: { tags: ['oor'] }, variants: [{ template: 'Hi', ...(channel === 'EMAIL' ? { subject: 'Hi' } : {}) }] } }, key)).createCampaign.id;
    await t.ok(AddRecipientsDocument, { campaignId: id }, key);
    return id;
  };
  const sms = await campaign('SMS');
  const email = await campaign('EMAIL');
  const now = Date.now();
  // One event per call: a batch keeps only each contact's latest consent change.
  const track = async (campaignId: string, contact: number, type: 'OPTED_OUT' | 'OPTED_IN', ago: number) => {
    const r = await t.ok(TrackEventsDocument, { events: [{ campaignId, contactId: ids[contact]!, type, occurredAt: new Date(now - ago).toISOString() }] }, key);
    expect(r.trackEvents.accepted).toBe(1);
  };
  await track(sms, 4, 'OPTED_OUT', 10 * DAY + HOUR); // outside a 10-day window, inside 30
  await track(sms, 3, 'OPTED_OUT', 10 * DAY - HOUR); // just inside 10 days
  await track(sms, 3, 'OPTED_IN', 9 * DAY); // opt-ins are not counted
  await track(email, 2, 'OPTED_OUT', 5 * DAY);
  await track(email, 2, 'OPTED_IN', 4 * DAY);
  await track(email, 2, 'OPTED_OUT', 3 * DAY); // the same contact again: a second event
  // A real STOP by SMS (signed Twilio webhook), then the API.
  const path = `/webhooks/twilio/${(await t.sql<{ workspace_id: string }>('select workspace_id from contacts where id = ?', [ids[0]]))[0]!.workspace_id}`;
  const params = { MessageSid: 'SMoor-stop', From: '+14157770000', To: '+15550000000', Body: 'STOP', SmsStatus: 'received' };
  const res = await fetch(t.url + path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(TOKEN, PUBLIC_URL + path, params) }, body: new URLSearchParams(params).toString() });
  expect(res.status).toBe(200);
  await t.ok(OptOutChannelDocument, { contactId: ids[1]!, channel: 'EMAIL' }, key);
  await t.ok(OptOutChannelDocument, { contactId: ids[5]!, channel: null }, key);

  // Another workspace's opt-out: never seen.
  const other = await t.newWorkspaceKey('oor other');
  await t.ok(UpsertContactsDocument, { contacts: [{ externalId: 'oor-foreign', phone: '+14157779999', consent: true }] }, other);
  const [foreign] = await t.sql<{ id: string }>(`select id from contacts where external_id = 'oor-foreign'`);
  await t.ok(OptOutChannelDocument, { contactId: foreign!.id, channel: 'SMS' }, other);
});
afterAll(() => t.close());

describe('optOutReport', () => {
  it('counts opt-out events in the window by channel, source and keyword (10 days: 6 events)', async () => {
    const r = (await t.ok(OptOutReportCountsDocument, { days: 10 }, readKey)).optOutReport;
    // c0 STOP SMS, c1 EMAIL api, c2 EMAIL ×2, c3 SMS (9 d 23 h ago), c5 every channel; c4 (10 d 1 h) outside.
    expect(r.total).toBe(6);
    expect(r.byChannel).toEqual([
      { key: 'EMAIL', count: 3 },
      { key: 'SMS', count: 2 },
      { key: 'ALL', count: 1 },
    ]);
    expect(r.bySource).toEqual([
      { key: 'api', count: 5 },
      { key: 'sms:twilio', count: 1 },
    ]);
    expect(r.byKeyword).toEqual([
      { key: '(none)', count: 5 },
      { key: 'STOP', count: 1 },
    ]);
  });

  it('the default 30 days takes in the older opt-out; ties sort by key', async () => {
    const r = (await t.ok(OptOutReportCountsDocument, {}, key)).optOutReport;
    expect(r.total).toBe(7);
    expect(r.byChannel).toEqual([
      { key: 'EMAIL', count: 3 },
      { key: 'SMS', count: 3 },
      { key: 'ALL', count: 1 },
    ]);
    const one = (await t.ok(OptOutReportCountsDocument, { days: 1 }, key)).optOutReport;
    expect(one.total).toBe(3); // c0, c1, c5 (now)
  });

  it('a workspace without opt-outs gets zeros', async () => {
    const r = (await t.ok(OptOutReportCountsDocument, { days: 3650 }, await t.newWorkspaceKey('oor empty'))).optOutReport;
    expect(r).toEqual({ total: 0, byChannel: [], bySource: [], byKeyword: [] });
  });

  it('lists the opt-outs newest first across pages, with filters', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    const sizes: number[] = [];
    for (;;) {
      const page: OptOutReportContactsQuery['optOutReport']['contacts'] = (await t.ok(OptOutReportContactsDocument, { days: 30, first: 3, after }, key)).optOutReport.contacts;
      sizes.push(page.nodes.length);
      seen.push(...page.nodes.map((n) => n.contact.id));
      expect(page.edges.map((e) => e.cursor).at(-1) ?? null).toBe(page.pageInfo.endCursor);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor!;
    }
    expect(sizes).toEqual([3, 3, 1]);
    // "now" events in the order made (c0, c1, c5) are newest last made first.
    expect(seen).toEqual([ids[5], ids[1], ids[0], ids[2], ids[2], ids[3], ids[4]]);

    const email = (await t.ok(OptOutReportContactsDocument, { days: 30, channel: 'EMAIL' }, key)).optOutReport.contacts.nodes;
    expect(email.map((n) => n.contact.id)).toEqual([ids[1], ids[2], ids[2]]);
    const stop = (await t.ok(OptOutReportContactsDocument, { days: 30, keyword: 'STOP' }, key)).optOutReport.contacts.nodes;
    expect(stop).toEqual([expect.objectContaining({ contact: { id: ids[0], externalId: 'oor-0' }, channel: 'SMS', source: 'sms:twilio', keyword: 'STOP' })]);
    const none = (await t.ok(OptOutReportContactsDocument, { days: 30, keyword: '(none)', source: 'api' }, key)).optOutReport.contacts.nodes;
    expect(none).toHaveLength(6);
    const all = (await t.ok(OptOutReportContactsDocument, { days: 10, source: 'api', first: 10 }, key)).optOutReport.contacts.nodes;
    expect(all.map((n) => n.contact.id)).toEqual([ids[5], ids[1], ids[2], ids[2], ids[3]]);
    expect(all[0]!.channel).toBeNull();
  });

  it('refuses bad days, page sizes and cursors', async () => {
    for (const days of [0, -1, 3651]) {
      expect(errorOf(await t.gql(OptOutReportCountsDocument, { days }, key))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_DAYS', field: 'days' });
    }
    expect((await t.ok(OptOutReportCountsDocument, { days: 3650 }, key)).optOutReport.total).toBe(7);
    expect(errorOf(await t.gql(OptOutReportContactsDocument, { first: 201 }, key))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_PAGE_SIZE' });
    expect(errorOf(await t.gql(OptOutReportContactsDocument, { after: 'nope' }, key))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_CURSOR' });
    // A valid JavaScript date before PostgreSQL's first (it answered INTERNAL).
    const ancient = Buffer.from(JSON.stringify({ t: '-271821-04-20T00:00:00.000Z', id: ids[0] })).toString('base64url');
    expect(errorOf(await t.gql(OptOutReportContactsDocument, { after: ancient }, key))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_CURSOR' });
  });
});

describe('opt-outs at the same instant', () => {
  it('pages through ties on `at` by id, each once', async () => {
    const k = await t.newWorkspaceKey('oor ties');
    await t.ok(UpsertContactsDocument, { contacts: Array.from({ length: 5 }, (_, i) => ({ externalId: `oor-tie-${i}`, phone: `+1415777100${i}`, consent: true, tags: ['oor-tie'] })) }, k);
    const tied = (await t.sql<{ id: string }>(`select id from contacts where tags @> array['oor-tie']`)).map((r) => r.id);
    const campaignId = (await t.ok(CreateCampaignDocument, { input: { name: 'oor ties', channel: 'SMS', audience: { tags: ['oor-tie'] }, variants: [{ template: 'Hi' }] } }, k)).createCampaign.id;
    await t.ok(AddRecipientsDocument, { campaignId }, k);
    // One batch, one occurredAt: five log rows with the same `at`.
    const occurredAt = new Date(Date.now() - HOUR).toISOString();
    const r = await t.ok(TrackEventsDocument, { events: tied.map((contactId) => ({ campaignId, contactId, type: 'OPTED_OUT' as const, occurredAt })) }, k);
    expect(r.trackEvents.accepted).toBe(5);
    expect(await t.sql<{ n: number }>('select count(distinct at)::int as n from opt_out_log where contact_id = any(?::uuid[])', [`{${tied.join(',')}}`])).toEqual([{ n: 1 }]);
    const seen: string[] = [];
    const sizes: number[] = [];
    let after: string | null = null;
    for (;;) {
      const page: OptOutReportContactsQuery['optOutReport']['contacts'] = (await t.ok(OptOutReportContactsDocument, { days: 1, first: 2, after }, k)).optOutReport.contacts;
      sizes.push(page.nodes.length);
      seen.push(...page.nodes.map((n) => n.contact.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor!;
    }
    expect(sizes).toEqual([2, 2, 1]);
    expect([...seen].sort()).toEqual([...tied].sort());
  });
});

describe('an email unsubscribe (POST /u/:token)', () => {
  it('is counted and listed under its channel EMAIL and source email:unsubscribe, and exported', async () => {
    const k = await t.newWorkspaceKey('oor unsubscribe');
    await t.ok(UpsertContactsDocument, { contacts: [{ externalId: 'oor-unsub', email: 'oor-unsub@example.com', consent: true, tags: ['oor-unsub'] }] }, k);
    const [contact] = await t.sql<{ id: string; workspace_id: string }>(`select id, workspace_id from contacts where external_id = 'oor-unsub'`);
    const campaignId = (await t.ok(CreateCampaignDocument, { input: { name: 'oor unsubscribe', channel: 'EMAIL', audience: { tags: ['oor-unsub'] }, variants: [{ template: 'Hi', subject: 'Hi' }] } }, k)).createCampaign.id;
    await t.ok(AddRecipientsDocument, { campaignId }, k);
    // The mail that carried the link (sending it is email.test.ts's subject): its message row and token.
    const token = randomBytes(16).toString('hex');
    await t.sql(`insert into messages (id, workspace_id, campaign_id, contact_id, provider, channel, status, tracking_token) values (gen_random_uuid(), ?, ?, ?, 'smtp', 'EMAIL', 'SENT', ?)`, [
      contact!.workspace_id,
      campaignId,
      contact!.id,
      token,
    ]);
    const res = await fetch(`${t.url}/u/${token}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(res.status).toBe(200);

    const r = (await t.ok(OptOutReportCountsDocument, { days: 1 }, k)).optOutReport;
    expect(r).toEqual({ total: 1, byChannel: [{ key: 'EMAIL', count: 1 }], bySource: [{ key: 'email:unsubscribe', count: 1 }], byKeyword: [{ key: '(none)', count: 1 }] });
    const nodes = (await t.ok(OptOutReportContactsDocument, { days: 1, source: 'email:unsubscribe' }, k)).optOutReport.contacts.nodes;
    expect(nodes).toEqual([expect.objectContaining({ contact: { id: contact!.id, externalId: 'oor-unsub' }, channel: 'EMAIL', source: 'email:unsubscribe', keyword: null })]);
    const csv = (await (await fetch(`${t.url}/v1/opt-outs.csv?days=1`, { headers: { authorization: `Bearer ${k}` } })).text()).trim().split('\n');
    expect(csv.slice(1).map((l) => l.split(',').slice(1, 8))).toEqual([['EMAIL', 'email:unsubscribe', '', contact!.id, 'oor-unsub', '', 'oor-unsub@example.com']]);
  });
});

describe('GET /v1/opt-outs.csv', () => {
  const get = (query: string, k: string | null = readKey) => fetch(`${t.url}/v1/opt-outs.csv${query}`, { headers: k ? { authorization: `Bearer ${k}` } : {} });

  it('exports the window as CSV, newest first, with formula cells neutralised', async () => {
    const res = await get('?days=10');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const lines = (await res.text()).trim().split('\n');
    expect(lines[0]).toBe('at,channel,source,keyword,contact_id,external_id,phone,email');
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows.map((r) => r[4])).toEqual([ids[5], ids[1], ids[0], ids[2], ids[2], ids[3]]);
    expect(rows[0]!.slice(1, 4)).toEqual(['ALL', 'api', '']);
    expect(rows[1]!.slice(1, 8)).toEqual(['EMAIL', 'api', '', ids[1], "'=2+3", '+14157770001', 'oor-1@example.com']);
    expect(rows[2]!.slice(1, 4)).toEqual(['SMS', 'sms:twilio', 'STOP']);
    expect(rows[5]![5]).toBe("'@SUM(1)");
    expect(new Date(rows[5]![0]!).getTime()).toBeLessThan(Date.now() - 9 * DAY);
    // The default is 30 days: one more row.
    expect((await (await get('')).text()).trim().split('\n')).toHaveLength(8);
  });

  it('answers 400 JSON to bad days and 401 without a key', async () => {
    for (const q of ['?days=0', '?days=3651', '?days=abc', '?days=1.5', '?days=', '?days=1&days=2']) {
      const res = await get(q);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'BAD_USER_INPUT', reason: 'INVALID_DAYS' } });
    }
    expect((await get('', null)).status).toBe(401);
  });
});
