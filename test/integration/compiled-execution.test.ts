/**
 * Compiled execution (graphql-jit, from a document's second use) answers exactly what graphql-js
 * answers for the same request: data, errors (message, path, locations, extensions.code/reason),
 * null propagation, directives, fragments, aliases, __typename and the custom scalars. Sharing is
 * off here, so every request executes and the first/second answers are interpreted/compiled.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { COMPILED_CONCURRENCY } from '../../src/graphql/compiled-execution';
import { until } from '../helpers/until';
import { startTestApp, type TestApp } from '../helpers/harness';

let t: TestApp;
let campaignId: string;

async function body(query: string, variables?: unknown, operationName?: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminKey}` },
    body: JSON.stringify({ query, variables, operationName }),
  });
  return { status: res.status, text: await res.text() };
}

/** First (interpreted) answer, then two more (compiled): all byte for byte the same. */
async function sameCompiled(query: string, variables?: unknown, operationName?: string): Promise<unknown> {
  const first = await body(query, variables, operationName);
  const second = await body(query, variables, operationName);
  const third = await body(query, variables, operationName);
  expect(second).toEqual(first);
  expect(third).toEqual(first);
  return JSON.parse(first.text);
}

beforeAll(async () => {
  t = await startTestApp({ GRAPHQL_SHARED_RESULTS_MS: '0', RATE_LIMIT: 'off' });
  const r = await t.raw<{ createCampaign: { id: string } }>(
    'mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }',
    {
      input: {
        name: 'parity',
        type: 'AB_TEST',
        offerAmount: 1.25,
        costPerMessage: 0.0079,
        audience: { tags: ['a', 'b'] },
        variants: [{ template: 'a {{link}}' }, { template: 'b {{link}}' }],
      },
    },
  );
  expect(r.errors).toBeUndefined();
  campaignId = r.data!.createCampaign.id;
});
afterAll(() => t.close());

it('answers a resolver NOT_FOUND identically (root non-null field: data null)', async () => {
  const r = (await sameCompiled('query($id: ID!) { campaign(id: $id) { id name } }', { id: randomUUID() })) as { errors: { extensions: { code: string } }[] };
  expect(r.errors[0]!.extensions.code).toBe('NOT_FOUND');
});

