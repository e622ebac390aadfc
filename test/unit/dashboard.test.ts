/** The dashboard's pure logic (web/src: session keys, live updates, routes, errors) and the page's CSP. */
import { activeKey, addKey, keyLabel, readSession, removeKey, SESSION_ITEM, switchKey, writeSession, type KeyStorage, type StoredKey } from '../../web/src/shell/session';
import { applyStatsUpdate, isLive, listReloadNeeded, MAX_LIST_SIZE, nextListSize, standing, totals } from '../../web/src/experiments/model';
import { MAX_PAGE_SIZE } from '../../src/db/keyset';
import { channelName, describeError, hourLabel, humanize } from '../../web/src/ui/format';
import { parseRoute, routeTitle, sectionOf, testPath } from '../../web/src/shell/routes';
import { afterClose, indicatorText } from '../../web/src/shell/live-indicator';
import { DAY_INCREMENTS, isDailyOrCoarser } from '../../web/src/ui/chart-scale';
import type { DashCampaignFragment, DashVariantStatsFragment } from '../../web/src/generated/graphql';
import { acceptsGzip, DASHBOARD_ROUTES, dashboardCsp } from '../../src/http/dashboard';

class MemoryStorage implements KeyStorage {
  items = new Map<string, string>();
  getItem = (n: string) => this.items.get(n) ?? null;
  setItem = (n: string, v: string) => void this.items.set(n, v);
  removeItem = (n: string) => void this.items.delete(n);
}

const key = (k: string, ws = `ws-${k}`): StoredKey => ({ key: k, workspaceId: ws, workspaceName: `Workspace ${k}`, apiKeyName: `key ${k}` });

describe('session keys', () => {
  it('adds, switches, removes and falls back to the first remaining key', () => {
    let s = addKey({ keys: [] }, key('a'));
    s = addKey(s, key('b'));
    expect(activeKey(s)?.key).toBe('b');
    expect(switchKey(s, 'a').active).toBe('a');
    expect(switchKey(s, 'nope')).toBe(s);
    s = removeKey(s, 'b');
    expect(s).toEqual({ keys: [key('a')], active: 'a' });
    expect(removeKey(s, 'a')).toEqual({ keys: [], active: undefined });
  });

  it('re-adding a key refreshes it instead of listing it twice', () => {
    const s = addKey(addKey(addKey({ keys: [] }, key('a')), key('b')), { ...key('a'), workspaceName: 'Renamed' });
    expect(s.keys.map((k) => k.key)).toEqual(['b', 'a']);
    expect(activeKey(s)?.workspaceName).toBe('Renamed');
    expect(keyLabel(activeKey(s)!)).toBe('Renamed (key a)');
  });

  it('round-trips through storage and clears it when the last key goes', () => {
    const storage = new MemoryStorage();
    const s = addKey(addKey({ keys: [] }, key('a')), key('b'));
    writeSession(storage, s);
    expect(readSession(storage)).toEqual(s);
    writeSession(storage, { keys: [] });
    expect(storage.items.has(SESSION_ITEM)).toBe(false);
  });

  it('reads anything malformed as signed out, and drops invalid entries', () => {
    const storage = new MemoryStorage();
    for (const bad of ['{', 'null', '42', '"x"', '{"keys": 3}', '[]']) {
      storage.setItem(SESSION_ITEM, bad);
      expect(readSession(storage)).toEqual({ keys: [], active: undefined });
    }
    storage.setItem(SESSION_ITEM, JSON.stringify({ keys: [key('a'), { key: 'x' }, null], active: 'gone' }));
    expect(readSession(storage)).toEqual({ keys: [key('a')], active: 'a' });
  });
});

const stats = (variantId: string, sent: number, converted: number): DashVariantStatsFragment => ({
  id: variantId, variantId, assigned: sent, sent, delivered: sent, clicked: 0, converted, conversionRate: sent ? converted / sent : 0, revenue: 0,
});
const campaign = (over: Partial<DashCampaignFragment> = {}): DashCampaignFragment => ({
  id: 'c1', name: 'Spring', status: 'RUNNING', type: 'AB_TEST', channel: 'SMS', createdAt: '2026-01-01T00:00:00Z', startedAt: null,
  variants: [
    { id: 'va', key: 'A', name: 'A', isControl: true, stats: stats('va', 10, 1) },
    { id: 'vb', key: 'B', name: 'Bold offer', isControl: false, stats: stats('vb', 10, 2) },
  ],
  analysis: null, winner: null, ...over,
});

