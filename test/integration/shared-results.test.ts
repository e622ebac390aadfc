/**
 * Shared query results (src/graphql/shared-results.ts): identical queries under the same database
 * snapshot share one execution, and nothing else does. The real app, its real database; the
 * layer's own counters (app.http.sharedResults.stats) say whether a request executed, and the
 * SQL statement counter confirms it. RATE_LIMIT=off and JOBS=off leave no background writer, so
 * the snapshot only moves when a test writes.
 */
import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../helpers/harness';
import { until } from '../helpers/until';

const MAX_AGE_MS = 2000;
let t: TestApp;
let key: string;

const stats = () => ({ ...t.app.http.sharedResults!.stats });
const names = async (k: string) => {
  const r = await t.raw<{ campaigns: { nodes: { name: string }[] } }>('{ campaigns(first: 50) { nodes { name } } }', undefined, k);
  expect(r.errors).toBeUndefined();
  return r.data!.campaigns.nodes.map((n) => n.name).sort();
};
const snapshot = async () => (await t.sql<{ s: string }>('select pg_current_snapshot()::text as s'))[0]!.s;

async function createCampaign(k: string, name: string): Promise<string> {
  const r = await t.raw<{ createCampaign: { id: string } }>(
    'mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }',
    { input: { name, type: 'AB_TEST', variants: [{ template: 'a {{link}}' }, { template: 'b {{link}}' }] } },
    k,
  );
  expect(r.errors).toBeUndefined();
  return r.data!.createCampaign.id;
}

beforeAll(async () => {
  t = await startTestApp({ GRAPHQL_SHARED_RESULTS_MS: String(MAX_AGE_MS), RATE_LIMIT: 'off' });
  key = await t.newWorkspaceKey('shared');
  await createCampaign(key, 'first');
});
afterAll(() => t.close());

it('serves a repeated query from the shared answer (so the tests below can catch a stale one)', async () => {
  const before = stats();
  // Several tries: a commit by PostgreSQL itself (autoanalyze) between two requests moves the snapshot.
  for (let i = 0; i < 5; i++) await names(key);
  expect(stats().hits).toBeGreaterThan(before.hits);
});

it('a mutation, then a query: the query sees the mutation (no stale read)', async () => {
  for (let i = 0; i < 3; i++) {
    await names(key);
    await names(key); // stored
    const name = `after mutation ${i}`;
    await createCampaign(key, name);
    expect(await names(key)).toContain(name);
  }
});

it('a mutation on another instance, then a query here: the query sees it', async () => {
  const other = await t.anotherInstance();
  await names(key);
  await names(key);
  const r = await fetch(`${other.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({
      query: 'mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }',
      variables: { input: { name: 'from the other instance', type: 'AB_TEST', variants: [{ template: 'a {{link}}' }, { template: 'b {{link}}' }] } },
    }),
  });
  expect(((await r.json()) as { errors?: unknown }).errors).toBeUndefined();
  expect(await names(key)).toContain('from the other instance');
});

it('an event ingested, then a query: the query sees the new counter', async () => {
  const campaignId = await createCampaign(key, 'ingestion');
  const contact = await t.raw<{ upsertContacts: unknown }>('mutation($c: [ContactInput!]!) { upsertContacts(contacts: $c) { created } }', { c: [{ externalId: 'ing-1', phone: '+14155550999', consent: true, tags: ['ing'] }] }, key);
  expect(contact.errors).toBeUndefined();
  const added = await t.raw('mutation($id: ID!) { addRecipients(campaignId: $id, audience: { tags: ["ing"] }) { added } }', { id: campaignId }, key);
  expect(added.errors).toBeUndefined();
  const [{ id: contactId }] = await t.sql<{ id: string }>('select contact_id as id from assignments where campaign_id = ?', [campaignId]);
  const clicked = async () => {
    const r = await t.raw<{ campaign: { variants: { stats: { clicked: number } }[] } }>(
      'query($id: ID!) { campaign(id: $id) { variants { stats { clicked } } } }',
      { id: campaignId },
      key,
    );
    expect(r.errors).toBeUndefined();
    return r.data!.campaign.variants.reduce((a, v) => a + v.stats.clicked, 0);
  };
  expect(await clicked()).toBe(0);
  expect(await clicked()).toBe(0);
  const res = await fetch(`${t.url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ events: [{ campaignId, contactId, type: 'CLICKED' }] }),
  });
  expect(res.status).toBe(200);
  expect(await clicked()).toBe(1);
});

it('concurrent identical queries execute once', async () => {
  const query = '{ campaigns(first: 50) { nodes { id name variants { key stats { sent clicked } } } } }';
  const go = () => t.raw(query, undefined, key);
  await go(); // a first use is interpreted, later ones compiled: not what this test counts
  let attempt = 0;
  for (;;) {
    // A fresh snapshot (a write), so none of the ten finds a stored answer.
    await t.sql("update campaigns set description = 'touched' where name = 'first'");
    const snap = await snapshot();
    const before = stats();
    const sqlBefore = await t.metric('splitcast_db_queries_total');
    const answers = await Promise.all(Array.from({ length: 10 }, go));
    const sqlAfter = await t.metric('splitcast_db_queries_total');
    const after = stats();
    // Only meaningful when nothing else committed meanwhile: the snapshot is the cluster's, and the
    // other test files' apps (their jobs, senders, flushes) commit on the same PostgreSQL. Retry
    // until one round saw no commit; failing to get one in 50 rounds fails the test.
    if ((await snapshot()) !== snap) {
      if (++attempt < 50) continue;
      throw new Error('no round of ten requests without a commit elsewhere in the cluster in 50 tries');
    }
    for (const a of answers) expect(a).toEqual(answers[0]);
    expect(answers[0]!.errors).toBeUndefined();
    expect(after.executions - before.executions).toBe(1);
    expect(after.joined + after.hits - before.joined - before.hits).toBe(9);
    // One execution's statements plus one snapshot read per request.
    const one = await (async () => {
      await t.sql("update campaigns set description = 'touched again' where name = 'first'");
      const b = await t.metric('splitcast_db_queries_total');
      await go();
      return (await t.metric('splitcast_db_queries_total')) - b;
    })();
    expect(sqlAfter - sqlBefore).toBe(one - 1 + 10);
    break;
  }
});

