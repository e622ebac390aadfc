/** splitcast_webhooks_received_total: one count per webhook request, by provider and outcome. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Metrics } from '../../metrics';

export type WebhookOutcome = 'processed' | 'queued' | 'ignored' | 'bad_signature' | 'bad_request' | 'not_found' | 'rate_limited' | 'error';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by a webhook route when its 2xx means something other than "processed". */
    webhookOutcome?: WebhookOutcome;
  }
}

const ROUTE = /^\/webhooks\/(twilio|openphone|generic|whatsapp|email)\//;

export function webhookOutcome(status: number, marked?: WebhookOutcome): WebhookOutcome {
  if (status < 300) return marked ?? 'processed';
  if (status === 401 || status === 403) return 'bad_signature';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  if (status < 500) return 'bad_request';
  return 'error';
}

/** An onResponse hook for the webhook routes. */
export function countWebhook(metrics: Metrics, request: FastifyRequest, reply: FastifyReply): void {
  const provider = ROUTE.exec(request.routeOptions.url ?? '')?.[1];
  if (!provider) return;
  metrics.webhooksReceived.inc({ provider, outcome: webhookOutcome(reply.statusCode, request.webhookOutcome) });
}
