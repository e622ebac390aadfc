/**
 * The client's address for a raw Node request (the WebSocket upgrade does not pass through
 * fastify), decided by the same TRUST_PROXY rule fastify applies to HTTP requests.
 */
import type { IncomingMessage } from 'node:http';
import proxyAddr = require('@fastify/proxy-addr');

export function clientAddressOf(trustProxy: boolean | string): (request: IncomingMessage) => string {
  if (!trustProxy) return (request) => request.socket.remoteAddress ?? 'unknown';
  const trust = trustProxy === true ? () => true : proxyAddr.compile(trustProxy.split(',').map((s) => s.trim()));
  return (request) => proxyAddr(request, trust);
}
