/**
 * The webhook retry queue end to end over real HTTP: a status callback that arrives while its
 * message is not yet committed is parked and processed once it is; a callback whose message never
 * comes dies after its attempts, is listed with a summary and its error, and is replayed by an
 * admin (requeueWebhookRetry, requeueDeadWebhooks) exactly once however often it is replayed.
 */
import { Client } from 'pg';
import { RequeueDeadWebhooksDocument, RequeueWebhookRetryDocument, UpdateWorkspaceSettingsDocument, WebhookHealthDocument, WebhookRetriesDocument } from '../generated/graphql';
import { recordMessage } from '../../src/tracking/messages';
import { MAX_ATTEMPTS } from '../../src/tracking/webhooks/retries';
import { processWebhook } from '../../src/tracking/webhooks/process';
import { EventType } from '../../src/domain/event-type';
import { Channel } from '../../src/domain/channel';
import { twilioSignature } from '../../src/tracking/webhooks/signatures';
import { newId } from '../../src/shared/ids';
import { campaignWithRecipients, type CampaignFixture } from '../helpers/fixtures';
import { errorOf, startTestApp, type TestApp } from '../helpers/harness';
import { until } from '../helpers/until';

const PUBLIC_URL = 'https://hooks.splitcast.test';
const TOKEN = 'dead-letter-twilio-token';

let t: TestApp;
let key: string;
let f: CampaignFixture;
beforeAll(async () => {
  t = await startTestApp({ PUBLIC_URL, WEBHOOK_RECEIPTS_FLUSH_MS: '100' });
  key = await t.newWorkspaceKey('dead-letters');
  await t.ok(UpdateWorkspaceSettingsDocument, { input: { twilioAuthToken: TOKEN } }, key);
  f = await campaignWithRecipients(t, key, 8, [50, 50], 'dl');
});
afterAll(() => t.close());

async function callback(sid: string, status: string) {
  const params = { MessageSid: sid, MessageStatus: status, AccountSid: 'AC1' };
  const path = `/webhooks/twilio/${f.workspaceId}`;
  const res = await fetch(t.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(TOKEN, PUBLIC_URL + path, params) },
    body: new URLSearchParams(params).toString(),
  });
  await res.arrayBuffer(); // read: an unread body keeps its connection open
  return res;
}

const sent = (i: number, sid: string) => {
  const c = f.contacts[i]!;
  return recordMessage(t.app.orm.em.fork(), { workspaceId: f.workspaceId, campaignId: f.campaignId, contactId: c.id, variantId: c.variantId, provider: 'twilio', providerMessageId: sid });
};
const events = async (sid: string) =>
  Number((await t.sql<{ n: string }>(`select count(*) as n from events where message_id = (select id from messages where provider_message_id = ?)`, [sid]))[0]!.n);
const retryOf = async (sid: string) => (await t.sql<{ id: string; status: string; attempts: number }>(`select id, status, attempts from webhook_retries where payload->>'providerMessageId' = ?`, [sid]))[0]!;
const twilioHealth = async () => (await t.ok(WebhookHealthDocument, {}, key)).webhookHealth.find((h) => h.provider === 'twilio');

/** Gives up on a queued callback: its last attempt, due now, fails. */
async function kill(sid: string) {
  await t.sql(`update webhook_retries set attempts = ?, next_attempt_at = now() where payload->>'providerMessageId' = ?`, [MAX_ATTEMPTS - 1, sid]);
  await t.app.retries.runDue();
  expect((await retryOf(sid)).status).toBe('DEAD');
}

