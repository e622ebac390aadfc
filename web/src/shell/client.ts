/**
 * One urql client per API key: queries over HTTP POST /graphql, subscriptions over graphql-ws on
 * the same URL (one WebSocket, multiplexed), the key in the Authorization header and in the
 * WebSocket's connectionParams — never in a URL.
 */
import { Client, cacheExchange, fetchExchange, subscriptionExchange } from 'urql';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { afterClose, type SocketState } from './live-indicator';

export interface ApiClient {
  client: Client;
  /** Closes the WebSocket (on sign-out or when switching keys). */
  dispose(): void;
  /** Connection state of the WebSocket, for the page's live indicator. */
  onSocket(listener: (state: SocketState) => void): () => void;
}

export function createApiClient(key: string): ApiClient {
  const url = `${location.origin}/graphql`;
  const listeners = new Set<(state: SocketState) => void>();
  const ws: WsClient = createWsClient({
    url: url.replace(/^http/, 'ws'),
    lazy: true,
    connectionParams: { authorization: `Bearer ${key}` },
    // Reconnects after a server restart; subscriptions resume and resend their current values.
    retryAttempts: Infinity,
    shouldRetry: () => true,
    on: {
      connecting: () => listeners.forEach((l) => l('connecting')),
      connected: () => listeners.forEach((l) => l('connected')),
      // A lazy close (no subscription left) is not a lost connection.
      closed: (event) => listeners.forEach((l) => l(afterClose((event as { code?: number } | undefined)?.code))),
    },
  });
  const client = new Client({
    url,
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return { subscribe: (sink) => ({ unsubscribe: ws.subscribe(input, sink) }) };
        },
      }),
    ],
    fetchOptions: () => ({ headers: { authorization: `Bearer ${key}` } }),
    // POST always: urql's default GET for short queries meets Apollo's CSRF prevention.
    preferGetMethod: false,
    requestPolicy: 'cache-and-network',
  });
  return {
    client,
    dispose: () => void ws.dispose(),
    onSocket(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** A one-off client for checking a key before it is remembered (HTTP only). */
export function probeClient(key: string): Client {
  return new Client({
    url: `${location.origin}/graphql`,
    exchanges: [fetchExchange],
    fetchOptions: () => ({ headers: { authorization: `Bearer ${key}` } }),
    preferGetMethod: false,
    requestPolicy: 'network-only',
  });
}
