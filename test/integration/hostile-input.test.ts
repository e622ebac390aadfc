/**
 * Regression tests for hostile and careless input (issue 10, items 1–5): each answers a
 * 4xx / BAD_USER_INPUT with a stable reason, stores nothing it refused, and a bad event never
 * costs its valid neighbours.
 */
import { UpdateWorkspaceSettingsDocument } from '../generated/graphql';
import { genericSignatureHeader, openPhoneSignatureHeader, twilioSignature } from '../../src/tracking/webhooks/signatures';
import { recordMessage } from '../../src/tracking/messages';
import { campaignWithRecipients, type CampaignFixture } from '../helpers/fixtures';
import { errorOf, startTestApp, type TestApp } from '../helpers/harness';

const PUBLIC_URL = 'https://hooks.splitcast.test';
const TWILIO_TOKEN = 'twilio-auth-token-hostile';
const GENERIC_SECRET = 'whsec_hostile';
const OPENPHONE_SECRET = Buffer.from('openphone-hostile').toString('base64');
const NUL = '\u0000';

let t: TestApp;
let key: string;
let f: CampaignFixture;
beforeAll(async () => {
  t = await startTestApp({ PUBLIC_URL });
  key = await t.newWorkspaceKey('hostile');
  await t.ok(UpdateWorkspaceSettingsDocument, { input: { twilioAuthToken: TWILIO_TOKEN, webhookSigningSecret: GENERIC_SECRET, openphoneSigningSecret: OPENPHONE_SECRET } }, key);
  f = await campaignWithRecipients(t, key, 6, [50, 50], 'hi');
});
afterAll(() => t.close());