describe('live updates and standings', () => {
  it('replaces the stats of the variants an update names, keeps the others, and sums the totals', () => {
    const c = applyStatsUpdate(campaign(), { at: 'now', variants: [stats('vb', 12, 5), stats('unknown', 99, 99)] });
    expect(c.variants.map((v) => [v.key, v.stats.sent, v.stats.converted])).toEqual([['A', 10, 1], ['B', 12, 5]]);
    expect(totals(c)).toEqual({ sent: 22, converted: 6 });
    expect(applyStatsUpdate(campaign(), undefined)).toEqual(campaign());
  });

  it('keeps the cached analysis when an update carries none, and takes a new one', () => {
    const analysis = { id: 'c1', status: 'COLLECTING' as const, significant: false, pValue: 0.2, leader: { id: 'vb', key: 'B', name: 'Bold offer' }, winner: null };
    const withAnalysis = campaign({ analysis });
    expect(applyStatsUpdate(withAnalysis, { at: 'now', variants: [], analysis: null }).analysis).toBe(analysis);
    const next = { ...analysis, pValue: 0.01, significant: true };
    expect(applyStatsUpdate(withAnalysis, { at: 'now', variants: [], analysis: next }).analysis).toBe(next);
  });

  it('ranks a declared winner over the analysis winner over the leader', () => {
    const v = { id: 'vb', key: 'B', name: 'Bold offer' };
    const analysis = { id: 'c1', status: 'COLLECTING' as const, significant: false, pValue: null, leader: v, winner: null };
    expect(standing(campaign())).toBeUndefined();
    expect(standing(campaign({ analysis }))).toEqual({ kind: 'leader', label: 'B · Bold offer' });
    expect(standing(campaign({ analysis: { ...analysis, winner: { id: 'va', key: 'A', name: 'A' } } }))).toEqual({ kind: 'winner', label: 'A' });
    expect(standing(campaign({ analysis, winner: { id: 'w', source: 'MANUAL', decidedAt: 'now', variant: v } }))).toEqual({ kind: 'winner', label: 'B · Bold offer', manual: true });
  });

  it('subscribes to campaigns whose numbers can move only', () => {
    expect(['RUNNING', 'PAUSED', 'SCHEDULED', 'COMPLETED'].every(isLive)).toBe(true);
    expect(['DRAFT', 'CANCELED', 'ARCHIVED'].some(isLive)).toBe(false);
    expect([humanize('AB_TEST'), humanize('RUNNING'), humanize('WHATSAPP')]).toEqual(['A/B test', 'Running', 'Whatsapp']);
  });
});

describe('list reloads', () => {
  it('reloads for an A/B test or bandit it does not show, never for a STANDARD campaign nor one already listed', () => {
    const shown = new Set(['c1']);
    expect(listReloadNeeded({ id: 'c2', type: 'AB_TEST' }, shown)).toBe(true);
    expect(listReloadNeeded({ id: 'c3', type: 'BANDIT' }, shown)).toBe(true);
    expect(listReloadNeeded({ id: 'c1', type: 'AB_TEST' }, shown)).toBe(false);
    expect(listReloadNeeded({ id: 'c4', type: 'STANDARD' }, shown)).toBe(false);
  });
});

describe('list size', () => {
  it('grows by a step up to what campaigns(first) accepts, then stops (250 was refused with INVALID_PAGE_SIZE)', () => {
    expect(MAX_LIST_SIZE).toBe(MAX_PAGE_SIZE);
    expect(nextListSize(50, 50)).toBe(100);
    expect(nextListSize(180, 50)).toBe(200);
    expect(nextListSize(200, 50)).toBeUndefined();
    const sizes = [50];
    for (let n = nextListSize(50, 50); n !== undefined; n = nextListSize(n, 50)) sizes.push(n);
    expect(sizes).toEqual([50, 100, 150, 200]);
  });
});

describe('channel names', () => {
  it('writes channels as people do (the list and the test page said "Whatsapp")', () => {
    expect(['SMS', 'WHATSAPP', 'EMAIL'].map(channelName)).toEqual(['SMS', 'WhatsApp', 'Email']);
  });
});

describe('hourLabel (the hourly charts of the test page and the webhook health)', () => {
  it('reads an epoch-seconds hour as day, month and time in the given locale and zone', () => {
    // 2026-03-05T14:30:00Z = 1772721000 s.
    expect(hourLabel(1772721000, 'en-GB', 'UTC')).toBe('5 Mar, 14:30');
    expect(hourLabel(1772721000, 'en-GB', 'Asia/Tokyo')).toBe('5 Mar, 23:30');
    expect(hourLabel(1772721000 + 10 * 3600, 'en-GB', 'UTC')).toBe('6 Mar, 00:30');
  });
});

describe('live indicator', () => {
  it('a normal close (the lazy socket with nothing left to carry) is not a lost connection', () => {
    expect(afterClose(1000)).toBe('idle');
    expect(indicatorText(afterClose(1000))).toBe('');
    // 1006: the connection dropped (a server restart); the client retries.
    expect(indicatorText(afterClose(1006))).toBe('Live updates reconnecting…');
    expect(indicatorText(afterClose(undefined))).toBe('Live updates reconnecting…');
    expect(indicatorText('connected')).toBe('Live updates on');
  });
});

