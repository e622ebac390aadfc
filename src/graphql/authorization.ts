/**
 * Scopes: an operation needs READ for queries and subscriptions and WRITE for mutations, checked
 * once per operation before it runs (HTTP and WebSocket alike); `@Authorized(ApiScope.ADMIN)`
 * raises that for administrative fields. Authentication itself happens before that (no valid
 * key, no context). A per-field middleware would do the same check for every field of a response
 * (measured: the largest single cost of the dashboard query).
 */
import type { GraphQLSchema, OperationDefinitionNode, OperationTypeNode } from 'graphql';
import type { AuthChecker } from 'type-graphql';
import type { DomainError } from '../errors';
import { forbidden } from '../errors';
import { ApiScope } from '../shared/auth';
import { hasScope, OPERATOR_ONLY_MESSAGE, type AuthInfo } from '../shared/auth';
import type { Context } from './context';

export const authChecker: AuthChecker<Context, ApiScope> = ({ context }, roles) => {
  if (context.auth.operator) throw forbidden(OPERATOR_ONLY_MESSAGE);
  const missing = roles.find((r) => !hasScope(context.auth.scopes, r));
  if (missing) throw forbidden(`This operation needs the ${missing} scope`);
  return true;
};

/** The FORBIDDEN error for an operation the key's scopes do not allow, else undefined. */
export function operationScopeError(scopes: readonly ApiScope[], operation: OperationTypeNode | 'query' | 'mutation' | 'subscription'): DomainError | undefined {
  const needed = operation === 'mutation' ? ApiScope.WRITE : ApiScope.READ;
  return hasScope(scopes, needed) ? undefined : forbidden(`A ${operation} needs the ${needed} scope`);
}

/**
 * Marks a root field the platform operator may call: `@Extensions({ [OPERATOR_ONLY]: true })`.
 * The field's resolver still checks `ctx.auth.operator` itself (a workspace key is refused there).
 */
export const OPERATOR_ONLY = 'operatorOnly';

/**
 * Who may run the operation, before it runs: a workspace key by its scopes; the operator key
 * (bound to no workspace) only an operation whose every root selection is an operator-only field
 * or __typename — no fragments — so no workspace-scoped resolver ever runs in its context.
 */
export function operationAccessError(auth: AuthInfo, operation: OperationDefinitionNode, schema: GraphQLSchema): DomainError | undefined {
  if (!auth.operator) return operationScopeError(auth.scopes, operation.operation);
  const root = schema.getRootType(operation.operation);
  const fields = root?.getFields();
  const allowed = operation.selectionSet.selections.every(
    (s) => s.kind === 'Field' && (s.name.value === '__typename' || fields?.[s.name.value]?.extensions?.[OPERATOR_ONLY] === true),
  );
  return allowed ? undefined : forbidden(OPERATOR_ONLY_MESSAGE);
}
