/**
 * The messaging-provider seam: the sending pipeline hands one rendered message at a time to a
 * provider (Twilio, WhatsApp Cloud, SMTP, the simulator, …) and records the provider's message
 * id, which later status callbacks and replies refer to. Which provider a message goes to is
 * decided per channel and workspace by the router (./index.ts).
 */
import type { Channel } from '../../domain/channel';
import type { SmtpSettings, WhatsAppCloudSettings } from '../../workspaces/workspace.entity';

/** An approved WhatsApp template with its parameters already rendered for the recipient. */
export interface RenderedWhatsAppTemplate {
  name: string;
  language: string;
  parameters: string[];
}

/** One rendered message, ready to go out. */
export interface OutboundMessage {
  channel: Channel;
  /** Recipient: E.164 (e.g. +14155550123) for SMS and WhatsApp, an email address for EMAIL. */
  to: string;
  /** SMS text, WhatsApp free text (inside the 24-hour window), or the email's text part. */
  body: string;
  /** EMAIL: subject line. */
  subject?: string;
  /** EMAIL: HTML part. */
  html?: string;
  /** EMAIL: extra headers (List-Unsubscribe, List-Unsubscribe-Post, …). */
  headers?: Record<string, string>;
  /** WHATSAPP outside the 24-hour window: this approved template goes out instead of `body`. */
  whatsappTemplate?: RenderedWhatsAppTemplate;
  /** Our idempotency key for this send, stable across retries. */
  idempotencyKey: string;
  campaignId: string;
  contactId: string;
  variantId: string;
  /** Tracked-link URLs contained in body, with their tokens. */
  links: { token: string; url: string }[];
  /** EMAIL: the message's open-pixel / unsubscribe token (`/o/:token`, `/u/:token`). */
  trackingToken?: string;
  /**
   * An automatic reply (opt-out confirmation, HELP): not part of a campaign, so no status
   * callbacks and no tracking. campaignId and variantId are empty.
   */
  system?: boolean;
}

/**
 * The provider's answer. `retryable: true` means trying the same message again later (with the
 * same idempotency key) may succeed: rate limits, provider outages, network errors, timeouts.
 * `bounced: true`: the recipient's address was refused for good (an email hard bounce at send
 * time); the address is suppressed.
 */
export type SendResult = { ok: true; providerMessageId: string } | { ok: false; retryable: boolean; error: string; bounced?: boolean };

/** The workspace fields a provider may need (credentials are per workspace). */
export interface ProviderWorkspace {
  id: string;
  twilioAccountSid?: string | null;
  twilioAuthToken?: string | null;
  twilioFrom?: string | null;
  smtp?: (SmtpSettings & { password: string | null }) | null;
  whatsappCloud?: (WhatsAppCloudSettings & { accessToken: string }) | null;
}

/** Where a message stands at the provider, in our terms (Twilio's `queued`, `sent`, `delivered` … mapped). */
export type ProviderMessageStatus = 'PENDING' | 'SENT' | 'DELIVERED' | 'FAILED';

/**
 * A provider's answer to "what became of this message?" (reconciliation, src/operations):
 * - found: its status, the provider's own word for it (`providerStatus`, e.g. `undelivered`), the
 *   error text it gives for a failure, and `eventKey`: the idempotency key the provider's status
 *   webhook records this status under, so that a lookup and a late real callback are one event;
 * - not found: the provider does not know the id (deleted, another account, a simulator restart);
 * - an error: the lookup itself failed (`retryable`: outages, timeouts, 5xx; not: bad credentials),
 *   or `unsupported`: this provider has no lookup for that channel (counted apart, not a failure).
 * Never thrown: every failure is a value.
 */
export type StatusLookup =
  | { ok: true; found: true; status: ProviderMessageStatus; providerStatus: string; eventKey: string; error?: string }
  | { ok: true; found: false }
  | { ok: false; retryable: boolean; error: string; unsupported?: boolean };

export interface MessagingProvider {
  readonly name: string;
  /**
   * Whose webhooks report on its messages on `channel` (the webhook route's provider name): the
   * key under which messages are recorded so callbacks find them. The simulator speaks Twilio's
   * protocol for SMS, the Cloud API's for WhatsApp and the email provider's for email.
   */
  webhookProvider(channel: Channel): string;
  /**
   * The provider account a message on `channel` from this workspace is sent through (e.g.
   * `twilio:<AccountSid>:<from>`, `whatsapp-cloud:<phone number id>`, `smtp:<host>:<user>`): the
   * send rate limit is kept per account, so workspaces sharing one share its limit.
   */
  accountKey(channel: Channel, workspace: ProviderWorkspace): string;
  /**
   * Messages handed to it at once by one sender (default SEND_CONCURRENCY, 64): a remote API
   * bounds concurrent requests; the simulator takes a whole claimed batch at once.
   */
  readonly concurrency?: number;
  /** Hands one message to the provider. Never throws: every failure is a SendResult. */
  send(message: OutboundMessage, workspace: ProviderWorkspace): Promise<SendResult>;
  /**
   * Asks the provider for the current status of a message it accepted (`providerMessageId`, as
   * `send` answered it). Absent when the provider offers no lookup (the WhatsApp Cloud API reports
   * statuses by webhook only; SMTP has none): reconciliation counts those messages `unsupported`.
   */
  fetchStatus?(providerMessageId: string, channel: Channel, workspace: ProviderWorkspace): Promise<StatusLookup>;
  /** Releases timers and connections; pending work is cancelled or awaited. */
  close?(): Promise<void>;
  /** Resolves once nothing it scheduled is left to play back (the simulator's events). */
  idle?(): Promise<void>;
}
