/**
 * The fuzz suite: hostile GraphQL bodies and variables, events, orders, webhooks on every provider route
 * (signed and unsigned), links, and the email pixel and unsubscribe routes, against a running server. After every case:
 *   - no 5xx, and no GraphQL error with code INTERNAL;
 *   - a rejected request (4xx, or GraphQL errors without data) left the stored data unchanged;
 * and after all of them the server is healthy and still answers a valid query.
 * Used by test/integration/fuzz.test.ts (a bounded run in `npm test`) and test/fuzz/main.ts
 * (`npm run fuzz`, thousands of cases).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, Kind, print, typeFromAST, type DocumentNode, type GraphQLInputType, type OperationDefinitionNode } from 'graphql';
import type { App } from '../../src/app';
import { recordMessage } from '../../src/tracking/messages';
import { Channel } from '../../src/domain/channel';
import { genericSignatureHeader, mailgunSignature, openPhoneSignatureHeader, twilioSignature, whatsappSignatureHeader } from '../../src/tracking/webhooks/signatures';
import * as documents from '../generated/graphql';
import { csvText, deepJsonText, jsonValue, nastyNumber, nastyString, prng, valueFor, type Known, type Random } from './generators';

const SCHEMA = buildSchema(readFileSync(join(__dirname, '..', '..', '..', 'schema.graphql'), 'utf8'));
const OPERATIONS = Object.values(documents)
  .filter((d): d is DocumentNode => typeof d === 'object' && d !== null && (d as DocumentNode).kind === Kind.DOCUMENT)
  .filter((d) => d.definitions.some((x) => x.kind === Kind.OPERATION_DEFINITION));

export interface FuzzTarget {
  app: App;
  /** A key with every scope on the fuzzed workspace, and one with READ only. */
  key: string;
  readKey: string;
  workspaceId: string;
  campaignId: string;
  contacts: { id: string; phone: string }[];
  variantIds: string[];
  twilioToken: string;
  openphoneSecret: string;
  genericSecret: string;
  /** The workspace's Mailgun signing key (email event webhook). */
  emailKey: string;
  /** Email messages: their Message-IDs (provider 'email') and open / unsubscribe tokens. */
  emailMessageIds: string[];
  trackingTokens: string[];
  whatsappAppSecret: string;
  whatsappVerifyToken: string;
  /** Provider ids of recorded messages, so that status callbacks can find them. */
  providerMessageIds: string[];
  linkTokens: string[];
  publicUrl: string;
}

export interface FuzzFailure {
  index: number;
  kind: string;
  request: string;
  problem: string;
}

