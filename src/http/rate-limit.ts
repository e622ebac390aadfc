/**
 * Request rate limits, shared by every instance on the database, with no database round trip
 * per request.
 *
 * Each instance counts in memory per (bucket, fixed window) and decides on its own count plus the
 * cluster-wide total it last learnt. Every RATE_LIMIT_SYNC_MS (250 ms), and early when a bucket is
 * new in its window, has admitted a tenth of its limit since the last sync, or is used again after
 * an idle spell (at most every 50 ms), it flushes its increments in one statement (`insert … on
 * conflict do update … returning`) that also returns the cluster-wide totals of the buckets it
 * used since the last sync. Accuracy: what other instances
 * admitted since this one's last sync is unknown to it, so a burst spread over N instances can
 * exceed a limit by about one sync interval's worth of traffic per other instance (less for hot
 * buckets thanks to the early sync), and never by more than (N − 1) × limit. When the database
 * cannot be reached each instance keeps limiting on its own counts.
 *
 * Buckets: per API key (GraphQL, REST, WebSocket subscribe operations), per API key for bulk
 * ingestion (per request), per client IP for failed authentication, for requests without a known
 * key (tracked links, unauthenticated calls) and for webhook routes. Health, readiness and metrics
 * are never limited. Refusals: HTTP 429 with `Retry-After` and code RATE_LIMITED.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { RateLimits } from '../config';
import type { SqlPool } from '../db/pool';
import type { AuthInfo } from '../shared/auth';
import type { ApiKeyCache } from '../shared/key-cache';
import { bearerToken, hashApiKey } from '../shared/auth';
import { classifyRoute, ipBucket, RateCounters, type Decision, type RateRule, type RouteClass, type SyncRow } from './rate-limit-counters';

/**
 * Sent by this process's own simulator (its webhooks and clicks come from this very server):
 * random per process, never shown, so it cannot be forged from outside.
 */
export const INTERNAL_REQUEST_HEADER = 'x-splitcast-internal';
export const INTERNAL_REQUEST_TOKEN = randomBytes(32).toString('hex');

/** Minimum spacing of early syncs. */
const EARLY_SYNC_MS = 50;
/** Ended windows are deleted once they are this old. */
const CLEANUP_AFTER_MS = 60_000;
const CLEANUP_EVERY_MS = 60_000;
/** Keys seen valid recently: still let through to authentication from an IP over its failure budget. */
const KNOWN_KEY_TTL_MS = 3_600_000;
const KNOWN_KEYS_MAX = 10_000;

export const LIMIT_REASONS = ['KEY_RATE', 'INGEST_RATE', 'AUTH_FAILURES', 'ANONYMOUS_RATE', 'WEBHOOK_RATE'] as const;
export type LimitReason = (typeof LIMIT_REASONS)[number];

export interface Refusal extends Decision {
  reason: LimitReason;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the rate limiter's onRequest hook, read by its onSend hook. */
    rateLimit?: { cls: RouteClass; keyHash?: string; charged: boolean };
  }
}

export class RateLimiter {
  private readonly counters: RateCounters;
  private readonly knownKeys = new Map<string, { apiKeyId: string; expires: number }>();
  private timer?: NodeJS.Timeout;
  private earlyTimer?: NodeJS.Timeout;
  private syncing?: Promise<void>;
  private lastSyncAt = 0;
  private lastCleanupAt = Date.now();
  private stopped = false;
  private readonly refused: Counter<'reason'>;

  constructor(
    readonly limits: RateLimits,
    private readonly sql: SqlPool,
    private readonly logger: Logger,
    registry: Registry,
    private readonly now: () => number = Date.now,
  ) {
    this.counters = new RateCounters(2 * limits.syncMs);
    this.refused = new Counter({ name: 'splitcast_rate_limited_total', help: 'Requests refused by a rate limit, by reason', labelNames: ['reason'] as const, registers: [registry] });
    for (const reason of LIMIT_REASONS) this.refused.labels(reason).inc(0); // every series from start, at 0
  }

  start(): void {
    this.timer = setInterval(() => void this.sync(), this.limits.syncMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.earlyTimer);
    // A sync in flight is bounded by its pool's timeouts; wait at most that long for it.
    await Promise.race([this.syncing, new Promise((r) => setTimeout(r, 3000).unref())]);
  }

  /** Admits or refuses one request against a bucket. */
  hit(bucket: string, rule: RateRule, reason: LimitReason): Refusal | undefined {
    const d = this.counters.hit(bucket, rule, this.now());
    this.maybeSyncEarly();
    if (d.allowed) return undefined;
    this.refused.labels(reason).inc();
    return { ...d, reason };
  }

  /**
   * A graphql-ws connection presenting a key this instance has not seen valid: refused without a
   * key lookup when its address is over the failed-authentication budget, like an HTTP request.
   */
  connectionRefused(ip: string): boolean {
    const bucket = ipBucket(ip);
    return (this.exhausted(`authfail:${bucket}`, this.limits.authFailures, 'AUTH_FAILURES') ?? this.hit(`anon:${bucket}`, this.limits.anonymous, 'ANONYMOUS_RATE')) !== undefined;
  }

