/**
 * Meta's WhatsApp Cloud API over the Graph API (no SDK): one "send message" request per message,
 * `POST {apiBaseUrl}/{phoneNumberId}/messages` with `Authorization: Bearer <access token>` and a
 * JSON body — free text (`type: "text"`) inside the 24-hour customer-service window, an approved
 * template (`type: "template"`, body parameters as text) outside it. The answer
 * `{messaging_product, contacts: [{input, wa_id}], messages: [{id: "wamid…"}]}` gives the message
 * id that status webhooks (`/webhooks/whatsapp/:workspaceId`) refer to. Errors come back as Graph
 * API errors `{error: {message, type, code, error_data, error_subcode, fbtrace_id}}`; Meta says
 * to act on `code` (titles and subcodes are being deprecated).
 */
import { Channel } from '../../domain/channel';
import type { MessagingProvider, OutboundMessage, ProviderWorkspace, SendResult } from './provider';
import { bodySize, callApi } from './http';

export interface WhatsAppCloudProviderOptions {
  fetchImpl?: typeof fetch;
  /** Whole-request budget (connect, answer and body), 10 s by default. */
  timeoutMs?: number;
}

/**
 * Graph API error codes that mean "not now" rather than "never": 1 (unknown, possibly a server
 * error), 2 (service temporarily unavailable), 4 (app call rate limit), 80007 (WhatsApp Business
 * Account rate limit), 130429 (Cloud API throughput reached), 131000 (something went wrong),
 * 131048 (spam rate limit: quality-based, lifted later), 131056 (pair rate limit: too many
 * messages to the same recipient in a short time; Meta: "wait and retry").
 */
export const WHATSAPP_RETRYABLE_CODES: ReadonlySet<number> = new Set([1, 2, 4, 80007, 130429, 131000, 131048, 131056]);

/** A Twilio Content SID: Twilio's name for a WhatsApp template, which the Cloud API does not know. */
export const TWILIO_CONTENT_SID = /^HX[0-9a-fA-F]{32}$/;

/** The Cloud API's JSON body for one message. Pure. */
export function whatsappCloudRequest(message: Pick<OutboundMessage, 'to' | 'body' | 'whatsappTemplate'>): Record<string, unknown> {
  const base = { messaging_product: 'whatsapp', recipient_type: 'individual', to: message.to.replace(/^\+/, '') };
  const t = message.whatsappTemplate;
  if (!t) return { ...base, type: 'text', text: { body: message.body, preview_url: true } };
  return {
    ...base,
    type: 'template',
    template: {
      name: t.name,
      language: { code: t.language },
      // A template without variables takes no body component.
      ...(t.parameters.length > 0 ? { components: [{ type: 'body', parameters: t.parameters.map((text) => ({ type: 'text', text })) }] } : {}),
    },
  };
}

/** Whether a failed request may succeed later: 429, 5xx, or a throttling / transient Graph error code. Pure. */
export function isRetryableWhatsAppError(status: number, code: number | undefined): boolean {
  return status === 429 || status >= 500 || (code !== undefined && WHATSAPP_RETRYABLE_CODES.has(code));
}

export interface GraphError {
  message?: unknown;
  type?: unknown;
  code?: unknown;
  error_subcode?: unknown;
  fbtrace_id?: unknown;
  error_data?: { details?: unknown };
}

export class WhatsAppCloudProvider implements MessagingProvider {
  readonly name = 'whatsapp-cloud';
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;

  constructor(options: WhatsAppCloudProviderOptions = {}) {
    this.fetchImpl = options.fetchImpl ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Status and inbound webhooks arrive on `/webhooks/whatsapp/:workspaceId`. */
  webhookProvider(): string {
    return 'whatsapp';
  }

  /** Throughput is per business phone number. */
  accountKey(_channel: Channel, ws: ProviderWorkspace): string {
    return `whatsapp-cloud:${ws.whatsappCloud?.phoneNumberId ?? ws.id}`;
  }

  async send(message: OutboundMessage, workspace: ProviderWorkspace): Promise<SendResult> {
    const cloud = workspace.whatsappCloud;
    if (!cloud) return { ok: false, retryable: false, error: `WhatsApp Cloud API is not configured for workspace ${workspace.id}` };
    if (message.channel !== Channel.WHATSAPP) return { ok: false, retryable: false, error: `the WhatsApp Cloud API does not send ${message.channel}` };
    if (message.whatsappTemplate && TWILIO_CONTENT_SID.test(message.whatsappTemplate.name)) {
      return { ok: false, retryable: false, error: `${message.whatsappTemplate.name} is a Twilio Content SID; the WhatsApp Cloud API needs the template's name as registered with Meta` };
    }
    const url = `${cloud.apiBaseUrl.replace(/\/+$/, '')}/${encodeURIComponent(cloud.phoneNumberId)}/messages`;
    const answer = await callApi(
      this.fetchImpl,
      url,
      {
        method: 'POST',
        headers: { Authorization: `Bearer ${cloud.accessToken}`, 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(whatsappCloudRequest(message)),
      },
      this.timeoutMs,
      'WhatsApp Cloud API',
    );
    // The Cloud API has no idempotency key: a retry after a timeout may deliver twice. Sending
    // nothing instead would lose messages Meta never received; retrying is the lesser harm.
    if (!answer.ok) return { ok: false, retryable: true, error: answer.error };
    const { status, text } = answer;
    const json = answer.json as { messages?: { id?: unknown }[]; error?: GraphError } | undefined;
    if (status >= 200 && status < 300) {
      const id = Array.isArray(json?.messages) ? json.messages[0]?.id : undefined;
      if (typeof id === 'string' && id !== '') return { ok: true, providerMessageId: id };
      // Accepted, but we cannot tell which message: retrying could send a duplicate.
      return { ok: false, retryable: false, error: `WhatsApp Cloud API answered HTTP ${status} without a message id` };
    }
    const err = json && typeof json === 'object' && json.error && typeof json.error === 'object' ? json.error : undefined;
    const code = typeof err?.code === 'number' ? err.code : undefined;
    return { ok: false, retryable: isRetryableWhatsAppError(status, code), error: errorText(status, err, code, text) };
  }
}

/**
 * "WhatsApp Cloud API error 131026: Message undeliverable (… details) (HTTP 400, fbtrace_id …)".
 * An answer that is not a Graph error is described by its status and size only: whatever
 * answered (a proxy, or a service the base URL pointed at) must not have its page copied into
 * send failures, which the workspace reads.
 */
export function errorText(status: number, err: GraphError | undefined, code: number | undefined, raw: string): string {
  if (!err) return `WhatsApp Cloud API answered HTTP ${status} ${bodySize(raw)}`;
  const message = typeof err.message === 'string' ? err.message : '(no message)';
  const details = typeof err.error_data?.details === 'string' ? ` (${err.error_data.details})` : '';
  const trace = typeof err.fbtrace_id === 'string' ? `, fbtrace_id ${err.fbtrace_id}` : '';
  return `WhatsApp Cloud API error ${code ?? 'unknown'}: ${message}${details} (HTTP ${status}${trace})`;
}