const gql = (query: string, variables?: Record<string, unknown>) => t.raw(query, variables, key);
const count = async (query: string, params: unknown[] = []) => Number((await t.sql<{ n: string }>(query, params))[0]!.n);
/** GraphQL with a hand-written JSON body (values JSON.stringify cannot build, e.g. 5,000 levels deep). */
async function rawBody(body: string) {
  const res = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body });
  return { status: res.status, ...((await res.json()) as { data?: Record<string, unknown>; errors?: { extensions?: Record<string, unknown> }[] }) };
}
const postEvents = (events: unknown) =>
  fetch(`${t.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(events) });
const click = (i: number, extra: Record<string, unknown> = {}) => ({ campaignId: f.campaignId, contactId: f.contacts[i]!.id, type: 'CLICKED', ...extra });

describe('1. NUL (U+0000) in text', () => {
  it.each([
    ['createTemplate', 'mutation($i: TemplateInput!) { createTemplate(input: $i) { id } }', { i: { name: `a${NUL}`, body: 'b' } }, 'input.name'],
    ['createCampaign', 'mutation($i: CreateCampaignInput!) { createCampaign(input: $i) { id } }', { i: { name: 'ok', variants: [{ template: `hi${NUL}`, weight: 50 }, { template: 'b', weight: 50 }] } }, 'input.variants.0.template'],
    ['estimateReach', 'query($a: AudienceInput!) { estimateReach(audience: $a) { total } }', { a: { tags: [`t${NUL}`] } }, 'audience.tags.0'],
    ['estimateReach attributes', 'query($a: AudienceInput!) { estimateReach(audience: $a) { total } }', { a: { attributes: { [`c${NUL}`]: 'x' } } }, 'audience.attributes.c\\u0000'],
    ['contacts search', 'query($s: String) { contacts(filter: {search: $s}) { totalCount } }', { s: `a${NUL}` }, 'filter.search'],
    ['campaigns search', 'query($s: String) { campaigns(filter: {search: $s}) { totalCount } }', { s: `a${NUL}` }, 'filter.search'],
    ['importContactsCsv', 'mutation($c: String!) { importContactsCsv(csv: $c) { created } }', { c: `externalId,firstName\nc1,a${NUL}b\n` }, 'csv'],
    ['previewTemplate variables', 'query($v: JSON) { previewTemplate(template: "{name}", variables: $v) { rendered } }', { v: { name: `x${NUL}` } }, 'variables.name'],
  ])('%s → 400 BAD_USER_INPUT / INVALID_TEXT at the field', async (_name, query, variables, field) => {
    const r = await gql(query, variables);
    expect(r.status).toBe(400);
    expect(errorOf(r)).toEqual({ code: 'BAD_USER_INPUT', reason: 'INVALID_TEXT', field });
  });

  it('in a variable’s default value in the document too', async () => {
    const r = await gql('mutation($n: String = "a\\u0000b") { createTemplate(input: {name: $n, body: "hi"}) { id } }');
    expect(errorOf(r)).toEqual({ code: 'BAD_USER_INPUT', reason: 'INVALID_TEXT', field: 'input.name' });
  });

  it('in a literal of the document too', async () => {
    const r = await gql('mutation { createTemplate(input: {name: "a\\u0000", body: "b"}) { id } }');
    expect(errorOf(r)).toEqual({ code: 'BAD_USER_INPUT', reason: 'INVALID_TEXT', field: 'input.name' });
  });

  it('upsertContacts rejects only the rows that hold it, and writes the rest', async () => {
    const r = await gql('mutation($c: [ContactInput!]!) { upsertContacts(contacts: $c) { created rejected { index code } } }', {
      c: [{ externalId: `x${NUL}` }, { externalId: 'nul-ok1', attributes: { a: { b: `c${NUL}` } } }, { externalId: 'nul-ok2', tags: [`t${NUL}`] }, { externalId: 'nul-ok3', firstName: 'Ana' }],
    });
    expect(r.data).toEqual({ upsertContacts: { created: 1, rejected: [0, 1, 2].map((index) => ({ index, code: 'INVALID_TEXT' })) } });
    expect(await count(`select count(*) as n from contacts where external_id like 'nul-ok%'`)).toBe(1);
  });

  it('trackEvents, POST /v1/events and the signed generic webhook reject the event, and store its valid neighbour', async () => {
    const before = await count('select count(*) as n from events where campaign_id = ?', [f.campaignId]);
    const g = await gql('mutation($e: [TrackEventInput!]!) { trackEvents(events: $e) { accepted rejected { index code } } }', {
      e: [click(0, { url: `u${NUL}` }), click(0, { idempotencyKey: `k${NUL}` }), click(0, { merchantId: `m${NUL}` }), click(0, { idempotencyKey: 'nul-gql-ok' })],
    });
    expect(g.data).toEqual({ trackEvents: { accepted: 1, rejected: [0, 1, 2].map((index) => ({ index, code: 'INVALID_TEXT' })) } });

    const rest = await postEvents([click(1, { merchantId: `m${NUL}` }), click(1, { idempotencyKey: 'nul-rest-ok' })]);
    expect(rest.status).toBe(200);
    expect(await rest.json()).toMatchObject({ accepted: 1, rejected: [{ index: 0, code: 'INVALID_TEXT' }] });

    const body = JSON.stringify([click(2, { url: `u${NUL}` }), click(2, { idempotencyKey: 'nul-hook-ok' })]);
    const hook = await fetch(`${t.url}/webhooks/generic/${f.workspaceId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-splitcast-signature': genericSignatureHeader(GENERIC_SECRET, body, Math.floor(Date.now() / 1000)) },
      body,
    });
    expect(hook.status).toBe(200);
    expect(await hook.json()).toMatchObject({ accepted: 1, rejected: [{ index: 0, code: 'INVALID_TEXT' }] });
    expect(await count('select count(*) as n from events where campaign_id = ?', [f.campaignId])).toBe(before + 3);
  });

  it('GET /l/%00 and other path parameters → 400 JSON', async () => {
    for (const path of ['/l/%00', `/v1/campaigns/${f.campaignId}%00/export.csv`, `/webhooks/generic/a%00`]) {
      const res = await fetch(t.url + path, { method: path.startsWith('/webhooks') ? 'POST' : 'GET', headers: { authorization: `Bearer ${key}` } });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { reason: 'INVALID_TEXT' } });
    }
  });

  it('a signed Twilio callback or OpenPhone event holding it → 400, nothing stored or queued', async () => {
    const queued = await count('select count(*) as n from webhook_retries');
    const params = { MessageSid: `SM${NUL}`, MessageStatus: 'failed' };
    const path = `/webhooks/twilio/${f.workspaceId}`;
    const tw = await fetch(t.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(TWILIO_TOKEN, PUBLIC_URL + path, params) },
      body: new URLSearchParams(params).toString(),
    });
    expect(tw.status).toBe(400);
    expect(await tw.json()).toMatchObject({ error: { reason: 'INVALID_TEXT' } });

    const inbound = { MessageSid: 'SMnul1', From: f.contacts[0]!.phone, Body: `STOP${NUL}` };
    const tw2 = await fetch(t.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(TWILIO_TOKEN, PUBLIC_URL + path, inbound) },
      body: new URLSearchParams(inbound).toString(),
    });
    expect(tw2.status).toBe(400);

    await recordMessage(t.app.orm.em.fork(), { workspaceId: f.workspaceId, campaignId: f.campaignId, contactId: f.contacts[3]!.id, variantId: f.contacts[3]!.variantId, provider: 'openphone', providerMessageId: 'OPnul', links: [] });
    const event = JSON.stringify({ id: `EV${NUL}`, type: 'message.delivered', data: { object: { id: 'OPnul' } } });
    const op = await fetch(`${t.url}/webhooks/openphone/${f.workspaceId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'openphone-signature': openPhoneSignatureHeader(OPENPHONE_SECRET, event, Date.now()) },
      body: event,
    });
    expect(op.status).toBe(400);
    expect(await count('select count(*) as n from webhook_retries')).toBe(queued);
    expect(await count(`select count(*) as n from contacts where id = ? and cardinality(opted_out_channels) > 0`, [f.contacts[0]!.id])).toBe(0);
  });
});

describe('siblings found by the fuzz suite', () => {
  it('an unpaired surrogate (valid JSON, refused by PostgreSQL) is INVALID_TEXT per event, per row and per field', async () => {
    const lone = 'a\udc17b';
    const res = await postEvents([click(0, { url: lone }), click(0, { idempotencyKey: 'lone-ok' })]);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 1, rejected: [{ index: 0, code: 'INVALID_TEXT' }] });
    const c = await gql('mutation($c: [ContactInput!]!) { upsertContacts(contacts: $c) { created rejected { index code } } }', { c: [{ externalId: 'lone1', segment: lone }, { externalId: 'lone2' }] });
    expect(c.data).toEqual({ upsertContacts: { created: 1, rejected: [{ index: 0, code: 'INVALID_TEXT' }] } });
    const reach = await gql('query($a: AudienceInput!) { estimateReach(audience: $a) { total } }', { a: { segments: ['ok', lone] } });
    expect(errorOf(reach)).toEqual({ code: 'BAD_USER_INPUT', reason: 'INVALID_TEXT', field: 'audience.segments.1' });
  });

  it('a provider timestamp that is not a plausible date-time → 400 INVALID_TIMESTAMP, not a retry that can never succeed', async () => {
    const queued = await count('select count(*) as n from webhook_retries');
    for (const createdAt of ['fuzz-142799', '2026-02-30T10:00:00Z', '1970-01-01T00:00:00Z', '2999-01-01T00:00:00Z']) {
      const event = JSON.stringify({ id: `EV-${createdAt}`, type: 'message.received', data: { object: { id: 'OPin', from: f.contacts[0]!.phone, body: 'hello', createdAt } } });
      const res = await fetch(`${t.url}/webhooks/openphone/${f.workspaceId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'openphone-signature': openPhoneSignatureHeader(OPENPHONE_SECRET, event, Date.now()) },
        body: event,
      });
      expect([createdAt, res.status]).toEqual([createdAt, 400]);
      expect(await res.json()).toMatchObject({ error: { reason: 'INVALID_TIMESTAMP' } });
    }
    expect(await count('select count(*) as n from webhook_retries')).toBe(queued);
  });

  it('more than 50 bad variables (graphql-js gives up with an uncoded error) → BAD_USER_INPUT, never INTERNAL', async () => {
    const r = await gql('mutation($e: [TrackEventInput!]!) { trackEvents(events: $e) { accepted } }', { e: Array.from({ length: 60 }, () => ({})) });
    expect(r.status).toBe(400);
    expect(r.errors?.every((e) => e.extensions?.code === 'BAD_USER_INPUT')).toBe(true);
  });
});

