/** Pure parts of the dashboard's read path: the analysis cache key, compiled execution's rules. */
import { buildSchema, GraphQLError, parse, type ExecutionResult } from 'graphql';
import { ConcurrencyLimit, createCompiledExecutor, usesIntrospection, withGraphQLErrors } from '../../src/graphql/compiled-execution';
import { analysisKey, cachedAnalyze } from '../../src/experiments/analysis-cache';
import { analyze, type EngineInput } from '../../src/experiments/engine';
import { Metric, TestMethod } from '../../src/campaigns/experiment-enums';
import { listFilter } from '../../src/campaigns/campaign.service';
import { CampaignStatus, CampaignType } from '../../src/campaigns/enums';

const input = (converted: number, now = new Date('2026-01-01T00:00:00Z')): EngineInput => ({
  metric: Metric.CONVERSION,
  method: TestMethod.SEQUENTIAL,
  confidenceLevel: 0.95,
  minSampleSize: 30,
  minimumDetectableEffect: null,
  declaredWinnerId: null,
  now,
  variants: [
    { variantId: 'a', key: 'A', isControl: true, weight: 50, sent: 5000, successes: 100, revenue: 4000, revenueSumOfSquares: 180000 },
    { variantId: 'b', key: 'B', isControl: false, weight: 50, sent: 5000, successes: converted, revenue: converted * 40, revenueSumOfSquares: converted * 1800 },
  ],
});

describe('analysis cache', () => {
  it('keys on everything the engine reads but the clock', () => {
    expect(analysisKey(input(150))).toBe(analysisKey(input(150, new Date('2027-01-01T00:00:00Z'))));
    expect(analysisKey(input(151))).not.toBe(analysisKey(input(150)));
    const base = input(150);
    for (const changed of [
      { ...base, confidenceLevel: 0.9 },
      { ...base, method: TestMethod.BAYESIAN },
      { ...base, minSampleSize: 31 },
      { ...base, minimumDetectableEffect: 0.05 },
      { ...base, declaredWinnerId: 'b' },
      { ...base, variants: [base.variants[0]!, { ...base.variants[1]!, weight: 49 }] },
      { ...base, variants: [base.variants[0]!, { ...base.variants[1]!, revenueSumOfSquares: 1 }] },
    ]) {
      expect(analysisKey(changed)).not.toBe(analysisKey(base));
    }
  });

  it('answers what analyze answers, with this call\'s computedAt, and a result nobody can change', () => {
    const first = cachedAnalyze(input(170));
    const later = cachedAnalyze(input(170, new Date('2026-06-01T00:00:00Z')));
    expect({ ...later, computedAt: null }).toEqual({ ...analyze(input(170)), computedAt: null });
    expect(later.computedAt).toEqual(new Date('2026-06-01T00:00:00Z'));
    expect(first.computedAt).toEqual(new Date('2026-01-01T00:00:00Z'));
    expect(() => (later.comparisons as unknown[]).push(1)).toThrow();
    expect(cachedAnalyze(input(171)).comparisons[0]!.rate).toBeCloseTo(171 / 5000, 12);
  });
});

