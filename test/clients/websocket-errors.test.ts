/**
 * graphql-ws as a raw client meets it: errors carry the same codes as over HTTP, one bad operation
 * never closes the socket under the others, and revoking the key closes its sockets (4403) on
 * every instance.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startTestApp, type TestApp } from '../helpers/harness';
import { until } from '../helpers/until';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

interface Socket {
  client: Client;
  closes: { code: number; reason: string }[];
  /** Runs one operation to its end: its data, or the errors of its `error` message. */
  run(query: string, variables?: Record<string, unknown>): Promise<{ data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] }>;
}

async function connect(baseUrl: string, key: string): Promise<Socket> {
  const closes: { code: number; reason: string }[] = [];
  let connected!: () => void;
  const ready = new Promise<void>((r) => (connected = r));
  const client = createClient({
    url: baseUrl.replace(/^http/, 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${key}` },
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => undefined, // the close is what the test looks at (`closes`)
    on: { connected: () => connected(), closed: (e) => closes.push({ code: (e as { code: number }).code, reason: (e as { reason: string }).reason }) },
  });
  await ready;
  return {
    client,
    closes,
    run: (query, variables) =>
      new Promise((resolve) => {
        let result: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] } = {};
        client.subscribe(
          { query, variables },
          {
            next: (v) => (result = v as typeof result),
            error: (e) => resolve({ errors: e as never }),
            complete: () => resolve(result),
          },
        );
      }),
  };
}


describe('errors over the socket', () => {
  it('answers each bad operation with the HTTP codes, and keeps the socket open for a live subscription', async () => {
    const s = await connect(t.url, t.adminKey);
    // Nothing goes to stderr outside the JSON log (graphql-ws prints stacks when a hook throws).
    const stderr = jest.spyOn(console, 'error');
    // A live subscription that must survive everything below.
    const statuses: string[] = [];
    s.client.subscribe({ query: 'subscription { campaignStatusChanged { id status } }' }, { next: (v) => statuses.push((v.data as { campaignStatusChanged: { status: string } }).campaignStatusChanged.status), error: () => undefined, complete: () => undefined });

    const cases: [string, string, Record<string, unknown> | undefined, Record<string, unknown>][] = [
      ['syntax error', '{ viewer { ', undefined, { code: 'BAD_USER_INPUT', reason: 'GRAPHQL_PARSE_FAILED' }],
      ['unknown field', '{ viewer { nope } }', undefined, { code: 'BAD_USER_INPUT', reason: 'GRAPHQL_VALIDATION_FAILED' }],
      ['variable of the wrong type', 'query($id: ID!) { campaign(id: $id) { id } }', { id: { not: 'an id' } }, { code: 'BAD_USER_INPUT', reason: 'INVALID_VARIABLES' }],
      ['missing operation', 'query A { viewer { apiKeyName } } query B { viewer { apiKeyName } }', undefined, { code: 'BAD_USER_INPUT', reason: 'OPERATION_RESOLUTION_FAILURE' }],
      ['an id that names nothing', '{ campaign(id: "nope") { id } }', undefined, { code: 'NOT_FOUND' }],
      ['unstorable text', 'query($s: String) { contacts(filter: { search: $s }) { totalCount } }', { s: 'a\u0000' }, { code: 'BAD_USER_INPUT', reason: 'INVALID_TEXT' }],
      ['too costly', `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: campaigns(first: 100) { nodes { id variants { id } } }`).join(' ')} }`, undefined, { code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_COMPLEX' }],
    ];
    for (const [name, query, variables, expected] of cases) {
      const r = await s.run(query, variables);
      expect([name, r.errors?.[0]?.extensions]).toEqual([name, expect.objectContaining(expected)]);
      expect(r.errors!.every((e) => e.extensions?.code !== 'INTERNAL')).toBe(true);
    }
    const validation = await s.run('{ viewer { nope } }');
    expect(validation.errors![0]!.message).toContain('Cannot query field "nope"');

    // Still open: a query answers, and the subscription still delivers.
    expect(await s.run('{ viewer { apiKeyName } }')).toEqual({ data: { viewer: { apiKeyName: expect.any(String) } } });
    const created = await t.raw<{ createCampaign: { id: string } }>('mutation { createCampaign(input: {name: "ws", type: AB_TEST, variants: [{template: "a", weight: 50}, {template: "b", weight: 50}]}) { id } }');
    await t.raw('mutation($id: ID!) { launchCampaign(id: $id) { id } }', { id: created.data!.createCampaign.id });
    await until(() => statuses.includes('RUNNING'), Boolean);
    expect(statuses).toContain('RUNNING');
    expect(s.closes).toEqual([]);
    expect(stderr).not.toHaveBeenCalled();
    stderr.mockRestore();
    await s.client.dispose();
  });
});

describe('revocation', () => {
  it('closes the key’s open sockets with 4403 on every instance, and leaves other keys’ sockets open', async () => {
    const b = await t.anotherInstance();
    const made = await t.raw<{ createApiKey: { id: string; secret: string } }>('mutation { createApiKey(name: "ws-revoked", scopes: [READ]) { id secret } }');
    const { id, secret } = made.data!.createApiKey;
    const onA = await connect(t.url, secret);
    const onB = await connect(b.url, secret);
    const other = await connect(b.url, t.adminKey);
    expect(await onB.run('{ viewer { apiKeyName } }')).toEqual({ data: { viewer: { apiKeyName: 'ws-revoked' } } });

    await t.raw('mutation($id: ID!) { revokeApiKey(id: $id) }', { id });
    await until(() => onA.closes.length > 0 && onB.closes.length > 0, Boolean);
    expect(onA.closes[0]).toEqual({ code: 4403, reason: expect.stringContaining('revoked') });
    expect(onB.closes[0]).toEqual({ code: 4403, reason: expect.stringContaining('revoked') });
    expect(other.closes).toEqual([]);
    expect(await other.run('{ viewer { apiKeyName } }')).toEqual({ data: { viewer: { apiKeyName: expect.any(String) } } });
    await other.client.dispose();
  });
});