interface Request {
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** Sets up a workspace with secrets, a campaign with recipients and recorded messages. */
export async function prepareTarget(app: App, adminKey: string, publicUrl: string): Promise<FuzzTarget> {
  const gql = async <T>(query: string, variables: Record<string, unknown>, key: string): Promise<T> => {
    const res = await fetch(`${app.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as { data: T; errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };
  const suffix = Math.random().toString(36).slice(2, 8);
  const { createApiKey } = await gql<{ createApiKey: { secret: string } }>(
    'mutation($w: String) { createApiKey(name: "fuzz", scopes: [ADMIN], workspaceName: $w) { secret } }',
    { w: `fuzz-${suffix}` },
    adminKey,
  );
  const key = createApiKey.secret;
  const readKey = (await gql<{ createApiKey: { secret: string } }>('mutation { createApiKey(name: "fuzz-read", scopes: [READ]) { secret } }', {}, key)).createApiKey.secret;
  const twilioToken = 'fuzz-twilio-token';
  const openphoneSecret = Buffer.from('fuzz-openphone').toString('base64');
  const genericSecret = 'whsec_fuzz';
  const emailKey = 'fuzz-mailgun-key';
  const whatsappAppSecret = 'fuzz-meta-app-secret';
  const whatsappVerifyToken = 'fuzz-verify-token';
  // Port 9 (discard): nothing is sent during the fuzz run (jobs are off); only the webhook matters.
  const whatsappCloud = { phoneNumberId: '1065403522', accessToken: 'fuzz-access-token', appSecret: whatsappAppSecret, verifyToken: whatsappVerifyToken, apiBaseUrl: 'http://127.0.0.1:9/v21.0' };
  await gql(
    'mutation($i: WorkspaceSettingsInput!) { updateWorkspaceSettings(input: $i) { id } }',
    { i: { twilioAuthToken: twilioToken, openphoneSigningSecret: openphoneSecret, webhookSigningSecret: genericSecret, emailWebhookKey: emailKey, whatsappCloud } },
    key,
  );
  const { viewer } = await gql<{ viewer: { workspace: { id: string } } }>('{ viewer { workspace { id } } }', {}, key);
  const contacts = Array.from({ length: 8 }, (_, i) => ({ externalId: `fz-${i}`, phone: `+1415556${String(1000 + i)}`, consent: true, tags: ['fz'] }));
  await gql('mutation($c: [ContactInput!]!) { upsertContacts(contacts: $c) { created } }', { c: contacts }, key);
  const { createCampaign } = await gql<{ createCampaign: { id: string; variants: { id: string }[] } }>(
    'mutation { createCampaign(input: {name: "fuzz", type: AB_TEST, variants: [{template: "A https://shop.example/a", weight: 50}, {template: "B {first_name}", weight: 50}]}) { id variants { id } } }',
    {},
    key,
  );
  await gql('mutation($c: ID!) { addRecipients(campaignId: $c, audience: {tags: ["fz"]}) { added } }', { c: createCampaign.id }, key);
  const rows = await app.orm.em
    .fork()
    .getConnection()
    .execute<{ id: string; phone: string; variant_id: string }[]>('select c.id, c.phone, a.variant_id from assignments a join contacts c on c.id = a.contact_id where a.campaign_id = ?', [createCampaign.id]);
  const providerMessageIds: string[] = [];
  const linkTokens: string[] = [];
  for (const [i, row] of rows.entries()) {
    const providerMessageId = `SMfuzz${suffix}${i}`;
    const m = await recordMessage(app.orm.em.fork(), {
      workspaceId: viewer.workspace.id,
      campaignId: createCampaign.id,
      contactId: row.id,
      variantId: row.variant_id,
      provider: ['twilio', 'openphone', 'whatsapp'][i % 3]!,
      providerMessageId,
      links: ['https://shop.example/a'],
    });
    providerMessageIds.push(providerMessageId);
    linkTokens.push(...m.links.map((l) => l.token));
  }
  // The same recipients by email: Message-IDs for the Mailgun webhook, tokens for /o/ and /u/.
  const emailMessageIds: string[] = [];
  const trackingTokens: string[] = [];
  for (const [i, row] of rows.entries()) {
    const providerMessageId = `fuzz${suffix}${i}@shop.example`;
    const trackingToken = `Fz${suffix}${i}`.replace(/[^0-9A-Za-z]/g, '');
    await recordMessage(app.orm.em.fork(), { workspaceId: viewer.workspace.id, campaignId: createCampaign.id, contactId: row.id, variantId: row.variant_id, provider: 'email', providerMessageId, channel: Channel.EMAIL, trackingToken });
    emailMessageIds.push(providerMessageId);
    trackingTokens.push(trackingToken);
  }
  return {
    app,
    key,
    readKey,
    workspaceId: viewer.workspace.id,
    campaignId: createCampaign.id,
    contacts: rows.map((r) => ({ id: r.id, phone: r.phone })),
    variantIds: createCampaign.variants.map((v) => v.id),
    twilioToken,
    openphoneSecret,
    genericSecret,
    emailKey,
    emailMessageIds,
    trackingTokens,
    whatsappAppSecret,
    whatsappVerifyToken,
    providerMessageIds,
    linkTokens,
    publicUrl,
  };
}

/** A digest of everything a request could write (per table), to prove rejections write nothing. */
async function fingerprint(app: App): Promise<string> {
  const tables = ['workspaces', 'api_keys', 'contacts', 'opt_out_log', 'templates', 'campaigns', 'variants', 'assignments', 'messages', 'links', 'events', 'variant_counters', 'variant_hourly', 'webhook_retries', 'outbox', 'winners', 'campaign_runs', 'sends', 'orders'];
  const [row] = await app.orm.em
    .fork()
    .getConnection()
    .execute<{ digest: string }[]>(`select md5(concat_ws('|', ${tables.map((t) => `(select md5(coalesce(string_agg(x::text, ',' order by x::text), '')) from ${t} x)`).join(', ')})) as digest`);
  return row!.digest;
}

/** Percent-encodes every UTF-8 byte (lone surrogates included, which encodeURIComponent refuses). */
function pathPart(s: string): string {
  return [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`)).join('');
}

function known(t: FuzzTarget): Known {
  return { ids: [t.campaignId, t.workspaceId, ...t.variantIds, ...t.contacts.map((c) => c.id)] };
}

function graphqlCase(r: Random, t: FuzzTarget): Request {
  const doc = r.pick(OPERATIONS);
  const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const variables: Record<string, unknown> = {};
  for (const def of op.variableDefinitions ?? []) {
    if (r.chance(0.05)) continue; // missing variable
    const type = typeFromAST(SCHEMA, def.type as never) as GraphQLInputType | undefined;
    const name = def.variable.name.value;
    variables[name] = name === 'csv' && r.chance(0.8) ? csvText(r) : type ? valueFor(r, type, known(t)) : jsonValue(r);
  }
  const key = r.pick([t.key, t.key, t.key, t.readKey, 'sk_nope', '']);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  const query = print(doc);
  if (op.operation === 'query' && r.chance(0.1)) {
    const qs = new URLSearchParams({ query, variables: JSON.stringify(variables) });
    return { kind: `graphql GET ${op.name?.value}`, method: 'GET', path: `/graphql?${qs}`, headers: { ...headers, 'apollo-require-preflight': 'true' } };
  }
  return { kind: `graphql ${op.name?.value}`, method: 'POST', path: '/graphql', headers, body: JSON.stringify({ query, variables, operationName: r.chance(0.95) ? op.name?.value : nastyString(r) }) };
}

function malformedGraphqlCase(r: Random, t: FuzzTarget): Request {
  const headers: Record<string, string> = { 'content-type': r.pick(['application/json', 'application/json', 'text/plain', 'application/graphql', 'application/x-www-form-urlencoded']), authorization: `Bearer ${t.key}` };
  const bodies = [
    () => JSON.stringify(jsonValue(r, 3)),
    () => JSON.stringify({ query: jsonValue(r, 1) }),
    () => JSON.stringify({ query: '{ viewer { workspace { id } } }', variables: jsonValue(r, 2) }),
    () => JSON.stringify({ query: '{ viewer { workspace { id } } }', extensions: { persistedQuery: jsonValue(r, 2) } }),
    () => JSON.stringify({ query: nastyString(r) }),
    () => JSON.stringify({ query: `query { ${'campaigns { nodes { variants { stats { sent } } } } '.repeat(r.int(1, 50))} }` }),
    () => JSON.stringify({ query: `query ${'{ a '.repeat(r.pick([10, 1000, 50_000]))}` }),
    () => JSON.stringify({ query: `{ previewTemplate(template: "x", variables: ${'['.repeat(r.pick([100, 10_000, 200_000]))}) { rendered } }` }),
    () => `{"query": "query($v: JSON) { previewTemplate(template: \\"x\\", variables: $v) { rendered } }", "variables": {"v": ${deepJsonText(r.pick([100, 5000, 50_000]))}}}`,
    () => `{"query": "mutation($c: [ContactInput!]!) { upsertContacts(contacts: $c) { created } }", "variables": {"c": [{"externalId": "deep", "attributes": ${deepJsonText(r.pick([100, 5000]))}}]}}`,
    () => JSON.stringify([{ query: '{ viewer { workspace { id } } }' }, { query: '{ viewer { workspace { id } } }' }]),
    () => `{"query": "{ viewer { workspace { id } } }"`,
    () => nastyString(r),
    () => JSON.stringify({ query: 'subscription { campaignStatusChanged { id } }' }),
    () => JSON.stringify({ query: 'mutation { launchCampaign(id: "x") { id } }', operationName: 'Nope' }),
    () => JSON.stringify({ query: 'query A { viewer { workspace { id } } } query B { viewer { workspace { id } } }' }),
    () => JSON.stringify({ query: '{ __schema { types { name fields { name args { name type { name ofType { name ofType { name } } } } } } } }' }),
  ];
  return { kind: 'graphql malformed', method: r.pick(['POST', 'POST', 'POST', 'GET', 'PUT']), path: '/graphql', headers, body: r.pick(bodies)() };
}

function eventObject(r: Random, t: FuzzTarget): Record<string, unknown> {
  const c = r.pick(t.contacts);
  const e: Record<string, unknown> = {
    campaignId: r.chance(0.8) ? t.campaignId : nastyString(r),
    contactId: r.chance(0.8) ? c.id : nastyString(r),
    type: r.pick(['SENT', 'DELIVERED', 'FAILED', 'OPENED', 'CLICKED', 'REPLIED', 'CONVERTED', 'OPTED_OUT', 'OPTED_IN', nastyString(r)]),
  };
  if (r.chance(0.3)) e.variantId = r.chance(0.7) ? r.pick(t.variantIds) : jsonValue(r, 0);
  if (r.chance(0.3)) e.occurredAt = r.chance(0.7) ? new Date(Date.now() - r.int(0, 1e10)).toISOString() : jsonValue(r, 0);
  if (r.chance(0.3)) e.value = r.chance(0.8) ? nastyNumber(r) : jsonValue(r, 0);
  if (r.chance(0.2)) e.sentiment = r.pick(['POSITIVE', 'NEGATIVE', 'NEUTRAL', nastyString(r)]);
  for (const f of ['url', 'merchantId', 'idempotencyKey']) if (r.chance(0.3)) e[f] = r.chance(0.8) ? nastyString(r) : jsonValue(r, 1);
  if (r.chance(0.05)) e[nastyString(r).slice(0, 10) || 'x'] = jsonValue(r, 2);
  return e;
}

function eventsCase(r: Random, t: FuzzTarget): Request {
  const events = Array.from({ length: r.pick([0, 1, 2, 5, 20, 1001]) }, () => eventObject(r, t));
  const body = r.chance(0.85) ? JSON.stringify(r.chance(0.8) ? events : { events }) : r.chance(0.5) ? JSON.stringify(jsonValue(r, 3)) : `[${deepJsonText(r.pick([100, 5000, 100_000]))}]`;
  const key = r.pick([t.key, t.key, t.key, t.readKey, '']);
  return { kind: 'POST /v1/events', method: 'POST', path: '/v1/events', headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) }, body };
}

