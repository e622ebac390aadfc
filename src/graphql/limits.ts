/**
 * Depth and cost limits, checked after validation and before execution (HTTP and WebSocket alike),
 * so an abusive query is refused before it touches the database.
 */
import {
  GraphQLError,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
  isListType,
  getNullableType,
  isIntrospectionType,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';

export interface Limits {
  maxDepth: number;
  maxComplexity: number;
}

/**
 * A field costs 1 plus its children times how many items it can return: its `first` / `limit`
 * argument when it has one (connections), else 10 for a plain list. A connection's `nodes` and
 * `edges` lists are already bounded by the connection's `first`, so they are not multiplied again.
 */
const LIST_DEFAULT = 10;
/**
 * Introspection is not priced like data (its lists are the schema's, not the database's): inside
 * it fields are free, the entry points cost — a whole-schema `__schema` a flat 1,000 (so an
 * operation holds at most a handful), a `__type` lookup 10 — and its own limits bound it: depth by
 * graphql-js's MaxIntrospectionDepthRule (part of validation), and breadth by counting every field
 * selected inside it, aliases and fragment uses included (MAX_INTROSPECTION_SELECTIONS), so that
 * aliasing a list a thousand times cannot multiply the response. The standard introspection query
 * (GraphiQL, Sandbox, codegen) costs 1,000 and selects a few hundred fields.
 */
export const MAX_INTROSPECTION_SELECTIONS = 400;
const SCHEMA_COST = 1000;
const TYPE_COST = 10;
const estimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  if (field.name === '__schema') return SCHEMA_COST;
  if (field.name === '__type') return TYPE_COST;
  if (field.name === '__typename' || isIntrospectionType(type)) return 0;
  const pageSize = typeof args.first === 'number' ? args.first : typeof args.limit === 'number' ? args.limit : undefined;
  const isList = isListType(getNullableType(field.type));
  const size = pageSize ?? (isList && field.name !== 'nodes' && field.name !== 'edges' ? LIST_DEFAULT : 1);
  return 1 + Math.max(size, 1) * childComplexity;
};

export function operationDepth(document: DocumentNode, operationName?: string | null): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const depthOf = (set: SelectionSetNode | undefined, seen: Set<string>): number => {
    if (!set) return 0;
    let max = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value.startsWith('__')) continue; // introspection meta-fields
        max = Math.max(max, sel.selectionSet ? 1 + depthOf(sel.selectionSet, seen) : 1);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        max = Math.max(max, depthOf(sel.selectionSet, seen));
      } else {
        const name = sel.name.value;
        const frag = fragments.get(name);
        if (frag && !seen.has(name)) max = Math.max(max, depthOf(frag.selectionSet, new Set(seen).add(name)));
      }
    }
    return max;
  };
  let depth = 0;
  for (const d of document.definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION) continue;
    if (operationName && d.name?.value !== operationName) continue;
    depth = Math.max(depth, depthOf(d.selectionSet, new Set()));
  }
  return depth;
}

/** Undefined when within limits, else the error to return (BAD_USER_INPUT / QUERY_TOO_COMPLEX). */
export function checkLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName: string | null | undefined,
  limits: Limits,
): GraphQLError | undefined {
  const depth = operationDepth(document, operationName);
  if (depth > limits.maxDepth) {
    return tooComplex(`Query depth ${depth} exceeds the limit of ${limits.maxDepth}`);
  }
  const selected = introspectionSelections(document, operationName, MAX_INTROSPECTION_SELECTIONS + 1);
  if (selected > MAX_INTROSPECTION_SELECTIONS) {
    return tooComplex(`Introspection selects more than ${MAX_INTROSPECTION_SELECTIONS} fields (aliases and fragment uses included)`);
  }
  let cost: number;
  try {
    cost = getComplexity({ schema, query: document, variables: variables ?? {}, operationName: operationName ?? undefined, estimators: [estimator] });
  } catch {
    return undefined; // graphql-js reports the underlying problem (bad variables, unknown operation) itself
  }
  if (cost > limits.maxComplexity) {
    return tooComplex(`Query cost ${cost} exceeds the limit of ${limits.maxComplexity}`);
  }
  return undefined;
}

/**
 * Fields selected inside `__schema` / `__type`, every alias and every use of a fragment counted
 * (as execution would expand them); stops counting at `stopAt` (the walk is bounded too).
 */
export function introspectionSelections(document: DocumentNode, operationName: string | null | undefined, stopAt = Infinity): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  let count = 0;
  const walk = (set: SelectionSetNode | undefined, inside: boolean, path: readonly string[]): void => {
    if (!set) return;
    for (const sel of set.selections) {
      if (count >= stopAt) return;
      if (sel.kind === Kind.FIELD) {
        const entering = inside || sel.name.value === '__schema' || sel.name.value === '__type';
        if (inside) count++;
        walk(sel.selectionSet, entering, path);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        walk(sel.selectionSet, inside, path);
      } else {
        const name = sel.name.value;
        if (!path.includes(name)) walk(fragments.get(name)?.selectionSet, inside, [...path, name]); // fragment cycles are invalid anyway
      }
    }
  };
  for (const d of document.definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION) continue;
    if (operationName && d.name?.value !== operationName) continue;
    walk(d.selectionSet, false, []);
  }
  return count;
}

function tooComplex(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_COMPLEX' } });
}
