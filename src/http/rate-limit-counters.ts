/**
 * Pure rate-limit logic (no I/O, the clock is a parameter): fixed windows aligned on the epoch,
 * per-instance counters that remember what this instance admitted and what the cluster had admitted
 * at the last sync, and the request classification. src/http/rate-limit.ts does the I/O: it flushes
 * `pendingSync()` to PostgreSQL in one statement and feeds the cluster totals back through
 * `synced()`.
 *
 * A decision is `global + inFlight + pending + cost ≤ limit`, where `global` is the cluster-wide
 * count of the window as of this instance's last sync (its own flushed increments included),
 * `inFlight` what this instance is flushing right now and `pending` what it admitted since.
 * What other instances admitted since this one's last sync is unknown here: that is the error bound.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface RateRule {
  /** Requests admitted per window. */
  limit: number;
  windowMs: number;
}

/** How a request is limited. */
export type RouteClass = 'exempt' | 'webhook' | 'ingest' | 'public' | 'api';

export interface Decision {
  allowed: boolean;
  /** Whole seconds until the window ends (≥ 1); set when refused. */
  retryAfterSeconds: number;
}

export interface SyncRow {
  bucket: string;
  windowStart: number;
  windowEnd: number;
  /** Increments to add (0: only read the cluster total). */
  add: number;
}

interface Entry {
  bucket: string;
  windowStart: number;
  windowEnd: number;
  limit: number;
  global: number;
  inFlight: number;
  pending: number;
  /** Pending since the last sync at which an early sync was asked for. */
  sinceEarly: number;
  /** Used since the last sync (only such buckets are read back, besides those with increments). */
  touched: boolean;
  /** When the cluster total was last read. */
  readAt: number;
}

/** Start of the fixed window that contains `now` (windows are aligned on the epoch, so every instance agrees). */
export function windowStart(now: number, windowMs: number): number {
  return Math.floor(now / windowMs) * windowMs;
}

/** Seconds a refused client should wait: until the window ends, rounded up, at least 1. */
export function retryAfterSeconds(now: number, windowMs: number): number {
  return Math.max(1, Math.ceil((windowStart(now, windowMs) + windowMs - now) / 1000));
}

/** Routes that are never limited (probes and scrapes). */
const EXEMPT_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);
/** Routes a recipient's phone or mail client reaches without a key. */
const PUBLIC_PREFIXES = ['/l/', '/o/', '/u/'];
/** Bulk ingestion with an API key: a budget of its own, counted per request (not per event). */
const INGEST_ROUTES = new Set(['POST /v1/events', 'POST /v1/orders']);

/** `routeUrl` is fastify's matched route pattern (undefined when no route matched). */
export function classifyRoute(method: string, routeUrl: string | undefined): RouteClass {
  if (method === 'OPTIONS') return 'exempt'; // CORS preflights: no credentials, nothing runs
  if (routeUrl === undefined) return 'api';
  if (EXEMPT_ROUTES.has(routeUrl)) return 'exempt';
  if (routeUrl.startsWith('/webhooks/')) return 'webhook';
  if (INGEST_ROUTES.has(`${method} ${routeUrl}`)) return 'ingest';
  if (PUBLIC_PREFIXES.some((p) => routeUrl.startsWith(p))) return 'public';
  return 'api';
}

/**
 * The address a per-IP bucket is keyed by: IPv4 as is (also when IPv4-mapped), IPv6 by its /64
 * (one subscriber usually holds a whole /64, so per-address buckets would be trivially evaded).
 */
export function ipBucket(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (isIPv4(ip) || !isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  // An embedded IPv4 tail (::1.2.3.4 forms) takes two groups; only the first four groups matter.
  const tailGroups = t.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - tailGroups).fill('0'), ...t] : h;
  return `${groups.slice(0, 4).map((g) => (parseInt(g, 16) || 0).toString(16)).join(':')}::/64`;
}

export class RateCounters {
  private readonly entries = new Map<string, Entry>();
  /**
   * Set when a bucket is new in its window, has admitted a tenth of its limit unsynced, or is used
   * again after missing syncs (its cluster total is older than `staleMs`).
   */
  earlySyncWanted = false;

