/**
 * Scopes: an operation needs READ for queries and subscriptions and WRITE for mutations, checked
 * once per operation before it runs (HTTP and WebSocket alike); `@Authorized(ApiScope.ADMIN)`
 * raises that for administrative fields. Authentication itself happens before that (no valid
 * key, no context). A per-field middleware would do the same check for every field of a response
 * (measured: the largest single cost of the dashboard query).
 */
import { getNamedType, isObjectType, Kind, type DocumentNode, type FragmentDefinitionNode, type GraphQLOutputType, type GraphQLSchema, type OperationDefinitionNode, type OperationTypeNode, type SelectionSetNode } from 'graphql';
import type { AuthChecker } from 'type-graphql';
import type { DomainError } from '../errors';
import { forbidden } from '../errors';
import { ApiScope } from '../shared/auth';
import { hasScope, OPERATOR_ONLY_MESSAGE, type AuthInfo } from '../shared/auth';
import type { Context } from './context';

export const authChecker: AuthChecker<Context, ApiScope> = ({ context, info }, roles) => {
  // The operator has no scopes: it passes only an operator-only field's check, whose resolver decides.
  if (context.auth.operator) {
    if (info.parentType.getFields()[info.fieldName]?.extensions?.[OPERATOR_ONLY] === true) return true;
    throw forbidden(OPERATOR_ONLY_MESSAGE);
  }
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
 * The field's resolver still checks `ctx.auth.operator` itself and decides what each caller may do
 * (setWorkspacePlan refuses workspace keys; createApiKey serves both, the operator only for a new
 * workspace). Its `@Authorized` scopes apply to workspace keys; the operator passes them.
 */
export const OPERATOR_ONLY = 'operatorOnly';

/**
 * Marks what the operator may read back from an operator-only field: an object field
 * (`@Extensions({ [OPERATOR_VISIBLE]: true })` on the field) or a whole object type (on the class).
 * Anything unmarked (say Workspace.settings) is some workspace's data, not the operator's.
 */
export const OPERATOR_VISIBLE = 'operatorVisible';

/**
 * Who may run the operation, before it runs: a workspace key by its scopes; the operator key
 * (bound to no workspace) only an operation whose every root selection is an operator-only field
 * or __typename — no fragments at the root — and which selects below it only fields marked
 * OPERATOR_VISIBLE (fragments there are followed through `document`), so no workspace data is
 * read in its context.
 */
export function operationAccessError(auth: AuthInfo, operation: OperationDefinitionNode, schema: GraphQLSchema, document: DocumentNode): DomainError | undefined {
  if (!auth.operator) return operationScopeError(auth.scopes, operation.operation);
  const root = schema.getRootType(operation.operation);
  const fields = root?.getFields();
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const allowed = operation.selectionSet.selections.every((s) => {
    if (s.kind !== Kind.FIELD) return false;
    if (s.name.value === '__typename') return true;
    const field = fields?.[s.name.value];
    return field?.extensions?.[OPERATOR_ONLY] === true && operatorVisible(field.type, s.selectionSet, fragments, new Set());
  });
  return allowed ? undefined : forbidden(OPERATOR_ONLY_MESSAGE);
}

/** Whether every field `selectionSet` reads from `type` (recursively) is marked OPERATOR_VISIBLE. */
function operatorVisible(type: GraphQLOutputType, selectionSet: SelectionSetNode | undefined, fragments: Map<string, FragmentDefinitionNode>, seen: Set<string>): boolean {
  if (!selectionSet) return true; // a scalar or enum: its field was checked by the caller
  const named = getNamedType(type);
  // Interfaces and unions: no operator field returns one; refused rather than followed.
  if (!isObjectType(named)) return false;
  const wholeType = named.extensions?.[OPERATOR_VISIBLE] === true;
  const fields = named.getFields();
  return selectionSet.selections.every((s) => {
    if (s.kind === Kind.FIELD) {
      if (s.name.value === '__typename') return true;
      const field = fields[s.name.value];
      return field !== undefined && (wholeType || field.extensions?.[OPERATOR_VISIBLE] === true) && operatorVisible(field.type, s.selectionSet, fragments, seen);
    }
    if (s.kind === Kind.INLINE_FRAGMENT) {
      return (!s.typeCondition || s.typeCondition.name.value === named.name) && operatorVisible(named, s.selectionSet, fragments, seen);
    }
    const fragment = fragments.get(s.name.value);
    if (!fragment || seen.has(s.name.value) || fragment.typeCondition.name.value !== named.name) return false;
    return operatorVisible(named, fragment.selectionSet, fragments, new Set([...seen, s.name.value]));
  });
}
