/**
 * API key format and hashing. Keys are 256-bit random secrets (`sk_` + base64url), so a single
 * SHA-256 is enough to store them: unlike passwords they cannot be guessed, and a fast hash keeps
 * authentication to one indexed lookup per request.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ApiScope } from './api-key.entity';

export const KEY_PREFIX = 'sk_';

export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** What is kept in clear for recognising a key: `sk_` plus six characters. */
export function keyPrefix(key: string): string {
  return key.slice(0, KEY_PREFIX.length + 6);
}

/** `Authorization: Bearer <key>` → key, or undefined when absent or malformed. */
export function bearerToken(header: string | undefined | null): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

/** ADMIN includes WRITE, WRITE includes READ. */
const RANK: Record<ApiScope, number> = { [ApiScope.READ]: 1, [ApiScope.WRITE]: 2, [ApiScope.ADMIN]: 3 };

export function hasScope(granted: readonly ApiScope[], needed: ApiScope): boolean {
  return granted.some((s) => RANK[s] >= RANK[needed]);
}
