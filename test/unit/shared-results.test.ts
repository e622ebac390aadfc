/** Pure parts of shared query results: the key, canonical variables, the single flight and the rules. */
import { parse, type ExecutionResult, type OperationDefinitionNode } from 'graphql';
import { canonicalJson, selectsRootField, sharedResultKey, SharedResults, PER_KEY_ROOT_FIELDS, type SharedRequest } from '../../src/graphql/shared-results';
import { usesIntrospection } from '../../src/graphql/compiled-execution';

const caller = { workspaceId: 'w1', apiKeyId: 'k1', scopes: ['READ'] };

function request(query: string, variables: Record<string, unknown> = {}, operationName?: string, auth: unknown = caller): SharedRequest {
  const document = parse(query);
  const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
  const operation = operationName ? ops.find((o) => o.name?.value === operationName) : ops[0];
  return { document, operation, operationName: operation?.name?.value ?? null, queryHash: `hash:${query}`, request: { variables }, context: { auth } };
}

describe('canonicalJson', () => {
  it('gives equal text for equal values whatever the key order, and keeps arrays in order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe(canonicalJson({ a: { c: null, d: [2, 1] }, b: 1 }));
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
    expect(canonicalJson({ a: '1' })).not.toBe(canonicalJson({ a: 1 }));
    expect(canonicalJson({ a: undefined, b: 1 })).toBe(canonicalJson({ b: 1 }));
  });
});

describe('sharedResultKey', () => {
  const q = '{ campaigns { nodes { id } } }';
  const key = (r: SharedRequest, c = caller, snap = '10:12:') => sharedResultKey(r, c, snap);

  it('is the same for the same question under the same snapshot', () => {
    expect(key(request(q, { a: 1, b: 2 }))).toBe(key(request(q, { b: 2, a: 1 })));
  });

  it('differs by workspace, scopes, document, variables, operation name and snapshot', () => {
    const base = key(request(q));
    expect(key(request(q), { ...caller, workspaceId: 'w2' })).not.toBe(base);
    expect(key(request(q), { ...caller, scopes: ['ADMIN'] })).not.toBe(base);
    expect(key(request('{ campaigns { nodes { name } } }'))).not.toBe(base);
    expect(key(request(q, { first: 1 }))).not.toBe(base);
    expect(key(request(q), caller, '10:13:')).not.toBe(base);
    const two = 'query A { campaigns { nodes { id } } } query B { campaigns { nodes { name } } }';
    expect(key(request(two, {}, 'A'))).not.toBe(key(request(two, {}, 'B')));
  });

  it('holds the API key only for documents reading the caller itself (viewer)', () => {
    expect(key(request(q), { ...caller, apiKeyId: 'k2' })).toBe(key(request(q)));
    const viewer = '{ viewer { apiKeyName } }';
    expect(key(request(viewer), { ...caller, apiKeyId: 'k2' })).not.toBe(key(request(viewer)));
    const viaFragment = 'query { ...F } fragment F on Query { ... on Query { viewer { apiKeyName } } }';
    expect(key(request(viaFragment), { ...caller, apiKeyId: 'k2' })).not.toBe(key(request(viaFragment)));
  });

  it('is undefined for mutations, subscriptions, unknown callers and requests without a hash', () => {
    expect(key(request('mutation { a }'))).toBeUndefined();
    expect(key(request('subscription { a }'))).toBeUndefined();
    expect(sharedResultKey(request(q), undefined, '1:1:')).toBeUndefined();
    expect(key({ ...request(q), queryHash: undefined })).toBeUndefined();
  });
});

describe('selectsRootField', () => {
  it('finds a root field through fragments, not a nested field of the same name', () => {
    const doc = parse('{ campaigns { nodes { viewer: id } } }');
    expect(selectsRootField(doc, doc.definitions[0] as OperationDefinitionNode, PER_KEY_ROOT_FIELDS)).toBe(false);
    const cyclic = parse('query { ...F } fragment F on Query { ...F campaigns { nodes { id } } }');
    expect(selectsRootField(cyclic, cyclic.definitions[0] as OperationDefinitionNode, PER_KEY_ROOT_FIELDS)).toBe(false);
  });
});

