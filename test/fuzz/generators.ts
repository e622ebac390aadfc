/**
 * Seeded generators of hostile input: every case is a pure function of (seed, index), so a failure
 * prints the one number that replays it (`FUZZ_SEED=… FUZZ_CASES=… npm run fuzz`).
 */
import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';

/** mulberry32: small, fast, good enough to spread cases; deterministic per seed. */
export function prng(seed: number): Random {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const r: Random = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
  return r;
}

export interface Random {
  next(): number;
  /** Inclusive on both ends. */
  int(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
}

/** Strings that have broken servers: control characters, lone surrogates, injection, formats. */
const NASTY = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '%00',
  '\ud800',
  '\udfff x',
  '😀'.repeat(3),
  '\u202e',
  '\r\n',
  "'; drop table contacts; --",
  '" or 1=1 --',
  '{{name}}',
  '{first_name}',
  '${process.exit()}',
  '__proto__',
  'constructor',
  'null',
  'undefined',
  'NaN',
  '-1',
  '1e309',
  '9'.repeat(40),
  '0190c1d2-0000-7000-8000-000000000000',
  '00000000-0000-0000-0000-000000000000',
  'not-a-uuid',
  '+14155550100',
  '+1415555',
  'a@b.c',
  '@',
  'America/New_York',
  'Mars/Olympus',
  '2026-11-29T10:00:00Z',
  '2026-13-45T99:99:99Z',
  '9999-12-31T23:59:59Z',
  '0000-01-01T00:00:00Z',
  'FREQ=DAILY;COUNT=3',
  'FREQ=SECONDLY;INTERVAL=0',
  '=HYPERLINK("http://evil")',
  '<script>alert(1)</script>',
  'https://shop.example/x?a=1&b=2',
  'javascript:alert(1)',
  '../../etc/passwd',
  'STOP',
  'START',
  'HELP',
];

export function nastyString(r: Random): string {
  switch (r.int(0, 5)) {
    case 0:
    case 1:
      return r.pick(NASTY);
    case 2: {
      // random code points, including controls and surrogate halves
      const n = r.int(0, 40);
      let s = '';
      for (let i = 0; i < n; i++) s += String.fromCharCode(r.chance(0.2) ? r.int(0, 31) : r.chance(0.1) ? r.int(0xd800, 0xdfff) : r.int(32, 0x2fff));
      return s;
    }
    case 3:
      return r.pick(NASTY) + r.pick(NASTY) + r.pick(['\u0000', '', 'x']);
    case 4:
      return 'x'.repeat(r.pick([255, 256, 1000, 2049, 10_001, 70_000]));
    default:
      return `fuzz-${r.int(0, 1e6)}`;
  }
}

export function nastyNumber(r: Random): number {
  return r.pick([0, -0, 1, -1, 0.5, 2 ** 31, 2 ** 31 - 1, -(2 ** 31), 2 ** 53, Number.MAX_SAFE_INTEGER + 2, 1e308, -1e308, 5e-324, 999_999_999.99, 1e9, 100, 101, r.int(-1e6, 1e6), r.next()]);
}

/** JSON text nested `levels` deep, built as text (JSON.stringify itself would overflow). */
export function deepJsonText(levels: number): string {
  return '{"a":['.repeat(levels) + '1' + ']}'.repeat(levels);
}

/** Any JSON value, at most `depth` levels deep (or pathologically deep when asked). */
export function jsonValue(r: Random, depth = 3): unknown {
  if (depth > 0 && r.chance(0.02)) {
    // deep nesting built without recursion
    let v: unknown = 1;
    for (let i = 0, n = r.pick([40, 500]); i < n; i++) v = r.chance(0.5) ? [v] : { a: v };
    return v;
  }
  switch (depth <= 0 ? r.int(0, 3) : r.int(0, 5)) {
    case 0:
      return nastyString(r);
    case 1:
      return nastyNumber(r);
    case 2:
      return r.pick([true, false, null]);
    case 3:
      return r.chance(0.5) ? nastyString(r) : null;
    case 4:
      return Array.from({ length: r.int(0, 4) }, () => jsonValue(r, depth - 1));
    default:
      return Object.fromEntries(Array.from({ length: r.int(0, 4) }, () => [nastyString(r).slice(0, 30), jsonValue(r, depth - 1)]));
  }
}