describe('3. deep and large JSON arguments', () => {
  const deep = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);

  it('previewTemplate(variables:) 5,000 levels deep → JSON_TOO_DEEP', async () => {
    const r = await rawBody(`{"query": "query($v: JSON) { previewTemplate(template: \\"hi\\", variables: $v) { rendered } }", "variables": {"v": ${deep(5000)}}}`);
    expect(r.status).toBe(400);
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'JSON_TOO_DEEP', field: 'variables' });
  });

  it('a deep JSON literal in the document → JSON_TOO_DEEP', async () => {
    const literal = '{a:'.repeat(200) + '1' + '}'.repeat(200);
    const r = await gql(`query { previewTemplate(template: "hi", variables: ${literal}) { rendered } }`);
    expect(errorOf(r)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'JSON_TOO_DEEP' });
  });

  it('ContactInput.attributes 5,000 levels deep or with too many values → that row INVALID_ATTRIBUTES', async () => {
    const wide = JSON.stringify(Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`k${i}`, i])));
    const r = await rawBody(
      `{"query": "mutation($c: [ContactInput!]!) { upsertContacts(contacts: $c) { created rejected { index code } } }", "variables": {"c": [{"externalId": "deep1", "attributes": ${deep(5000)}}, {"externalId": "deep2", "attributes": ${wide}}, {"externalId": "deep3", "attributes": {"a": {"b": 1}}}]}}`,
    );
    expect(r.data).toEqual({ upsertContacts: { created: 1, rejected: [{ index: 0, code: 'INVALID_ATTRIBUTES' }, { index: 1, code: 'INVALID_ATTRIBUTES' }] } });
  });

  it('a document nested beyond what the parser can walk is refused, not a crash', async () => {
    const r = await gql(`query { previewTemplate(template: "hi", variables: ${'['.repeat(100_000)}${']'.repeat(100_000)}) { rendered } }`);
    expect(r.status).toBe(400);
    expect(errorOf(r)?.code).toBe('BAD_USER_INPUT');
  });
});