describe('SharedResults', () => {
  const ok = (n: number): ExecutionResult => ({ data: { n } });
  const deferred = () => {
    let resolve!: (r: ExecutionResult) => void;
    const promise = new Promise<ExecutionResult>((r) => (resolve = r));
    return { promise, resolve };
  };

  it('runs concurrent identical misses once and stores the answer; a new snapshot executes again', async () => {
    let snap = 's1';
    const shared = new SharedResults({ maxAgeMs: 60_000, snapshot: async () => snap });
    const d = deferred();
    let runs = 0;
    const exec = () => (runs++, d.promise);
    const r = request('{ a }');
    const pending = [shared.run(r, usesIntrospection, exec), shared.run(r, usesIntrospection, exec), shared.run(r, usesIntrospection, exec)];
    await new Promise((resolve) => setImmediate(resolve));
    d.resolve(ok(1));
    expect(await Promise.all(pending)).toEqual([ok(1), ok(1), ok(1)]);
    expect(runs).toBe(1);
    expect(await shared.run(r, usesIntrospection, async () => (runs++, ok(2)))).toEqual(ok(1));
    snap = 's2';
    expect(await shared.run(r, usesIntrospection, async () => (runs++, ok(3)))).toEqual(ok(3));
    expect(shared.stats).toEqual({ hits: 1, joined: 2, executions: 2, bypassed: 0 });
  });

  it('hands no error to a waiting request (it executes itself) and stores none', async () => {
    const shared = new SharedResults({ maxAgeMs: 60_000, snapshot: async () => 's' });
    const d = deferred();
    const r = request('{ a }');
    const first = shared.run(r, usesIntrospection, () => d.promise);
    const second = shared.run(r, usesIntrospection, async () => ok(2));
    await new Promise((resolve) => setImmediate(resolve));
    d.resolve({ errors: [new Error('boom') as never], data: null });
    expect((await first).errors).toHaveLength(1);
    expect(await second).toEqual(ok(2));
    expect(shared.stats.joined).toBe(0);
  });

  it('never shares introspection, mutations or a request without a caller', async () => {
    const shared = new SharedResults({ maxAgeMs: 60_000, snapshot: async () => 's' });
    let runs = 0;
    for (const r of [request('{ __schema { queryType { name } } }'), request('mutation { a }'), request('{ a }', {}, undefined, null)]) {
      await shared.run(r, usesIntrospection, async () => (runs++, ok(1)));
      await shared.run(r, usesIntrospection, async () => (runs++, ok(1)));
    }
    expect(runs).toBe(6);
    expect(shared.stats.bypassed).toBe(6);
  });

  it('drops expired entries (a new snapshot never asks for them again) instead of keeping them until the bound', async () => {
    let snap = 's1';
    const shared = new SharedResults({ maxAgeMs: 1000, snapshot: async () => snap });
    await shared.run(request('{ a }'), usesIntrospection, async () => ok(1));
    await shared.run(request('{ b }'), usesIntrospection, async () => ok(1));
    expect(shared.size).toBe(2);
    await new Promise((r) => setTimeout(r, 1100));
    snap = 's2';
    await shared.run(request('{ a }'), usesIntrospection, async () => ok(2));
    expect(shared.size).toBe(1);
  });

  it('refuses a maximum age of 0 (off means no SharedResults at all)', () => {
    expect(() => new SharedResults({ maxAgeMs: 0, snapshot: async () => 's' })).toThrow();
  });
});

describe('SharedResults when the snapshot cannot be read', () => {
  it('executes the request as without sharing (the database being down answers as before, not INTERNAL)', async () => {
    const shared = new SharedResults({ maxAgeMs: 1000, snapshot: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')) });
    const answer: ExecutionResult = { data: { __typename: 'Query' } };
    let executions = 0;
    const r = await shared.run(request('{ __typename }'), usesIntrospection, async () => {
      executions++;
      return answer;
    });
    expect(r).toBe(answer);
    expect(executions).toBe(1);
    expect(shared.stats.bypassed).toBe(1);
    expect(shared.size).toBe(0);
  });
});
