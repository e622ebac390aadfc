/**
 * Rate limits with small configured budgets: per key (GraphQL, REST ingestion, WebSocket), per IP
 * for failed authentication, anonymous requests and webhooks; shared by two instances on one
 * database; health routes never limited; a new window admits again.
 *
 * The long-window app uses one-hour windows (aligned on the epoch), so nothing here races a window
 * boundary: each test that counts first makes sure the hour does not end within the next 30 s.
 * Client IPs are given with X-Forwarded-For (TRUST_PROXY=loopback), one address per test.
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { App } from '../../src/app';
import { startTestApp, type TestApp } from '../helpers/harness';

const HOUR = 3_600_000;
const KEY_LIMIT = 20;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({
    TRUST_PROXY: 'loopback',
    RATE_LIMIT_KEY: `${KEY_LIMIT}/3600`,
    RATE_LIMIT_INGEST: '5/3600',
    RATE_LIMIT_AUTH_FAILURES: '10/3600',
    RATE_LIMIT_ANONYMOUS: '30/3600',
    RATE_LIMIT_WEBHOOK: '15/3600',
  });
});
afterAll(() => t.close());

/** Waits past the end of the hour when it is less than 30 s away (so counts stay in one window). */
async function oneWindowAhead(): Promise<void> {
  const left = HOUR - (Date.now() % HOUR);
  if (left < 30_000) await new Promise((r) => setTimeout(r, left + 100));
}

interface Answer {
  status: number;
  retryAfter: string | null;
  body: { errors?: { message: string; extensions?: Record<string, unknown> }[]; error?: Record<string, unknown>; data?: unknown };
}

async function call(base: string, path: string, opts: { key?: string; ip?: string; method?: string; body?: unknown } = {}): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.key !== undefined) headers.authorization = `Bearer ${opts.key}`;
  if (opts.ip) headers['x-forwarded-for'] = opts.ip;
  const method = opts.method ?? (opts.body === undefined ? 'GET' : 'POST');
  const res = await fetch(base + path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), redirect: 'manual' });
  const text = await res.text();
  let body: Answer['body'] = {};
  try {
    body = JSON.parse(text) as Answer['body'];
  } catch {
    /* HTML or empty */
  }
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body };
}

const viewer = (base: string, key: string, ip?: string) => call(base, '/graphql', { key, ip, body: { query: '{ viewer { apiKeyName } }' } });

/** Sends until the first 429 (at most `max` requests); returns how many were admitted and the 429. */
async function untilRefused(send: () => Promise<Answer>, max: number): Promise<{ admitted: number; refusal?: Answer }> {
  let admitted = 0;
  for (let i = 0; i < max; i++) {
    const r = await send();
    if (r.status === 429) return { admitted, refusal: r };
    admitted++;
  }
  return { admitted };
}

it('(a) a key over its budget gets 429 + Retry-After + RATE_LIMITED; another key is unaffected', async () => {
  await oneWindowAhead();
  const k1 = await t.newWorkspaceKey('rl-a1');
  const k2 = await t.newWorkspaceKey('rl-a2');
  const { admitted, refusal } = await untilRefused(() => viewer(t.url, k1), KEY_LIMIT * 3);
  expect(admitted).toBe(KEY_LIMIT);
  expect(refusal!.status).toBe(429);
  const retryAfter = Number(refusal!.retryAfter);
  expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 3600).toBe(true);
  expect(refusal!.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', reason: 'KEY_RATE', retryAfterSeconds: retryAfter });
  // Still refused; the other key is not.
  expect((await viewer(t.url, k1)).status).toBe(429);
  const other = await viewer(t.url, k2);
  expect(other.status).toBe(200);
  expect(other.body.data).toEqual({ viewer: { apiKeyName: 'rl-a2-key' } });
});

