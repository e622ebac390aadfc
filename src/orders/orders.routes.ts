/**
 * `POST /v1/orders` (Bearer WRITE): a JSON array of OrderInput objects, or {"orders": [...]}, or a
 * CSV (content-type text/csv, the columns of importOrdersCsv). Same result JSON as POST /v1/events;
 * a 200 means the accepted orders and their conversions are committed.
 */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../graphql/context';
import { requireKey } from '../http/auth';
import { ApiScope } from '../shared/auth';
import { OrderService } from './orders.service';

export async function registerOrderRoutes(fastify: FastifyInstance, deps: AppDeps): Promise<void> {
  // Encapsulated: the text/csv parser applies to this route only.
  await fastify.register(async (scope) => {
    scope.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => done(null, { csv: body as string }));
    scope.post('/v1/orders', async (request, reply) => {
      const auth = await requireKey(deps, request, ApiScope.WRITE);
      const service = new OrderService(deps.orders, deps.sql, auth.workspaceId);
      const body = request.body as unknown;
      if (body !== null && typeof body === 'object' && 'csv' in body && typeof (body as { csv: unknown }).csv === 'string' && request.headers['content-type']?.startsWith('text/csv')) {
        return service.importCsv((body as { csv: string }).csv, 'csv');
      }
      const orders = Array.isArray(body) ? body : (body as { orders?: unknown } | null)?.orders;
      if (!Array.isArray(orders) || orders.some((o) => typeof o !== 'object' || o === null || Array.isArray(o))) {
        return reply.status(400).send({ error: { code: 'BAD_REQUEST', reason: 'INVALID_BODY', message: 'Send a JSON array of orders (OrderInput objects), {"orders": [...]}, or a CSV with content-type text/csv' } });
      }
      return service.record(orders, 'api');
    });
  });
}
