import type { FastifyRequest } from 'fastify';
import type { AppDeps } from '../graphql/context';
import { forbidden } from '../errors';
import type { ApiScope } from '../shared/auth';
import { bearerToken, hasScope, OPERATOR_ONLY_MESSAGE } from '../shared/auth';
import type { AuthInfo } from '../shared/auth';

/** REST routes: the same API keys and scopes as GraphQL. Throws UNAUTHENTICATED / FORBIDDEN (→ 401 / 403). */
export async function requireKey(deps: AppDeps, request: FastifyRequest, scope: ApiScope): Promise<AuthInfo> {
  const auth = await deps.authenticate(bearerToken(request.headers.authorization));
  if (auth.operator) throw forbidden(OPERATOR_ONLY_MESSAGE);
  if (!hasScope(auth.scopes, scope)) throw forbidden(`This route needs the ${scope} scope`);
  return auth;
}