describe('4. malformed operations', () => {
  it('compareCampaigns(ids: "") → NOT_FOUND, like any id that names nothing', async () => {
    for (const q of ['query { compareCampaigns(ids: "") { campaign { id } } }', 'query { compareCampaigns(ids: ["x", "y"]) { campaign { id } } }']) {
      const r = await gql(q);
      expect(errorOf(r)?.code).toBe('NOT_FOUND');
    }
    const r = await gql('query($ids: [ID!]!) { compareCampaigns(ids: $ids) { campaign { id } } }', { ids: [f.campaignId, 42] });
    expect(errorOf(r)).toEqual({ code: 'NOT_FOUND', reason: 'NOT_FOUND', field: 'ids.1' });
  });

  it('a subscription POSTed over HTTP → 400 SUBSCRIPTION_NEEDS_WEBSOCKET', async () => {
    const r = await gql('subscription { campaignStatusChanged { id } }');
    expect(r.status).toBe(400);
    expect(errorOf(r)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'SUBSCRIPTION_NEEDS_WEBSOCKET' });
  });

  it.each([
    ['x'],
    [{ version: 2, sha256Hash: 'abc' }],
    [{ version: 1, sha256Hash: 'not-the-hash' }],
    [{ version: 1, sha256Hash: 42 }],
  ])('a malformed extensions.persistedQuery %j → 400 BAD_USER_INPUT', async (persistedQuery) => {
    const r = await rawBody(JSON.stringify({ query: '{ viewer { workspace { id } } }', extensions: { persistedQuery } }));
    expect(r.status).toBe(400);
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('5. revenue sums', () => {
  it('11 CONVERTED events of 999,999,999.99 on one recipient are all counted', async () => {
    const c = f.contacts[4]!;
    const events = Array.from({ length: 11 }, (_, i) => ({ campaignId: f.campaignId, contactId: c.id, type: 'CONVERTED', value: 999_999_999.99, idempotencyKey: `big-${i}` }));
    const r = await gql('mutation($e: [TrackEventInput!]!) { trackEvents(events: $e) { accepted rejected { index code } } }', { e: events });
    expect(r.data).toEqual({ trackEvents: { accepted: 11, rejected: [] } });
    const [row] = await t.sql<{ revenue: string; revenue_sq: string }>(
      'select a.revenue::text as revenue, v.revenue_sq::text as revenue_sq from assignments a join variant_counters v on v.variant_id = a.variant_id where a.campaign_id = ? and a.contact_id = ?',
      [f.campaignId, c.id],
    );
    expect(Number(row!.revenue)).toBeCloseTo(10_999_999_999.89, 1);
    expect(Number(row!.revenue_sq)).toBeGreaterThan(1.2e20);
    // …and again with a thousand more on another recipient, in one batch.
    const more = Array.from({ length: 1000 }, (_, i) => ({ campaignId: f.campaignId, contactId: f.contacts[5]!.id, type: 'CONVERTED', value: 999_999_999.99, idempotencyKey: `bigger-${i}` }));
    const res = await postEvents(more);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 1000, rejected: [] });
  });
});
