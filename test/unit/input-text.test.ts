import { buildSchema, parse } from 'graphql';
import { checkInputs } from '../../src/graphql/input-guard';
import { checkJsonValue, JSON_LIMITS } from '../../src/shared/input-text';

describe('checkJsonValue', () => {
  const nest = (levels: number): unknown => {
    let v: unknown = 'leaf';
    for (let i = 0; i < levels; i++) v = i % 2 ? [v] : { k: v };
    return v;
  };

  it('accepts plain values up to the depth and size limits', () => {
    expect(checkJsonValue({ a: [1, 'x', null, true, { b: 2 }] })).toBeUndefined();
    expect(checkJsonValue(nest(JSON_LIMITS.maxDepth))).toBeUndefined();
    expect(checkJsonValue(Array.from({ length: JSON_LIMITS.maxValues - 1 }, () => 0))).toBeUndefined();
  });

  it('refuses one level too deep, even 100,000 levels (no recursion)', () => {
    expect(checkJsonValue(nest(JSON_LIMITS.maxDepth + 1))?.reason).toBe('JSON_TOO_DEEP');
    expect(checkJsonValue(nest(100_000), undefined, 'attributes')).toEqual({ reason: 'JSON_TOO_DEEP', message: 'attributes is nested deeper than 32 levels', path: 'attributes' });
  });

  it('refuses one value too many', () => {
    expect(checkJsonValue(Array.from({ length: JSON_LIMITS.maxValues }, () => 0))?.reason).toBe('JSON_TOO_LARGE');
  });

  it('finds a NUL in a nested string or key and names where', () => {
    expect(checkJsonValue({ a: [{ b: 'x\u0000' }] }, undefined, 'attributes')).toMatchObject({ reason: 'INVALID_TEXT', path: 'attributes.a.0.b' });
    expect(checkJsonValue({ ['k\u0000']: 1 })).toMatchObject({ reason: 'INVALID_TEXT', path: 'k\\u0000' });
    expect(checkJsonValue('text without nul, with a pair 😀')).toBeUndefined();
  });

  it('finds an unpaired surrogate (PostgreSQL refuses its JSON escape)', () => {
    expect(checkJsonValue(['ok', 'a\udc17b'])).toMatchObject({ reason: 'INVALID_TEXT', path: '1', message: '1 contains an unpaired UTF-16 surrogate (not valid Unicode), which cannot be stored' });
    expect(checkJsonValue('\ud83d')).toMatchObject({ reason: 'INVALID_TEXT' });
    expect(checkJsonValue('\ud83d\ude00')).toBeUndefined();
  });
});

describe('checkInputs (the GraphQL edge)', () => {
  const schema = buildSchema(`
    scalar JSON
    input Row { name: String, id: ID }
    input Filter { search: String, ids: [ID!], extra: JSON }
    type Query {
      thing(id: ID!): Int
      things(ids: [ID!]!, filter: Filter): Int
      rows(rows: [Row!]!): Int
    }
  `);
  (schema.getType('Row') as { extensions: Record<string, unknown> }).extensions = { validatedPerItem: true };
  const check = (q: string, variables?: Record<string, unknown>) => checkInputs(schema, parse(q), variables)?.extensions;
  const uuid = '0190c1d2-0000-7000-8000-000000000000';

  it('passes clean input', () => {
    expect(check(`{ thing(id: "${uuid}") }`)).toBeUndefined();
    expect(check('query($f: Filter) { things(ids: [], filter: $f) }', { f: { search: 'ok', extra: { a: [1] } } })).toBeUndefined();
  });

  it('answers a field argument ID that is not a UUID with NOT_FOUND, but leaves IDs inside inputs to their services', () => {
    expect(check('{ thing(id: "nope") }')).toEqual({ code: 'NOT_FOUND', reason: 'NOT_FOUND', field: 'id' });
    expect(check('query($i: [ID!]!) { things(ids: $i) }', { i: [uuid, 7] })).toEqual({ code: 'NOT_FOUND', reason: 'NOT_FOUND', field: 'ids.1' });
    expect(check('query($f: Filter) { things(ids: [], filter: $f) }', { f: { ids: ['merchant-7'] } })).toBeUndefined();
  });

  it('refuses NUL in variables and literals, with the argument path', () => {
    expect(check('query($f: Filter) { things(ids: [], filter: $f) }', { f: { search: 'a\u0000' } })).toEqual({ code: 'BAD_USER_INPUT', reason: 'INVALID_TEXT', field: 'filter.search' });
    expect(check('{ things(ids: [], filter: {search: "a\\u0000"}) }')).toEqual({ code: 'BAD_USER_INPUT', reason: 'INVALID_TEXT', field: 'filter.search' });
    expect(check('{ things(ids: [], filter: {extra: {k: ["a\\u0000"]}}) }')).toEqual({ code: 'BAD_USER_INPUT', reason: 'INVALID_TEXT', field: 'filter.extra.k.0' });
  });

  it('checks a variable left out of the request by its default in the document', () => {
    expect(check('query($s: String = "a\\u0000b") { things(ids: [], filter: { search: $s }) }', {})).toEqual({ code: 'BAD_USER_INPUT', reason: 'INVALID_TEXT', field: 'filter.search' });
    expect(check('query($i: [ID!]! = ["nope"]) { things(ids: $i) }')).toMatchObject({ code: 'NOT_FOUND', field: 'ids.0' });
    expect(check('query($s: String = "a\\u0000b") { things(ids: [], filter: { search: $s }) }', { s: 'given' })).toBeUndefined();
  });

  it('leaves rows of a validatedPerItem type to their own validator', () => {
    expect(check('query($r: [Row!]!) { rows(rows: $r) }', { r: [{ name: 'a\u0000', id: 'x' }] })).toBeUndefined();
  });
});
