import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { GraphQLJSON as JSONScalar } from 'graphql-scalars';

/** The contract names these scalars `DateTime` and `JSON`. */
export const GraphQLJSON = JSONScalar;

const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
const LOCAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$/;

/** A Date parsed from a date-time written without an offset; `localDateTime` keeps the text. */
export type MaybeLocalDate = Date & { localDateTime?: string };

function parse(value: unknown): MaybeLocalDate {
  if (typeof value !== 'string') throw new GraphQLError('DateTime must be an ISO 8601 string');
  if (WITH_OFFSET.test(value)) {
    const d = new Date(value);
    if (!Number.isNaN(d.getTime())) return d;
  } else if (LOCAL.test(value)) {
    // No offset: read as UTC here; inputs that have a zone (ScheduleInput) re-read `localDateTime` in it.
    const d: MaybeLocalDate = new Date(`${value}Z`);
    if (!Number.isNaN(d.getTime())) {
      Object.defineProperty(d, 'localDateTime', { value, enumerable: false });
      return d;
    }
  }
  throw new GraphQLError(`"${value}" is not an ISO 8601 date-time`);
}

/**
 * ISO 8601 / RFC 3339 date-time. Serialised in UTC with milliseconds. Accepts input without an
 * offset too (the contract: "sendAt given without offset is read in this zone").
 */
export const DateTime = new GraphQLScalarType<MaybeLocalDate, string>({
  name: 'DateTime',
  description: 'ISO 8601 date-time, e.g. 2026-11-21T09:30:00Z; inputs without an offset are read as UTC unless the field says otherwise',
  serialize(value) {
    const d = value instanceof Date ? value : new Date(value as string);
    if (Number.isNaN(d.getTime())) throw new GraphQLError('Invalid DateTime');
    return d.toISOString();
  },
  parseValue: parse,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be a string');
    return parse(ast.value);
  },
});