it('parks a callback that arrives before its message is committed, counts it as retried, and processes it once the message exists', async () => {
  const c = f.contacts[0]!;
  // The sender's transaction holds the message uncommitted while the provider's callback comes in.
  const sender = new Client({ connectionString: t.databaseUrl });
  await sender.connect();
  try {
    await sender.query('begin');
    await sender.query(
      `insert into messages (id, workspace_id, campaign_id, contact_id, variant_id, provider, provider_message_id, status, sent_at) values ($1, $2, $3, $4, $5, 'twilio', 'SMearly', 'SENT', now())`,
      [newId(), f.workspaceId, f.campaignId, c.id, c.variantId],
    );
    const res = await callback('SMearly', 'delivered');
    expect(res.status).toBe(200); // durable: parked in the queue
    expect(await retryOf('SMearly')).toMatchObject({ status: 'PENDING', attempts: 1 });
    await sender.query('commit');
  } finally {
    await sender.end();
  }
  const health = await until(twilioHealth, (h) => h?.retriedLastHour === 1);
  expect(health).toMatchObject({ retriedLastHour: 1, retrying: 1, receivedLastHour: 1, acceptedLastHour: 0 });
  expect(health!.lastReceivedAt).not.toBeNull(); // a signed callback arrived, even though it could not be processed yet

  await t.sql(`update webhook_retries set next_attempt_at = now() where payload->>'providerMessageId' = 'SMearly'`);
  await t.app.retries.runDue();
  expect((await retryOf('SMearly')).status).toBe('DONE');
  expect(await events('SMearly')).toBe(1);
  expect((await t.sql<{ first_status_at: Date | null }>(`select first_status_at from messages where provider_message_id = 'SMearly'`))[0]!.first_status_at).not.toBeNull();

  // The provider redelivers it: a duplicate, counted as such, and the event still counts once.
  expect((await callback('SMearly', 'delivered')).status).toBe(200);
  const after = await until(twilioHealth, (h) => h?.duplicateLastHour === 1);
  expect(after).toMatchObject({ duplicateLastHour: 1, retriedLastHour: 1, retrying: 0 });
  expect(await events('SMearly')).toBe(1);
});

it('dead-letters a callback whose message never comes, lists it with a summary and its error, and replays it once', async () => {
  expect((await callback('SMnever', 'failed')).status).toBe(200);
  await kill('SMnever');
  const { id } = await retryOf('SMnever');

  const { webhookRetries } = await t.ok(WebhookRetriesDocument, { status: 'DEAD' }, key);
  expect(webhookRetries.nodes).toHaveLength(1);
  expect(webhookRetries.nodes[0]).toMatchObject({
    id,
    provider: 'twilio',
    status: 'DEAD',
    attempts: MAX_ATTEMPTS,
    lastError: 'unknown twilio message SMnever',
    nextAttemptAt: null,
    summary: { kind: 'status', eventType: 'FAILED', providerMessageId: 'SMnever', from: null, bodyLength: null },
  });
  expect((await t.ok(WebhookRetriesDocument, { status: 'DEAD', provider: 'openphone' }, key)).webhookRetries.nodes).toEqual([]);
  expect(await until(twilioHealth, (h) => h?.dead === 1)).toMatchObject({ dead: 1, deadLastHour: 1, status: 'DEGRADED' });

  // The message turns up (recorded late); an admin replays the dead letter.
  await sent(1, 'SMnever');
  const first = await t.ok(RequeueWebhookRetryDocument, { id }, key);
  expect(first.requeueWebhookRetry).toMatchObject({ id, status: 'DONE', lastError: null });
  expect(await events('SMnever')).toBe(1);
  expect((await t.sql<{ status: string }>(`select status from messages where provider_message_id = 'SMnever'`))[0]!.status).toBe('FAILED');
  const again = await t.ok(RequeueWebhookRetryDocument, { id }, key);
  expect(again.requeueWebhookRetry.status).toBe('DONE');
  expect(await events('SMnever')).toBe(1); // idempotent: the event key makes it a duplicate
});

it('answers NOT_FOUND for unknown and foreign ids, FORBIDDEN without ADMIN', async () => {
  expect((await callback('SMmine', 'delivered')).status).toBe(200);
  const { id } = await retryOf('SMmine');
  const other = await t.newWorkspaceKey('dl-other');
  expect(errorOf(await t.gql(RequeueWebhookRetryDocument, { id }, other))).toMatchObject({ code: 'NOT_FOUND' });
  expect(errorOf(await t.gql(RequeueWebhookRetryDocument, { id: newId() }, key))).toMatchObject({ code: 'NOT_FOUND' });
  expect(errorOf(await t.gql(RequeueWebhookRetryDocument, { id: 'not-an-id' }, key))).toMatchObject({ code: 'NOT_FOUND' });
  expect((await t.ok(WebhookRetriesDocument, {}, other)).webhookRetries.nodes).toEqual([]);
  expect((await t.ok(WebhookHealthDocument, {}, other)).webhookHealth).toEqual([]);
  expect(await t.ok(RequeueDeadWebhooksDocument, {}, other)).toEqual({ requeueDeadWebhooks: 0 });

  const readKey = await createReadKey();
  expect(errorOf(await t.gql(RequeueWebhookRetryDocument, { id }, readKey))).toMatchObject({ code: 'FORBIDDEN' });
  expect(errorOf(await t.gql(RequeueDeadWebhooksDocument, {}, readKey))).toMatchObject({ code: 'FORBIDDEN' });
  expect((await t.gql(WebhookRetriesDocument, {}, readKey)).errors).toBeUndefined();
  expect((await retryOf('SMmine')).attempts).toBe(1); // untouched
});

