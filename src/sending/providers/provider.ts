/**
 * The messaging-provider seam: the sending pipeline hands one rendered message at a time to a
 * provider (Twilio, the simulator, …) and records the provider's message id, which later status
 * callbacks and replies refer to.
 */

/** One rendered message, ready to go out. */
export interface OutboundMessage {
  /** Recipient, E.164 (e.g. +14155550123). */
  to: string;
  body: string;
  /** Our idempotency key for this send, stable across retries. */
  idempotencyKey: string;
  campaignId: string;
  contactId: string;
  variantId: string;
  /** Tracked-link URLs contained in body, with their tokens. */
  links: { token: string; url: string }[];
  /**
   * An automatic reply (opt-out confirmation, HELP): not part of a campaign, so no status
   * callbacks and no tracking. campaignId and variantId are empty.
   */
  system?: boolean;
}

/**
 * The provider's answer. `retryable: true` means trying the same message again later (with the
 * same idempotency key) may succeed: rate limits, provider outages, network errors, timeouts.
 */
export type SendResult = { ok: true; providerMessageId: string } | { ok: false; retryable: boolean; error: string };

/** The workspace fields a provider may need (credentials are per workspace). */
export interface ProviderWorkspace {
  id: string;
  twilioAccountSid?: string | null;
  twilioAuthToken?: string | null;
  twilioFrom?: string | null;
}

export interface MessagingProvider {
  readonly name: string;
  /**
   * Whose webhooks report on its messages (the webhook route's provider name): the key under which
   * messages are recorded so callbacks find them. The simulator speaks Twilio's protocol.
   */
  readonly webhookProvider: string;
  /** Hands one message to the provider. Never throws: every failure is a SendResult. */
  send(message: OutboundMessage, workspace: ProviderWorkspace): Promise<SendResult>;
  /** Releases timers and connections; pending work is cancelled or awaited. */
  close?(): Promise<void>;
}