function orderObject(r: Random, t: FuzzTarget): Record<string, unknown> {
  const c = r.pick(t.contacts);
  const o: Record<string, unknown> = {
    orderId: r.chance(0.7) ? `fuzz-${r.int(0, 50)}` : r.chance(0.5) ? nastyString(r) : jsonValue(r, 0),
    value: r.chance(0.7) ? nastyNumber(r) : jsonValue(r, 0),
  };
  if (r.chance(0.5)) o.contactId = r.chance(0.7) ? c.id : r.chance(0.5) ? nastyString(r) : jsonValue(r, 0);
  if (r.chance(0.3)) o.phone = r.chance(0.5) ? c.phone : r.chance(0.5) ? nastyString(r) : jsonValue(r, 0);
  for (const f of ['externalId', 'email', 'merchantId']) if (r.chance(0.2)) o[f] = r.chance(0.8) ? nastyString(r) : jsonValue(r, 1);
  if (r.chance(0.3)) o.occurredAt = r.chance(0.7) ? new Date(Date.now() - r.int(0, 1e10)).toISOString() : jsonValue(r, 0);
  if (r.chance(0.05)) o[nastyString(r).slice(0, 10) || 'x'] = jsonValue(r, 2);
  return o;
}

/** POST /v1/orders: JSON orders (array or {orders}), anything else, or a CSV with content-type text/csv. */
function ordersCase(r: Random, t: FuzzTarget): Request {
  const key = r.pick([t.key, t.key, t.key, t.readKey, '']);
  const auth: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  if (r.chance(0.25)) {
    const rows = Array.from({ length: r.pick([0, 1, 5]) }, () =>
      r.chance(0.5) ? `fuzz-${r.int(0, 50)},${r.pick(t.contacts).id},,${nastyNumber(r)},` : `"${nastyString(r).slice(0, 80).replace(/"/g, '""')}",${nastyString(r).slice(0, 40)},${nastyNumber(r)}`,
    );
    const csv = r.chance(0.3) ? csvText(r) : ['orderId,contactId,phone,value,occurredAt', ...rows].join('\n');
    return { kind: 'POST /v1/orders (csv)', method: 'POST', path: '/v1/orders', headers: { 'content-type': r.pick(['text/csv', 'text/csv; charset=utf-8']), ...auth }, body: csv };
  }
  const orders = Array.from({ length: r.pick([0, 1, 2, 5, 20, 1001]) }, () => orderObject(r, t));
  const body = r.chance(0.85) ? JSON.stringify(r.chance(0.8) ? orders : { orders }) : r.chance(0.5) ? JSON.stringify(jsonValue(r, 3)) : `[${deepJsonText(r.pick([100, 5000, 100_000]))}]`;
  return { kind: 'POST /v1/orders', method: 'POST', path: '/v1/orders', headers: { 'content-type': 'application/json', ...auth }, body };
}

