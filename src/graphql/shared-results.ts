/**
 * Shared query results: fifty dashboards polling the same query in the same workspace get one
 * execution's answer instead of fifty (Hasura's "one query per shape, shared by many", applied to
 * queries rather than subscriptions). It sits in the executor hook (compiled-execution.ts), so
 * everything before execution runs for every request as before: authentication, rate limits, the
 * scope check, the input guard, depth and cost limits; and everything after it: formatError, the
 * metrics (a shared answer is a served operation like any other).
 *
 * Why a shared answer is the answer this request would have computed:
 * The key holds the database snapshot, `pg_current_snapshot()`, read by one statement when the
 * request reaches execution. A snapshot (xmin:xmax:in-progress xids) fixes exactly which
 * transactions' writes are visible, and the set of completed transactions only grows, so two
 * reads of the same snapshot text at t1 < t2 mean that no writing transaction committed (nor
 * aborted) between t1 and t2, on any connection of any instance: ingestion, a mutation, a job.
 * An answer computed by an execution that started at t1 has seen only writes committed before
 * t2 (had one committed in between, the snapshot at t2 would differ), plus, when this request
 * joins an execution still running, writes that commit while both are in flight — concurrent
 * with this request, so either order is a correct answer. Hence read-your-writes across
 * instances: a mutation acknowledged before a query starts has committed, so the query's
 * snapshot is one no earlier request has seen and it executes afresh.
 * What the snapshot does not cover (fields computed from the clock, such as now-based analysis or
 * `computedAt`, and in-memory state of the process) is bounded by a maximum age: an entry is
 * never served, and an execution never joined, more than `maxAgeMs` after its execution started.
 *
 * Never shared: anything but a query; introspection (answered from the schema, cheap already);
 * results with errors (neither stored nor handed to waiting requests, which then execute
 * themselves); requests of another workspace, other scopes, another document, operation name or
 * variables; and for documents reading the caller's own key (`viewer`) another API key.
 */
import type { DocumentNode, ExecutionResult, OperationDefinitionNode } from 'graphql';
import { Kind } from 'graphql';
import { LRUCache } from 'lru-cache';

export interface SharedResultsOptions {
  /** The longest an answer is served after its execution started; 0 turns sharing off. */
  maxAgeMs: number;
  /** Reads the database's current snapshot (`select pg_current_snapshot()::text`). */
  snapshot: () => Promise<string>;
  maxEntries?: number;
  /** Bound on the stored answers' JSON size, in UTF-16 code units (≈ bytes of the response). */
  maxBytes?: number;
}

/** What the shared-results layer needs of a request (Apollo's executor request context). */
export interface SharedRequest {
  document: DocumentNode;
  operation?: OperationDefinitionNode;
  operationName?: string | null;
  queryHash?: string;
  request: { variables?: Record<string, unknown> };
  context: unknown;
}

/** The caller's part of the key, from the request context (Context.auth). */
interface Caller {
  workspaceId: string;
  apiKeyId: string;
  scopes: readonly string[];
}

export const SHARED_RESULTS_ENTRIES = 1_000;
/** JSON size of the stored answers; as JavaScript objects they take a few times that on the heap. */
export const SHARED_RESULTS_BYTES = 32 * 1024 * 1024;
/** Root fields whose answer depends on the API key itself, not only its workspace and scopes. */
export const PER_KEY_ROOT_FIELDS: ReadonlySet<string> = new Set(['viewer']);

/** JSON with object keys sorted at every level: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(obj).sort()) {
    if (obj[k] !== undefined) parts.push(`${JSON.stringify(k)}:${canonicalJson(obj[k])}`);
  }
  return `{${parts.join(',')}}`;
}

/** True when the operation's root selection (through fragments) names one of `fields`. */
export function selectsRootField(document: DocumentNode, operation: OperationDefinitionNode, fields: ReadonlySet<string>): boolean {
  const fragments = new Map<string, { selectionSet: OperationDefinitionNode['selectionSet'] }>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const visited = new Set<string>();
  const walk = (set: OperationDefinitionNode['selectionSet']): boolean =>
    set.selections.some((s) => {
      if (s.kind === Kind.FIELD) return fields.has(s.name.value);
      if (s.kind === Kind.INLINE_FRAGMENT) return walk(s.selectionSet);
      if (visited.has(s.name.value)) return false;
      visited.add(s.name.value);
      const f = fragments.get(s.name.value);
      return f ? walk(f.selectionSet) : false;
    });
  return walk(operation.selectionSet);
}

/**
 * The key of a request's answer, or undefined when it is never shared. Pure: the snapshot is
 * passed in. Parts are joined by NUL, which none of them contains unescaped (JSON escapes it).
 */