it('never shares across workspaces', async () => {
  const other = await t.newWorkspaceKey('shared-other');
  await createCampaign(other, 'only in the other workspace');
  for (let i = 0; i < 3; i++) {
    expect(await names(key)).not.toContain('only in the other workspace');
    expect(await names(other)).toEqual(['only in the other workspace']);
  }
});

it('never shares across scopes or, for the caller-specific viewer, across keys', async () => {
  const create = async (name: string, scopes: string[]) => {
    // A key of the `key` workspace: createApiKey without workspaceName, called with its ADMIN key.
    const r = await t.raw<{ createApiKey: { secret: string } }>('mutation($n: String!, $s: [ApiScope!]!) { createApiKey(name: $n, scopes: $s) { secret } }', { n: name, s: scopes }, key);
    expect(r.errors).toBeUndefined();
    return r.data!.createApiKey.secret;
  };
  const reader = await create('reader', ['READ']);
  const reader2 = await create('reader two', ['READ']);
  const viewer = async (k: string) => {
    const r = await t.raw<{ viewer: { apiKeyName: string; scopes: string[]; workspace: { id: string } } }>('{ viewer { apiKeyName scopes workspace { id } } }', undefined, k);
    expect(r.errors).toBeUndefined();
    return r.data!.viewer;
  };
  const ws = (await viewer(key)).workspace.id;
  for (let i = 0; i < 3; i++) {
    expect(await viewer(reader)).toEqual({ apiKeyName: 'reader', scopes: ['READ'], workspace: { id: ws } });
    expect(await viewer(key)).toMatchObject({ scopes: ['ADMIN'], workspace: { id: ws } });
    expect(await viewer(reader2)).toEqual({ apiKeyName: 'reader two', scopes: ['READ'], workspace: { id: ws } });
  }
  // The same campaign list for READ and ADMIN of one workspace: the same data, each executed for itself.
  const before = stats();
  await names(reader);
  await names(key);
  expect(stats().executions - before.executions).toBeGreaterThanOrEqual(1);
  expect(await names(reader)).toEqual(await names(key));
});

it('never shares across variables or operation names', async () => {
  const byVariables = async (first: number) => {
    const r = await t.raw<{ campaigns: { nodes: unknown[] } }>('query Page($first: Int) { campaigns(first: $first) { nodes { id } } }', { first }, key);
    expect(r.errors).toBeUndefined();
    return r.data!.campaigns.nodes.length;
  };
  const twoOperations = 'query One { campaigns(first: 1) { nodes { id } } } query Two { campaigns(first: 2) { nodes { id } } }';
  const byName = async (operationName: string) => {
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: twoOperations, operationName }),
    });
    return ((await res.json()) as { data: { campaigns: { nodes: unknown[] } } }).data.campaigns.nodes.length;
  };
  for (let i = 0; i < 3; i++) {
    expect(await byVariables(1)).toBe(1);
    expect(await byVariables(2)).toBe(2);
    expect(await byName('One')).toBe(1);
    expect(await byName('Two')).toBe(2);
  }
});

it('never stores or shares an answer with errors', async () => {
  const query = `{ campaign(id: "${randomUUID()}") { id } }`;
  const before = stats();
  const answers = [await t.raw(query, undefined, key), await t.raw(query, undefined, key), ...(await Promise.all([1, 2, 3].map(() => t.raw(query, undefined, key))))];
  for (const a of answers) expect(a.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  const after = stats();
  expect(after.hits - before.hits).toBe(0);
  expect(after.joined - before.joined).toBe(0);
  expect(after.executions - before.executions).toBe(5);
});

it('never serves an answer older than GRAPHQL_SHARED_RESULTS_MS (computedAt is the clock at execution)', async () => {
  const [{ id }] = await t.sql<{ id: string }>("select id from campaigns where name = 'first'");
  const query = `{ campaign(id: "${id}") { analysis { computedAt } } }`;
  const before = stats();
  const seen = new Set<string>();
  const first = Date.now();
  await until(
    async () => {
      const sent = Date.now();
      const r = await t.raw<{ campaign: { analysis: { computedAt: string } } }>(query, undefined, key);
      expect(r.errors).toBeUndefined();
      const computedAt = Date.parse(r.data!.campaign.analysis.computedAt);
      // Computed at most MAX_AGE_MS before this request was sent (the execution's clock is this process's).
      expect(sent - computedAt).toBeLessThanOrEqual(MAX_AGE_MS);
      seen.add(r.data!.campaign.analysis.computedAt);
      return seen.size;
    },
    (n) => n >= 3 && Date.now() - first > MAX_AGE_MS * 2,
    20_000,
    100,
  );
  expect(seen.size).toBeGreaterThanOrEqual(3);
  // …and it was shared meanwhile (otherwise the bound above proves nothing).
  expect(stats().hits - before.hits).toBeGreaterThan(0);
});
