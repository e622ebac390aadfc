/**
 * Provider webhooks (REST shim). Each route: find the workspace (404), verify the signature with
 * the workspace's secret (401, nothing recorded), parse (400), then process through the ingestion
 * pipeline. The 2xx comes only once the outcome is durable: processed, or parked in the retry queue.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../../graphql/context';
import { isUuid } from '../../shared/ids';
import { checkText, INVALID_TEXT } from '../../shared/input-text';
import { EventType } from '../../domain/event-type';
import { Channel } from '../../domain/channel';
import { trackEvents } from '../track';
import { countWebhook } from './observe';
import { enqueueRetry, retryErrorText } from './retries';
import { processWebhook, type WebhookPayload } from './process';
import { parseMailgunEvent } from './mailgun';
import { registerWhatsAppRoutes } from './whatsapp';
import { GENERIC_SIGNATURE_HEADER, MAILGUN_DEFAULT_TOLERANCE_SECONDS, OPENPHONE_SIGNATURE_HEADER, verifyGenericSignature, verifyMailgunSignature, verifyOpenPhoneSignature, verifyTwilioSignature } from './signatures';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as received: signatures are computed over it. */
    rawBody?: string;
  }
}

type Params = { Params: { workspaceId: string } };

/** Twilio writes WhatsApp addresses as `whatsapp:+14155550123` (To, From) on the SMS webhook. */
export const TWILIO_WHATSAPP_PREFIX = 'whatsapp:';

/** How long a status callback for a message not yet recorded waits before going to the retry queue. */
const OVERTAKE_GRACE_MS = 250;

interface WorkspaceSecrets {
  id: string;
  twilio_auth_token: string | null;
  openphone_signing_secret: string | null;
  webhook_signing_secret: string | null;
  /** The email provider's (Mailgun's) webhook signing key. */
  email_webhook_key: string | null;
  whatsapp_app_secret: string | null;
  whatsapp_verify_token: string | null;
  /** Honoured on the Twilio, WhatsApp and email routes only while SEND_PROVIDER=simulator (see sending/providers/simulator-secret.ts). */
  simulator_signing_secret: string | null;
}

/** Twilio MessageStatus → event; statuses not listed (queued, sending, …) record nothing. */
const TWILIO_STATUS: Record<string, EventType> = {
  sent: EventType.SENT,
  delivered: EventType.DELIVERED,
  undelivered: EventType.FAILED,
  failed: EventType.FAILED,
  read: EventType.OPENED,
};

const OpenPhoneEvent = z.object({
  id: z.string().min(1),
  type: z.string(),
  createdAt: z.string().optional(),
  data: z.object({
    object: z.object({
      id: z.string().min(1),
      from: z.string().optional(),
      body: z.string().nullish(),
      createdAt: z.string().optional(),
    }),
  }),
});

const fail = (reply: FastifyReply, status: number, code: string, message: string, reason?: string) =>
  reply.status(status).send({ error: { code, ...(reason ? { reason } : {}), message } });

