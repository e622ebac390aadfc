import { classifyRoute, ipBucket, RateCounters, retryAfterSeconds, windowStart, type RateRule } from '../../src/http/rate-limit-counters';
import { loadConfig } from '../../src/config';

const T0 = 1_700_000_000_000; // a multiple of 10 s
const rule: RateRule = { limit: 3, windowMs: 10_000 };

describe('windows', () => {
  it('are aligned on the epoch, so every instance computes the same one', () => {
    expect(windowStart(T0, 10_000)).toBe(T0);
    expect(windowStart(T0 + 9_999, 10_000)).toBe(T0);
    expect(windowStart(T0 + 10_000, 10_000)).toBe(T0 + 10_000);
    const minute = windowStart(T0, 60_000);
    expect(minute % 60_000).toBe(0);
    expect(windowStart(minute + 59_999, 60_000)).toBe(minute);
  });

  it('Retry-After is the rest of the window in whole seconds, at least 1', () => {
    expect(retryAfterSeconds(T0, 10_000)).toBe(10);
    expect(retryAfterSeconds(T0 + 1, 10_000)).toBe(10);
    expect(retryAfterSeconds(T0 + 8_500, 10_000)).toBe(2);
    expect(retryAfterSeconds(T0 + 9_999, 10_000)).toBe(1);
    expect(retryAfterSeconds(T0 + 9_000, 10_000)).toBe(1);
  });
});

describe('RateCounters: one instance', () => {
  it('admits up to the limit in a window, then refuses with Retry-After', () => {
    const c = new RateCounters();
    expect([1, 2, 3].map(() => c.hit('k', rule, T0 + 2_000).allowed)).toEqual([true, true, true]);
    expect(c.hit('k', rule, T0 + 2_000)).toEqual({ allowed: false, retryAfterSeconds: 8 });
  });

  it('refused requests are not counted, and the next window starts from zero', () => {
    const c = new RateCounters();
    for (let i = 0; i < 10; i++) c.hit('k', rule, T0);
    expect(c.hit('k', rule, T0 + 10_000).allowed).toBe(true);
    expect(c.hit('k', rule, T0 + 10_000).allowed).toBe(true);
    expect(c.hit('k', rule, T0 + 10_000).allowed).toBe(true);
    expect(c.hit('k', rule, T0 + 10_000).allowed).toBe(false);
  });

  it('keeps buckets apart', () => {
    const c = new RateCounters();
    for (let i = 0; i < 3; i++) c.hit('a', rule, T0);
    expect(c.hit('a', rule, T0).allowed).toBe(false);
    expect(c.hit('b', rule, T0).allowed).toBe(true);
  });

  it('a cost larger than what is left is refused', () => {
    const c = new RateCounters();
    expect(c.hit('k', rule, T0, 2).allowed).toBe(true);
    expect(c.hit('k', rule, T0, 2).allowed).toBe(false);
    expect(c.hit('k', rule, T0, 1).allowed).toBe(true);
  });

  it('count() adds without deciding; exhausted() decides without adding or creating', () => {
    const c = new RateCounters();
    expect(c.exhausted('f', rule, T0).allowed).toBe(true);
    expect(c.size).toBe(0);
    for (let i = 0; i < 5; i++) c.count('f', rule, T0);
    expect(c.exhausted('f', rule, T0)).toEqual({ allowed: false, retryAfterSeconds: 10 });
    expect(c.exhausted('f', rule, T0 + 10_000).allowed).toBe(true);
  });
});

