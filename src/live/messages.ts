/**
 * What travels between server instances on the PostgreSQL NOTIFY channel. Payloads stay small
 * (ids only, NOTIFY allows 8000 bytes); receivers read the current state themselves.
 */
export const LIVE_CHANNEL = 'splitcast_live';

export type LiveMessage =
  /** A campaign's counters changed. */
  | { kind: 'stats'; workspaceId: string; campaignId: string }
  /** A campaign's status changed. */
  | { kind: 'status'; workspaceId: string; campaignId: string }
  /** A campaign's winner was declared (automatically or by hand). */
  | { kind: 'winner'; workspaceId: string; campaignId: string }
  /** An API key was revoked: drop it from every instance's cache. */
  | { kind: 'key-revoked'; apiKeyId: string };