it('requeues every dead letter of a provider with fresh attempts and runs them', async () => {
  for (const sid of ['SMgone1', 'SMgone2']) {
    expect((await callback(sid, 'delivered')).status).toBe(200);
    await kill(sid);
  }
  await sent(2, 'SMgone1'); // only one of the two messages ever turns up
  expect(await t.ok(RequeueDeadWebhooksDocument, { provider: 'openphone' }, key)).toEqual({ requeueDeadWebhooks: 0 });
  expect(await t.ok(RequeueDeadWebhooksDocument, { provider: 'twilio' }, key)).toEqual({ requeueDeadWebhooks: 2 });
  const done = await until(() => retryOf('SMgone1'), (r) => r.status === 'DONE');
  expect(done.status).toBe('DONE');
  expect(await events('SMgone1')).toBe(1);
  // The other failed its first fresh attempt: waiting again, with the backoff from the start.
  const waiting = await until(() => retryOf('SMgone2'), (r) => r.attempts === 1);
  expect(waiting).toMatchObject({ status: 'PENDING', attempts: 1 });
  expect(await t.ok(RequeueDeadWebhooksDocument, {}, key)).toEqual({ requeueDeadWebhooks: 0 });
});

it('pages the queue newest first with opaque cursors', async () => {
  const all = (await t.ok(WebhookRetriesDocument, { first: 50 }, key)).webhookRetries.nodes.map((n) => n.id);
  expect(all.length).toBeGreaterThanOrEqual(5);
  const seen: string[] = [];
  let after: string | null | undefined = null;
  for (;;) {
    const { webhookRetries: page }: { webhookRetries: { nodes: { id: string }[]; pageInfo: { hasNextPage: boolean; endCursor?: string | null } } } = await t.ok(WebhookRetriesDocument, { first: 2, after }, key);
    seen.push(...page.nodes.map((n) => n.id));
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  expect(seen).toEqual(all);
  const received = (await t.ok(WebhookRetriesDocument, { first: 50 }, key)).webhookRetries.nodes.map((n) => Date.parse(n.receivedAt));
  expect([...received].sort((a, b) => b - a)).toEqual(received);
  expect(errorOf(await t.gql(WebhookRetriesDocument, { after: 'bogus' }, key))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_CURSOR' });
  expect(errorOf(await t.gql(WebhookRetriesDocument, { first: -1 }, key))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_PAGE_SIZE' });
});

async function createReadKey(): Promise<string> {
  const r = await t.raw<{ createApiKey: { secret: string } }>('mutation { createApiKey(name: "reader", scopes: [READ]) { secret } }', {}, key);
  return r.data!.createApiKey.secret;
}

it('answers webhookHealth with its history in a constant number of statements, whatever the number of providers', async () => {
  const statements = async (alias: string) => {
    const before = await t.metric('splitcast_db_queries_total');
    const r = await t.raw<{ [k: string]: { provider: string; history: unknown[] }[] }>(`{ ${alias}: webhookHealth { provider status history(hours: 48) { hour } } }`, {}, key);
    expect(r.errors).toBeUndefined();
    return { n: (await t.metric('splitcast_db_queries_total')) - before, providers: r.data![alias]!.map((h) => h.provider) };
  };
  const one = await statements('one');
  expect(one.providers).toEqual(['twilio']);
  const c = f.contacts[3]!;
  await recordMessage(t.app.orm.em.fork(), { workspaceId: f.workspaceId, campaignId: f.campaignId, contactId: c.id, variantId: c.variantId, provider: 'openphone', providerMessageId: 'OPmsg1' });
  const two = await statements('two');
  expect(two.providers).toEqual(['openphone', 'twilio']);
  expect(two.n).toBe(one.n);
  expect(two.n).toBeLessThanOrEqual(3); // health, history (and at most one for the caller's key)
});

it('stamps the first status callback in the lookup: a status callback costs its lookup and its ingestion, not a statement more', async () => {
  const statements = async (work: () => Promise<unknown>) => {
    const before = await t.metric('splitcast_db_queries_total');
    await work();
    return (await t.metric('splitcast_db_queries_total')) - before;
  };
  await sent(4, 'SMcostA');
  await sent(5, 'SMcostB');
  const message = async (sid: string) =>
    (await t.sql<{ id: string; campaign_id: string; contact_id: string; first_status_at: Date | null }>('select id, campaign_id, contact_id, first_status_at from messages where provider_message_id = ?', [sid]))[0]!;
  const a = await message('SMcostA');
  // What the same kind of event costs straight through the pipeline, without a callback.
  const ingestion = await statements(() =>
    t.app.ingestion.ingest(
      f.workspaceId,
      [{ campaignId: a.campaign_id, contactId: a.contact_id, type: EventType.SENT, variantId: null, occurredAt: new Date(), value: null, sentiment: null, url: null, merchantId: null, idempotencyKey: 'twilio:SMcostA:sent', messageId: a.id, keyword: null }],
      'webhook:twilio',
    ),
  );
  const status = (type: EventType, key: string) => processWebhook(t.app.orm.em.fork(), t.app.ingestion, f.workspaceId, { kind: 'status', provider: 'twilio', providerMessageId: 'SMcostB', type, eventKey: key, at: new Date().toISOString() });
  expect(await statements(() => status(EventType.SENT, 'twilio:SMcostB:sent'))).toBe(ingestion + 1); // + the lookup
  const first = (await message('SMcostB')).first_status_at;
  expect(first).not.toBeNull();
  expect((await message('SMcostA')).first_status_at).toBeNull(); // no callback came for it
  // A later callback keeps the first one's time; a final status costs its own update, as before.
  await status(EventType.DELIVERED, 'twilio:SMcostB:delivered');
  expect(await t.sql('select status, first_status_at from messages where provider_message_id = ?', ['SMcostB'])).toEqual([{ status: 'DELIVERED', first_status_at: first }]);
});

it('shows a database error without the failed statement, whose inlined values are the addresses the summary masks', async () => {
  const c = f.contacts[6]!;
  await t.sql(`update contacts set email = 'jane.doe@example.com' where id = ?`, [c.id]);
  await recordMessage(t.app.orm.em.fork(), { workspaceId: f.workspaceId, campaignId: f.campaignId, contactId: c.id, variantId: c.variantId, provider: 'email', providerMessageId: '<dl-bounce@mg.example>', channel: Channel.EMAIL });
  // Marking the bounce fails for real (a constraint the update breaks), after the address went into the statement.
  await t.sql(`alter table contacts add constraint dl_no_bounce check (email_bounced_at is null) not valid`);
  try {
    const payload = { kind: 'status', provider: 'email', providerMessageId: '<dl-bounce@mg.example>', type: 'FAILED', eventKey: 'email:dl-bounce:failed', at: new Date().toISOString(), bouncedAddress: 'jane.doe@example.com' };
    await t.sql(`insert into webhook_retries (id, workspace_id, provider, payload, attempts, next_attempt_at, last_error) values (?, ?, 'email', ?::jsonb, 1, now(), 'first')`, [newId(), f.workspaceId, JSON.stringify(payload)]);
    await t.app.retries.runDue();
    const stored = (await t.sql<{ last_error: string }>(`select last_error from webhook_retries where payload->>'providerMessageId' = '<dl-bounce@mg.example>'`))[0]!.last_error;
    expect(stored).toBe('database error 23514 (constraint dl_no_bounce)'); // the statement and the row it names are in the server log only
    const [node] = (await t.ok(WebhookRetriesDocument, { provider: 'email' }, key)).webhookRetries.nodes;
    expect(node).toMatchObject({ status: 'PENDING', summary: { address: 'j•••@example.com' }, lastError: 'database error 23514 (constraint dl_no_bounce)' });
    // A row stored before this rule (the statement with its values) is shown without it.
    await t.sql(`update webhook_retries set last_error = ? where payload->>'providerMessageId' = '<dl-bounce@mg.example>'`, [`update contacts set email = 'jane.doe@example.com' - boom`]);
    expect((await t.ok(WebhookRetriesDocument, { provider: 'email' }, key)).webhookRetries.nodes[0]!.lastError).toBe('database error');
  } finally {
    await t.sql(`alter table contacts drop constraint dl_no_bounce`);
  }
});
