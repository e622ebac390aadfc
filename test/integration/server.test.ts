import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { ViewerDocument } from '../generated/graphql';
import { errorOf, startTestApp, type TestApp } from '../helpers/harness';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ GRAPHQL_MAX_DEPTH: '3', GRAPHQL_MAX_COMPLEXITY: '500', BODY_LIMIT_BYTES: String(64 * 1024) });
});
afterAll(() => t.close());

describe('health, readiness, metrics', () => {
  it('answers /healthz and /readyz once migrations are applied', async () => {
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('exposes Prometheus metrics with the SQL statement counter and HTTP histograms', async () => {
    const before = await t.metric('splitcast_db_queries_total');
    await t.ok(ViewerDocument);
    const after = await t.metric('splitcast_db_queries_total');
    expect(after).toBeGreaterThan(before);
    const text = await (await fetch(`${t.url}/metrics`)).text();
    expect(text).toMatch(/splitcast_http_request_duration_seconds_bucket\{.*route="\/graphql".*\}/);
  });

  it('echoes or assigns a request id', async () => {
    const given = await fetch(`${t.url}/healthz`, { headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    const assigned = await fetch(`${t.url}/healthz`);
    expect(assigned.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await fetch(`${t.url}/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });
});

describe('authentication', () => {
  it('refuses a query without a key: UNAUTHENTICATED, HTTP 401', async () => {
    const r = await t.gql(ViewerDocument, {}, null);
    expect(r.status).toBe(401);
    expect(errorOf(r)?.code).toBe('UNAUTHENTICATED');
    expect(r.data ?? null).toBeNull();
  });

  it('refuses an unknown key and a malformed header', async () => {
    expect(errorOf(await t.gql(ViewerDocument, {}, 'sk_not_a_real_key'))?.code).toBe('UNAUTHENTICATED');
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${t.adminKey}` },
      body: JSON.stringify({ query: '{ viewer { apiKeyName } }' }),
    });
    expect(res.status).toBe(401);
  });

  it('refuses introspection without a key too', async () => {
    const r = await t.raw('{ __schema { queryType { name } } }', {}, null);
    expect(errorOf(r)?.code).toBe('UNAUTHENTICATED');
  });
});

describe('request protection', () => {
  it('refuses a query deeper than the limit (3 in this file), counted through fragments, before running it', async () => {
    expect((await t.raw('{ viewer { workspace { id } } }')).errors).toBeUndefined();
    const before = await t.metric('splitcast_db_queries_total');
    const deep = await t.raw('{ optOutLog { nodes { contact { id } } } }');
    expect(errorOf(deep)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_COMPLEX' });
    expect(deep.status).toBe(400);
    const viaFragment = await t.raw('fragment E on OptOutEntry { contact { id } } { optOutLog { nodes { ...E } } }');
    expect(errorOf(viaFragment)?.reason).toBe('QUERY_TOO_COMPLEX');
    // Refused before execution: no statement ran (the key itself comes from the cache).
    expect(await t.metric('splitcast_db_queries_total')).toBe(before);
  });

  it('refuses a query whose cost (page sizes × fields) exceeds the limit', async () => {
    expect((await t.raw('{ contacts(first: 100) { nodes { id tags } } }')).errors).toBeUndefined();
    const r = await t.raw('{ contacts(first: 200) { nodes { id tags } } }');
    expect(errorOf(r)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_COMPLEX' });
    expect(r.errors?.[0]?.message).toMatch(/cost 601 exceeds the limit of 500/);
  });

  it('refuses a request body over the limit with a JSON 413', async () => {
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminKey}` },
      body: JSON.stringify({ query: `{ viewer { apiKeyName } } # ${'x'.repeat(70 * 1024)}` }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers malformed JSON with a 400 JSON error, and bad GraphQL with BAD_USER_INPUT', async () => {
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminKey}` },
      body: '{"query": ',
    });
    expect(res.status).toBe(400);
    expect(errorOf(await t.raw('{ viewer { nope } }'))).toEqual({ code: 'BAD_USER_INPUT', reason: 'GRAPHQL_VALIDATION_FAILED', field: undefined });
    expect(errorOf(await t.raw('{ viewer {'))?.reason).toBe('GRAPHQL_PARSE_FAILED');
    expect(errorOf(await t.raw('query($n: Int!) { contacts(first: $n) { totalCount } }', { n: 'ten' }))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_VARIABLES' });
  });
});

describe('unexpected failures', () => {
  it('answer INTERNAL with a generic message and no stack trace (details stay in the log)', async () => {
    const db = t.app.orm.em.fork().getConnection();
    await db.execute('alter table templates rename to templates_gone');
    try {
      const r = await t.raw('{ templates { id } }');
      expect(r.status).toBe(200);
      expect(r.errors).toEqual([{ message: 'Internal server error', path: ['templates'], extensions: { code: 'INTERNAL' } }]);
      expect(JSON.stringify(r)).not.toMatch(/templates_gone|relation|at .*\.js/);
    } finally {
      await db.execute('alter table templates_gone rename to templates');
    }
    expect((await t.raw('{ templates { id } }')).errors).toBeUndefined();
  });
});

describe('GraphQL over WebSocket (graphql-ws, same path)', () => {
  const wsUrl = () => t.url.replace('http', 'ws') + '/graphql';

  function run<T>(connectionParams: Record<string, unknown>, query: string): Promise<{ data?: T; errors?: unknown[]; closed?: number }> {
    return new Promise((resolve) => {
      const client = createClient({
        url: wsUrl(),
        webSocketImpl: WebSocket,
        connectionParams,
        retryAttempts: 0,
        lazy: true,
        on: { closed: (e) => resolve({ closed: (e as { code: number }).code }) },
      });
      client.subscribe<T>({ query }, {
        next: (v) => resolve(v as { data?: T; errors?: unknown[] }),
        error: (e) => resolve({ errors: Array.isArray(e) ? e : [e], closed: (e as { code?: number }).code }),
        complete: () => void client.dispose(),
      });
    });
  }

  it('runs an operation for a connection authenticated through connectionParams', async () => {
    const r = await run<{ viewer: { apiKeyName: string } }>({ authorization: `Bearer ${t.adminKey}` }, '{ viewer { apiKeyName } }');
    expect(r.data?.viewer.apiKeyName).toBe('bootstrap admin');
  });

  it('applies the same limits and error format', async () => {
    const r = await run({ authorization: t.adminKey }, '{ optOutLog { nodes { contact { id } } } }');
    expect((r.errors?.[0] as { extensions?: { reason?: string } }).extensions?.reason).toBe('QUERY_TOO_COMPLEX');
  });

  it('closes a connection without a valid key with 4403', async () => {
    expect((await run({}, '{ viewer { apiKeyName } }')).closed).toBe(4403);
    expect((await run({ authorization: 'Bearer sk_wrong' }, '{ viewer { apiKeyName } }')).closed).toBe(4403);
  });
});
