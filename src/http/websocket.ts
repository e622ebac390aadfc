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
 * Subscriptions are multiplexed (as Hasura's are): a live source hands the same event object to
 * every subscriber, so each `next` payload is executed and serialized once per (event, shape) —
 * a shape being the session (workspace, scopes) with the document, operation name and variables —
 * and every socket gets that same string framed with its own subscription id. The source stream
 * itself is still opened per subscriber (the field's subscribe function checks access), so
 * authentication, revocation and workspace isolation are exactly as before.
 */
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { DocumentNode, ExecutionArgs, ExecutionResult, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { GraphQLError, createSourceEventStream, execute, getOperationAST, parse, subscribe, validate } from 'graphql';
import { Repeater } from '@repeaterjs/repeater';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from 'pino';
import { createContext, type AppDeps, type Context } from '../graphql/context';
import { operationScopeError } from '../graphql/authorization';
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
}

export interface WebSocketHandle {
  close(): Promise<void>;
}

const FRAME_END = Buffer.from('}');

/** How many distinct documents (query texts) the socket server keeps parsed and validated. */
const DOCUMENT_CACHE_SIZE = 500;

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

  // Subscription executions → their socket and shape; event → shape → its serialized payload.
  // Both weak: an ended subscription's context and a delivered event leave nothing behind.
  const deliveries = new WeakMap<object, Delivery>();
  // Payloads are kept as UTF-8 bytes: each socket's frame is then one copy of them, not a string
  // concatenation, its flattening and its encoding.
  const payloads = new WeakMap<object, Map<string, Promise<Buffer>>>();
  const render = async (event: unknown, args: ExecutionArgs) => Buffer.from(serializeResult(await execute({ ...args, rootValue: event }), format));
  const payloadOf = (event: unknown, args: ExecutionArgs, shape: string): Promise<Buffer> => {
    if (typeof event !== 'object' || event === null) return render(event, args);
    let shapes = payloads.get(event);
    if (!shapes) payloads.set(event, (shapes = new Map()));
    let json = shapes.get(shape);
    if (!json) shapes.set(shape, (json = render(event, args)));
    return json;
  };
  // graphql-ws's `subscribe`: the source stream as graphql-js opens it, then each event's shared
  // payload written straight to the socket. What graphql-ws iterates yields nothing: it only ends
  // (graphql-ws then sends `complete`) or fails (graphql-ws sends `error`), and its return() — the
  // client's `complete` or the socket's close — stops the source.
  const subscribeShared = async (args: ExecutionArgs): Promise<ExecutionResult | AsyncIterable<ExecutionResult>> => {
    const delivery = deliveries.get(args.contextValue as object);
    if (!delivery) return subscribe(args);
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) return source as ExecutionResult; // e.g. NOT_FOUND from the field's subscribe
    return new Repeater<never>(async (_push, stop) => {
      const events = source[Symbol.asyncIterator]();
      let stopped = false;
      void stop.then(() => {
        stopped = true;
        void events.return?.();
      });
      for (;;) {
        const step = await events.next();
        if (stopped || step.done) break;
        const bytes = await payloadOf(step.value, args, delivery.shape);
        if (stopped) break;
        if (delivery.socket.readyState === WebSocket.OPEN) {
          delivery.socket.send(Buffer.concat([delivery.prefix, bytes, FRAME_END], delivery.prefix.length + bytes.length + 1), { binary: false });
        }
      }
      stop();
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
        const denied = operationScopeError(ctx.extra.auth!.scopes, operation.operation);
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
      stopListening();
      await handle.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
