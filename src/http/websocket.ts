/**
 * graphql-ws on the same port and path as HTTP GraphQL. The API key travels in
 * `connectionParams.authorization` ("Bearer sk_…" or the bare key); a connection without a valid
 * key is closed with 4403 before any operation runs, and so is an open one whose key is revoked
 * (on every instance: revocations arrive over LISTEN/NOTIFY; a periodic check covers a missed one).
 *
 * Errors are answered exactly as over HTTP (same codes and reasons) in an `error` message for that
 * operation only: the socket stays open for the others. That is why this module parses and
 * validates itself instead of letting graphql-ws do it (its own parse errors close the socket with
 * 4500, and its validation errors carry no code).
 *
 * Subscriptions are multiplexed (as Hasura's are): subscriptions of the same shape — the session
 * (workspace, scopes) with the document, operation name and variables — form one group, which is
 * one synchronous sink on the live source: each event is executed and serialized once per group,
 * and every socket gets those bytes framed with its own subscription id, with no promise or
 * iterator per subscriber on the way. Each subscription still opens its source once (the field's
 * subscribe function checks access: NOT_FOUND, workspace), so authentication, revocation and
 * workspace isolation are exactly as before. A slow socket (its send queue over SLOW_SOCKET_BYTES)
 * keeps only the newest stats snapshot per subscription; status and winner messages always go.
 */
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { DocumentNode, ExecutionArgs, ExecutionResult, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { GraphQLError, createSourceEventStream, execute, getOperationAST, parse, subscribe, validate } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from 'pino';
import { createContext, type AppDeps, type Context } from '../graphql/context';
import { operationAccessError } from '../graphql/authorization';
import { formatError, toGraphQLError } from '../graphql/errors';
import { badInput } from '../errors';
import type { AuthInfo } from '../shared/auth';
import { bearerToken, hashApiKey } from '../shared/auth';
import { clientAddressOf } from './client-ip';
import { countWsOperation, trackWebSocketConnections } from '../observability/graphql-metrics';
import type { RateLimiter } from './rate-limit';

export interface WebSocketDeps extends AppDeps {
  schema: GraphQLSchema;
  logger: Logger;
  /** The same pre-execution checks as HTTP (argument values, depth, cost). */
  rateLimiter?: RateLimiter;
  checkLimits(document: DocumentNode, variables: Record<string, unknown> | undefined, operationName: string | null | undefined): GraphQLError | undefined;
  /** How often open sockets' keys are re-checked against the database (a missed revocation). */
  revocationCheckMs?: number;
  /** A socket with more bytes than this waiting in its send buffer gets only the newest snapshot (SLOW_SOCKET_BYTES). */
  slowSocketBytes?: number;
}

export interface WebSocketHandle {
  close(): Promise<void>;
}

const FRAME_END = Buffer.from('}');
/** ws send options for a `next` frame (one object for every send). */
const TEXT = { binary: false } as const;

/** How many distinct documents (query texts) the socket server keeps parsed and validated. */
const DOCUMENT_CACHE_SIZE = 500;

/**
 * Above this many bytes queued for a socket (ws's `bufferedAmount`: not yet taken by the kernel),
 * the socket is slow: of superseding updates (stats snapshots) it keeps only the newest, sent once
 * the queue is back under the bound. Status and winner messages are always queued. 16 KiB (about
 * 16 stats messages beyond what the kernel's socket buffer already holds) bounds what 10,000 slow
 * sockets can pin in this process to about 160 MB.
 */
export const SLOW_SOCKET_BYTES = 16 * 1024;

/** How often slow sockets are checked for a drained queue. */
const SLOW_CHECK_MS = 50;

/** graphql-ws close code for "forbidden", also used when the key is revoked mid-connection. */
export const CLOSE_FORBIDDEN = 4403;

/** What this server keeps per connection (graphql-ws/use/ws adds `socket` and `request`). */
type Extra = { auth?: AuthInfo };

/** Where one subscription's frames go: its socket, the frame's start with its id, and its shape. */
interface Delivery {
  socket: WebSocket;
  /** `{"id":…,"type":"next","payload":` as UTF-8: the shared payload and FRAME_END follow. */
  prefix: Buffer;
  shape: string;
}

/** One subscription in its shape's group. */
interface Member {
  socket: WebSocket;
  prefix: Buffer;
  /** The newest snapshot payload held back while the socket is slow (only for superseding sources). */
  pending: Buffer | undefined;
}

/** What the live service's streams offer beside async iteration (duck-typed: http imports no feature). */
interface Listenable {
  listen(sink: { next(value: unknown): void; readonly subscribers: number }): () => void;
  supersedes?: boolean;
}

function isListenable(source: object): source is Listenable {
  return typeof (source as Partial<Listenable>).listen === 'function';
}

function frame(member: Member, payload: Buffer): Buffer {
  return Buffer.concat([member.prefix, payload, FRAME_END], member.prefix.length + payload.length + 1);
}

/**
 * What to do with a superseding update for a socket: send it, or hold it (replacing any held one)
 * while the socket's queue is over the bound. Pure.
 */
export function slowDecision(bufferedAmount: number, bound: number, supersedes: boolean): 'send' | 'hold' {
  return supersedes && bufferedAmount > bound ? 'hold' : 'send';
}

/** Members holding a snapshot for a slow socket; one timer checks them while there are any. */
class SlowSockets {
  private readonly held = new Set<Member>();
  private timer?: NodeJS.Timeout;
  constructor(readonly bound: number) {}

  hold(member: Member, payload: Buffer): void {
    member.pending = payload; // the previous held snapshot, if any, is stale: dropped
    this.held.add(member);
    this.timer ??= setInterval(() => this.check(), SLOW_CHECK_MS);
    this.timer.unref();
  }

  /** A newer update went out (or the subscription ended): nothing to flush for this member. */
  forget(member: Member): void {
    if (member.pending === undefined) return;
    member.pending = undefined;
    this.held.delete(member);
    this.stopIfIdle();
  }

  private check(): void {
    for (const m of this.held) {
      if (m.socket.readyState !== WebSocket.OPEN) this.forget(m);
      else if (m.socket.bufferedAmount <= this.bound) {
        const payload = m.pending!;
        this.forget(m);
        m.socket.send(frame(m, payload), TEXT);
      }
    }
    this.stopIfIdle();
  }

  private stopIfIdle(): void {
    if (this.held.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  close(): void {
    this.held.clear();
    this.stopIfIdle();
  }
}

/**
 * The subscriptions of one shape: the live source calls `next` once per event; the event is executed
 * and serialized once, then framed for each member's socket. Executions finish in order: a result
 * that is a promise delays the ones after it.
 */
class ShapeGroup {
  readonly members = new Set<Member>();
  stop?: () => void;
  private queue?: Promise<void>;

  constructor(
    readonly key: string,
    private readonly args: ExecutionArgs,
    /** A context per event: loaders and the unit of work cache what they read, so one kept for the
     * subscription's life would answer later events' nested fields (a status message's `stats`)
     * with the first event's data. It is lazy: an event that reads nothing costs nothing. */
    private readonly newContext: () => Context,
    private readonly supersedes: boolean,
    private readonly render: (result: ExecutionResult) => Buffer,
    private readonly slow: SlowSockets,
    private readonly logger: Logger,
  ) {}

  get subscribers(): number {
    return this.members.size;
  }

  next(event: unknown): void {
    const result = execute({ ...this.args, contextValue: this.newContext(), rootValue: event });
    if (!this.queue && !isPromise(result)) return this.send(this.render(result));
    const queue: Promise<void> = (this.queue ?? Promise.resolve())
      .then(() => result)
      .then((r) => this.send(this.render(r)))
      .catch((err: unknown) => this.logger.error({ err }, 'could not execute a live update'))
      .finally(() => {
        if (this.queue === queue) this.queue = undefined;
      });
    this.queue = queue;
  }

  private send(payload: Buffer): void {
    for (const m of this.members) {
      const socket = m.socket;
      if (socket.readyState !== WebSocket.OPEN) continue;
      if (slowDecision(socket.bufferedAmount, this.slow.bound, this.supersedes) === 'hold') {
        this.slow.hold(m, payload);
        continue;
      }
      this.slow.forget(m);
      socket.send(frame(m, payload), TEXT);
    }
  }
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as Promise<T> | undefined)?.then === 'function';
}

/** What graphql-ws iterates for a grouped subscription: no values; ends when returned (complete or close). */
function endOnReturn(leave: () => void): AsyncIterableIterator<never> & { return(): Promise<IteratorResult<never>> } {
  let ended = false;
  let wake: ((r: IteratorResult<never>) => void) | undefined;
  const done: IteratorResult<never> = { done: true, value: undefined };
  const it = {
    [Symbol.asyncIterator]: () => it,
    next: (): Promise<IteratorResult<never>> => (ended ? Promise.resolve(done) : new Promise((r) => (wake = r))),
    return: (): Promise<IteratorResult<never>> => {
      if (!ended) {
        ended = true;
        leave();
        wake?.(done);
      }
      return Promise.resolve(done);
    },
  };
  return it;
}

/** The start of a graphql-ws `next` frame for subscription `id`: the shared payload and `}` follow. Pure. */
export function nextFramePrefix(id: string): string {
  return `{"id":${JSON.stringify(id)},"type":"next","payload":`;
}

/**
 * What makes two subscriptions' payloads identical for the same event: the session (workspace and
 * scopes, which resolvers may look at) and the operation with its variables. Pure.
 */
export function shapeKey(auth: Pick<AuthInfo, 'workspaceId' | 'scopes'>, operation: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null }): string {
  return JSON.stringify([auth.workspaceId, [...auth.scopes].sort(), operation.operationName ?? null, operation.variables ?? null, operation.query]);
}

/** The `next` payload of an execution result, errors formatted as everywhere else. Pure. */
export function serializeResult(result: ExecutionResult, format: (e: GraphQLError) => GraphQLFormattedError): string {
  return JSON.stringify(result.errors ? { ...result, errors: result.errors.map(format) } : result);
}

/**
 * A subscription's context, building its unit of work, services and loaders on first use: a live
 * subscription's source needs only `app` and `auth`, and thousands of open subscriptions should
 * not each hold an EntityManager fork and a set of dataloaders for their whole life.
 */
function lazyContext(deps: AppDeps, auth: AuthInfo): Context {
  const requestId = randomUUID();
  let full: Context | undefined;
  const build = () => (full ??= createContext(deps, auth, requestId));
  return {
    app: deps,
    auth,
    requestId,
    get em() {
      return build().em;
    },
    get loaders() {
      return build().loaders;
    },
    get services() {
      return build().services;
    },
  };
}

function clientError(e: unknown, reason: string): GraphQLError {
  const source = e instanceof GraphQLError ? e : undefined;
  const message = source ? source.message : `The query could not be parsed (${(e as Error).message})`;
  return new GraphQLError(message, { nodes: source?.nodes, source: source?.source, positions: source?.positions, extensions: { code: 'BAD_USER_INPUT', reason } });
}

export function attachWebSocket(server: Server, deps: WebSocketDeps): WebSocketHandle {
  const wss = new WebSocketServer({ server, path: '/graphql' });
  const clientAddress = clientAddressOf(deps.config.trustProxy);
  trackWebSocketConnections(wss, deps.metrics);
  const format = (e: GraphQLError) => {
    // Errors raised before execution (variables that do not fit their types) carry no code and no
    // path (a resolver's error always has one); over HTTP Apollo calls them BAD_USER_INPUT, so do we.
    if (!e.extensions?.code && !e.path) {
      return { message: e.message, locations: e.locations, extensions: { code: 'BAD_USER_INPUT', reason: 'INVALID_VARIABLES' } };
    }
    return formatError(e.toJSON(), e, deps.config.development);
  };

  // Open sockets by API key, to close them when the key is revoked.
  const byKey = new Map<string, Set<WebSocket>>();
  const closeKey = (apiKeyId: string) => {
    for (const socket of byKey.get(apiKeyId) ?? []) socket.close(CLOSE_FORBIDDEN, 'Forbidden: the API key was revoked');
    byKey.delete(apiKeyId);
  };
  const stopListening = deps.keyCache.onRevoke(closeKey);
  const recheck = setInterval(() => {
    const ids = [...byKey.keys()];
    if (ids.length === 0) return;
    deps.orm.em
      .fork()
      .getConnection()
      .execute<{ id: string }[]>('select id from api_keys where id = any(?::uuid[]) and revoked_at is not null', [`{${ids.join(',')}}`])
      .then((rows) => rows.forEach((r) => closeKey(r.id)))
      .catch((err: unknown) => deps.logger.warn({ err }, 'could not re-check the API keys of open WebSockets'));
  }, deps.revocationCheckMs ?? 30_000);
  recheck.unref();

  // Parsed and validated documents by query text: thousands of sockets send the same few
  // documents, and each parsed one (tokens, locations) is ~15 KB kept for a subscription's life.
  // Bounded: the oldest entry goes first. Documents are never mutated, so sharing one is safe.
  const documents = new Map<string, { document: DocumentNode; errors?: undefined } | { errors: GraphQLError[] }>();
  const checkDocument = (query: string) => {
    let checked = documents.get(query);
    if (!checked) {
      try {
        const document = parse(query);
        const invalid = validate(deps.schema, document);
        checked = invalid.length > 0 ? { errors: invalid.map((e) => clientError(e, 'GRAPHQL_VALIDATION_FAILED')) } : { document };
      } catch (e) {
        checked = { errors: [clientError(e, 'GRAPHQL_PARSE_FAILED')] };
      }
      if (documents.size >= DOCUMENT_CACHE_SIZE) documents.delete(documents.keys().next().value!);
      documents.set(query, checked);
    }
    return checked;
  };

  // Subscriptions by execution context (set in onSubscribe, read by `subscribe` just after).
  const deliveries = new WeakMap<object, Delivery>();
  // Subscriptions of the same shape share one group: one sink on the live source, one execution
  // and serialization per event, the same bytes framed for each of its sockets.
  const groups = new Map<string, ShapeGroup>();
  const slow = new SlowSockets(deps.slowSocketBytes ?? SLOW_SOCKET_BYTES);
  const render = (result: ExecutionResult) => Buffer.from(serializeResult(result, format));

  // graphql-ws's `subscribe`: the source stream as graphql-js opens it (the field's subscribe
  // function checks access: NOT_FOUND, workspace), then the subscription joins its shape's group.
  // What graphql-ws iterates yields nothing: it only ends, on return() — the client's `complete`
  // or the socket's close — after which graphql-ws sends `complete` as usual.
  const subscribeShared = async (args: ExecutionArgs): Promise<ExecutionResult | AsyncIterable<ExecutionResult>> => {
    const delivery = deliveries.get(args.contextValue as object);
    if (!delivery) return subscribe(args);
    deliveries.delete(args.contextValue as object);
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) return source as ExecutionResult; // e.g. NOT_FOUND from the field's subscribe
    if (!isListenable(source)) {
      // Not a live stream: let graphql-js open and execute it per subscriber, as without multiplexing.
      await source[Symbol.asyncIterator]().return?.();
      return subscribe(args);
    }
    let group = groups.get(delivery.shape);
    if (!group) {
      // The source opened above was only an access check when the group exists; it registered nothing.
      const auth = (args.contextValue as Context).auth;
      const created: ShapeGroup = new ShapeGroup(delivery.shape, args, () => lazyContext(deps, auth), source.supersedes === true, render, slow, deps.logger);
      created.stop = source.listen(created);
      groups.set(delivery.shape, (group = created));
    }
    // Only the group (with its one copy of the shape key) and the member stay with the subscription.
    const joined = group;
    const member: Member = { socket: delivery.socket, prefix: delivery.prefix, pending: undefined };
    joined.members.add(member);
    return endOnReturn(() => {
      joined.members.delete(member);
      slow.forget(member);
      if (joined.members.size === 0 && groups.get(joined.key) === joined) {
        groups.delete(joined.key);
        joined.stop?.();
      }
    });
  };

  const handle = useServer<Record<string, unknown> | undefined, Extra>(
    {
      schema: deps.schema,
      subscribe: subscribeShared,
      onConnect: async (ctx) => {
        const raw = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        const token = typeof raw === 'string' ? (bearerToken(raw) ?? raw) : undefined;
        // Unknown keys cost a lookup: the same failed-authentication budget as HTTP applies.
        const ip = clientAddress(ctx.extra.request);
        const known = token !== undefined && deps.keyCache.get(hashApiKey(token)) !== undefined;
        if (!known && deps.rateLimiter?.connectionRefused(ip)) return false;
        try {
          const generation = deps.keyCache.generation;
          let auth = await deps.authenticate(token);
          // A revocation heard while the key was looked up may be this key's: look again (now after it).
          if (deps.keyCache.generation !== generation) auth = await deps.authenticate(token);
          // The client may have gone while we looked: register only an open socket (else nothing removes it).
          if (ctx.extra.socket.readyState !== WebSocket.OPEN) return false;
          ctx.extra.auth = auth;
          const sockets = byKey.get(auth.apiKeyId) ?? new Set();
          sockets.add(ctx.extra.socket);
          byKey.set(auth.apiKeyId, sockets);
          return true;
        } catch {
          deps.rateLimiter?.connectionFailed(ip);
          return false; // graphql-ws closes with 4403 Forbidden
        }
      },
      onClose: (ctx) => {
        const id = ctx.extra.auth?.apiKeyId;
        const sockets = id ? byKey.get(id) : undefined;
        sockets?.delete(ctx.extra.socket);
        if (id && sockets?.size === 0) byKey.delete(id);
      },
      onSubscribe: (ctx, id, payload) => {
        const limited = deps.rateLimiter?.subscribe(ctx.extra.auth!);
        if (limited) return [limited];
        const checked = checkDocument(payload.query);
        if (checked.errors) return checked.errors;
        const document = checked.document;
        const operation = getOperationAST(document, payload.operationName);
        countWsOperation(deps.metrics, operation?.operation, operation?.name?.value);
        if (!operation) {
          return [toGraphQLError(badInput('OPERATION_RESOLUTION_FAILURE', payload.operationName ? `No operation named "${payload.operationName}"` : 'Several operations: say which one with operationName'))];
        }
        const denied = operationAccessError(ctx.extra.auth!, operation, deps.schema, document);
        if (denied) return [toGraphQLError(denied)];
        const error = deps.checkLimits(document, payload.variables ?? undefined, payload.operationName);
        if (error) return [error];
        const auth = ctx.extra.auth!;
        if (operation.operation !== 'subscription') return { schema: deps.schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue: createContext(deps, auth, randomUUID()) };
        const contextValue = lazyContext(deps, auth);
        deliveries.set(contextValue, { socket: ctx.extra.socket, prefix: Buffer.from(nextFramePrefix(id)), shape: shapeKey(auth, payload) });
        return { schema: deps.schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
      },
      onError: (_ctx, _id, _payload, errors) => errors.map(format),
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: result.errors.map(format) } : undefined),
    },
    wss,
  );

  return {
    async close() {
      clearInterval(recheck);
      slow.close();
      stopListening();
      await handle.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