it('answers a resolver BAD_USER_INPUT identically (argument checked by the service)', async () => {
  const r = (await sameCompiled('{ campaigns(first: 500) { nodes { id } } }')) as { errors: { extensions: { code: string; reason: string } }[] };
  expect(r.errors[0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_PAGE_SIZE' });
  await sameCompiled('{ campaigns(after: "bm90IGEgY3Vyc29y") { nodes { id } } }');
});

it('answers a nested field error (null propagation, path with list index) identically', async () => {
  const r = (await sameCompiled(
    'query($from: DateTime!) { campaigns(first: 5) { nodes { id timeSeries(interval: HOUR, from: $from) { sent } } } }',
    { from: new Date(Date.now() + 86_400_000).toISOString() },
  )) as { errors: { path: unknown[]; extensions: { reason: string } }[] };
  expect(r.errors[0]!.extensions.reason).toBe('INVALID_RANGE');
  expect(r.errors[0]!.path).toContain(0);
});

it('answers directives, fragments, aliases, __typename and custom scalars identically', async () => {
  const query = `
    query Page($id: ID!, $withVariants: Boolean!, $skipStats: Boolean = true) {
      __typename
      one: campaign(id: $id) { ...C variants @include(if: $withVariants) { __typename key weight } stats @skip(if: $skipStats) { sent } }
      two: campaign(id: $id) { ... on Campaign { aka: name } }
    }
    fragment C on Campaign { __typename id createdAt startedAt audience offerAmount costPerMessage status experiment { method confidenceLevel } }`;
  for (const withVariants of [true, false]) {
    const r = (await sameCompiled(query, { id: campaignId, withVariants }, 'Page')) as { data: { one: Record<string, unknown> } };
    expect(r.data.one.audience).toEqual({ tags: ['a', 'b'] });
    expect('variants' in r.data.one).toBe(withVariants);
  }
});

it('answers fragments on an interface and JSON inputs (literal and variable) identically', async () => {
  const r = (await sameCompiled(
      `query($id: ID!, $vars: JSON) {
        campaign(id: $id) { stats { ...E } variants { stats { ... on EngagementStats { sent __typename } } } }
        a: previewTemplate(template: "Hi {{name}} {{link}}", variables: { name: "lit", n: [1, 2.5, null, { x: true }] }) { __typename }
        b: previewTemplate(template: "Hi {{name}} {{link}}", variables: $vars) { __typename }
      }
      fragment E on EngagementStats { sent __typename }`,
    { id: campaignId, vars: { name: 'var', deep: { a: [1, 'two'] } } },
  )) as { data: { campaign: { stats: { __typename: string } } } };
  expect(r.data.campaign.stats.__typename).toBe('CampaignStats');
});

it('answers variables that do not coerce identically (graphql-js errors)', async () => {
  await sameCompiled('query($id: ID!) { campaign(id: $id) { id } }', { id: 5.5 });
  await sameCompiled('query($first: Int) { campaigns(first: $first) { nodes { id } } }', { first: 'ten' });
  await sameCompiled('query($from: DateTime) { campaign(id: "00000000-0000-4000-8000-000000000000") { timeSeries(from: $from) { sent } } }', { from: 'not a date' });
});

it('a workspace whose compiled queries wait on the database does not hold up another workspace', async () => {
  const other = await t.newWorkspaceKey('compiled-other');
  const post = (query: string, key: string) =>
    fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query }) }).then(
      async (r) => (await r.json()) as { errors?: unknown; data?: unknown },
    );
  const slow = '{ campaigns(first: 1) { nodes { id } } }';
  const fast = '{ templates { id } }';
  // Both documents seen once: from now on both are compiled.
  expect((await post(slow, t.adminKey)).errors).toBeUndefined();
  expect((await post(fast, other)).errors).toBeUndefined();
  // Another session holds the campaigns table: the first workspace's listings wait on it (as a
  // long report, a lock or a slow disk would make them), more of them than the bound.
  const locker = new Client({ connectionString: t.databaseUrl });
  await locker.connect();
  try {
    await locker.query('begin');
    await locker.query('lock table campaigns in access exclusive mode');
    const waiting = Array.from({ length: COMPILED_CONCURRENCY + 2 }, () => post(slow, t.adminKey));
    // Until all of them are blocked on the lock (pg_locks shows the waiters).
    const waiters = async () => (await locker.query<{ n: string }>(`select count(*) as n from pg_locks where relation = 'campaigns'::regclass and not granted`)).rows[0]!.n;
    expect(Number(await until(waiters, (n) => Number(n) >= COMPILED_CONCURRENCY, 10_000))).toBeGreaterThanOrEqual(COMPILED_CONCURRENCY);
    let answered: { errors?: unknown } | undefined;
    void post(fast, other).then((r) => (answered = r));
    const seen = await until(() => answered, (a) => a !== undefined, 5_000);
    expect(seen).toBeDefined();
    expect(seen!.errors).toBeUndefined();
    await locker.query('rollback');
    for (const r of await Promise.all(waiting)) expect(r.errors).toBeUndefined();
  } finally {
    await locker.end();
  }
});

it('applies variable defaults the client left out, as graphql-js does (graphql-jit ignored them: INTERNAL for a non-null one)', async () => {
  // Non-null with a default, omitted: graphql-jit answered "was not provided" (INTERNAL).
  const required = (await sameCompiled('query($first: Int! = 1) { campaigns(first: $first) { nodes { id } } }')) as { data: { campaigns: { nodes: unknown[] } } };
  expect(required.data.campaigns.nodes).toHaveLength(1);
  // Nullable with a default, omitted: graphql-jit fell back to the argument's default (20).
  const nullable = (await sameCompiled('query($first: Int = 1) { campaigns(first: $first) { nodes { id } } }')) as { data: { campaigns: { nodes: unknown[] } } };
  expect(nullable.data.campaigns.nodes).toHaveLength(1);
  // An explicit null stays null (no default applied): graphql-js and the compiled query agree.
  await sameCompiled('query($first: Int = 1) { campaigns(first: $first) { nodes { id } } }', { first: null });
  // An enum default goes through as its literal.
  const ranked = (await sameCompiled('query($m: RankMetric! = REVENUE) { topCampaigns(metric: $m, days: 30) { value } }')) as { data?: unknown; errors?: unknown };
  expect(ranked.errors).toBeUndefined();
});
