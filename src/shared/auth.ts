/**
 * Who is calling, and with which rights: scopes, the API key format and hashing. Infrastructure
 * (HTTP, GraphQL, WebSocket) authorises with these; the workspaces feature stores the keys and
 * provides the `authenticate` function the composition root hands to the infrastructure.
 *
 * API key format and hashing. Keys are 256-bit random secrets (`sk_` + base64url), so a single
 * SHA-256 is enough to store them: unlike passwords they cannot be guessed, and a fast hash keeps
 * authentication to one indexed lookup per request.
 */
import { createHash, randomBytes } from 'node:crypto';
import { registerEnumType } from 'type-graphql';

export enum ApiScope {
  READ = 'READ',
  WRITE = 'WRITE',
  ADMIN = 'ADMIN',
}
registerEnumType(ApiScope, {
  name: 'ApiScope',
  description: 'READ: queries and subscriptions. WRITE: also mutations. ADMIN: also keys and workspace settings.',
});

/** Who is calling: resolved from the API key once per request (or per WebSocket connection). */
export interface AuthInfo {
  workspaceId: string;
  apiKeyId: string;
  apiKeyName: string;
  scopes: ApiScope[];
}

/** Resolves a presented key (or none) to the caller, or throws UNAUTHENTICATED. */
export type Authenticate = (token: string | undefined) => Promise<AuthInfo>;

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