export async function registerWebhookRoutes(fastify: FastifyInstance, deps: AppDeps): Promise<void> {
  await fastify.register(async (scope) => {
    scope.addHook('onResponse', async (request, reply) => countWebhook(deps.metrics, request, reply, deps.webhookReceipts));
    // Keep the raw body for signature checks; parse it ourselves.
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
      req.rawBody = body as string;
      try {
        done(null, (body as string) === '' ? undefined : JSON.parse(body as string));
      } catch {
        done(Object.assign(new Error('The body is not valid JSON'), { statusCode: 400, code: 'INVALID_JSON' }), undefined);
      }
    });
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (req, body, done) => {
      req.rawBody = body as string;
      done(null, formParams(body as string));
    });

    const workspace = async (request: FastifyRequest<Params>, reply: FastifyReply): Promise<WorkspaceSecrets | undefined> => {
      const id = request.params.workspaceId;
      const [ws] = isUuid(id)
        ? await deps.orm.em.fork().execute<WorkspaceSecrets[]>(
            'select id, twilio_auth_token, openphone_signing_secret, webhook_signing_secret, email_webhook_key, whatsapp_app_secret, whatsapp_verify_token, simulator_signing_secret from workspaces where id = ?',
            [id],
          )
        : [];
      if (!ws) fail(reply, 404, 'NOT_FOUND', `Workspace ${id} not found`);
      return ws;
    };

    /**
     * The keys a provider route accepts: the workspace's own secret for that provider and, while
     * this server runs the simulator, the simulator's secret (it speaks each provider's protocol
     * to these very routes; see sending/providers/simulator-secret.ts).
     */
    const signingKeys = (ws: Pick<WorkspaceSecrets, 'simulator_signing_secret'>, own: string | null): string[] =>
      [own, deps.config.sendProvider === 'simulator' ? ws.simulator_signing_secret : null].filter((k): k is string => Boolean(k));

    /** Process now; park in the retry queue when that cannot finish. Answers once durable. */
    const process = async (request: FastifyRequest, reply: FastifyReply, workspaceId: string, payload: WebhookPayload) => {
      const bad = payloadProblem(payload);
      if (bad) return fail(reply, 400, 'BAD_REQUEST', bad.message, bad.reason);
      const em = deps.orm.em.fork();
      try {
        let r = await processWebhook(em, deps.ingestion, workspaceId, payload);
        if (!r.done && payload.kind === 'status') {
          // A status callback usually overtakes the sender's commit of its message by milliseconds
          // (the provider answers the send, then calls back at once): look once more before parking
          // it in the retry queue, whose first retry is seconds (or a scheduler tick) away.
          await new Promise((resolve) => setTimeout(resolve, OVERTAKE_GRACE_MS));
          r = await processWebhook(em, deps.ingestion, workspaceId, payload);
        }
        if (r.done) {
          // The pipeline had it already (a redelivery): counted apart in webhook health.
          if (r.detail === 'DUPLICATE') request.webhookOutcome ??= 'duplicate';
          return { status: 'processed', detail: r.detail };
        }
        await enqueueRetry(em, workspaceId, payload, r.retry);
        request.webhookOutcome = 'queued';
        return { status: 'queued', detail: r.retry };
      } catch (e) {
        request.log.error({ err: e, payload }, 'webhook processing failed; queueing a retry');
        try {
          await enqueueRetry(deps.orm.em.fork(), workspaceId, payload, retryErrorText(e));
        } catch (e2) {
          request.log.error({ err: e2 }, 'could not queue the webhook retry');
          return fail(reply, 503, 'UNAVAILABLE', 'Could not store the webhook; please retry');
        }
        request.webhookOutcome = 'queued';
        return { status: 'queued', detail: 'processing failed; will retry' };
      }
    };

    scope.post<Params>('/webhooks/twilio/:workspaceId', async (request, reply) => {
      const ws = await workspace(request, reply);
      if (!ws) return reply;
      const params = (request.body ?? {}) as Record<string, string | string[]>;
      const url = deps.config.publicUrl + request.url;
      const keys = signingKeys(ws, ws.twilio_auth_token);
      if (keys.length === 0) return fail(reply, 401, 'UNAUTHENTICATED', 'No Twilio auth token is configured for this workspace');
      const header = request.headers['x-twilio-signature'] as string | undefined;
      // Every key is checked (no early exit), each comparison constant-time.
      const valid = keys.map((k) => verifyTwilioSignature(k, url, params, header)).some(Boolean);
      if (!valid) return fail(reply, 401, 'UNAUTHENTICATED', 'Invalid or missing X-Twilio-Signature');
      const one = (k: string) => (Array.isArray(params[k]) ? (params[k] as string[])[0] : (params[k] as string | undefined));
      const sid = one('MessageSid') ?? one('SmsSid');
      if (!sid) return fail(reply, 400, 'BAD_REQUEST', 'MessageSid is required');
      const status = one('MessageStatus') ?? one('SmsStatus');
      const at = new Date().toISOString();
      const ignored = { status: 'ignored' };
      let result: unknown = ignored;
      if (status && status !== 'received') {
        const type = TWILIO_STATUS[status];
        if (type) result = await process(request, reply, ws.id, { kind: 'status', provider: 'twilio', providerMessageId: sid, type, eventKey: `twilio:${sid}:${status}`, at });
      } else {
        const from = one('From');
        if (!from || one('Body') === undefined) return fail(reply, 400, 'BAD_REQUEST', 'An inbound message needs From and Body');
        // Twilio's WhatsApp numbers arrive as `whatsapp:+E164` on the same webhook.
        const whatsapp = from.startsWith(TWILIO_WHATSAPP_PREFIX);
        result = await process(request, reply, ws.id, {
          kind: 'inbound',
          provider: 'twilio',
          providerMessageId: sid,
          from: whatsapp ? from.slice(TWILIO_WHATSAPP_PREFIX.length) : from,
          body: one('Body') ?? '',
          at,
          channel: whatsapp ? Channel.WHATSAPP : Channel.SMS,
        });
      }
      if (reply.sent) return reply;
      if (result === ignored) request.webhookOutcome = 'ignored';
      request.log.debug({ result }, 'twilio webhook');
      // Empty TwiML: Twilio sends no automatic reply of its own.
      return reply.type('text/xml').send('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    });

    registerWhatsAppRoutes(scope, { workspace, problem: payloadProblem, process, fail, signingKeys });

    scope.post<Params>('/webhooks/openphone/:workspaceId', async (request, reply) => {
      const ws = await workspace(request, reply);
      if (!ws) return reply;
      if (!ws.openphone_signing_secret) return fail(reply, 401, 'UNAUTHENTICATED', 'No OpenPhone signing secret is configured for this workspace');
      if (!verifyOpenPhoneSignature(ws.openphone_signing_secret, request.rawBody ?? '', request.headers[OPENPHONE_SIGNATURE_HEADER] as string | undefined)) {
        return fail(reply, 401, 'UNAUTHENTICATED', 'Invalid or missing openphone-signature');
      }
      const parsed = OpenPhoneEvent.safeParse(request.body);
      if (!parsed.success) return fail(reply, 400, 'BAD_REQUEST', `Not an OpenPhone event: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      const event = parsed.data;
      const message = event.data.object;
      const at = message.createdAt ?? event.createdAt ?? new Date().toISOString();
      if (event.type === 'message.delivered') {
        return process(request, reply, ws.id, { kind: 'status', provider: 'openphone', providerMessageId: message.id, type: EventType.DELIVERED, eventKey: `openphone:${event.id}`, at });
      }
      if (event.type === 'message.received') {
        if (!message.from) return fail(reply, 400, 'BAD_REQUEST', 'message.received needs data.object.from');
        return process(request, reply, ws.id, { kind: 'inbound', provider: 'openphone', providerMessageId: message.id, from: message.from, body: message.body ?? '', at, channel: Channel.SMS });
      }
      request.webhookOutcome = 'ignored';
      return { status: 'ignored', type: event.type };
    });

    // Mailgun's tokens seen in the last few minutes (older ones fail the timestamp check anyway).
    const mailgunTokens = new RecentTokens(MAILGUN_DEFAULT_TOLERANCE_SECONDS * 2 * 1000);
    scope.post<Params>('/webhooks/email/:workspaceId', async (request, reply) => {
      const ws = await workspace(request, reply);
      if (!ws) return reply;
      const keys = signingKeys(ws, ws.email_webhook_key);
      if (keys.length === 0) return fail(reply, 401, 'UNAUTHENTICATED', 'No email webhook key is configured for this workspace');
      const body = request.body as Record<string, unknown> | undefined;
      const signature = body && typeof body === 'object' && !Array.isArray(body) ? body.signature : undefined;
      const check = verifyMailgunSignature(keys, signature, Math.floor(Date.now() / 1000));
      if (!check.ok) return fail(reply, 401, 'UNAUTHENTICATED', `Invalid Mailgun signature (${check.reason})`, check.reason);
      const token = `${ws.id}:${(signature as { token: string }).token}`;
      // A replayed token is acknowledged and not processed again (the event keys would make it a
      // duplicate anyway; this saves the work and the lookups).
      if (mailgunTokens.has(token)) {
        request.webhookOutcome = 'duplicate';
        return { status: 'replayed' };
      }
      const event = parseMailgunEvent(body);
      if (event.kind === 'malformed') return fail(reply, 400, 'BAD_REQUEST', event.message);
      if (event.kind === 'ignored') {
        mailgunTokens.add(token);
        request.webhookOutcome = 'ignored';
        return { status: 'ignored', event: event.event };
      }
      const result = await process(request, reply, ws.id, event.payload);
      if (!reply.sent) mailgunTokens.add(token); // remembered once durable: a retry after a failure must get through
      return result;
    });

    scope.post<Params>('/webhooks/generic/:workspaceId', async (request, reply) => {
      const ws = await workspace(request, reply);
      if (!ws) return reply;
      if (!ws.webhook_signing_secret) return fail(reply, 401, 'UNAUTHENTICATED', 'No webhook signing secret is configured for this workspace');
      const check = verifyGenericSignature(ws.webhook_signing_secret, request.rawBody ?? '', request.headers[GENERIC_SIGNATURE_HEADER.toLowerCase()] as string | undefined, Math.floor(Date.now() / 1000));
      if (!check.ok) return fail(reply, 401, 'UNAUTHENTICATED', `Invalid ${GENERIC_SIGNATURE_HEADER} (${check.reason})`, check.reason);
      const body = request.body as unknown;
      const events = Array.isArray(body) ? body : body && typeof body === 'object' && 'events' in body ? (body as { events: unknown }).events : body ? [body] : undefined;
      if (!Array.isArray(events) || events.some((e) => typeof e !== 'object' || e === null || Array.isArray(e))) {
        return fail(reply, 400, 'BAD_REQUEST', 'Send one event, an array of events, or {"events": [...]} in the TrackEventInput shape');
      }
      const result = await trackEvents(deps.ingestion, ws.id, events, 'webhook:generic');
      if (result.duplicates > 0 && result.accepted === 0 && result.rejected.length === 0) request.webhookOutcome = 'duplicate';
      return result;
    });
  });
}

/**
 * Why a payload cannot be stored, or undefined. Refused before anything is stored: the retry
 * queue could not hold such text either, and a payload that can never be processed must not sit in it.
 */
function payloadProblem(payload: WebhookPayload): { message: string; reason: string } | undefined {
  const bad = Object.entries(payload).map(([k, v]) => (typeof v === 'string' ? checkText(v, k) : undefined)).find(Boolean);
  if (bad) return { message: bad, reason: INVALID_TEXT };
  if (!plausibleInstant(payload.at)) return { message: `"${payload.at}" is not a plausible ISO 8601 timestamp`, reason: 'INVALID_TIMESTAMP' };
  return undefined;
}

/**
 * A provider's timestamp: a date-time (JavaScript's Date alone reads "x-142799" as a year) between
 * 2000 and a day ahead of our clock (providers' clocks drift; further is garbage).
 */
export function plausibleInstant(text: string, now = Date.now()): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/i.exec(text);
  if (!m) return false;
  const [y, mo, d, h = 0, mi = 0, sec = 0] = m.slice(1).map((x) => (x === undefined ? undefined : Number(x))) as number[];
  // Date rolls 30 February over into March; a calendar date must exist as written.
  if (mo! < 1 || mo! > 12 || d! < 1 || new Date(Date.UTC(y!, mo! - 1, d!)).getUTCDate() !== d || h > 23 || mi > 59 || sec > 59) return false;
  const t = new Date(text).getTime();
  return !Number.isNaN(t) && t >= Date.UTC(2000, 0, 1) && t <= now + 86_400_000;
}

/** application/x-www-form-urlencoded → params; a repeated key keeps every value. */
export function formParams(body: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(body)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/** Tokens seen within `ttlMs`, in insertion order (so expiry is a walk from the oldest), bounded in size. */
export class RecentTokens {
  private readonly seen = new Map<string, number>();
  constructor(
    private readonly ttlMs: number,
    private readonly max = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  has(token: string): boolean {
    this.prune();
    return this.seen.has(token);
  }

  add(token: string): void {
    this.prune();
    if (this.seen.size >= this.max) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(token, this.now() + this.ttlMs);
  }

  private prune(): void {
    const now = this.now();
    for (const [token, expires] of this.seen) {
      if (expires > now) break;
      this.seen.delete(token);
    }
  }
}
