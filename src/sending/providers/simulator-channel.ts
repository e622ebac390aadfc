/** The seam between the simulator's core (./simulator.ts) and each channel's provider protocol. */
import { randomBytes } from 'node:crypto';
import type { OutboundMessage, ProviderWorkspace } from './provider';

/** What a channel's playback needs to report on one message the way its provider would. */
export interface PlaybackContext {
  message: OutboundMessage;
  providerMessageId: string;
  workspace: ProviderWorkspace;
  /** The key the provider's webhook signatures use (the simulator's secret for the workspace). */
  secret: string;
  /** Base of the URL signatures are computed over (PUBLIC_URL). */
  signatureBaseUrl: string;
  /** A request to the server at `path` (absolute path), marked as internal traffic, under the timeout. */
  request(path: string, init: RequestInit): Promise<{ status: number; body: string }>;
  warn(obj: unknown, msg: string): void;
}

/** One channel's provider protocol, as the simulator plays it back through the real webhooks. */
export interface SimulatedChannel {
  /** The webhook route's provider name messages are recorded under (see MessagingProvider.webhookProvider). */
  readonly webhookProvider: string;
  /** Whether `open` applies (email opens, WhatsApp reads; not SMS). */
  readonly opens: boolean;
  /** The delivery outcome (delivered / failed or bounced) through the provider's status webhook. */
  status(ctx: PlaybackContext, delivered: boolean): Promise<void>;
  /** The recipient opens or reads the message. */
  open?(ctx: PlaybackContext): Promise<void>;
  /** The recipient answers with `body` ('STOP' for an opt-out: an email recipient unsubscribes instead). */
  reply(ctx: PlaybackContext, body: string): Promise<void>;
}

/** 'SIM' + 32 random hex digits (Twilio's sids are a 2-letter prefix + 32 hex). */
export function newSid(): string {
  return `SIM${randomBytes(16).toString('hex')}`;
}
