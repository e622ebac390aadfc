/**
 * REST shim for events: `POST /v1/events` (Bearer WRITE) and tracked links `GET /l/:token`.
 * Both go through the ingestion pipeline; a 2xx means the events are committed.
 */
import type { FastifyInstance } from 'fastify';
import { requireKey } from '../http/auth';
import type { AppDeps } from '../graphql/context';
import { ApiScope } from '../shared/auth';
import { EventType } from '../domain/event-type';
import { trackEvents } from './track';

export function registerTrackingRoutes(fastify: FastifyInstance, deps: AppDeps): void {
  fastify.post('/v1/events', async (request, reply) => {
    const auth = await requireKey(deps, request, ApiScope.WRITE);
    const body = request.body as unknown;
    const events = Array.isArray(body) ? body : (body as { events?: unknown } | null)?.events;
    if (!Array.isArray(events) || events.some((e) => typeof e !== 'object' || e === null || Array.isArray(e))) {
      return reply.status(400).send({ error: { code: 'BAD_REQUEST', reason: 'INVALID_BODY', message: 'Send a JSON array of events (TrackEventInput objects), or {"events": [...]}' } });
    }
    return trackEvents(deps.ingestion, auth.workspaceId, events, 'api');
  });

  fastify.get<{ Params: { token: string } }>('/l/:token', async (request, reply) => {
    const [link] = await deps.orm.em.fork().execute<{ workspace_id: string; campaign_id: string; contact_id: string; message_id: string | null; url: string }[]>(
      'select workspace_id, campaign_id, contact_id, message_id, url from links where token = ?',
      [request.params.token],
    );
    if (!link) {
      return reply.status(404).type('text/html; charset=utf-8').send('<!doctype html><title>Link not found</title><h1>This link is not valid</h1><p>It may have expired or been mistyped.</p>');
    }
    const outcomes = await deps.ingestion.ingest(
      link.workspace_id,
      [
        {
          campaignId: link.campaign_id,
          contactId: link.contact_id,
          type: EventType.CLICKED,
          variantId: null,
          occurredAt: new Date(),
          value: null,
          sentiment: null,
          url: link.url,
          merchantId: null,
          idempotencyKey: null,
          messageId: link.message_id,
        },
      ],
      'link',
    );
    if (outcomes[0] !== 'ACCEPTED') request.log.warn({ token: request.params.token, outcome: outcomes[0] }, 'click not recorded');
    return reply.redirect(link.url, 302);
  });
}
