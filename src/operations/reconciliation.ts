/**
 * Reconciliation's pure parts: which `since` a run may take, and what one provider answer means
 * for a message (the service, ./reconciliation.service.ts, does the I/O).
 */
import { EventType } from '../domain/event-type';
import { badInput } from '../errors';
import type { StatusLookup } from '../sending/providers/provider';

/** `since` defaults to this many days before now. */
export const RECONCILE_DEFAULT_SINCE_DAYS = 7;
/** `since` may go back at most this many days (providers keep message records for a limited time). */
export const RECONCILE_MAX_SINCE_DAYS = 90;
/** Messages asked about per run, at most: a run stays short; the rest wait for the next run. */
export const RECONCILE_BATCH = 500;
/** Provider lookups in flight at once per run. */
export const RECONCILE_CONCURRENCY = 8;
/** An unfinished run older than this was abandoned (its instance died): the next caller closes it. */
export const RECONCILE_STALE_MINUTES = 30;

const DAY_MS = 86_400_000;

/**
 * The window's start: `since`, or RECONCILE_DEFAULT_SINCE_DAYS ago. A future instant or one more
 * than RECONCILE_MAX_SINCE_DAYS ago is bad input (reasons RECONCILE_SINCE_IN_FUTURE,
 * RECONCILE_SINCE_TOO_OLD). Pure.
 */
export function reconcileSince(since: Date | null | undefined, now: Date): Date {
  if (since === null || since === undefined) return new Date(now.getTime() - RECONCILE_DEFAULT_SINCE_DAYS * DAY_MS);
  if (since.getTime() > now.getTime()) throw badInput('RECONCILE_SINCE_IN_FUTURE', `since (${since.toISOString()}) is in the future`, 'since');
  if (now.getTime() - since.getTime() > RECONCILE_MAX_SINCE_DAYS * DAY_MS) {
    throw badInput('RECONCILE_SINCE_TOO_OLD', `since may go back at most ${RECONCILE_MAX_SINCE_DAYS} days`, 'since');
  }
  return since;
}

/**
 * What to do with one message given its provider's answer (`undefined`: no lookup exists for the
 * provider that sent it): count it, or apply a final status as the provider's webhook would have
 * (event type and the webhook's own event key). Pure.
 */
export type Verdict =
  | { count: 'unsupported' | 'notFound' | 'stillPending' | 'failedLookups'; error?: string }
  | { apply: { type: EventType.DELIVERED | EventType.FAILED; eventKey: string; error?: string } };

export function verdict(lookup: StatusLookup | undefined): Verdict {
  if (!lookup) return { count: 'unsupported' };
  if (!lookup.ok) return lookup.unsupported ? { count: 'unsupported', error: lookup.error } : { count: 'failedLookups', error: lookup.error };
  if (!lookup.found) return { count: 'notFound' };
  if (lookup.status === 'DELIVERED') return { apply: { type: EventType.DELIVERED, eventKey: lookup.eventKey } };
  if (lookup.status === 'FAILED') return { apply: { type: EventType.FAILED, eventKey: lookup.eventKey, ...(lookup.error ? { error: lookup.error } : {}) } };
  // PENDING / SENT: nothing to record (the sender recorded SENT already).
  return { count: 'stillPending' };
}

/** A run's counts. `checked` is their sum. */
export interface ReconcileCounts {
  checked: number;
  updated: number;
  notFound: number;
  stillPending: number;
  unsupported: number;
  failedLookups: number;
  /** The provider's final status was already recorded when it was applied (a callback came first). */
  alreadySettled: number;
}

export function emptyCounts(): ReconcileCounts {
  return { checked: 0, updated: 0, notFound: 0, stillPending: 0, unsupported: 0, failedLookups: 0, alreadySettled: 0 };
}