describe('page titles', () => {
  it('gives each screen its own title with the workspace', () => {
    expect(routeTitle(parseRoute('/tests'), 'Shop')).toBe('A/B tests · Shop · Splitcast');
    expect(routeTitle(parseRoute('/tests/new'), 'Shop')).toBe('New A/B test · Shop · Splitcast');
    expect(routeTitle(parseRoute('/tests/c1'), 'Shop')).toBe('A/B test · Shop · Splitcast');
    expect(routeTitle(parseRoute('/'), 'Shop')).toBe('Analytics · Shop · Splitcast');
    expect(routeTitle(parseRoute('/nope'), 'Shop')).toBe('Page not found · Shop · Splitcast');
  });
});

describe('routes and errors', () => {
  it('parses the client routes the server serves index.html for', () => {
    expect(parseRoute('/')).toEqual({ name: 'analytics' });
    expect(parseRoute('/tests/new')).toEqual({ name: 'newTest' });
    expect(sectionOf(parseRoute('/tests/new'))).toBe('tests');
    expect(sectionOf(parseRoute('/operations/'))).toBe('operations');
    expect(sectionOf(parseRoute('/nope'))).toBeUndefined();
    expect(parseRoute('/tests/')).toEqual({ name: 'tests' });
    expect(parseRoute(testPath('a/b c'))).toEqual({ name: 'test', id: 'a/b c' });
    expect(parseRoute('/tests/%E0%A4%A')).toEqual({ name: 'notFound', path: '/tests/%E0%A4%A' });
    expect(parseRoute('/tests/x/y')).toEqual({ name: 'notFound', path: '/tests/x/y' });
    // Every server route is a client route and back (':id' stands for any id).
    for (const r of DASHBOARD_ROUTES) expect(parseRoute(r.replace(':id', 'some-id')).name).not.toBe('notFound');
    expect([...DASHBOARD_ROUTES]).toEqual(['/', '/analytics', '/tests', '/tests/new', '/tests/:id', '/optimisation', '/operations']);
  });

  it("shows the API's message with its code and reason", () => {
    expect(describeError({ graphQLErrors: [{ message: 'Invalid API key', extensions: { code: 'UNAUTHENTICATED' } }] })).toBe('Invalid API key (UNAUTHENTICATED)');
    expect(describeError({ graphQLErrors: [{ message: 'Bad', extensions: { code: 'BAD_USER_INPUT', reason: 'X' } }] })).toBe('Bad (BAD_USER_INPUT, X)');
    expect(describeError({ graphQLErrors: [{ message: 'Plain' }] })).toBe('Plain');
    expect(describeError({ graphQLErrors: [], networkError: { message: 'Failed to fetch' } })).toBe('The server could not be reached: Failed to fetch');
  });
});

describe('dashboard CSP', () => {
  it("allows this origin only, with its WebSocket URLs, and keeps a hostile Host header out", () => {
    const csp = dashboardCsp('splitcast.example:4000');
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self' ws://splitcast.example:4000 wss://splitcast.example:4000");
    expect(csp).not.toContain('unsafe');
    expect(dashboardCsp('[::1]:80')).toContain('ws://[::1]:80');
    for (const bad of ['a; script-src *', 'evil.example/x', 'a b', '', undefined]) expect(dashboardCsp(bad)).toContain("connect-src 'self'; ");
  });
});

describe('chart time axis', () => {
  it('treats daily buckets as days, also across a 23-hour day at a clock change', () => {
    const d = 86_400;
    expect(isDailyOrCoarser([0, d, 2 * d])).toBe(true);
    expect(isDailyOrCoarser([0, d - 3600, 2 * d - 3600])).toBe(true);
    expect(isDailyOrCoarser([0, 7 * d, 14 * d])).toBe(true);
    expect(isDailyOrCoarser([0, 3600, 7200])).toBe(false);
    expect(isDailyOrCoarser([0, d, d + 3600])).toBe(false);
    expect(isDailyOrCoarser([0])).toBe(false);
    expect(DAY_INCREMENTS[0]).toBe(d);
  });
});

describe('Accept-Encoding', () => {
  it('serves gzip only where the header accepts it (q > 0), a named refusal beating *', () => {
    expect(acceptsGzip('gzip, deflate, br')).toBe(true);
    expect(acceptsGzip('br;q=1.0, gzip;q=0.8')).toBe(true);
    expect(acceptsGzip('GZIP')).toBe(true);
    expect(acceptsGzip('x-gzip')).toBe(true);
    expect(acceptsGzip('*')).toBe(true);
    expect(acceptsGzip('gzip;q=0')).toBe(false);
    expect(acceptsGzip('gzip; q=0.0, *')).toBe(false);
    expect(acceptsGzip('*;q=0')).toBe(false);
    expect(acceptsGzip('identity')).toBe(false);
    expect(acceptsGzip('br, deflate')).toBe(false);
    expect(acceptsGzip('')).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
    expect(acceptsGzip('notgzip')).toBe(false);
  });
});