/** CSV text for the contact import: real and unknown columns, nasty cells, broken quoting. */
export function csvText(r: Random): string {
  const columns = ['externalId', 'phone', 'email', 'firstName', 'lastName', 'timezone', 'tags', 'segment', 'consent', 'attributes.city', nastyString(r).slice(0, 12)];
  const header = Array.from({ length: r.int(0, 6) }, () => r.pick(columns));
  const cell = () => {
    const v = r.chance(0.5) ? nastyString(r).slice(0, 80) : r.pick(['+14155550123', 'true', 'no', 'a@b.co', 'Europe/Lisbon', 'x;y', '']);
    return r.chance(0.3) ? `"${v.replace(/"/g, r.chance(0.8) ? '""' : '"')}"` : v;
  };
  const rows = Array.from({ length: r.pick([0, 1, 3, 20, 10_001]) }, () => Array.from({ length: header.length + r.int(-1, 1) }, cell).join(r.chance(0.95) ? ',' : ';'));
  return (r.chance(0.1) ? '\ufeff' : '') + [header.join(','), ...rows].join(r.chance(0.8) ? '\n' : '\r\n');
}

export interface Known {
  /** Ids that exist in the fuzzed workspace, so that some cases get past the lookups. */
  ids: string[];
}

/**
 * A value for a GraphQL input type: usually well-typed (so it reaches resolvers and SQL) with
 * nasty contents, sometimes the wrong type altogether (so it exercises coercion errors).
 */
export function valueFor(r: Random, type: GraphQLInputType, known: Known, depth = 0): unknown {
  if (r.chance(0.04)) return jsonValue(r, 2); // wrong type
  if (!isNonNullType(type) && r.chance(0.15)) return null;
  const t = getNullableType(type);
  if (isListType(t)) {
    const n = r.pick([0, 1, 2, 3, r.int(0, 30), ...(depth === 0 ? [1001] : [])]);
    return Array.from({ length: n }, () => valueFor(r, t.ofType, known, depth + 1));
  }
  if (isInputObjectType(t)) {
    if (depth > 4) return {};
    const out: Record<string, unknown> = {};
    for (const f of Object.values(t.getFields())) {
      if (isNonNullType(f.type) || r.chance(0.5)) out[f.name] = valueFor(r, f.type, known, depth + 1);
    }
    if (r.chance(0.05)) out[nastyString(r).slice(0, 20) || 'extra'] = jsonValue(r, 1);
    return out;
  }
  if (isEnumType(t)) {
    const values = t.getValues().map((v) => v.name);
    return r.chance(0.9) ? r.pick(values) : nastyString(r);
  }
  if (isScalarType(t)) {
    switch (t.name) {
      case 'ID':
        return r.chance(0.6) && known.ids.length > 0 ? r.pick(known.ids) : r.chance(0.5) ? nastyString(r) : r.int(-5, 5);
      case 'Int':
        return r.chance(0.9) ? r.pick([0, 1, -1, 2, 7, 50, 100, 101, 1000, 2 ** 31 - 1, -(2 ** 31), r.int(-100, 10_000)]) : nastyNumber(r);
      case 'Float':
        return nastyNumber(r);
      case 'Boolean':
        return r.chance(0.9) ? r.chance(0.5) : nastyString(r);
      case 'JSON':
        return jsonValue(r, 3);
      case 'DateTime':
        return r.chance(0.7) ? new Date(Date.now() + r.int(-1e11, 1e10)).toISOString() : nastyString(r);
      default:
        return nastyString(r);
    }
  }
  return nastyString(r);
}

/** Names of the input types an operation's variables use, for reporting. */
export function typeName(type: GraphQLInputType): string {
  return getNamedType(type).name;
}

export type { GraphQLSchema };