describe('compiled execution', () => {
  const schema = buildSchema('type Query { hello(name: String!): String! boom: String! n: Int }');
  const rootless = (fields: Record<string, unknown>) => {
    // Resolvers from the context: the executors pass no root value.
    const q = schema.getQueryType()!.getFields();
    q.hello!.resolve = (_r, a: { name: string }) => `hi ${a.name}`;
    q.boom!.resolve = () => {
      throw Object.assign(new Error('nope'), { extensions: fields });
    };
    q.n!.resolve = () => 7;
    return schema;
  };

  it('sees introspection wherever it is selected', () => {
    expect(usesIntrospection(parse('{ __schema { types { name } } }'))).toBe(true);
    expect(usesIntrospection(parse('query { n ... on Query { __type(name: "Query") { name } } }'))).toBe(true);
    expect(usesIntrospection(parse('{ n __typename }'))).toBe(false);
  });

  it('answers the first (interpreted) and later (compiled) executions alike, errors included', async () => {
    const s = rootless({});
    const run = createCompiledExecutor(s);
    const request = (query: string, variables?: Record<string, unknown>) => {
      const document = parse(query);
      const operation = document.definitions[0] as never;
      return { document, operation, queryHash: query, request: { variables }, context: {} };
    };
    const q = 'query Q($name: String!) { hello(name: $name) n boom }';
    const results: ExecutionResult[] = [];
    for (let i = 0; i < 3; i++) results.push(await run(request(q, { name: 'ada' })));
    expect(JSON.stringify(results[1])).toBe(JSON.stringify(results[0]));
    expect(JSON.stringify(results[2])).toBe(JSON.stringify(results[0]));
    expect(results[2]!.errors![0]).toBeInstanceOf(GraphQLError);
    expect(results[2]!.errors![0]!.extensions).toEqual({});
    // An operation name that names no operation (Apollo resolved none): graphql-js's error, which Apollo answers with a 400.
    const unknown = { ...request(q, { name: 'ada' }), operation: undefined, operationName: null, request: { variables: { name: 'ada' }, operationName: 'Other' } };
    expect((await run(unknown)).errors?.[0]?.message).toBe('Unknown operation named "Other".');
    // Variables that do not coerce: graphql-js's own error, as before.
    const bad = await run(request(q, { name: 3 }));
    expect(bad.errors?.[0]?.message).toMatch(/Variable "\$name"/);
  });

  it('rebuilds graphql-jit errors as graphql-js errors (extensions always an object)', () => {
    const original = new Error('x');
    const jitLike = { message: 'x', path: ['a'], locations: [{ line: 1, column: 3 }], originalError: original } as unknown as GraphQLError;
    const [e] = withGraphQLErrors({ data: null, errors: [jitLike] }).errors!;
    expect(e).toBeInstanceOf(GraphQLError);
    expect([e!.message, e!.path, e!.locations, e!.originalError, e!.extensions]).toEqual(['x', ['a'], [{ line: 1, column: 3 }], original, {}]);
  });

  it('runs at most max callers at once, in order', async () => {
    const limit = new ConcurrencyLimit(2);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      [0, 1, 2, 3, 4].map((i) =>
        limit.run(async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((r) => setImmediate(r));
          order.push(i);
          active--;
        }),
      ),
    );
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('lets the next caller in when one holds its place longer than holdMs (waiting, not computing)', async () => {
    const limit = new ConcurrencyLimit(1, 20);
    let unblock!: () => void;
    const stuck = limit.run(() => new Promise<string>((r) => (unblock = () => r('stuck'))));
    // Runs although the first caller has not finished: its place was given up after 20 ms.
    expect(await limit.run(async () => 'next')).toBe('next');
    unblock();
    expect(await stuck).toBe('stuck');
    // Nothing leaked: one place, taken and given back once per caller.
    let active = 0;
    let peak = 0;
    await Promise.all(
      [0, 1, 2].map(() =>
        limit.run(async () => {
          peak = Math.max(peak, ++active);
          await new Promise((r) => setImmediate(r));
          active--;
        }),
      ),
    );
    expect(peak).toBe(1);
  });
});

describe('campaign listing filter', () => {
  it('is the workspace, not ARCHIVED unless asked, the types, and the search taken literally', () => {
    expect(listFilter('w', null)).toEqual({ sql: 'workspace_id = ? and status <> ?', params: ['w', 'ARCHIVED'] });
    expect(listFilter('w', { status: [CampaignStatus.ARCHIVED, CampaignStatus.DRAFT], type: [CampaignType.AB_TEST], search: ' 50%_off ' })).toEqual({
      sql: 'workspace_id = ? and status = any(?::text[]) and type = any(?::text[]) and (name ilike ? or description ilike ?)',
      params: ['w', '{ARCHIVED,DRAFT}', '{AB_TEST}', '%50\\%\\_off%', '%50\\%\\_off%'],
    });
  });
});
