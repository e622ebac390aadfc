/**
 * The GraphQL edge for argument values, checked after validation and before execution (HTTP and
 * WebSocket alike), against the raw variables and the literals of the document:
 *
 * - text: no NUL (U+0000) nor unpaired surrogate in any String, ID or custom-scalar string → BAD_USER_INPUT / INVALID_TEXT;
 * - JSON arguments: bounded depth and size (src/shared/input-text.ts) → JSON_TOO_DEEP / JSON_TOO_LARGE;
 * - an `ID` argument of a field names a Splitcast object, and those ids are UUIDs: anything else
 *   can name nothing → NOT_FOUND (instead of reaching PostgreSQL as a malformed uuid).
 *
 * Input types whose rows are validated one by one, so that one bad row never fails its valid
 * neighbours (contacts, events), carry the extension `validatedPerItem` and are left to their
 * own validators, which apply the same rules per row.
 */
import {
  BREAK,
  GraphQLError,
  Kind,
  TypeInfo,
  getNullableType,
  isInputObjectType,
  isListType,
  isScalarType,
  valueFromASTUntyped,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type ValueNode,
} from 'graphql';
import { checkJsonValue, checkText, INVALID_TEXT, type TextProblem } from '../shared/input-text';
import { isUuid } from '../shared/ids';

/** `@Extensions(VALIDATED_PER_ITEM)` on an input type: its values are checked row by row. */
export const VALIDATED_PER_ITEM = { validatedPerItem: true } as const;

type Variables = Record<string, unknown> | undefined | null;

interface Problem {
  code: 'BAD_USER_INPUT' | 'NOT_FOUND';
  reason: string;
  message: string;
  field: string;
}

export function checkInputs(schema: GraphQLSchema, document: DocumentNode, given: Variables): GraphQLError | undefined {
  // A variable the request leaves out takes its default from the document: check that value too.
  const variables: Record<string, unknown> = {};
  for (const d of document.definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const v of d.variableDefinitions ?? []) if (v.defaultValue) variables[v.variable.name.value] = valueFromASTUntyped(v.defaultValue);
  }
  Object.assign(variables, given ?? {});
  const typeInfo = new TypeInfo(schema);
  let problem: Problem | undefined;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument(node) {
        const arg = typeInfo.getArgument();
        if (!arg) return undefined; // validation reports unknown arguments
        // Only a field's own ID arguments are ids of ours; IDs inside input objects (e.g. a
        // merchant's id) are validated by the service that reads them.
        const isFieldArgument = typeInfo.getDirective() === null;
        problem = literal(node.value, arg.type, arg.name, variables, isFieldArgument);
        return problem ? BREAK : undefined;
      },
    }),
  );
  if (!problem) return undefined;
  return new GraphQLError(problem.message, { extensions: { code: problem.code, reason: problem.reason, field: problem.field } });
}

const join = (path: string, key: string | number) => `${path}.${key}`;

function fromText(p: TextProblem, field: string): Problem {
  const path = p.path ? join(field, p.path) : field;
  return { code: 'BAD_USER_INPUT', reason: p.reason, message: p.message.replace(/^(The value|The JSON value)/, path), field: path };
}

function literal(node: ValueNode, type: GraphQLInputType, path: string, variables: Variables, idArgument: boolean): Problem | undefined {
  if (node.kind === Kind.VARIABLE) return value(variables?.[node.name.value], type, path, idArgument);
  if (node.kind === Kind.NULL) return undefined;
  const t = getNullableType(type);
  if (isListType(t)) {
    if (node.kind !== Kind.LIST) return literal(node, t.ofType, path, variables, idArgument);
    for (let i = 0; i < node.values.length; i++) {
      const p = literal(node.values[i]!, t.ofType, join(path, i), variables, idArgument);
      if (p) return p;
    }
    return undefined;
  }
  if (isInputObjectType(t)) {
    if (t.extensions?.validatedPerItem || node.kind !== Kind.OBJECT) return undefined;
    const fields = t.getFields();
    for (const f of node.fields) {
      const def = fields[f.name.value];
      const p = def && literal(f.value, def.type, join(path, f.name.value), variables, false);
      if (p) return p;
    }
    return undefined;
  }
  if (isScalarType(t) && t.name === 'JSON') return jsonLiteral(node, path, variables);
  if (node.kind === Kind.STRING || node.kind === Kind.INT) return scalar(node.value, t.name, path, idArgument);
  return undefined;
}

function value(v: unknown, type: GraphQLInputType, path: string, idArgument: boolean): Problem | undefined {
  if (v === undefined || v === null) return undefined;
  const t = getNullableType(type);
  if (isListType(t)) {
    if (!Array.isArray(v)) return value(v, t.ofType, path, idArgument);
    for (let i = 0; i < v.length; i++) {
      const p = value(v[i], t.ofType, join(path, i), idArgument);
      if (p) return p;
    }
    return undefined;
  }
  if (isInputObjectType(t)) {
    if (t.extensions?.validatedPerItem || typeof v !== 'object' || Array.isArray(v)) return undefined;
    const fields = t.getFields();
    for (const [k, item] of Object.entries(v)) {
      const def = fields[k];
      const p = def && value(item, def.type, join(path, k), false);
      if (p) return p;
    }
    return undefined;
  }
  if (isScalarType(t) && t.name === 'JSON') {
    const p = checkJsonValue(v);
    return p && fromText(p, path);
  }
  if (typeof v === 'string' || typeof v === 'number') return scalar(String(v), isScalarType(t) ? t.name : '', path, idArgument);
  return undefined;
}

function scalar(text: string, typeName: string, path: string, idArgument: boolean): Problem | undefined {
  const bad = checkText(text, path);
  if (bad) return { code: 'BAD_USER_INPUT', reason: INVALID_TEXT, message: bad, field: path };
  if (idArgument && typeName === 'ID' && !isUuid(text)) {
    return { code: 'NOT_FOUND', reason: 'NOT_FOUND', message: `Nothing has the id "${text.slice(0, 100)}" (ids are UUIDs)`, field: path };
  }
  return undefined;
}

/** A JSON literal written in the document: walked without recursion, like a variable's value. */
function jsonLiteral(root: ValueNode, path: string, variables: Variables): Problem | undefined {
  // Rebuild the value with bounded work, then apply the one JSON rule.
  const build = (node: ValueNode, depth: number): unknown => {
    if (depth > 64) return undefined; // deeper than the rule allows: stop building, the check below reports it
    switch (node.kind) {
      case Kind.OBJECT:
        return Object.fromEntries(node.fields.map((f) => [f.name.value, build(f.value, depth + 1)]));
      case Kind.LIST:
        return node.values.map((n) => build(n, depth + 1));
      case Kind.VARIABLE:
        return variables?.[node.name.value];
      case Kind.NULL:
        return null;
      case Kind.STRING:
      case Kind.ENUM:
        return node.value;
      case Kind.INT:
      case Kind.FLOAT:
        return Number(node.value);
      case Kind.BOOLEAN:
        return node.value;
    }
  };
  const built = build(root, 0);
  const p = checkJsonValue(built);
  return p && fromText(p, path);
}