  constructor(private readonly staleMs = 500) {}

  private entry(bucket: string, rule: RateRule, now: number): Entry {
    const start = windowStart(now, rule.windowMs);
    const id = `${bucket}|${start}`;
    let e = this.entries.get(id);
    if (!e) {
      e = { bucket, windowStart: start, windowEnd: start + rule.windowMs, limit: rule.limit, global: 0, inFlight: 0, pending: 0, sinceEarly: 0, touched: true, readAt: -Infinity };
      this.entries.set(id, e);
      this.earlySyncWanted = true; // learn what the other instances already admitted
    } else if (!e.touched) {
      e.touched = true;
      if (now - e.readAt > this.staleMs) this.earlySyncWanted = true; // idle for a while: refresh soon
    }
    return e;
  }

  /** Admits (and counts) or refuses one request of `cost`. Refused requests are not counted. */
  hit(bucket: string, rule: RateRule, now: number, cost = 1): Decision {
    const e = this.entry(bucket, rule, now);
    if (e.global + e.inFlight + e.pending + cost > rule.limit) return { allowed: false, retryAfterSeconds: retryAfterSeconds(now, rule.windowMs) };
    this.add(e, cost);
    return { allowed: true, retryAfterSeconds: 0 };
  }

  /** Counts without deciding (a fact learnt after the response, e.g. a failed authentication). */
  count(bucket: string, rule: RateRule, now: number, cost = 1): void {
    this.add(this.entry(bucket, rule, now), cost);
  }

  /** Would one more request be refused? Counts nothing, creates nothing. */
  exhausted(bucket: string, rule: RateRule, now: number): Decision {
    const e = this.entries.get(`${bucket}|${windowStart(now, rule.windowMs)}`);
    if (e) e.touched = true;
    if (!e || e.global + e.inFlight + e.pending < rule.limit) return { allowed: true, retryAfterSeconds: 0 };
    return { allowed: false, retryAfterSeconds: retryAfterSeconds(now, rule.windowMs) };
  }

  private add(e: Entry, cost: number): void {
    e.pending += cost;
    e.sinceEarly += cost;
    if (e.sinceEarly >= Math.max(1, Math.ceil(e.limit / 10))) {
      e.sinceEarly = 0;
      this.earlySyncWanted = true;
    }
  }

  /**
   * Starts a sync: drops windows that have ended, moves every pending count to in-flight and
   * returns a row per bucket with increments or used since the last sync (`all`: every live
   * bucket); rows with nothing to add only read the cluster total.
   */
  pendingSync(now: number, all = false): SyncRow[] {
    this.earlySyncWanted = false;
    const rows: SyncRow[] = [];
    for (const [id, e] of this.entries) {
      if (e.windowEnd <= now) {
        this.entries.delete(id);
        continue;
      }
      if (!all && e.pending === 0 && !e.touched) continue;
      rows.push({ bucket: e.bucket, windowStart: e.windowStart, windowEnd: e.windowEnd, add: e.pending });
      e.touched = false;
      e.readAt = now;
      e.inFlight += e.pending;
      e.pending = 0;
      e.sinceEarly = 0;
    }
    return rows;
  }

  /** The sync succeeded: `totals` are the cluster-wide counts after adding `rows`. */
  synced(rows: SyncRow[], totals: Map<string, number>): void {
    for (const r of rows) {
      const e = this.entries.get(`${r.bucket}|${r.windowStart}`);
      if (!e) continue;
      e.inFlight -= r.add;
      const total = totals.get(`${r.bucket}|${r.windowStart}`);
      if (total !== undefined) e.global = total;
      else e.global += r.add; // not returned (cannot happen with the upsert); keep our own share
    }
  }

  /** The sync failed: its increments go back to pending, to be flushed next time. */
  failed(rows: SyncRow[]): void {
    for (const r of rows) {
      const e = this.entries.get(`${r.bucket}|${r.windowStart}`);
      if (!e) continue;
      e.inFlight -= r.add;
      e.pending += r.add;
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