  /** A graphql-ws connection whose key was refused: counted against its address, like a 401. */
  connectionFailed(ip: string): void {
    this.counted(`authfail:${ipBucket(ip)}`, this.limits.authFailures);
  }

  /** One graphql-ws subscribe operation: counted against the key like an HTTP request. */
  subscribe(auth: AuthInfo): GraphQLError | undefined {
    const refusal = this.hit(`key:${auth.apiKeyId}`, this.limits.key, 'KEY_RATE');
    return refusal && new GraphQLError(refusalMessage(refusal), { extensions: { code: 'RATE_LIMITED', reason: refusal.reason, retryAfterSeconds: refusal.retryAfterSeconds } });
  }

  /** Flushes this instance's increments and learns the cluster totals (one statement). Single-flight. */
  sync(all = false): Promise<void> {
    if (this.syncing) return this.syncing;
    this.syncing = this.runSync(all).finally(() => {
      this.syncing = undefined;
      if (this.counters.earlySyncWanted) this.maybeSyncEarly();
    });
    return this.syncing;
  }

  /** A sync that includes every count made before this call and reads every bucket back (tests). */
  async flush(): Promise<void> {
    if (this.syncing) await this.syncing;
    await this.sync(true);
  }

  /** Before the route authenticates: the request's key if this instance has seen it valid. */
  knownKey(keyHash: string, cache: ApiKeyCache): string | undefined {
    const now = this.now();
    const k = this.knownKeys.get(keyHash);
    const cached = cache.get(keyHash, now)?.apiKeyId;
    if (cached) {
      // Remembered beyond the cache's short TTL (refreshed at most once per half TTL).
      if (!k || k.apiKeyId !== cached || k.expires - now < KNOWN_KEY_TTL_MS / 2) this.rememberKey(keyHash, cached);
      return cached;
    }
    if (k && k.expires > now) return k.apiKeyId;
    if (k) this.knownKeys.delete(keyHash);
    return undefined;
  }

  rememberKey(keyHash: string, apiKeyId: string): void {
    if (this.knownKeys.size >= KNOWN_KEYS_MAX && !this.knownKeys.has(keyHash)) this.knownKeys.clear();
    this.knownKeys.set(keyHash, { apiKeyId, expires: this.now() + KNOWN_KEY_TTL_MS });
  }

  forgetKey(keyHash: string): void {
    this.knownKeys.delete(keyHash);
  }

  counted(bucket: string, rule: RateRule): void {
    this.counters.count(bucket, rule, this.now());
    this.maybeSyncEarly();
  }

  exhausted(bucket: string, rule: RateRule, reason: LimitReason): Refusal | undefined {
    const d = this.counters.exhausted(bucket, rule, this.now());
    if (d.allowed) return undefined;
    this.refused.labels(reason).inc();
    return { ...d, reason };
  }

  private maybeSyncEarly(): void {
    if (!this.counters.earlySyncWanted || this.earlyTimer || this.syncing || this.stopped) return;
    const wait = Math.max(0, this.lastSyncAt + EARLY_SYNC_MS - this.now());
    this.earlyTimer = setTimeout(() => {
      this.earlyTimer = undefined;
      void this.sync();
    }, wait);
    this.earlyTimer.unref();
  }

  private async runSync(all: boolean): Promise<void> {
    const now = this.now();
    this.lastSyncAt = now;
    const rows = this.counters.pendingSync(now, all);
    if (rows.length > 0) {
      try {
        const totals = await this.exchange(rows);
        this.counters.synced(rows, totals);
      } catch (err) {
        this.counters.failed(rows);
        if (!this.stopped) this.logger.warn({ err }, 'rate limit sync failed; limiting on this instance’s own counts meanwhile');
      }
    }
    if (now - this.lastCleanupAt >= CLEANUP_EVERY_MS && !this.stopped) {
      this.lastCleanupAt = now;
      await this.sql.query('delete from rate_limit_counters where window_end < $1', [now - CLEANUP_AFTER_MS]).catch((err) => this.logger.warn({ err }, 'rate limit cleanup failed'));
    }
  }

