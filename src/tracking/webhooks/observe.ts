/**
 * splitcast_webhooks_received_total: one count per webhook request, by provider and outcome; and
 * the same request counted per workspace for webhook health (./receipts.ts).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Metrics } from '../../metrics';
import type { ReceiptOutcome, WebhookReceipts } from './receipts';

export type WebhookOutcome = 'processed' | 'duplicate' | 'queued' | 'ignored' | 'bad_signature' | 'bad_request' | 'not_found' | 'rate_limited' | 'error';

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

/**
 * The per-workspace outcome of a webhook request, or undefined when it is not counted per
 * workspace (unknown workspace, a server error). Pure.
 */
export function receiptOutcome(outcome: WebhookOutcome): ReceiptOutcome | undefined {
  switch (outcome) {
    case 'processed':
    case 'ignored':
      return 'accepted';
    case 'duplicate':
      return 'duplicate';
    case 'queued':
      return 'retried';
    case 'bad_signature':
      return 'bad_signature';
    case 'bad_request':
      return 'malformed';
    case 'rate_limited':
      return 'rate_limited';
    default:
      return undefined;
  }
}

/** An onResponse hook for the webhook routes. */
export function countWebhook(metrics: Metrics, request: FastifyRequest, reply: FastifyReply, receipts?: WebhookReceipts): void {
  const provider = ROUTE.exec(request.routeOptions.url ?? '')?.[1];
  if (!provider) return;
  const outcome = webhookOutcome(reply.statusCode, request.webhookOutcome);
  metrics.webhooksReceived.inc({ provider, outcome });
  // Per workspace, callbacks only (not WhatsApp's GET verification handshake).
  const receipt = request.method === 'POST' ? receiptOutcome(outcome) : undefined;
  if (receipt) receipts?.record((request.params as { workspaceId?: string } | undefined)?.workspaceId, provider, receipt);
}
