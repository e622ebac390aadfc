/**
 * The dashboard's HTTP surface on the real app: index.html at / and the client routes (no-cache,
 * strict CSP), hashed assets (long cache, right types, gzip), JSON 404s for anything else, and no
 * API route shadowed. Needs the bundle (`npm test` builds it; `npm run build:web` alone).
 */
import { readdirSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DASHBOARD_DIR } from '../../src/http/dashboard';
import { startTestApp, type TestApp } from '../helpers/harness';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const get = (path: string, headers: Record<string, string> = {}) => fetch(t.url + path, { headers, redirect: 'manual' });

it('answers / and the client routes with index.html, uncached, under a strict policy', async () => {
  for (const path of ['/', '/tests', '/tests/some-id', '/tests/%E2%9C%93']) {
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const csp = res.headers.get('content-security-policy')!;
    const host = new URL(t.url).host;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://${host} wss://${host}`);
    expect(csp).not.toContain('unsafe');
    const html = await res.text();
    expect(html).toMatch(/<script type="module" src="\/assets\/app-[A-Z0-9]+\.js"><\/script>/);
    expect(html).not.toMatch(/<script>|style=/); // nothing inline: the policy would block it
  }
});

it('serves each hashed asset with its type, a year of cache, and gzip when asked', async () => {
  const names = readdirSync(join(DASHBOARD_DIR, 'assets'));
  expect(names.some((n) => /^app-[A-Z0-9]+\.js$/.test(n))).toBe(true);
  for (const name of names) {
    const plain = await get(`/assets/${name}`, { 'accept-encoding': 'identity' });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toBe(name.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8');
    expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(plain.headers.get('x-content-type-options')).toBe('nosniff');
    expect(plain.headers.get('content-encoding')).toBeNull();
    const body = Buffer.from(await plain.arrayBuffer());
    // node's fetch would decode gzip itself: node:http gives the bytes as sent.
    const zipped = await new Promise<{ encoding?: string; bytes: Buffer }>((resolve, reject) => {
      httpGet(new URL(`/assets/${name}`, t.url), { headers: { 'accept-encoding': 'gzip, deflate, br' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ encoding: res.headers['content-encoding'], bytes: Buffer.concat(chunks) }));
      }).on('error', reject);
    });
    expect(zipped.encoding).toBe('gzip');
    expect(gunzipSync(zipped.bytes).equals(body)).toBe(true);
    expect(zipped.bytes.length).toBeLessThan(body.length);
  }
});

it('answers unknown assets and paths with a JSON 404, and shadows no API route', async () => {
  for (const path of ['/assets/nope.js', '/assets/..%2Findex.html', '/assets/', '/tests/a/b', '/anything', '/constructor', '/assets/__proto__']) {
    const res = await get(path);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  }
  expect((await get('/healthz')).status).toBe(200);
  expect(await (await get('/healthz')).json()).toMatchObject({ status: 'ok' });
  expect((await get('/metrics')).headers.get('content-type')).toContain('text/plain');
  // A browser's GET /graphql is still the explorer, not the dashboard.
  expect(await (await get('/graphql', { accept: 'text/html' })).text()).toContain('GraphQL explorer');
  const api = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminKey}` }, body: '{"query":"{ viewer { apiKeyName } }"}' });
  expect(api.status).toBe(200);
  expect((await get('/v1/opt-outs.csv')).status).toBe(401);
  expect((await get('/l/unknown-token')).status).not.toBe(200);
});
