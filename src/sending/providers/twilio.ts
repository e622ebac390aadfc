/**
 * Twilio Programmable Messaging over its REST API (no SDK): one "create a Message" request per
 * send, as the Messages resource documents it
 * (https://www.twilio.com/docs/messaging/api/message-resource):
 * `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP Basic auth AccountSid:AuthToken,
 * form-encoded To / From / Body / StatusCallback; the 201 answer is the Message resource as JSON,
 * whose `sid` (SM…) status callbacks and replies refer to. Errors come back as
 * `{ code, message, more_info, status }` (e.g. 400 with code 21211 for an invalid 'To').
 * WhatsApp templates (outside the 24-hour window) go through Twilio's Content API: the same
 * request with `ContentSid` (the template's HX… SID) and `ContentVariables` (JSON
 * `{"1": …, "2": …}`) instead of `Body`
 * (https://www.twilio.com/docs/content/send-templates-created-with-the-content-template-builder).
 *
 * Status lookups (reconciliation) fetch the same resource by its SID, as "Fetch a Message
 * resource" documents it: `GET /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json`, Basic auth,
 * answered with the Message resource whose `status` is one of queued, sending, sent, failed,
 * delivered, undelivered, receiving, received, accepted, scheduled, read, partially_delivered,
 * canceled (the Message resource's status table; the same enum as Twilio's OpenAPI description,
 * MessageEnumStatus), with `error_code` / `error_message` on failures. An unknown SID answers 404
 * with Twilio error 20404. `accepted` and `scheduled` are a Messaging Service's initial statuses
 * (https://www.twilio.com/docs/messaging/guides/outbound-message-status-in-status-callbacks).
 */
import { Channel } from '../../domain/channel';
import { bodySize, callApi } from './http';
import type { MessagingProvider, OutboundMessage, ProviderMessageStatus, ProviderWorkspace, SendResult, StatusLookup } from './provider';
import { TWILIO_CONTENT_SID } from './whatsapp-cloud';

export interface TwilioProviderOptions {
  /** API origin, without a trailing slash; 'https://api.twilio.com' by default. */
  baseUrl?: string;
  /** Where Twilio should post this workspace's status callbacks (our webhook route, absolute). */
  statusCallbackUrl: (workspaceId: string) => string;
  fetchImpl?: typeof fetch;
  /** Whole-request budget (connect, answer and body), 10 s by default. */
  timeoutMs?: number;
}

/**
 * Sent with every create request so that a retry of the same send carries the same token.
 * I-Twilio-Idempotency-Token is the header Twilio itself puts on the webhooks it sends (constant
 * across Twilio's retries of one webhook); we could not find Twilio documentation saying the
 * Messages API honours it on requests *to* Twilio, so treat it as best effort: a retry after a
 * timeout or 5xx may still create a second message. Harmless if ignored.
 */
export const TWILIO_IDEMPOTENCY_HEADER = 'I-Twilio-Idempotency-Token';

/** Twilio's error body for 4xx/5xx answers (all fields optional: proxies answer differently). */
export interface TwilioError {
  code?: number;
  message?: string;
  more_info?: string;
  status?: number;
}

export class TwilioProvider implements MessagingProvider {
  readonly name = 'twilio';
  webhookProvider(): string {
    return 'twilio';
  }

  /** A Twilio account's sending number on a channel (throughput is per sender, SMS and WhatsApp apart). */
  accountKey(channel: Channel, ws: ProviderWorkspace): string {
    return `twilio:${ws.twilioAccountSid ?? ws.id}:${ws.twilioFrom ?? ''}:${channel}`;
  }
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;

