/**
 * A local stand-in for Meta's Graph API, speaking the WhatsApp Cloud API's send-message protocol:
 * `POST /<version>/<phone number id>/messages` with `Authorization: Bearer <access token>` and a
 * JSON body; 200 `{messaging_product, contacts: [{input, wa_id}], messages: [{id: "wamid…"}]}`;
 * errors as Graph API errors `{error: {message, type, code, error_data, fbtrace_id}}` (190 for a
 * bad token, 100 for an invalid parameter). It records every request and can be told to fail.
 * Also builds webhook bodies in the Cloud API's shape for tests to sign and post.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const GRAPH_VERSION = 'v21.0';

export interface CloudRequest {
  phoneNumberId: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: Record<string, unknown>;
  /** The wamid answered, when the request succeeded. */
  messageId?: string;
}

/** One programmed failure: an HTTP status with a Graph error code, or no answer at all. */
export type CloudFailure = { status: number; code: number; message?: string } | 'hang' | 'no-id';

export class WhatsAppCloudServer {
  readonly requests: CloudRequest[] = [];
  /** Failures served to the next requests, in order (then normal answers again). */
  readonly failures: CloudFailure[] = [];
  /**
   * Runs on each well-formed, authorised send before it is answered (a test acting as the
   * recipient while the provider still holds the request); a failure it returns is served.
   */
  onSend?: (request: CloudRequest) => Promise<CloudFailure | void>;
  private readonly tokens = new Map<string, string>();
  private server!: Server;
  /** Origin and version, e.g. http://127.0.0.1:41234/v21.0: what `whatsappCloud.apiBaseUrl` takes. */
  baseUrl = '';

  /** Accepts `accessToken` for `phoneNumberId`. */
  allow(phoneNumberId: string, accessToken: string): this {
    this.tokens.set(phoneNumberId, accessToken);
    return this;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/${GRAPH_VERSION}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections(); // hanging requests included
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Requests to `to` (digits, as sent), in arrival order. */
  to(waId: string): CloudRequest[] {
    return this.requests.filter((r) => r.body.to === waId);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const error = (status: number, code: number, message: string, details?: string) =>
      json(status, { error: { message: `(#${code}) ${message}`, type: 'OAuthException', code, ...(details ? { error_data: { messaging_product: 'whatsapp', details } } : {}), fbtrace_id: `A${randomBytes(8).toString('hex')}` } });

    const match = new RegExp(`^/${GRAPH_VERSION.replace('.', '\\.')}/([^/]+)/messages$`).exec(req.url ?? '');
    if (req.method !== 'POST' || !match) return error(400, 100, 'Unsupported request', `${req.method} ${req.url}`);
    const phoneNumberId = decodeURIComponent(match[1]!);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return error(400, 100, 'Invalid parameter', 'the body is not JSON');
    }
    const recorded: CloudRequest = { phoneNumberId, authorization: req.headers.authorization, contentType: req.headers['content-type'], body };
    this.requests.push(recorded);

    const token = this.tokens.get(phoneNumberId);
    if (!token || req.headers.authorization !== `Bearer ${token}`) return error(401, 190, 'Invalid OAuth access token - Cannot parse access token');
    const failure = this.failures.shift();
    if (failure === 'hang') return; // never answer
    if (failure && failure !== 'no-id') return error(failure.status, failure.code, failure.message ?? 'Programmed failure');
    if (body.messaging_product !== 'whatsapp') return error(400, 100, 'Invalid parameter', 'messaging_product must be whatsapp');
    if (typeof body.to !== 'string' || !/^\d{7,15}$/.test(body.to)) return error(400, 100, 'Invalid parameter', 'to must be a phone number');
    if (body.type === 'text') {
      const text = body.text as { body?: unknown } | undefined;
      if (typeof text?.body !== 'string' || text.body === '') return error(400, 100, 'Invalid parameter', 'text.body is required');
    } else if (body.type === 'template') {
      const t = body.template as { name?: unknown; language?: { code?: unknown } } | undefined;
      if (typeof t?.name !== 'string' || typeof t.language?.code !== 'string') return error(400, 100, 'Invalid parameter', 'template.name and template.language.code are required');
    } else {
      return error(400, 100, 'Invalid parameter', `unsupported type ${String(body.type)}`);
    }
    const hooked = await this.onSend?.(recorded);
    if (hooked === 'hang') return;
    if (hooked && hooked !== 'no-id') return error(hooked.status, hooked.code, hooked.message ?? 'Programmed failure');
    if (failure === 'no-id' || hooked === 'no-id') return json(200, { messaging_product: 'whatsapp' });
    const id = `wamid.${randomBytes(24).toString('base64url')}`;
    recorded.messageId = id;
    json(200, {
      messaging_product: 'whatsapp',
      contacts: [{ input: body.to, wa_id: body.to }],
      messages: [{ id, ...(body.type === 'template' ? { message_status: 'accepted' } : {}) }],
    });
  }
}

/** A webhook body in the Cloud API's shape: one entry, one `messages` change. */
export function cloudWebhook(value: { statuses?: unknown[]; messages?: unknown[]; contacts?: unknown[] }, phoneNumberId = '106540352242922'): Record<string, unknown> {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId }, ...value } }],
      },
    ],
  };
}

/** A status object (`sent`, `delivered`, `read`, `failed`). */
export function cloudStatus(id: string, status: string, recipient: string, at = new Date()): Record<string, unknown> {
  return { id, status, timestamp: String(Math.floor(at.getTime() / 1000)), recipient_id: recipient.replace(/^\+/, '') };
}

/** An inbound text message from `from` (E.164 or wa_id). */
export function cloudText(from: string, body: string, at = new Date(), id = `wamid.IN${randomBytes(12).toString('hex')}`): Record<string, unknown> {
  return { from: from.replace(/^\+/, ''), id, timestamp: String(Math.floor(at.getTime() / 1000)), type: 'text', text: { body } };
}
