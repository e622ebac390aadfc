/**
 * The one HTTP port: GraphQL over HTTP (Apollo) and WebSocket (graphql-ws) on /graphql,
 * health and metrics; feature routes (webhooks, REST shim) register here as fastify plugins.
 */
import { randomUUID } from 'node:crypto';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { compiledExecutionGateway } from '../graphql/compiled-execution';
import type { SharedResults } from '../graphql/shared-results';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { DocumentNode, GraphQLError, GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import { badInput, DomainError, HTTP_STATUS } from '../errors';
import { pendingMigrations } from '../db/orm';
import { checkText, INVALID_TEXT } from '../shared/input-text';
import type { Metrics } from '../metrics';
import { graphqlMetricsPlugin } from '../observability/graphql-metrics';
import { health } from '../observability/health';
import { createContext, type AppDeps, type Context } from '../graphql/context';
import { formatError, isExpectedError, toGraphQLError } from '../graphql/errors';
import { checkLimits } from '../graphql/limits';
import { checkInputs } from '../graphql/input-guard';
import { operationAccessError } from '../graphql/authorization';
import { bearerToken } from '../shared/auth';
import { registerCors } from './cors';
import { explorerLandingPage, registerExplorerAssets } from './explorer';
import { registerDashboard } from './dashboard';
import { attachWebSocket, type WebSocketHandle } from './websocket';
import { registerRateLimit, type RateLimiter } from './rate-limit';
import { isDatabaseUnavailable } from '../db/unavailable';

export interface HttpDeps extends AppDeps {
  schema: GraphQLSchema;
  metrics: Metrics;
  logger: Logger;
  /** Absent when RATE_LIMIT=off. */
  rateLimiter?: RateLimiter;
  /** The features' HTTP routes (their modules' `routes`), registered in order. */
  routes: readonly ((fastify: FastifyInstance, deps: AppDeps) => Promise<void> | void)[];
}

export interface HttpServer {
  fastify: FastifyInstance;
  /** Stops accepting, closes WebSockets, then waits for in-flight HTTP requests. */
  close(): Promise<void>;
  /** Shared query results (absent when GRAPHQL_SHARED_RESULTS_MS=0); its stats are read by tests and the bench. */
  sharedResults?: SharedResults;
}

export async function createHttpServer(deps: HttpDeps): Promise<HttpServer> {
  const { config, orm, schema, metrics, logger } = deps;
  const fastify = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    trustProxy: config.trustProxy,
  });

  // While draining, responses ask clients to close their keep-alive connection, so the server
  // can finish as soon as the in-flight requests are answered.
  let draining = false;
  fastify.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  fastify.addHook('onSend', async (_request, reply) => {
    if (draining) reply.header('connection', 'close');
  });
  // CORS before the rate limit: a 429 must carry the CORS headers, or a browser cannot read it.
  await registerCors(fastify, config.corsOrigins);
  registerRateLimit(fastify, deps.rateLimiter, deps.keyCache);
  fastify.addHook('onResponse', async (request, reply) => {
    metrics.httpDuration
      .labels(request.method, request.routeOptions.url ?? 'unmatched', String(reply.statusCode))
      .observe(reply.elapsedTime / 1000);
  });

  // Every failure is JSON with a stable code; bad input is 4xx, never 500.
  fastify.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (error instanceof DomainError) {
      return reply.status(HTTP_STATUS[error.code]).send({ error: { code: error.code, reason: error.reason, message: error.message, field: error.field } });
    }
    const status = error.statusCode ?? 500;
    if (status < 500) {
      return reply.status(status).send({ error: { code: status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST', reason: error.code, message: error.message } });
    }
    if (isDatabaseUnavailable(error)) {
      // Nothing was acknowledged: the caller (a provider, a shop's backend) should retry.
      request.log.warn({ err: error }, 'request failed: the database is unavailable');
      return reply.status(503).header('retry-after', '5').send({ error: { code: 'UNAVAILABLE', reason: 'DATABASE_UNAVAILABLE', message: 'The database is unavailable; retry shortly', requestId: request.id } });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send({ error: { code: 'INTERNAL', message: 'Internal server error', requestId: request.id } });
  });
  // Path and query parameters reach SQL as text: refuse what PostgreSQL cannot store, once, here.
  fastify.addHook('preValidation', async (request, reply) => {
    for (const bag of [request.params, request.query] as unknown[]) {
      if (!bag || typeof bag !== 'object') continue;
      for (const [name, v] of Object.entries(bag)) {
        const bad = ([] as unknown[]).concat(v).map((x) => (typeof x === 'string' ? checkText(x, name) : undefined)).find(Boolean);
        if (bad) return reply.status(400).send({ error: { code: 'BAD_REQUEST', reason: INVALID_TEXT, message: bad } });
      }
    }
  });
  fastify.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ error: { code: 'NOT_FOUND', message: `No route ${request.method} ${request.url.split('?')[0]}` } });
  });

  registerExplorerAssets(fastify);
  registerDashboard(fastify);
  fastify.get('/healthz', async () => health(metrics.startedAt));
  // Unauthenticated: a probe in a tight loop shares one check per second (the ORM pool serves the API too).
  let readiness: { at: number; check: Promise<{ status: number; body: Record<string, string> }> } | undefined;
  const checkReadiness = async (): Promise<{ status: number; body: Record<string, string> }> => {
    try {
      await orm.em.getConnection().execute('select 1');
      const pending = await pendingMigrations(orm);
      if (pending > 0) return { status: 503, body: { status: 'not_ready', reason: `${pending} migration(s) pending` } };
      return { status: 200, body: { status: 'ready' } };
    } catch (e) {
      return { status: 503, body: { status: 'not_ready', reason: `database unreachable: ${(e as Error).message}` } };
    }
  };
  fastify.get('/readyz', async (_request, reply) => {
    if (!readiness || Date.now() - readiness.at > 1000) readiness = { at: Date.now(), check: checkReadiness() };
    const { status, body } = await readiness.check;
    return reply.status(status).send(body);
  });
  fastify.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  // The features' routes (REST shim, webhooks, exports), from their modules.
  for (const routes of deps.routes) await routes(fastify, deps);

  const limits = { maxDepth: config.graphqlMaxDepth, maxComplexity: config.graphqlMaxComplexity };
  // One check of an operation's shape and argument values before it runs, over HTTP and WebSocket.
  const checkRequest = (document: DocumentNode, variables: Record<string, unknown> | undefined, operationName: string | null | undefined) =>
    checkInputs(schema, document, variables) ?? checkLimits(schema, document, variables, operationName, limits);
  const limitsPlugin: ApolloServerPlugin<Context> = {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request, operationName, operation, contextValue }) {
          // Refused before execution: answer with the matching HTTP status, not Apollo's default 500.
          const denied = operation && operationAccessError(contextValue.auth, operation, schema, document);
          if (denied) throw withStatus(toGraphQLError(denied), 403);
          if (operation?.operation === 'subscription') {
            throw withStatus(
              toGraphQLError(badInput('SUBSCRIPTION_NEEDS_WEBSOCKET', 'Subscriptions are served over WebSocket (graphql-ws) at this same URL, not over HTTP')),
              400,
            );
          }
          const error = checkRequest(document, request.variables, operationName);
          // A malformed id is answered like any unknown id (200 with NOT_FOUND), bad input with 400.
          if (error) throw withStatus(error, error.extensions.code === 'NOT_FOUND' ? 200 : 400);
        },
        async didEncounterErrors({ errors, contextValue }) {
          for (const err of errors) {
            if (!isExpectedError(err)) logger.error({ err: err.originalError ?? err, requestId: contextValue?.requestId, path: err.path }, 'graphql error');
          }
        },
      };
    },
  };

  // The schema, executed by compiled queries where that answers the same, and identical queries
  // under the same database snapshot answered once (src/graphql/compiled-execution.ts, shared-results.ts).
  const gateway = compiledExecutionGateway(schema, {
    maxAgeMs: config.graphqlSharedResultsMs,
    snapshot: async () => (await deps.sql.query<{ s: string }>('select pg_current_snapshot()::text as s'))[0].s,
  });
  const apollo = new ApolloServer<Context>({
    gateway,
    formatError: (formatted, error) => formatError(formatted, error, config.development),
    includeStacktraceInErrorResponses: config.development,
    introspection: true,
    // Cache-control hints are unused here, and the plugin wraps every field of every response.
    plugins: [fastifyApolloDrainPlugin(fastify), limitsPlugin, ApolloServerPluginCacheControlDisabled(), explorerLandingPage(), graphqlMetricsPlugin(metrics)],
  });
  await apollo.start();

  fastify.route({
    url: '/graphql',
    method: ['GET', 'POST'], // preflights (OPTIONS) are answered by the CORS plugin
    handler: fastifyApolloHandler(apollo, {
      context: async (request) => {
        const em = orm.em.fork();
        try {
          const auth = await deps.authenticate(bearerToken(request.headers.authorization));
          return createContext(deps, auth, request.id, em);
        } catch (e) {
          if (!(e instanceof DomainError)) throw e;
          throw withStatus(toGraphQLError(e), HTTP_STATUS[e.code]);
        }
      },
    }),
  });

  let ws: WebSocketHandle | undefined;
  fastify.addHook('onReady', async () => {
    ws = attachWebSocket(fastify.server, {
      ...deps,
      checkLimits: checkRequest,
    });
  });

  return {
    fastify,
    sharedResults: gateway.sharedResults,
    async close() {
      draining = true;
      await ws?.close();
      await fastify.close();
    },
  };
}

/** Apollo reads the HTTP status of an error raised before execution from extensions.http. */
function withStatus(error: GraphQLError, status: number): GraphQLError {
  (error.extensions as Record<string, unknown>).http = { status };
  return error;
}