function webhookCase(r: Random, t: FuzzTarget): Request {
  const workspaceId = r.chance(0.9) ? t.workspaceId : nastyString(r).slice(0, 60);
  const sign = r.chance(0.75);
  switch (r.int(0, 4)) {
    case 0: {
      const path = `/webhooks/twilio/${pathPart(workspaceId)}`;
      const params: Record<string, string> = {};
      if (r.chance(0.6)) {
        params.MessageSid = r.chance(0.7) ? r.pick(t.providerMessageIds) : nastyString(r);
        params.MessageStatus = r.pick(['queued', 'sent', 'delivered', 'undelivered', 'failed', 'read', nastyString(r)]);
      } else {
        params.MessageSid = r.chance(0.5) ? `SMin${r.int(0, 1e9)}` : nastyString(r);
        if (r.chance(0.9)) params.From = r.chance(0.7) ? r.pick(t.contacts).phone : nastyString(r);
        if (r.chance(0.9)) params.Body = r.pick(['STOP', 'START', 'HELP', 'yes please!', 'no', nastyString(r)]);
      }
      if (r.chance(0.1)) params[nastyString(r).slice(0, 10) || 'X'] = nastyString(r);
      const headers: Record<string, string> = { 'content-type': r.chance(0.95) ? 'application/x-www-form-urlencoded' : 'application/json' };
      if (sign) headers['x-twilio-signature'] = twilioSignature(t.twilioToken, t.publicUrl + path, params);
      return { kind: 'twilio webhook', method: 'POST', path, headers, body: new URLSearchParams(params).toString() };
    }
    case 1: {
      const path = `/webhooks/openphone/${pathPart(workspaceId)}`;
      const event = r.chance(0.8)
        ? {
            id: r.chance(0.8) ? `EV${r.int(0, 1e9)}` : jsonValue(r, 0),
            type: r.pick(['message.delivered', 'message.received', 'call.completed', nastyString(r)]),
            createdAt: r.chance(0.7) ? new Date().toISOString() : jsonValue(r, 0),
            data: { object: { id: r.chance(0.7) ? r.pick(t.providerMessageIds) : jsonValue(r, 0), from: r.chance(0.7) ? r.pick(t.contacts).phone : jsonValue(r, 0), body: r.chance(0.7) ? nastyString(r) : jsonValue(r, 1), createdAt: r.chance(0.5) ? nastyString(r) : undefined } },
          }
        : jsonValue(r, 3);
      const body = JSON.stringify(event) ?? 'null';
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (sign) headers['openphone-signature'] = openPhoneSignatureHeader(t.openphoneSecret, body, Date.now());
      return { kind: 'openphone webhook', method: 'POST', path, headers, body };
    }
    case 3: {
      const path = `/webhooks/email/${pathPart(workspaceId)}`;
      const data = r.chance(0.8)
        ? {
            event: r.pick(['delivered', 'opened', 'clicked', 'failed', 'complained', 'unsubscribed', 'accepted', nastyString(r)]),
            id: r.chance(0.8) ? `ev${r.int(0, 1e9)}` : jsonValue(r, 0),
            timestamp: r.chance(0.7) ? Date.now() / 1000 : r.chance(0.5) ? nastyNumber(r) : jsonValue(r, 0),
            severity: r.pick(['permanent', 'temporary', undefined, nastyString(r)]),
            recipient: r.chance(0.7) ? `someone${r.int(0, 9)}@example.com` : jsonValue(r, 0),
            url: r.chance(0.5) ? 'https://shop.example/a' : r.chance(0.5) ? nastyString(r) : undefined,
            message: r.chance(0.9) ? { headers: { 'message-id': r.chance(0.7) ? r.pick(t.emailMessageIds) : r.chance(0.5) ? nastyString(r) : jsonValue(r, 0) } } : jsonValue(r, 2),
          }
        : jsonValue(r, 3);
      const timestamp = String(Math.floor(Date.now() / 1000) - (r.chance(0.1) ? 3600 : 0));
      const token = r.chance(0.9) ? `tok${r.int(0, 1e12)}` : nastyString(r);
      const signature = sign
        ? { timestamp, token, signature: mailgunSignature(t.emailKey, timestamp, token) }
        : r.chance(0.5)
          ? { timestamp, token, signature: nastyString(r) }
          : jsonValue(r, 1);
      const body = r.chance(0.95) ? JSON.stringify({ signature, 'event-data': data }) : nastyString(r);
      return { kind: 'email webhook', method: 'POST', path, headers: { 'content-type': 'application/json' }, body };
    }
    case 4:
      return whatsappCase(r, t, workspaceId, sign);
    default: {
      const path = `/webhooks/generic/${pathPart(workspaceId)}`;
      const events = Array.from({ length: r.pick([1, 2, 5, 30]) }, () => eventObject(r, t));
      const body = r.chance(0.9) ? JSON.stringify(r.chance(0.5) ? events : r.chance(0.5) ? { events } : events[0]) : JSON.stringify(jsonValue(r, 3)) ?? 'null';
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (sign) headers['x-splitcast-signature'] = genericSignatureHeader(t.genericSecret, body, Math.floor(Date.now() / 1000) - (r.chance(0.1) ? 3600 : 0));
      else if (r.chance(0.5)) headers['x-splitcast-signature'] = nastyString(r).replace(/[^\x20-\x7e]/g, '');
      return { kind: 'generic webhook', method: 'POST', path, headers, body };
    }
  }
}

