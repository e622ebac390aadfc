/**
 * Compiled execution (graphql-jit) for queries a client sends again and again (dashboards poll
 * the same document): the document is compiled once into a function that resolves exactly its
 * selection, instead of graphql-js interpreting it field by field on every request (argument
 * coercion, path and result objects for each of a dashboard page's thousands of fields: a third
 * of the dashboard's allocations; BENCHMARKS.md, "Dashboard profile").
 *
 * It plugs in behind Apollo Server as Apollo's own executor hook (the gateway interface), so
 * everything before execution stays as it is: parsing and validation, the context (authentication),
 * the plugins' checks in didResolveOperation (scopes, input guard, depth and cost limits),
 * formatError and the metrics. Execution by graphql-js is kept for whatever compiled execution
 * would answer differently or that is not worth compiling:
 * - mutations (serial execution, side effects) and anything but a query;
 * - introspection (`__schema`, `__type`);
 * - variables that do not coerce (graphql-js's own errors, as before);
 * - a document's first use: compiling costs more than one execution, so only a document seen
 *   before is compiled (a client cannot make the server compile each of a stream of new queries).
 * Compiled queries and the documents seen are kept in bounded LRU caches.
 */
import { execute, getVariableValues, GraphQLError, Kind, valueFromASTUntyped, type DocumentNode, type ExecutionResult, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { ApolloServerOptionsWithGateway, BaseContext } from '@apollo/server';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';
import { SharedResults, type SharedResultsOptions } from './shared-results';

/** What the executor needs of Apollo's request context (its GatewayGraphQLRequestContext). */
export interface ExecutionRequest {
  document: DocumentNode;
  operationName?: string | null;
  operation?: OperationDefinitionNode;
  queryHash?: string;
  /** What the client sent: `operationName` above is the resolved operation's name, null when none matched. */
  request: { variables?: Record<string, unknown>; operationName?: string | null };
  context: unknown;
}

export const COMPILED_QUERIES = 500;
/**
 * Compiled queries executing at once (see ConcurrencyLimit). On 2 cores a few CPU-bound
 * executions keep the CPU busy; 8 leaves room for their SQL round trips. Mutations,
 * introspection and first-seen documents do not wait here.
 */
export const COMPILED_CONCURRENCY = 8;
/** How long one compiled execution holds its place among those (see ConcurrencyLimit). */
export const COMPILED_SLOT_MS = 250;

/** True when a selection anywhere in the document reads `__schema` or `__type`. */
export function usesIntrospection(document: DocumentNode): boolean {
  let found = false;
  const walk = (node: unknown): void => {
    if (found || !node || typeof node !== 'object') return;
    const n = node as { kind?: string; name?: { value: string }; selectionSet?: { selections: unknown[] }; definitions?: unknown[] };
    if (n.kind === Kind.FIELD && (n.name?.value === '__schema' || n.name?.value === '__type')) {
      found = true;
      return;
    }
    for (const d of n.definitions ?? []) walk(d);
    for (const s of n.selectionSet?.selections ?? []) walk(s);
  };
  walk(document);
  return found;
}

export function createCompiledExecutor(schema: GraphQLSchema, shared?: SharedResults) {
  /** Per document + operation: its compiled query, or false when it is left to graphql-js. */
  const compiled = new LRUCache<string, CompiledQuery | false>({ max: COMPILED_QUERIES });
  const seen = new LRUCache<string, true>({ max: COMPILED_QUERIES * 4 });
  const interpret = (rc: ExecutionRequest) =>
    // The operation name the client asked for: with one that names no operation, graphql-js
    // answers the error Apollo turns into a 400 (the resolved name would be null, and a document
    // with one operation would run it).
    execute({ schema, document: rc.document, contextValue: rc.context, variableValues: rc.request.variables, operationName: rc.request.operationName ?? undefined });

  const compiledFor = (rc: ExecutionRequest): CompiledQuery | null => {
    if (!rc.queryHash || !rc.operation || rc.operation.operation !== 'query') return null;
    const key = `${rc.queryHash}\u0000${rc.operationName ?? ''}`;
    const hit = compiled.get(key);
    if (hit !== undefined) return hit || null;
    if (!seen.get(key)) {
      seen.set(key, true);
      return null;
    }
    const result = usesIntrospection(rc.document) ? null : compileQuery(schema, rc.document, rc.operationName ?? undefined, { disablingCapturingStackErrors: true });
    const query = result && isCompiledQuery(result) ? result : null;
    compiled.set(key, query ?? false);
    return query;
  };

  const limit = new ConcurrencyLimit(COMPILED_CONCURRENCY);
  const executeOnce = async (rc: ExecutionRequest): Promise<ExecutionResult> => {
    const query = compiledFor(rc);
    if (!query) return interpret(rc);
    const variables = withDefaults(rc.operation, rc.request.variables ?? {});
    if (rc.operation?.variableDefinitions?.length || Object.keys(variables).length > 0) {
      // Coercion errors are answered by graphql-js, word for word as before.
      const coerced = getVariableValues(schema, rc.operation?.variableDefinitions ?? [], variables);
      if (coerced.errors) return interpret(rc);
    }
    return limit.run(async () => withGraphQLErrors(await query.query(undefined, rc.context, variables)));
  };
  // Identical queries under the same database snapshot share one execution (shared-results.ts).
  if (!shared) return executeOnce;
  return (rc: ExecutionRequest): Promise<ExecutionResult> => shared.run(rc, usesIntrospection, () => executeOnce(rc));
}

/**
 * The client's variables plus the default of each one it left out, as the literal it would have
 * sent. graphql-jit ignores variable defaults (`$first: Int! = 20` omitted: "was not provided",
 * an error without a code, answered INTERNAL; `$first: Int = 20` omitted: the argument's own
 * default instead), where graphql-js applies them.
 */
export function withDefaults(operation: OperationDefinitionNode | undefined, variables: Record<string, unknown>): Record<string, unknown> {
  const missing = (operation?.variableDefinitions ?? []).filter((d) => d.defaultValue && !Object.prototype.hasOwnProperty.call(variables, d.variable.name.value));
  if (missing.length === 0) return variables;
  const filled = { ...variables };
  for (const d of missing) filled[d.variable.name.value] = valueFromASTUntyped(d.defaultValue!);
  return filled;
}

/**
 * graphql-jit's errors are GraphQLErrors without `extensions` when the thrown error had none,
 * where graphql-js always sets an object; Apollo reads `extensions.code` of every error (a
 * missing object made every domain error an INTERNAL_SERVER_ERROR). Rebuilt as graphql-js
 * builds them: same message, locations, path and original error; `errors` before `data`.
 */
export function withGraphQLErrors(result: ExecutionResult): ExecutionResult {
  if (!result.errors?.length) return result;
  const errors = result.errors.map((e) => {
    const error = new GraphQLError(e.message, { path: e.path, originalError: e.originalError ?? undefined, extensions: e.extensions ?? undefined });
    if (e.locations) (error as { locations?: unknown }).locations = e.locations;
    return error;
  });
  // graphql-js's key order: errors first.
  const { errors: _replaced, data, ...rest } = result;
  return { errors, data, ...rest };
}

/**
 * At most `max` callers run at once; the others wait their turn, first come first served. A burst
 * of 50 dashboards executed all at once keeps all 50 pages' objects alive until the last one is
 * done, so the young generation's survivors (which the garbage collector copies) grow with the
 * burst: measured at 50 connections, 29 ms of CPU per dashboard request interleaved, 20 ms queued.
 *
 * A caller still running after `holdMs` gives its place up (and keeps running): it is waiting on
 * something (a lock, a slow statement, a big report), not burning CPU, and `max` such callers,
 * from one workspace, would otherwise hold up every other workspace's queries for as long.
 */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(
    readonly max: number,
    readonly holdMs = COMPILED_SLOT_MS,
  ) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    };
    const timer = setTimeout(release, this.holdMs);
    timer.unref();
    try {
      return await fn();
    } finally {
      clearTimeout(timer);
      release();
    }
  }
}

type Gateway = ApolloServerOptionsWithGateway<BaseContext>['gateway'];

/**
 * Apollo Server's executor hook: a "gateway" that serves this one schema, never changes it, and
 * executes through createCompiledExecutor. Apollo runs its whole request pipeline (parse,
 * validate, plugins, formatError) around it, as with a plain schema.
 */
export function compiledExecutionGateway(schema: GraphQLSchema, sharedResults?: SharedResultsOptions): Gateway & { sharedResults?: SharedResults } {
  const shared = sharedResults && sharedResults.maxAgeMs > 0 ? new SharedResults(sharedResults) : undefined;
  const executor = createCompiledExecutor(schema, shared);
  return {
    sharedResults: shared,
    async load() {
      return { executor: executor as unknown as Awaited<ReturnType<Gateway['load']>>['executor'] };
    },
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => undefined;
    },
    async stop() {},
  };
}
