import type { FastifyRequest } from 'fastify';
import type { AppDeps } from '../graphql/context';
import { forbidden } from '../errors';
import type { ApiScope } from '../workspaces/api-key.entity';
import { bearerToken, hasScope } from '../workspaces/api-keys';
import type { AuthInfo } from '../workspaces/auth';
import { authenticate } from '../workspaces/workspace.service';

/** REST routes: the same API keys and scopes as GraphQL. Throws UNAUTHENTICATED / FORBIDDEN (→ 401 / 403). */
export async function requireKey(deps: AppDeps, request: FastifyRequest, scope: ApiScope): Promise<AuthInfo> {
  const auth = await authenticate(deps.orm.em.fork(), bearerToken(request.headers.authorization), deps.keyCache);
  if (!hasScope(auth.scopes, scope)) throw forbidden(`This route needs the ${scope} scope`);
  return auth;
}