/** Meta WhatsApp Cloud API: the GET handshake, or a POST of statuses / inbound messages (signed or not). */
function whatsappCase(r: Random, t: FuzzTarget, workspaceId: string, sign: boolean): Request {
  const path = `/webhooks/whatsapp/${pathPart(workspaceId)}`;
  const nasty = () => (r.chance(0.5) ? nastyString(r) : jsonValue(r, 1));
  if (r.chance(0.2)) {
    const query: string[] = [];
    if (r.chance(0.9)) query.push(`hub.mode=${r.chance(0.8) ? 'subscribe' : pathPart(nastyString(r))}`);
    if (r.chance(0.9)) query.push(`hub.verify_token=${r.chance(0.6) ? t.whatsappVerifyToken : pathPart(nastyString(r))}`);
    if (r.chance(0.1)) query.push(`hub.verify_token=${t.whatsappVerifyToken}`); // repeated: an array
    if (r.chance(0.9)) query.push(`hub.challenge=${r.chance(0.6) ? r.int(0, 1e9) : pathPart(r.chance(0.5) ? nastyString(r) : 'x'.repeat(r.pick([513, 5000])))}`);
    return { kind: 'whatsapp handshake', method: 'GET', path: `${path}?${query.join('&')}`, headers: {} };
  }
  const seconds = () => (r.chance(0.8) ? String(Math.floor(Date.now() / 1000) - r.int(0, 1e6)) : r.pick<unknown>(['0', 0, -1, 1e20, '99999999999', '1.5', nastyString(r)]));
  const status = () => ({
    id: r.chance(0.7) ? r.pick(t.providerMessageIds) : nasty(),
    status: r.pick(['sent', 'delivered', 'read', 'failed', 'deleted', nastyString(r)]),
    timestamp: seconds(),
    recipient_id: r.chance(0.8) ? r.pick(t.contacts).phone.slice(1) : nasty(),
    ...(r.chance(0.2) ? { errors: r.chance(0.7) ? [{ code: 131026, title: 'Message undeliverable' }] : nasty() } : {}),
  });
  const message = () => {
    const type = r.pick(['text', 'text', 'button', 'interactive', 'image', nastyString(r)]);
    return {
      from: r.chance(0.7) ? r.pick(t.contacts).phone.slice(1) : nasty(),
      id: r.chance(0.8) ? `wamid.fuzz${r.int(0, 1e9)}` : nasty(),
      timestamp: seconds(),
      type,
      ...(r.chance(0.8) ? { text: { body: r.chance(0.7) ? r.pick(['STOP', 'START', 'HELP', 'yes please!', nastyString(r)]) : nasty() } } : {}),
      ...(type === 'button' ? { button: { text: nasty() } } : {}),
      ...(type === 'interactive' ? { interactive: { button_reply: { title: nasty() } } } : {}),
    };
  };
  const value = { ...(r.chance(0.6) ? { statuses: Array.from({ length: r.pick([0, 1, 3]) }, status) } : {}), ...(r.chance(0.6) ? { messages: Array.from({ length: r.pick([0, 1, 2]) }, message) } : {}) };
  const change = { field: r.chance(0.9) ? 'messages' : nastyString(r), value: r.chance(0.95) ? value : jsonValue(r, 2) };
  const body = r.chance(0.85)
    ? JSON.stringify({ object: r.chance(0.9) ? 'whatsapp_business_account' : nasty(), entry: r.chance(0.9) ? [{ id: '1', changes: [change] }] : jsonValue(r, 2) })
    : (JSON.stringify(jsonValue(r, 3)) ?? 'null');
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (sign) headers['x-hub-signature-256'] = whatsappSignatureHeader(r.chance(0.95) ? t.whatsappAppSecret : 'wrong-secret', body);
  else if (r.chance(0.5)) headers['x-hub-signature-256'] = nastyString(r).replace(/[^\x20-\x7e]/g, '');
  return { kind: 'whatsapp webhook', method: 'POST', path, headers, body };
}

