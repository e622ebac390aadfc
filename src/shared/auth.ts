/**
 * Who is calling, and with which rights: scopes, the API key format and hashing. Infrastructure
 * (HTTP, GraphQL, WebSocket) authorises with these; the workspaces feature stores the keys and
 * provides the `authenticate` function the composition root hands to the infrastructure.
 *
 * API key format and hashing. Keys are 256-bit random secrets (`sk_` + base64url), so a single
 * SHA-256 is enough to store them: unlike passwords they cannot be guessed, and a fast hash keeps
 * authentication to one indexed lookup per request.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
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
  /**
   * The platform operator (OPERATOR_API_KEY): bound to no workspace (workspaceId is NO_WORKSPACE,
   * no scopes), it may run only the operations marked operator-only (graphql/authorization.ts).
   */
  operator?: true;
}

/** The nil UUID: the operator's "workspace", which owns no row, so nothing workspace-scoped can match it. */
export const NO_WORKSPACE = '00000000-0000-0000-0000-000000000000';

export const OPERATOR_AUTH: Readonly<AuthInfo> = Object.freeze({ workspaceId: NO_WORKSPACE, apiKeyId: 'operator', apiKeyName: 'operator', scopes: [], operator: true });

/** FORBIDDEN message for an operator calling anything but an operator operation. */
export const OPERATOR_ONLY_MESSAGE = 'The operator key (OPERATOR_API_KEY) belongs to no workspace: it may only call setWorkspacePlan and createApiKey with workspaceName (a new workspace); use a workspace API key for anything else';

/** FORBIDDEN message for a workspace key creating a workspace while plans are configured. */
export const CREATE_WORKSPACE_NEEDS_OPERATOR_MESSAGE =
  'creating workspaces needs the operator key (OPERATOR_API_KEY) when plans are configured (PLANS): a new workspace would bring a new monthly allowance; createApiKey without workspaceName still makes keys for your own workspace';

/**
 * `authenticate` that first recognises the operator key (compared in constant time, as digests of
 * equal length), then falls back to workspace keys. Without an operator key, `authenticate` itself.
 */
export function withOperatorKey(operatorKey: string | undefined, authenticate: Authenticate): Authenticate {
  if (!operatorKey) return authenticate;
  const expected = createHash('sha256').update(operatorKey, 'utf8').digest();
  return async (token) => {
    if (token !== undefined && timingSafeEqual(createHash('sha256').update(token, 'utf8').digest(), expected)) return { ...OPERATOR_AUTH, scopes: [] };
    return authenticate(token);
  };
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
