/**
 * HEALTHY / DEGRADED / SILENT for one workspace's webhooks from one provider, from facts the
 * health query gathers. Pure: the thresholds live here and nowhere else.
 *
 * - SILENT: messages sent through the provider more than the silence window ago
 *   (WEBHOOK_SILENT_AFTER_SECONDS, default 900), after the last authenticated callback, still wait
 *   for their first status callback, and no authenticated callback (accepted, duplicate or parked
 *   for a retry) arrived within the window. Messages sent before the last callback do not count: a
 *   provider that answered for later messages is not silent (one lost callback is not an outage).
 * - DEGRADED: callbacks arrive but something is off in the last hour —
 *   rejected requests (bad signature + malformed) ≥ REJECTED_MIN and ≥ REJECTED_SHARE of all requests;
 *   or a dead letter (a callback given up after its retries);
 *   or messages past the window without a callback ≥ AWAITING_MIN and ≥ AWAITING_SHARE of the
 *   messages sent in the last hour and older than the window.
 * - HEALTHY otherwise.
 */
export type WebhookHealthStatusValue = 'HEALTHY' | 'DEGRADED' | 'SILENT';

export const REJECTED_MIN = 5;
export const REJECTED_SHARE = 0.1;
export const AWAITING_MIN = 5;
export const AWAITING_SHARE = 0.2;

export interface WebhookHealthFacts {
  windowSeconds: number;
  /** Seconds since the last authenticated callback; null when none in the last 48 hours. */
  secondsSinceLastReceipt: number | null;
  /** Messages (last 24 h) sent more than the window ago, after the last callback, still waiting for one. */
  awaitingSinceLastReceipt: number;
  /** Requests of every outcome in the last hour. */
  receivedLastHour: number;
  badSignatureLastHour: number;
  malformedLastHour: number;
  deadLastHour: number;
  /** Messages sent in the last hour and more than the window ago. */
  dueLastHour: number;
  /** Of those, still waiting for their first callback. */
  awaitingLastHour: number;
}

export interface WebhookHealthVerdict {
  status: WebhookHealthStatusValue;
  /** Why, in words (empty when HEALTHY). */
  reasons: string[];
}

export function webhookHealthStatus(f: WebhookHealthFacts): WebhookHealthVerdict {
  const quiet = f.secondsSinceLastReceipt === null || f.secondsSinceLastReceipt > f.windowSeconds;
  if (f.awaitingSinceLastReceipt > 0 && quiet) {
    const since = f.secondsSinceLastReceipt === null ? 'no callback received' : `no callback for ${Math.round(f.secondsSinceLastReceipt)} s`;
    return { status: 'SILENT', reasons: [`${f.awaitingSinceLastReceipt} message(s) waiting for a status callback for over ${f.windowSeconds} s; ${since}`] };
  }
  const reasons: string[] = [];
  const rejected = f.badSignatureLastHour + f.malformedLastHour;
  if (rejected >= REJECTED_MIN && rejected >= REJECTED_SHARE * f.receivedLastHour) {
    reasons.push(`${rejected} of ${f.receivedLastHour} request(s) in the last hour rejected (bad signature or malformed)`);
  }
  if (f.deadLastHour > 0) reasons.push(`${f.deadLastHour} callback(s) dead-lettered in the last hour`);
  if (f.awaitingLastHour >= AWAITING_MIN && f.awaitingLastHour >= AWAITING_SHARE * f.dueLastHour) {
    reasons.push(`${f.awaitingLastHour} of ${f.dueLastHour} message(s) sent in the last hour have no callback after ${f.windowSeconds} s`);
  }
  return { status: reasons.length > 0 ? 'DEGRADED' : 'HEALTHY', reasons };
}