  /** Adds the increments and returns the cluster totals of every row's bucket, in one statement. */
  private async exchange(rows: SyncRow[]): Promise<Map<string, number>> {
    const adds = rows.filter((r) => r.add > 0);
    const reads = rows.filter((r) => r.add === 0);
    // Upsert in a stable order (bucket, window), so two instances flushing the same buckets
    // cannot deadlock on each other's row locks.
    adds.sort((a, b) => (a.bucket < b.bucket ? -1 : a.bucket > b.bucket ? 1 : a.windowStart - b.windowStart));
    const result = await this.sql.query<{ bucket: string; window_start: string; count: string }>(
      `with added as (
         insert into rate_limit_counters as c (bucket, window_start, window_end, count)
         select * from unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[])
         on conflict (bucket, window_start) do update set count = c.count + excluded.count
         returning c.bucket, c.window_start, c.count
       )
       select bucket, window_start, count from added
       union all
       select c.bucket, c.window_start, c.count
         from rate_limit_counters c join unnest($5::text[], $6::bigint[]) as r(bucket, window_start)
           on c.bucket = r.bucket and c.window_start = r.window_start`,
      [adds.map((r) => r.bucket), adds.map((r) => r.windowStart), adds.map((r) => r.windowEnd), adds.map((r) => r.add), reads.map((r) => r.bucket), reads.map((r) => r.windowStart)],
    );
    return new Map(result.map((r) => [`${r.bucket}|${Number(r.window_start)}`, Number(r.count)]));
  }
}

export function refusalMessage(r: Refusal): string {
  const what: Record<LimitReason, string> = {
    KEY_RATE: 'Too many requests for this API key',
    INGEST_RATE: 'Too many ingestion requests for this API key',
    AUTH_FAILURES: 'Too many failed authentication attempts from this address',
    ANONYMOUS_RATE: 'Too many requests without an API key from this address',
    WEBHOOK_RATE: 'Too many webhook requests from this address',
  };
  return `${what[r.reason]}; retry in ${r.retryAfterSeconds} s`;
}

/** 429 with Retry-After: GraphQL's error shape on /graphql, the REST error shape elsewhere. */
function refuse(request: FastifyRequest, reply: FastifyReply, r: Refusal): FastifyReply {
  const message = refusalMessage(r);
  reply.status(429).header('retry-after', String(r.retryAfterSeconds));
  if (request.routeOptions.url === '/graphql') {
    return reply.send({ errors: [{ message, extensions: { code: 'RATE_LIMITED', reason: r.reason, retryAfterSeconds: r.retryAfterSeconds } }] });
  }
  return reply.send({ error: { code: 'RATE_LIMITED', reason: r.reason, message, retryAfterSeconds: r.retryAfterSeconds } });
}

/**
 * The hooks: decide in onRequest (before the body is read or the key is looked up); as the answer
 * goes out, count failed authentications and learn which keys are valid.
 */
export function registerRateLimit(fastify: FastifyInstance, limiter: RateLimiter | undefined, keyCache: ApiKeyCache): void {
  if (!limiter) return;
  const { limits } = limiter;

  fastify.addHook('onRequest', async (request, reply) => {
    const cls = classifyRoute(request.method, request.routeOptions.url);
    if (cls === 'exempt' || request.headers[INTERNAL_REQUEST_HEADER] === INTERNAL_REQUEST_TOKEN) return;
    const ip = ipBucket(request.ip);
    if (cls === 'webhook') {
      const r = limiter.hit(`webhook:${ip}`, limits.webhook, 'WEBHOOK_RATE');
      return r && refuse(request, reply, r);
    }
    if (cls === 'public') {
      const r = limiter.hit(`anon:${ip}`, limits.anonymous, 'ANONYMOUS_RATE');
      return r && refuse(request, reply, r);
    }
    const token = bearerToken(request.headers.authorization);
    const keyHash = token === undefined ? undefined : hashApiKey(token);
    const apiKeyId = keyHash === undefined ? undefined : limiter.knownKey(keyHash, keyCache);
    request.rateLimit = { cls, keyHash, charged: apiKeyId !== undefined };
    if (apiKeyId !== undefined) {
      const r = cls === 'ingest' ? limiter.hit(`ingest:${apiKeyId}`, limits.ingest, 'INGEST_RATE') : limiter.hit(`key:${apiKeyId}`, limits.key, 'KEY_RATE');
      return r && refuse(request, reply, r);
    }
    // No key this instance knows valid: an address over its failure budget gets no more lookups.
    const r = limiter.exhausted(`authfail:${ip}`, limits.authFailures, 'AUTH_FAILURES') ?? limiter.hit(`anon:${ip}`, limits.anonymous, 'ANONYMOUS_RATE');
    return r && refuse(request, reply, r);
  });

  // onSend, not onResponse: counted before the client can see the answer and send the next request.
  fastify.addHook('onSend', async (request, reply, payload) => {
    const state = request.rateLimit;
    if (!state || reply.statusCode === 429) return payload;
    if (reply.statusCode === 401) {
      limiter.counted(`authfail:${ipBucket(request.ip)}`, limits.authFailures);
      if (state.keyHash) limiter.forgetKey(state.keyHash);
      return payload;
    }
    if (state.charged || !state.keyHash) return payload;
    // The route authenticated the key (first request since the cache entry expired): count it.
    const auth = keyCache.get(state.keyHash);
    if (!auth) return payload;
    limiter.rememberKey(state.keyHash, auth.apiKeyId);
    if (state.cls === 'ingest') limiter.counted(`ingest:${auth.apiKeyId}`, limits.ingest);
    else limiter.counted(`key:${auth.apiKeyId}`, limits.key);
    return payload;
  });
}
