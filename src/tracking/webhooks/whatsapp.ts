/**
 * Meta WhatsApp Cloud API webhooks, `/webhooks/whatsapp/:workspaceId` (registered by routes.ts):
 *
 * - GET: the verification handshake Meta performs when the webhook URL is configured:
 *   `hub.mode=subscribe&hub.verify_token=<token>&hub.challenge=<text>` → 200 with the challenge
 *   as text/plain when the token equals the workspace's `whatsappCloud.verifyToken`; else 403.
 * - POST: `X-Hub-Signature-256` over the raw body with the app secret (401 when missing or
 *   wrong), then `{object: "whatsapp_business_account", entry: [{changes: [{field: "messages",
 *   value: {statuses: […], messages: […]}}]}]}`: each status (sent / delivered / read / failed) and
 *   each inbound message is one payload for processWebhook. One POST may carry several.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Channel } from '../../domain/channel';
import { EventType } from '../../domain/event-type';
import type { WebhookPayload } from './process';
import { sameSecret, verifyWhatsAppSignature, WHATSAPP_SIGNATURE_HEADER } from './signatures';

/** The webhook route's provider name: messages sent through the Cloud API are recorded under it. */
export const WHATSAPP_PROVIDER = 'whatsapp';

/** Cloud API status → event ("reads count as OPENED"); other statuses (deleted, warning, …) record nothing. */
export const WHATSAPP_STATUS: Readonly<Record<string, EventType>> = {
  sent: EventType.SENT,
  delivered: EventType.DELIVERED,
  read: EventType.OPENED,
  failed: EventType.FAILED,
};

/** Unix seconds, as a decimal string (what Meta sends) or a number. */
const UnixSeconds = z.union([z.string().regex(/^\d{1,12}$/), z.number().int().min(0).max(999_999_999_999)]);

const Status = z.object({
  id: z.string().min(1).max(512),
  status: z.string().max(64),
  timestamp: UnixSeconds,
  recipient_id: z.string().max(64).optional(),
  errors: z.array(z.object({ code: z.number().optional(), title: z.string().optional(), message: z.string().optional() })).optional(),
});

const InboundMessage = z.object({
  from: z.string().min(1).max(64),
  id: z.string().min(1).max(512),
  timestamp: UnixSeconds,
  type: z.string().min(1).max(64),
  text: z.object({ body: z.string() }).optional(),
  /** A template's quick-reply button. */
  button: z.object({ text: z.string() }).optional(),
  /** Interactive messages' reply buttons and list rows. */
  interactive: z
    .object({
      button_reply: z.object({ title: z.string() }).optional(),
      list_reply: z.object({ title: z.string() }).optional(),
    })
    .optional(),
});

export const WhatsAppWebhook = z.object({
  object: z.literal('whatsapp_business_account'),
  entry: z
    .array(
      z.object({
        changes: z.array(
          z.object({
            field: z.string(),
            value: z.object({
              statuses: z.array(Status).optional(),
              messages: z.array(InboundMessage).optional(),
            }),
          }),
        ),
      }),
    )
    .min(1),
});

export type WhatsAppWebhookBody = z.infer<typeof WhatsAppWebhook>;

function isoFromUnix(t: string | number): string {
  return new Date(Number(t) * 1000).toISOString();
}

/** What an inbound message says: its text, a button's label, or `[type]` for media and the rest. */
export function inboundText(m: z.infer<typeof InboundMessage>): string {
  if (m.type === 'text' && m.text) return m.text.body;
  if (m.type === 'button' && m.button) return m.button.text;
  const reply = m.interactive?.button_reply ?? m.interactive?.list_reply;
  if (m.type === 'interactive' && reply) return reply.title;
  return `[${m.type}]`;
}

/**
 * The payloads a verified body asks for, in order: statuses first, then inbound messages, per
 * change. Changes of other fields (account updates, template reviews) and unknown statuses give
 * none. Pure.
 */
export function whatsappPayloads(body: WhatsAppWebhookBody): WebhookPayload[] {
  const out: WebhookPayload[] = [];
  for (const entry of body.entry) {
    for (const change of entry.changes) {
      if (change.field !== 'messages') continue;
      for (const s of change.value.statuses ?? []) {
        const type = WHATSAPP_STATUS[s.status];
        if (!type) continue;
        out.push({ kind: 'status', provider: WHATSAPP_PROVIDER, providerMessageId: s.id, type, eventKey: `${WHATSAPP_PROVIDER}:${s.id}:${s.status}`, at: isoFromUnix(s.timestamp) });
      }
      for (const m of change.value.messages ?? []) {
        out.push({
          kind: 'inbound',
          provider: WHATSAPP_PROVIDER,
          providerMessageId: m.id,
          // wa_id: the phone number in international form without '+'.
          from: m.from.startsWith('+') ? m.from : `+${m.from}`,
          body: inboundText(m),
          at: isoFromUnix(m.timestamp),
          channel: Channel.WHATSAPP,
        });
      }
    }
  }
  return out;
}