function linkOrRouteCase(r: Random, t: FuzzTarget): Request {
  const routes = [
    () => `/l/${r.chance(0.5) && t.linkTokens.length ? r.pick(t.linkTokens) : pathPart(nastyString(r))}`,
    () => `/l/${r.pick(['%00', '%ff', '%', '..%2f..', 'a'.repeat(3000)])}`,
    () => `/o/${r.chance(0.5) ? r.pick(t.trackingTokens) : pathPart(nastyString(r))}`,
    () => `/u/${r.chance(0.5) ? r.pick(t.trackingTokens) : pathPart(nastyString(r))}`,
    () => `/${r.pick(['o', 'u'])}/${r.pick(['%00', '%ff', '%', '..%2f..', 'a'.repeat(3000)])}`,
    () => `/v1/campaigns/${r.chance(0.5) ? t.campaignId : pathPart(nastyString(r))}/export.csv`,
    () => `/v1/opt-outs.csv${r.pick(['', `?days=${pathPart(nastyString(r))}`, `?days=${r.pick(['0', '30', '3650', '3651', '-1', '1e3', '99999999999'])}`])}`,
    () => `/${pathPart(nastyString(r))}`,
    // The dashboard: client routes (index.html) and its assets.
    () => `/${r.pick(['tests', 'assets'])}/${r.chance(0.2) ? r.pick(['%00', '%ff', '%', '..%2f..', '__proto__', 'a'.repeat(3000)]) : pathPart(nastyString(r))}`,
    () => `/graphql?query=${pathPart(nastyString(r))}`,
    () => `/healthz?x=${pathPart(nastyString(r))}`,
  ];
  const key = r.pick([t.key, t.readKey, '', nastyString(r).replace(/[^\x20-\x7e]/g, '')]);
  const method = r.pick(['GET', 'GET', 'GET', 'POST', 'DELETE', 'HEAD']);
  const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  if (method !== 'POST') return { kind: 'link or route', method, path: r.pick(routes)(), headers };
  // POST bodies as an unsubscribe (RFC 8058 one-click, the page's form) or anything else.
  headers['content-type'] = r.pick(['application/x-www-form-urlencoded', 'multipart/form-data; boundary=b', 'multipart/form-data', 'text/plain', 'application/json', nastyString(r).replace(/[^\x20-\x7e]/g, '') || 'x/y']);
  const body = r.pick([
    () => 'List-Unsubscribe=One-Click',
    () => 'confirm=yes',
    () => '--b\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--b--\r\n',
    () => nastyString(r),
    () => JSON.stringify(jsonValue(r, 2)),
  ])();
  return { kind: 'link or route', method, path: r.pick(routes)(), headers, body };
}

