/**
 * Scopes: every root field needs READ for queries and subscriptions and WRITE for mutations;
 * `@Authorized(ApiScope.ADMIN)` raises that for administrative fields. Authentication itself
 * happens before execution (no valid key, no context).
 */
import type { AuthChecker, MiddlewareFn } from 'type-graphql';
import { forbidden } from '../errors';
import { ApiScope } from '../workspaces/api-key.entity';
import { hasScope } from '../workspaces/api-keys';
import type { Context } from './context';

export const authChecker: AuthChecker<Context, ApiScope> = ({ context }, roles) => {
  const missing = roles.find((r) => !hasScope(context.auth.scopes, r));
  if (missing) throw forbidden(`This operation needs the ${missing} scope`);
  return true;
};

export const requireOperationScope: MiddlewareFn<Context> = ({ context, info }, next) => {
  if (info.path.prev === undefined) {
    const needed = info.operation.operation === 'mutation' ? ApiScope.WRITE : ApiScope.READ;
    if (!hasScope(context.auth.scopes, needed)) throw forbidden(`A ${info.operation.operation} needs the ${needed} scope`);
  }
  return next();
};