type Params = { Params: { workspaceId: string } };

/** What routes.ts lends this route: its workspace lookup, its durable processing, its error reply. */
export interface WebhookRouteKit {
  workspace(request: FastifyRequest<Params>, reply: FastifyReply): Promise<{ id: string; whatsapp_app_secret: string | null; whatsapp_verify_token: string | null; simulator_signing_secret: string | null } | undefined>;
  /** Why a payload cannot be stored (bad text, implausible time), or undefined. */
  problem(payload: WebhookPayload): { message: string; reason: string } | undefined;
  /** Processes one payload durably (or parks it in the retry queue); may answer the reply itself on failure. */
  process(request: FastifyRequest, reply: FastifyReply, workspaceId: string, payload: WebhookPayload): Promise<unknown>;
  fail(reply: FastifyReply, status: number, code: string, message: string, reason?: string): FastifyReply;
  /** The keys accepted besides the workspace's own secret (the simulator's, while it runs). */
  signingKeys(ws: { simulator_signing_secret: string | null }, own: string | null): string[];
}

/** The longest hub.challenge echoed (Meta's are short numbers). */
const MAX_CHALLENGE = 512;

export function registerWhatsAppRoutes(scope: FastifyInstance, kit: WebhookRouteKit): void {
  scope.get<Params & { Querystring: Record<string, unknown> }>('/webhooks/whatsapp/:workspaceId', async (request, reply) => {
    const ws = await kit.workspace(request, reply);
    if (!ws) return reply;
    const q = request.query ?? {};
    const challenge = q['hub.challenge'];
    if (q['hub.mode'] !== 'subscribe' || !sameSecret(ws.whatsapp_verify_token, q['hub.verify_token'])) {
      return kit.fail(reply, 403, 'FORBIDDEN', 'hub.mode must be subscribe and hub.verify_token the workspace whatsappCloud.verifyToken');
    }
    if (typeof challenge !== 'string' || challenge === '' || challenge.length > MAX_CHALLENGE) {
      return kit.fail(reply, 400, 'BAD_REQUEST', `hub.challenge is required (at most ${MAX_CHALLENGE} characters)`);
    }
    request.webhookOutcome = 'ignored';
    // Echoed verbatim, as Meta expects; nosniff keeps browsers from reading it as anything but text.
    return reply.type('text/plain; charset=utf-8').header('x-content-type-options', 'nosniff').send(challenge);
  });

  scope.post<Params>('/webhooks/whatsapp/:workspaceId', async (request, reply) => {
    const ws = await kit.workspace(request, reply);
    if (!ws) return reply;
    const keys = kit.signingKeys(ws, ws.whatsapp_app_secret);
    if (keys.length === 0) return kit.fail(reply, 401, 'UNAUTHENTICATED', 'No WhatsApp app secret is configured for this workspace');
    const header = request.headers[WHATSAPP_SIGNATURE_HEADER] as string | undefined;
    // Every key is checked (no early exit), each comparison constant-time.
    const valid = keys.map((k) => verifyWhatsAppSignature(k, request.rawBody ?? '', header)).some(Boolean);
    if (!valid) return kit.fail(reply, 401, 'UNAUTHENTICATED', 'Invalid or missing X-Hub-Signature-256');
    const parsed = WhatsAppWebhook.safeParse(request.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return kit.fail(reply, 400, 'BAD_REQUEST', `Not a WhatsApp Cloud API webhook: ${issue ? `${issue.path.join('.') || '(body)'}: ${issue.message}` : 'invalid'}`);
    }
    const payloads = whatsappPayloads(parsed.data);
    // Every payload is checked before any is stored: a refused request stores nothing.
    for (const p of payloads) {
      const bad = kit.problem(p);
      if (bad) return kit.fail(reply, 400, 'BAD_REQUEST', bad.message, bad.reason);
    }
    const results: unknown[] = [];
    for (const p of payloads) {
      results.push(await kit.process(request, reply, ws.id, p));
      // Could not be stored (503): the provider retries the whole POST; stored events deduplicate.
      if (reply.sent) return reply;
    }
    if (payloads.length === 0) request.webhookOutcome = 'ignored';
    return { status: payloads.length === 0 ? 'ignored' : 'processed', events: results };
  });
}