it('(a) REST ingestion: its own per-key budget, counted per request, REST error shape', async () => {
  await oneWindowAhead();
  const key = await t.newWorkspaceKey('rl-ingest');
  const { admitted, refusal } = await untilRefused(() => call(t.url, '/v1/events', { key, body: [] }), 20);
  expect(admitted).toBe(5);
  expect(refusal!.status).toBe(429);
  expect(refusal!.body.error).toMatchObject({ code: 'RATE_LIMITED', reason: 'INGEST_RATE', retryAfterSeconds: Number(refusal!.retryAfter) });
  // The ingestion budget is not the GraphQL budget.
  expect((await viewer(t.url, key)).status).toBe(200);
});

it('(a) WebSocket: subscribe operations count against the key; an over-limit one gets RATE_LIMITED and the socket stays open', async () => {
  await oneWindowAhead();
  const key = await t.newWorkspaceKey('rl-ws');
  let closed = false;
  const client = createClient({ url: t.url.replace(/^http/, 'ws') + '/graphql', webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${key}` }, retryAttempts: 0, lazy: false });
  client.on('closed', () => (closed = true));
  const run = () =>
    new Promise<{ data?: unknown; errors?: { extensions?: Record<string, unknown> }[] }>((resolve) => {
      let result: { data?: unknown; errors?: { extensions?: Record<string, unknown> }[] } = {};
      client.subscribe(
        { query: '{ viewer { apiKeyName } }' },
        {
          next: (v) => (result = v as typeof result),
          error: (e) => resolve({ errors: e as typeof result.errors }),
          complete: () => resolve(result),
        },
      );
    });
  try {
    const results = [];
    for (let i = 0; i < KEY_LIMIT + 2; i++) results.push(await run());
    const refused = results.filter((r) => r.errors?.[0]?.extensions?.code === 'RATE_LIMITED');
    // Every operation counts, the first ones included (the key was never used over HTTP).
    expect(results.filter((r) => r.data).length).toBe(KEY_LIMIT);
    expect(refused.length).toBe(2);
    expect(refused[0]!.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', reason: 'KEY_RATE' });
    expect(refused[0]!.errors![0]!.extensions!.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(closed).toBe(false);
    // Shared with HTTP: the key is refused there too.
    expect((await viewer(t.url, key)).status).toBe(429);
  } finally {
    await client.dispose();
  }
});

it('(b) many bad keys from one IP: 429 after the failed-auth budget, no more key lookups; valid keys and other IPs unaffected', async () => {
  await oneWindowAhead();
  const goodKey = await t.newWorkspaceKey('rl-b');
  expect((await viewer(t.url, goodKey, '198.51.100.7')).status).toBe(200); // seen valid before the attack
  const answers: number[] = [];
  for (let i = 0; i < 40; i++) answers.push((await viewer(t.url, `sk_bad_${i}_${'x'.repeat(20)}`, '198.51.100.7')).status);
  expect(answers.slice(0, 10)).toEqual(Array(10).fill(401));
  expect(answers.slice(10)).toEqual(Array(30).fill(429));
  const refusal = await viewer(t.url, 'sk_yet_another_bad_key', '198.51.100.7');
  expect(refusal.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', reason: 'AUTH_FAILURES' });
  expect(Number(refusal.retryAfter)).toBeGreaterThanOrEqual(1);
  // No key at all counts as a failed attempt too, and is refused the same way.
  expect((await call(t.url, '/graphql', { ip: '198.51.100.7', body: { query: '{ viewer { apiKeyName } }' } })).status).toBe(429);
  // REST routes share the budget.
  expect((await call(t.url, '/v1/events', { key: 'sk_bad_rest', ip: '198.51.100.7', body: [] })).status).toBe(429);
  // A key known valid still works from that address; another address is not affected.
  expect((await viewer(t.url, goodKey, '198.51.100.7')).status).toBe(200);
  expect((await viewer(t.url, 'sk_bad_elsewhere', '198.51.100.8')).status).toBe(401);
});

it('(b) anonymous requests (tracked links, no key) have a per-IP budget', async () => {
  await oneWindowAhead();
  const { admitted, refusal } = await untilRefused(() => call(t.url, '/l/no-such-token', { ip: '198.51.100.20' }), 60);
  expect(admitted).toBe(30);
  expect(refusal!.body.error).toMatchObject({ code: 'RATE_LIMITED', reason: 'ANONYMOUS_RATE' });
  expect((await call(t.url, '/l/no-such-token', { ip: '198.51.100.21' })).status).toBe(404);
});

it('(c) a webhook flood from one IP gets 429; another IP is still served', async () => {
  await oneWindowAhead();
  const path = `/webhooks/generic/${t.app.defaultWorkspaceId}`;
  const { admitted, refusal } = await untilRefused(() => call(t.url, path, { ip: '203.0.113.9', body: { type: 'CLICKED' } }), 50);
  expect(admitted).toBe(15); // unsigned: each admitted one is a 401, but counted all the same
  expect(refusal!.status).toBe(429);
  expect(refusal!.body.error).toMatchObject({ code: 'RATE_LIMITED', reason: 'WEBHOOK_RATE' });
  expect(Number(refusal!.retryAfter)).toBeGreaterThanOrEqual(1);
  expect((await call(t.url, path, { ip: '203.0.113.10', body: { type: 'CLICKED' } })).status).toBe(401);
  // Webhook signature failures are not API-key failures: that address can still use a valid key.
  expect((await viewer(t.url, t.adminKey, '203.0.113.9')).status).toBe(200);
});

describe('(d) two instances on one database share a key budget', () => {
  let other: App;
  beforeAll(async () => {
    other = await t.anotherInstance();
  });

  it('requests alternating between instances, synced every round: limited at the total plus at most one round of the other instance', async () => {
    await oneWindowAhead();
    const key = await t.newWorkspaceKey('rl-d');
    const a = t.app;
    const perRound = 2; // per instance
    let admitted = 0;
    let refusedByBoth = false;
    for (let round = 0; round < KEY_LIMIT && !refusedByBoth; round++) {
      const statuses: number[] = [];
      for (let i = 0; i < perRound; i++) {
        statuses.push((await viewer(a.url, key)).status, (await viewer(other.url, key)).status);
      }
      admitted += statuses.filter((s) => s === 200).length;
      expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
      refusedByBoth = statuses.slice(-2).every((s) => s === 429);
      // What the background sync does every 250 ms, made explicit so the bound does not depend on timing.
      await a.rateLimiter!.flush();
      await other.rateLimiter!.flush();
      await a.rateLimiter!.flush();
    }
    expect(refusedByBoth).toBe(true);
    // Documented bound: the limit, plus what the other instance admitted since the last sync.
    expect(admitted).toBeGreaterThanOrEqual(KEY_LIMIT);
    expect(admitted).toBeLessThanOrEqual(KEY_LIMIT + perRound);
  });

  it('without explicit syncs: the second instance learns the first one used the budget (background sync)', async () => {
    await oneWindowAhead();
    const key = await t.newWorkspaceKey('rl-d2');
    const first = await untilRefused(() => viewer(t.url, key), KEY_LIMIT * 2);
    expect(first.admitted).toBe(KEY_LIMIT);
    // The other instance has never seen this key: it admits until its sync (≤ 250 ms, early for a
    // new bucket) brings back the cluster total, far fewer than a budget of its own.
    let admittedByOther = 0;
    let refused = false;
    for (let i = 0; i < 30 && !refused; i++) {
      const r = await viewer(other.url, key);
      if (r.status === 429) refused = true;
      else {
        admittedByOther++;
        await new Promise((res) => setTimeout(res, 300));
      }
    }
    expect(refused).toBe(true);
    expect(admittedByOther).toBeLessThan(KEY_LIMIT);
  });
});

it('(e) health, readiness and metrics are never limited, even from an address over every budget', async () => {
  await oneWindowAhead();
  const ip = '198.51.100.30';
  await untilRefused(() => call(t.url, '/l/x', { ip }), 60);
  for (let i = 0; i < 12; i++) await viewer(t.url, `sk_bad_${i}`, ip);
  expect((await viewer(t.url, 'sk_bad_more', ip)).status).toBe(429);
  for (let i = 0; i < 50; i++) {
    for (const path of ['/healthz', '/readyz', '/metrics']) expect((await call(t.url, path, { ip })).status).toBe(200);
  }
  expect(await t.metric('splitcast_rate_limited_total{reason="AUTH_FAILURES"}')).toBeGreaterThan(0);
});

describe('short windows, no proxy trusted', () => {
  let s: TestApp;
  beforeAll(async () => {
    s = await startTestApp({ RATE_LIMIT_KEY: '10/2', RATE_LIMIT_AUTH_FAILURES: '5/2' });
  });
  afterAll(() => s.close());

  it('(f) after Retry-After seconds the next window admits again', async () => {
    const key = await s.newWorkspaceKey('rl-f');
    const { refusal } = await untilRefused(() => viewer(s.url, key), 100);
    expect(refusal).toBeDefined();
    const wait = Number(refusal!.retryAfter);
    expect(wait === 1 || wait === 2).toBe(true);
    await new Promise((r) => setTimeout(r, wait * 1000 + 20)); // timers may fire a millisecond early
    expect((await viewer(s.url, key)).status).toBe(200);
  });

  it('without TRUST_PROXY, X-Forwarded-For is ignored: rotating it does not escape the per-IP budget', async () => {
    let refusal: Answer | undefined;
    for (let i = 0; i < 100 && !refusal; i++) {
      const r = await viewer(s.url, `sk_bad_${i}`, `192.0.2.${i}`);
      if (r.status === 429) refusal = r;
    }
    expect(refusal?.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', reason: 'AUTH_FAILURES' });
  });
});

it('RATE_LIMIT=off: no limiter at all', async () => {
  const off = await startTestApp({ RATE_LIMIT: 'off', RATE_LIMIT_KEY: '1/3600' });
  try {
    expect(off.app.rateLimiter).toBeUndefined();
    for (let i = 0; i < 5; i++) expect((await viewer(off.url, off.adminKey)).status).toBe(200);
  } finally {
    await off.close();
  }
});

it('(b) WebSocket connections with unknown keys share the failed-auth budget: refused without a lookup once it is spent', async () => {
  await oneWindowAhead();
  const refusedBefore = await t.metric('splitcast_rate_limited_total{reason="AUTH_FAILURES"}').catch(() => 0);
  const closeCode = (key: string) =>
    new Promise<number>((resolve) => {
      const client = createClient({
        url: t.url.replace(/^http/, 'ws') + '/graphql',
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${key}` },
        retryAttempts: 0,
        lazy: false,
        onNonLazyError: () => undefined,
        on: { closed: (e) => resolve((e as { code: number }).code) },
      });
      void client;
    });
  const codes: number[] = [];
  for (let i = 0; i < 14; i++) codes.push(await closeCode(`sk_ws_bad_${i}`));
  expect(new Set(codes)).toEqual(new Set([4403]));
  const refusedAfter = await t.metric('splitcast_rate_limited_total{reason="AUTH_FAILURES"}');
  expect(refusedAfter).toBeGreaterThan(refusedBefore); // at least the connections past the budget of 10
});

it('a 429 carries the CORS headers, so a browser can read Retry-After', async () => {
  const app = await startTestApp({ CORS_ORIGINS: 'https://app.example.com', RATE_LIMIT_KEY: '2/3600' });
  try {
    await oneWindowAhead();
    const ask = () =>
      fetch(`${app.url}/graphql`, {
        method: 'POST',
        headers: { origin: 'https://app.example.com', 'content-type': 'application/json', authorization: `Bearer ${app.adminKey}` },
        body: JSON.stringify({ query: '{ viewer { apiKeyName } }' }),
      });
    let res = await ask();
    for (let i = 0; i < 5 && res.status !== 429; i++) res = await ask();
    expect(res.status).toBe(429);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(res.headers.get('access-control-expose-headers')).toContain('retry-after');
  } finally {
    await app.close();
  }
});