  constructor(private readonly options: TwilioProviderOptions) {
    this.baseUrl = (options.baseUrl ?? 'https://api.twilio.com').replace(/\/+$/, '');
    this.fetchImpl = options.fetchImpl ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async send(message: OutboundMessage, workspace: ProviderWorkspace): Promise<SendResult> {
    const { twilioAccountSid: sid, twilioAuthToken: token, twilioFrom: from } = workspace;
    if (!sid || !token || !from) {
      const missing = [!sid && 'twilioAccountSid', !token && 'twilioAuthToken', !from && 'twilioFrom'].filter(Boolean).join(', ');
      return { ok: false, retryable: false, error: `Twilio is not configured for workspace ${workspace.id} (missing ${missing})` };
    }

    const url = `${this.baseUrl}/2010-04-01/Accounts/${encodeURIComponent(sid)}/Messages.json`;
    // WhatsApp through Twilio: the same API and webhooks, addresses prefixed `whatsapp:`.
    const address = (a: string) => (message.channel === Channel.WHATSAPP && !a.startsWith('whatsapp:') ? `whatsapp:${a}` : a);
    const form = new URLSearchParams({ To: address(message.to), From: address(from) });
    const template = message.channel === Channel.WHATSAPP ? message.whatsappTemplate : undefined;
    if (template) {
      if (!TWILIO_CONTENT_SID.test(template.name)) {
        return { ok: false, retryable: false, error: `Twilio sends WhatsApp templates by Content SID (HX followed by 32 hex digits); "${template.name}" is not one` };
      }
      form.set('ContentSid', template.name);
      if (template.parameters.length > 0) form.set('ContentVariables', twilioContentVariables(template.parameters));
    } else {
      form.set('Body', message.body);
    }
    // Automatic replies are not campaign messages: no delivery callbacks for them.
    if (!message.system) form.set('StatusCallback', this.options.statusCallbackUrl(workspace.id));
    const answer = await callApi(
      this.fetchImpl,
      url,
      {
        method: 'POST',
        headers: {
          Authorization: `Basic ${Buffer.from(`${sid}:${token}`, 'utf8').toString('base64')}`,
          'Content-Type': 'application/x-www-form-urlencoded',
          Accept: 'application/json',
          [TWILIO_IDEMPOTENCY_HEADER]: message.idempotencyKey,
        },
        body: form.toString(),
      },
      this.timeoutMs,
      'Twilio',
    );
    // The message may or may not have been created: retry with the same idempotency key.
    if (!answer.ok) return { ok: false, retryable: true, error: answer.error };
    const { status, json, text } = answer;
    if (status >= 200 && status < 300) {
      const messageSid = json && typeof json === 'object' ? (json as { sid?: unknown }).sid : undefined;
      if (typeof messageSid === 'string' && messageSid !== '') return { ok: true, providerMessageId: messageSid };
      // Accepted, but we cannot tell which message: retrying could send a duplicate.
      return { ok: false, retryable: false, error: `Twilio answered HTTP ${status} without a message sid` };
    }
    // 429: "never processed and always safe to retry" (Twilio error 20429); 5xx: provider trouble.
    const retryable = status === 429 || status >= 500;
    return { ok: false, retryable, error: errorText(status, json as TwilioError | undefined, text) };
  }

  /** Fetches the Message resource by SID (the account that sent it: the workspace's). Never throws. */
  async fetchStatus(providerMessageId: string, _channel: Channel, workspace: ProviderWorkspace): Promise<StatusLookup> {
    const { twilioAccountSid: sid, twilioAuthToken: token } = workspace;
    if (!sid || !token) return { ok: false, retryable: false, error: `Twilio is not configured for workspace ${workspace.id} (no account SID or auth token)` };
    const url = `${this.baseUrl}/2010-04-01/Accounts/${encodeURIComponent(sid)}/Messages/${encodeURIComponent(providerMessageId)}.json`;
    const answer = await callApi(
      this.fetchImpl,
      url,
      { method: 'GET', headers: { Authorization: `Basic ${Buffer.from(`${sid}:${token}`, 'utf8').toString('base64')}`, Accept: 'application/json' } },
      this.timeoutMs,
      'Twilio',
    );
    // A lookup changes nothing at Twilio: network errors and timeouts are always safe to retry.
    if (!answer.ok) return { ok: false, retryable: true, error: answer.error };
    return twilioFetchAnswer(providerMessageId, answer.status, answer.json, answer.text);
  }
}

/**
 * The key Splitcast's Twilio status webhook records a status callback under
 * (src/tracking/webhooks/routes.ts: `twilio:<MessageSid>:<MessageStatus>`): a status found by a
 * lookup is recorded under the same key, so the real callback arriving later is a duplicate. Pure.
 */
export function twilioStatusEventKey(messageSid: string, twilioStatus: string): string {
  return `twilio:${messageSid}:${twilioStatus}`;
}

/**
 * Twilio's message status in our terms. `read` (WhatsApp read receipts) implies delivered;
 * `canceled` (a scheduled message canceled before it went out) will never be delivered. Statuses
 * not listed (receiving, received — inbound only — partially_delivered, anything new) stay PENDING:
 * reconciliation then changes nothing. Pure.
 */
export function twilioStatus(status: string): ProviderMessageStatus {
  switch (status) {
    case 'sent':
      return 'SENT';
    case 'delivered':
    case 'read':
      return 'DELIVERED';
    case 'failed':
    case 'undelivered':
    case 'canceled':
      return 'FAILED';
    default:
      // queued, accepted, scheduled, sending, …
      return 'PENDING';
  }
}

/**
 * The answer to a fetch by SID as a StatusLookup. 404 with Twilio error 20404: not found; 429 and
 * 5xx: retryable; other 4xx (bad credentials, 20003): not retryable. A `read` message is recorded as
 * its delivery (the key of a `delivered` callback): that callback may still come and must be a
 * duplicate. Pure.
 */
export function twilioFetchAnswer(messageSid: string, status: number, json: unknown, raw: string): StatusLookup {
  const body = json && typeof json === 'object' ? (json as Record<string, unknown>) : undefined;
  if (status >= 200 && status < 300) {
    const providerStatus = typeof body?.status === 'string' ? body.status : undefined;
    if (!providerStatus) return { ok: false, retryable: true, error: `Twilio answered HTTP ${status} without a message status` };
    const mapped = twilioStatus(providerStatus);
    const keyStatus = providerStatus === 'read' ? 'delivered' : providerStatus;
    const code = body?.error_code;
    const message = body?.error_message;
    const error =
      mapped === 'FAILED'
        ? [code !== null && code !== undefined ? `Twilio error ${String(code)}` : `Twilio status ${providerStatus}`, typeof message === 'string' && message ? message : null].filter(Boolean).join(': ')
        : undefined;
    return { ok: true, found: true, status: mapped, providerStatus, eventKey: twilioStatusEventKey(messageSid, keyStatus), ...(error ? { error } : {}) };
  }
  if (status === 404 && body?.code === 20404) return { ok: true, found: false };
  const retryable = status === 429 || status >= 500;
  return { ok: false, retryable, error: errorText(status, body as TwilioError | undefined, raw) };
}

/** Positional template parameters as Twilio's ContentVariables: `{"1": first, "2": second, …}`. Pure. */
export function twilioContentVariables(parameters: readonly string[]): string {
  return JSON.stringify(Object.fromEntries(parameters.map((p, i) => [String(i + 1), p])));
}

/**
 * "Twilio error 21211: The 'To' number … (HTTP 400)"; without a JSON error, the status and the
 * body's size only (a proxy's or gateway's page is not copied into send failures). Pure.
 */
export function errorText(status: number, body: TwilioError | undefined, raw: string): string {
  const code = body && typeof body === 'object' && typeof body.code === 'number' ? body.code : undefined;
  const message = body && typeof body === 'object' && typeof body.message === 'string' ? body.message : undefined;
  if (code !== undefined || message !== undefined) {
    return `Twilio error ${code ?? 'unknown'}: ${message ?? '(no message)'} (HTTP ${status})`;
  }
  return `Twilio answered HTTP ${status} ${bodySize(raw)}`;
}