describe('RateCounters: sync with the cluster', () => {
  it('flushes pending increments once and learns the cluster total', () => {
    const c = new RateCounters();
    c.hit('k', rule, T0);
    const rows = c.pendingSync(T0 + 1);
    expect(rows).toEqual([{ bucket: 'k', windowStart: T0, windowEnd: T0 + 10_000, add: 1 }]);
    // While in flight the increment still counts locally.
    c.hit('k', rule, T0 + 2);
    c.hit('k', rule, T0 + 2);
    expect(c.hit('k', rule, T0 + 2).allowed).toBe(false);
    // Another instance admitted 1 more meanwhile: total 2 after our 1; with our 2 pending, full.
    c.synced(rows, new Map([[`k|${T0}`, 2]]));
    expect(c.hit('k', rule, T0 + 3).allowed).toBe(false);
    // The next sync sends only what was admitted since.
    expect(c.pendingSync(T0 + 4).map((r) => r.add)).toEqual([2]);
  });

  it('the cluster total counts against the local decision', () => {
    const c = new RateCounters();
    c.hit('k', rule, T0);
    const rows = c.pendingSync(T0);
    c.synced(rows, new Map([[`k|${T0}`, 3]])); // others admitted 2
    expect(c.hit('k', rule, T0).allowed).toBe(false);
  });

  it('buckets used since the last sync with nothing pending are read (add 0); idle ones are not', () => {
    const c = new RateCounters();
    c.hit('k', rule, T0);
    c.synced(c.pendingSync(T0), new Map([[`k|${T0}`, 1]]));
    expect(c.pendingSync(T0 + 50)).toEqual([]); // not used since
    expect(c.pendingSync(T0 + 50, true)).toHaveLength(1); // unless every bucket is asked for
    c.exhausted('k', rule, T0 + 60); // used (a check counts as use)
    const rows = c.pendingSync(T0 + 100);
    expect(rows).toEqual([{ bucket: 'k', windowStart: T0, windowEnd: T0 + 10_000, add: 0 }]);
    c.synced(rows, new Map([[`k|${T0}`, 3]]));
    expect(c.hit('k', rule, T0 + 200).allowed).toBe(false);
  });

  it('a failed sync puts its increments back', () => {
    const c = new RateCounters();
    c.hit('k', rule, T0);
    c.hit('k', rule, T0);
    const rows = c.pendingSync(T0);
    c.failed(rows);
    expect(c.pendingSync(T0).map((r) => r.add)).toEqual([2]);
  });

  it('ended windows are dropped at the next sync', () => {
    const c = new RateCounters();
    c.hit('k', rule, T0);
    expect(c.pendingSync(T0 + 10_000)).toEqual([]);
    expect(c.size).toBe(0);
  });

  it('asks for an early sync for a new bucket and after a tenth of the limit', () => {
    const c = new RateCounters();
    const big: RateRule = { limit: 100, windowMs: 10_000 };
    c.hit('k', big, T0);
    expect(c.earlySyncWanted).toBe(true);
    c.pendingSync(T0);
    expect(c.earlySyncWanted).toBe(false);
    for (let i = 0; i < 9; i++) c.hit('k', big, T0);
    expect(c.earlySyncWanted).toBe(false);
    c.hit('k', big, T0);
    expect(c.earlySyncWanted).toBe(true);
  });

  it('a bucket used again after missing syncs asks for an early sync', () => {
    const c = new RateCounters(500);
    const big: RateRule = { limit: 100, windowMs: 10_000 };
    c.hit('k', big, T0);
    c.pendingSync(T0);
    c.pendingSync(T0 + 250); // not used: not read
    c.hit('k', big, T0 + 300); // last read 300 ms ago: fine
    expect(c.earlySyncWanted).toBe(false);
    c.pendingSync(T0 + 300);
    c.pendingSync(T0 + 550);
    c.pendingSync(T0 + 800);
    c.hit('k', big, T0 + 900); // last read 600 ms ago
    expect(c.earlySyncWanted).toBe(true);
  });

  it('two instances deciding on stale totals overshoot by at most what each admitted unsynced', () => {
    // Model: instances A and B share a database total; each syncs after every `every` admissions.
    const limit = 40;
    const r: RateRule = { limit, windowMs: 10_000 };
    for (const every of [1, 3, 5, 10]) {
      const a = new RateCounters();
      const b = new RateCounters();
      let db = 0;
      const sync = (c: RateCounters) => {
        const rows = c.pendingSync(T0);
        for (const row of rows) db += row.add;
        c.synced(rows, new Map(rows.map((row) => [`${row.bucket}|${row.windowStart}`, db])));
      };
      let admitted = 0;
      for (let i = 0; i < 200; i++) {
        const c = i % 2 === 0 ? a : b;
        if (c.hit('k', r, T0).allowed) admitted++;
        if (i % (2 * every) === 2 * every - 1) {
          sync(a);
          sync(b);
          sync(a);
        }
      }
      expect(admitted).toBeGreaterThanOrEqual(limit);
      expect(admitted).toBeLessThanOrEqual(limit + every); // one round of the other instance
    }
  });
});

describe('classifyRoute', () => {
  it.each([
    ['GET', '/healthz', 'exempt'],
    ['GET', '/readyz', 'exempt'],
    ['GET', '/metrics', 'exempt'],
    ['OPTIONS', '/graphql', 'exempt'],
    ['POST', '/webhooks/twilio/:workspaceId', 'webhook'],
    ['GET', '/webhooks/whatsapp/:workspaceId', 'webhook'],
    ['POST', '/v1/events', 'ingest'],
    ['POST', '/v1/orders', 'ingest'],
    ['GET', '/l/:token', 'public'],
    ['GET', '/o/:token', 'public'],
    ['POST', '/u/:token', 'public'],
    ['POST', '/graphql', 'api'],
    ['GET', '/graphql', 'api'],
    ['GET', '/v1/campaigns/:id/export.csv', 'api'],
    ['GET', undefined, 'api'],
  ] as const)('%s %s → %s', (method, url, cls) => {
    expect(classifyRoute(method, url)).toBe(cls);
  });
});

describe('ipBucket', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff::1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1:2:3:4', 'fe80:0:0:0::/64'],
  ])('%s → %s', (ip, bucket) => {
    expect(ipBucket(ip)).toBe(bucket);
  });
});

describe('configuration', () => {
  it('has defaults, reads <requests>/<seconds>, and RATE_LIMIT=off disables', () => {
    const c = loadConfig({});
    expect(c.rateLimits).toEqual({
      key: { limit: 1200, windowMs: 10_000 },
      ingest: { limit: 100_000, windowMs: 10_000 },
      authFailures: { limit: 60, windowMs: 60_000 },
      anonymous: { limit: 600, windowMs: 10_000 },
      webhook: { limit: 100_000, windowMs: 10_000 },
      syncMs: 250,
    });
    expect(c.trustProxy).toBe(false);
    expect(loadConfig({ RATE_LIMIT_KEY: ' 5 / 2 ' }).rateLimits?.key).toEqual({ limit: 5, windowMs: 2000 });
    expect(loadConfig({ RATE_LIMIT: 'off' }).rateLimits).toBeNull();
    expect(loadConfig({ TRUST_PROXY: 'on' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, loopback' }).trustProxy).toBe('10.0.0.0/8, loopback');
  });

  it.each([['RATE_LIMIT_KEY', '100'], ['RATE_LIMIT_KEY', '0/10'], ['RATE_LIMIT_WEBHOOK', '10/0'], ['RATE_LIMIT_ANONYMOUS', 'x/y'], ['TRUST_PROXY', '2'], ['RATE_LIMIT', 'maybe']])('%s=%s is refused with the variable named', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`Invalid configuration:[\\s\\S]*${name}`));
  });
});
