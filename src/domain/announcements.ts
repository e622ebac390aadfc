import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Announcements: what one part of the domain tells every server instance (live subscriptions, key
 * caches, automatic winners) through the PostgreSQL NOTIFY channel. Any feature may announce; the
 * live feature listens. A small shared domain module, below every feature that uses it.
 *
 * What travels between server instances on the PostgreSQL NOTIFY channel. Payloads stay small
 * (NOTIFY allows 8000 bytes): ids, and for status changes the few fields the transition produced.
 */
export const LIVE_CHANNEL = 'splitcast_live';

/**
 * A campaign status transition as it happened: the status it produced and the lifecycle
 * timestamps at that moment (ISO strings). Receivers deliver these values, never the status they
 * would read later: transitions done back to back (launch, pause, resume, cancel) must each
 * arrive once, in order, with their own status.
 */
export interface StatusTransition {
  status: string;
  startedAt: string | null;
  completedAt: string | null;
  archivedAt: string | null;
  /** When the transition was made. */
  at: string;
}

export type LiveMessage =
  /** A campaign's counters changed. */
  | { kind: 'stats'; workspaceId: string; campaignId: string }
  /**
   * A campaign's status changed. Sent inside the transaction that made the change, which holds
   * the campaign row lock: NOTIFYs are delivered in commit order, so in transition order.
   * (`transition` is optional only for messages from older instances; they are read at delivery.)
   */
  | { kind: 'status'; workspaceId: string; campaignId: string; transition?: StatusTransition }
  /** A campaign's winner was declared (automatically or by hand). */
  | { kind: 'winner'; workspaceId: string; campaignId: string }
  /** An API key was revoked: drop it from every instance's cache. */
  | { kind: 'key-revoked'; apiKeyId: string };

/** The status message of a transition just applied to `c` (call it in the transaction that changes it). */
export function statusMessage(c: {
  id: string;
  workspaceId: string;
  status: string;
  startedAt?: Date | null;
  completedAt?: Date | null;
  archivedAt?: Date | null;
}): LiveMessage {
  const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
  return {
    kind: 'status',
    workspaceId: c.workspaceId,
    campaignId: c.id,
    transition: { status: c.status, startedAt: iso(c.startedAt), completedAt: iso(c.completedAt), archivedAt: iso(c.archivedAt), at: new Date().toISOString() },
  };
}

/** Announces a message to every instance (delivered when `em`'s transaction commits, in commit order). */
export async function announce(em: EntityManager, message: LiveMessage): Promise<void> {
  await em.execute('select pg_notify(?, ?)', [LIVE_CHANNEL, JSON.stringify(message)]);
}