export function makeCase(seed: number, index: number, t: FuzzTarget): Request {
  const r = prng(seed * 1_000_003 + index);
  const roll = r.next();
  const c = roll < 0.4 ? graphqlCase(r, t) : roll < 0.5 ? malformedGraphqlCase(r, t) : roll < 0.6 ? eventsCase(r, t) : roll < 0.65 ? ordersCase(r, t) : roll < 0.9 ? webhookCase(r, t) : linkOrRouteCase(r, t);
  // Headers the server echoes or parses: a request id of any printable bytes, odd Authorization forms.
  if (r.chance(0.1)) c.headers['x-request-id'] = Array.from({ length: r.pick([1, 36, 300, 5000]) }, () => String.fromCharCode(r.chance(0.8) ? r.int(0x20, 0x7e) : r.int(0x80, 0xff))).join('').trim() || 'x';
  if (r.chance(0.05)) c.headers.authorization = r.pick(['Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', `bearer ${t.key}`, `Bearer  ${t.key}`, `Bearer ${t.key}x`, 'Bearer ' + 'sk_'.repeat(3000)]);
  return c;
}

function describe(c: Request): string {
  const body = c.body === undefined ? '' : ` ${c.body.length > 400 ? `${c.body.slice(0, 400)}… (${c.body.length} chars)` : c.body}`;
  return `${c.method} ${c.path.length > 200 ? c.path.slice(0, 200) + '…' : c.path}${body}`;
}

