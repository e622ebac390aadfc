/**
 * Scopes: an operation needs READ for queries and subscriptions and WRITE for mutations, checked
 * once per operation before it runs (HTTP and WebSocket alike); `@Authorized(ApiScope.ADMIN)`
 * raises that for administrative fields. Authentication itself happens before that (no valid
 * key, no context). A per-field middleware would do the same check for every field of a response
 * (measured: the largest single cost of the dashboard query).
 */
import type { OperationTypeNode } from 'graphql';
import type { AuthChecker } from 'type-graphql';
import type { DomainError } from '../errors';
import { forbidden } from '../errors';
import { ApiScope } from '../shared/auth';
import { hasScope } from '../shared/auth';
import type { Context } from './context';

export const authChecker: AuthChecker<Context, ApiScope> = ({ context }, roles) => {
  const missing = roles.find((r) => !hasScope(context.auth.scopes, r));
  if (missing) throw forbidden(`This operation needs the ${missing} scope`);
  return true;
};

/** The FORBIDDEN error for an operation the key's scopes do not allow, else undefined. */
export function operationScopeError(scopes: readonly ApiScope[], operation: OperationTypeNode | 'query' | 'mutation' | 'subscription'): DomainError | undefined {
  const needed = operation === 'mutation' ? ApiScope.WRITE : ApiScope.READ;
  return hasScope(scopes, needed) ? undefined : forbidden(`A ${operation} needs the ${needed} scope`);
}