export function sharedResultKey(rc: SharedRequest, caller: Caller | undefined, snapshot: string): string | undefined {
  if (!caller || !rc.queryHash || !rc.operation || rc.operation.operation !== 'query') return undefined;
  const perKey = selectsRootField(rc.document, rc.operation, PER_KEY_ROOT_FIELDS);
  return [
    caller.workspaceId,
    [...caller.scopes].sort().join(','),
    perKey ? caller.apiKeyId : '',
    rc.queryHash,
    rc.operationName ?? '',
    canonicalJson(rc.request.variables ?? {}),
    snapshot,
  ].join('\u0000');
}

/** Only what the caller is, from the context Apollo hands the executor. */
function callerOf(context: unknown): Caller | undefined {
  const auth = (context as { auth?: Partial<Caller> } | undefined)?.auth;
  if (!auth || typeof auth.workspaceId !== 'string' || typeof auth.apiKeyId !== 'string' || !Array.isArray(auth.scopes)) return undefined;
  return auth as Caller;
}

/** Counters for tests and the bench (not Prometheus metrics). */
export interface SharedResultsStats {
  /** Answers served from a stored entry. */
  hits: number;
  /** Requests that waited for an identical execution in flight. */
  joined: number;
  /** Executions run for a shareable request (a miss). */
  executions: number;
  /** Requests never shared (not a query, introspection, no caller). */
  bypassed: number;
}

interface Entry {
  result: ExecutionResult;
}

export class SharedResults {
  readonly stats: SharedResultsStats = { hits: 0, joined: 0, executions: 0, bypassed: 0 };
  private readonly cache: LRUCache<string, Entry>;
  private readonly inFlight = new Map<string, { startedAt: number; done: Promise<ExecutionResult> }>();
  private lastPurge = performance.now();

  constructor(private readonly options: SharedResultsOptions) {
    if (!(options.maxAgeMs > 0)) throw new Error('SharedResults needs a positive maxAgeMs');
    const maxBytes = options.maxBytes ?? SHARED_RESULTS_BYTES;
    this.cache = new LRUCache<string, Entry>({
      max: options.maxEntries ?? SHARED_RESULTS_ENTRIES,
      maxSize: maxBytes,
      // One huge answer must not evict everything else.
      maxEntrySize: Math.max(1, Math.floor(maxBytes / 8)),
      ttlAutopurge: false,
    });
  }

  /** Runs `execute` for the request, or hands it an answer shared under the same key. */
  async run(rc: SharedRequest, isIntrospection: (document: DocumentNode) => boolean, execute: () => Promise<ExecutionResult>): Promise<ExecutionResult> {
    const caller = callerOf(rc.context);
    if (!caller || rc.operation?.operation !== 'query' || !rc.queryHash || isIntrospection(rc.document)) {
      this.stats.bypassed++;
      return execute();
    }
    // Without a snapshot (the database unreachable, a pool exhausted) nothing can be proven fresh:
    // the request executes as it would without sharing and answers what it answered before.
    const snapshot = await this.options.snapshot().catch(() => undefined);
    const key = snapshot === undefined ? undefined : sharedResultKey(rc, caller, snapshot);
    if (key === undefined) {
      this.stats.bypassed++;
      return execute();
    }
    // lru-cache never returns an entry past its ttl (set below from the execution's start).
    const stored = this.cache.get(key);
    if (stored) {
      this.stats.hits++;
      return stored.result;
    }
    const now = performance.now();
    const flight = this.inFlight.get(key);
    if (flight && now - flight.startedAt < this.options.maxAgeMs) {
      const result = await flight.done.catch(() => undefined);
      if (result && !result.errors?.length) {
        this.stats.joined++;
        return result;
      }
      // Errors are never shared: this request gets its own execution (and its own error, if any).
      this.stats.executions++;
      return execute();
    }
    this.stats.executions++;
    const done = execute();
    const mine = { startedAt: now, done };
    this.inFlight.set(key, mine);
    try {
      const result = await done;
      if (!result.errors?.length) this.store(key, result, now);
      return result;
    } finally {
      if (this.inFlight.get(key) === mine) this.inFlight.delete(key);
    }
  }

  private store(key: string, result: ExecutionResult, startedAt: number): void {
    const ttl = Math.floor(this.options.maxAgeMs - (performance.now() - startedAt));
    if (ttl < 1) return;
    const size = JSON.stringify(result.data ?? null).length + key.length;
    this.cache.set(key, { result }, { ttl, size });
    // Every commit makes new keys, so expired entries are never asked for again: drop them (at
    // most once per max age) instead of holding the byte bound's worth of dead answers.
    if (performance.now() - this.lastPurge >= this.options.maxAgeMs) {
      this.lastPurge = performance.now();
      this.cache.purgeStale();
    }
  }

  get size(): number {
    return this.cache.size;
  }
}