/** Runs `cases` cases from `seed`; returns every broken invariant (empty when all held). */
export async function runFuzz(t: FuzzTarget, seed: number, cases: number, onProgress?: (done: number) => void): Promise<FuzzFailure[]> {
  const failures: FuzzFailure[] = [];
  let before = await fingerprint(t.app);
  for (let index = 0; index < cases; index++) {
    const c = makeCase(seed, index, t);
    const fail = (problem: string) => failures.push({ index, kind: c.kind, request: describe(c), problem });
    let status: number;
    let text: string;
    try {
      const res = await fetch(t.app.url + c.path, { method: c.method, headers: c.headers, body: c.method === 'GET' || c.method === 'HEAD' ? undefined : c.body, redirect: 'manual' });
      status = res.status;
      text = await res.text();
    } catch (e) {
      fail(`request failed: ${(e as Error).message}`);
      continue;
    }
    if (status >= 500) fail(`HTTP ${status}: ${text.slice(0, 300)}`);
    let rejected = status >= 400;
    if (c.path.startsWith('/graphql') && text.startsWith('{')) {
      const body = JSON.parse(text) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
      if (body.errors?.some((e) => e.extensions?.code === 'INTERNAL')) fail(`INTERNAL: ${text.slice(0, 300)}`);
      if (body.errors?.length && (body.data === null || body.data === undefined)) rejected = true;
    }
    const after = await fingerprint(t.app);
    if (rejected && after !== before) fail(`a rejected request (HTTP ${status}) changed stored data: ${text.slice(0, 200)}`);
    before = after;
    onProgress?.(index + 1);
  }
  // Healthy afterwards: liveness, readiness, and a valid query.
  for (const path of ['/healthz', '/readyz']) {
    const res = await fetch(t.app.url + path);
    if (res.status !== 200) failures.push({ index: cases, kind: 'health', request: `GET ${path}`, problem: `HTTP ${res.status}` });
  }
  const res = await fetch(`${t.app.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${t.key}` }, body: JSON.stringify({ query: '{ viewer { workspace { id } } }' }) });
  const body = (await res.json()) as { data?: { viewer?: { workspace?: { id?: string } } } };
  if (body.data?.viewer?.workspace?.id !== t.workspaceId) failures.push({ index: cases, kind: 'health', request: 'viewer query', problem: JSON.stringify(body) });
  return failures;
}
