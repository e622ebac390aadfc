/**
 * CORS for browser clients on other origins (CORS_ORIGINS; none by default, `*` for any). Same-origin
 * pages (the landing page, a dashboard served here) need none. A preflight from an origin not in the
 * list is answered 204 without Access-Control-Allow-Origin, so the browser refuses the call —
 * the standard way, visible in the browser's console.
 */
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/** What GraphQL clients send: auth, JSON, Apollo's CSRF headers and client awareness, our request id. */
export const CORS_ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'accept',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'apollographql-client-name',
  'apollographql-client-version',
  'x-request-id',
];

export async function registerCors(fastify: FastifyInstance, origins: readonly string[]): Promise<void> {
  await fastify.register(cors, {
    origin: origins.includes('*') ? '*' : [...origins],
    methods: ['GET', 'POST'],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: ['x-request-id', 'retry-after'],
    maxAge: 600,
    strictPreflight: true,
  });
}
