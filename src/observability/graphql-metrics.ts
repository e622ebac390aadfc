/**
 * GraphQL metrics: an Apollo plugin for GraphQL over HTTP (duration by operation type and name,
 * errors by operation name and code) and the graphql-ws counterparts (operations started, open
 * connections). Operation names go through Metrics.operationLabel, which caps their number.
 */
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import type { WebSocketServer } from 'ws';
import { GRAPHQL_ERROR_CODES, type Metrics } from '../metrics';

const KNOWN_CODES = new Set<string>(GRAPHQL_ERROR_CODES);

/** The code label of a formatted error: one of GRAPHQL_ERROR_CODES. */
export function errorCodeLabel(error: Pick<GraphQLFormattedError, 'extensions'>): string {
  const code = error.extensions?.code;
  return typeof code === 'string' && KNOWN_CODES.has(code) ? code : 'OTHER';
}

export function graphqlMetricsPlugin(metrics: Metrics): ApolloServerPlugin<BaseContext> {
  return {
    // The context function failed (no or a bad API key): no operation was looked at.
    async contextCreationDidFail({ error }) {
      const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
      metrics.graphqlErrors.inc({ operation_name: 'unknown', code: typeof code === 'string' && KNOWN_CODES.has(code) ? code : 'OTHER' });
    },
    async requestDidStart() {
      const t0 = performance.now();
      return {
        async willSendResponse({ response, operation, operationName, request }) {
          // Before resolution (a parse or validation error) only the name the client sent is known.
          // Only a resolved operation's own name: a client-sent operationName that names nothing would
          // let anyone fill the label's bounded set with junk.
          const name = operation ? metrics.operationLabel(operation.name?.value) : 'unknown';
          const type = operation?.operation ?? 'unknown';
          metrics.graphqlDuration.observe({ operation_type: type, operation_name: name }, (performance.now() - t0) / 1000);
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : response.body.initialResult.errors;
          for (const e of errors ?? []) metrics.graphqlErrors.inc({ operation_name: name, code: errorCodeLabel(e) });
        },
      };
    },
  };
}

/** Counts an operation started over graphql-ws (call it from onSubscribe). */
export function countWsOperation(metrics: Metrics, type: string | undefined, name: string | null | undefined): void {
  metrics.graphqlWsOperations.inc({ operation_type: type ?? 'unknown', operation_name: metrics.operationLabel(name) });
}

/** Keeps splitcast_websocket_connections equal to the open sockets of `wss`. */
export function trackWebSocketConnections(wss: WebSocketServer, metrics: Metrics): void {
  wss.on('connection', (socket) => {
    metrics.websocketConnections.inc();
    socket.once('close', () => metrics.websocketConnections.dec());
  });
}
