/**
 * Deliveries to a workspace's own destinations, shared by alerts (./alerts.ts) and scheduled
 * reports (src/reports): a signed JSON POST through the SSRF guard, and a system email through the
 * workspace's email channel. Each answers a DeliveryResult instead of throwing, so the callers only
 * decide about retries.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { LookupFunction } from 'node:net';
import { Channel } from '../domain/channel';
import type { ProviderRouter } from '../sending/providers';
import { providerWorkspace, type WorkspaceRow } from '../sending/sender';
import { GENERIC_SIGNATURE_HEADER, genericSignatureHeader } from '../tracking/webhooks/signatures';
import { checkAlertWebhookUrl } from '../workspaces/provider-urls';
import { INTERNAL_ADDRESS, postOnce } from './alert-post';

export type DeliveryResult = { ok: true } | { ok: false; retryable: boolean; error: string };

/** Runs one delivery; an exception (a bug, the database gone) is a retryable failure, never a crash of the round. */
export async function attempt(deliver: () => Promise<DeliveryResult>): Promise<DeliveryResult> {
  try {
    return await deliver();
  } catch (e) {
    return { ok: false, retryable: true, error: (e as Error)?.message ?? String(e) };
  }
}

export interface SignedPostOptions {
  /** ALLOW_CUSTOM_PROVIDER_URLS, read at each delivery. */
  allowCustom: boolean;
  timeoutMs: number;
  /** The public-only lookup (./alert-post.ts), used unless custom URLs are allowed. */
  lookup: LookupFunction;
  /** Names the receiver in errors, e.g. "the alert webhook". */
  what: string;
  userAgent: string;
}

/**
 * A JSON POST signed with the workspace's webhookSigningSecret (X-Splitcast-Signature, the generic
 * scheme); redirects are not followed (a 3xx is a failure), a 2xx is delivered. Without a secret
 * nothing is sent: a delivery is never unsigned. The URL is checked again here: one saved while
 * the operator allowed custom URLs may no longer be allowed.
 */
export async function postSigned(url: string, secret: string | null, body: string, headers: OutgoingHttpHeaders, o: SignedPostOptions): Promise<DeliveryResult> {
  if (!secret) return { ok: false, retryable: false, error: 'webhookSigningSecret is not set: deliveries are never sent unsigned' };
  const checked = checkAlertWebhookUrl(url, o.allowCustom);
  if (!checked.ok) return { ok: false, retryable: false, error: checked.message };
  const all = {
    'content-type': 'application/json',
    'user-agent': o.userAgent,
    [GENERIC_SIGNATURE_HEADER]: genericSignatureHeader(secret, body, Math.floor(Date.now() / 1000)),
    ...headers,
  };
  try {
    const status = await postOnce(checked.url, all, body, o.timeoutMs, o.allowCustom ? undefined : o.lookup);
    return status >= 200 && status < 300 ? { ok: true } : { ok: false, retryable: true, error: `${o.what} answered HTTP ${status}` };
  } catch (e) {
    const err = e as Error & { code?: string };
    return { ok: false, retryable: true, error: `${o.what} could not be reached: ${err.code === INTERNAL_ADDRESS || !err.code ? err.message : err.code}` };
  }
}

export interface SystemEmail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** The provider's idempotency key: one per notification and destination. */
  idempotencyKey: string;
}

/** A system message (not a campaign send) through the workspace's email channel. */
export async function sendSystemEmail(providers: ProviderRouter, row: WorkspaceRow, mail: SystemEmail): Promise<DeliveryResult> {
  const workspace = providerWorkspace(row);
  const provider = providers.route(Channel.EMAIL, workspace);
  if ('unavailable' in provider) return { ok: false, retryable: true, error: provider.unavailable };
  const sent = await provider.send(
    {
      channel: Channel.EMAIL,
      to: mail.to,
      subject: mail.subject,
      body: mail.text,
      ...(mail.html ? { html: mail.html } : {}),
      idempotencyKey: mail.idempotencyKey,
      campaignId: '',
      contactId: '',
      variantId: '',
      links: [],
      system: true,
    },
    workspace,
  );
  return sent.ok ? { ok: true } : { ok: false, retryable: sent.retryable, error: sent.error };
}
