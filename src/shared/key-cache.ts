import type { AuthInfo } from './auth';

/**
 * Recently verified API keys, by hash, so a busy client costs no key lookup per request.
 * Revocation removes the entry on every instance at once (announced over LISTEN/NOTIFY); the
 * TTL only bounds how long a missed announcement could keep a revoked key alive.
 */
export class ApiKeyCache {
  private readonly entries = new Map<string, { auth: AuthInfo; expires: number }>();
  private readonly revokeListeners = new Set<(apiKeyId: string) => void>();
  private revocations = 0;

  constructor(
    private readonly ttlMs = 30_000,
    private readonly maxEntries = 10_000,
  ) {}

  get(keyHash: string, now = Date.now()): AuthInfo | undefined {
    const e = this.entries.get(keyHash);
    if (!e) return undefined;
    if (e.expires <= now) {
      this.entries.delete(keyHash);
      return undefined;
    }
    return e.auth;
  }

  set(keyHash: string, auth: AuthInfo, now = Date.now()): void {
    if (this.entries.size >= this.maxEntries && !this.entries.has(keyHash)) this.entries.clear(); // crude bound; keys are few in practice
    this.entries.set(keyHash, { auth, expires: now + this.ttlMs });
  }

  /** Drops every cached entry of an API key (it was revoked) and tells the listeners. */
  revoke(apiKeyId: string): void {
    this.revocations++;
    for (const [hash, e] of this.entries) if (e.auth.apiKeyId === apiKeyId) this.entries.delete(hash);
    for (const listener of this.revokeListeners) listener(apiKeyId);
  }

  /**
   * Counts revocations heard so far. A key lookup that started before a revocation arrived may have
   * read the key before it was revoked: compare before and after, and do not trust (or cache) it then.
   */
  get generation(): number {
    return this.revocations;
  }

  /** Called on every revocation this instance hears of (open WebSockets close on it). Returns the unsubscribe. */
  onRevoke(listener: (apiKeyId: string) => void): () => void {
    this.revokeListeners.add(listener);
    return () => this.revokeListeners.delete(listener);
  }
}
