import type { FastifyRequest } from 'fastify';
import type { EntityManager } from '@mikro-orm/postgresql';
import { forbidden } from '../errors';
import type { ApiScope } from '../workspaces/api-key.entity';
import { bearerToken, hasScope } from '../workspaces/api-keys';
import type { AuthInfo } from '../workspaces/auth';
import { authenticate } from '../workspaces/workspace.service';

/** REST routes: the same API keys and scopes as GraphQL. Throws UNAUTHENTICATED / FORBIDDEN (→ 401 / 403). */
export async function requireKey(em: EntityManager, request: FastifyRequest, scope: ApiScope): Promise<AuthInfo> {
  const auth = await authenticate(em, bearerToken(request.headers.authorization));
  if (!hasScope(auth.scopes, scope)) throw forbidden(`This route needs the ${scope} scope`);
  return auth;
}
