import { GraphQLError, buildSchema, getIntrospectionQuery, parse } from 'graphql';
import { checkLimits, introspectionSelections, MAX_INTROSPECTION_SELECTIONS, operationDepth } from '../../src/graphql/limits';

const schema = buildSchema(`
  type Query {
    campaigns(first: Int = 20, after: String): CampaignConnection!
    unpaged: CampaignConnection!
    recent: [Campaign!]!
    tags: [String!]!
    contacts(limit: Int): [Contact!]!
    workspace: Workspace
  }
  type CampaignConnection { nodes: [Campaign!]! edges: [CampaignEdge!]! totalCount: Int! }
  type CampaignEdge { cursor: String! node: Campaign! }
  type Campaign { id: ID! name: String variants: [Variant!]! workspace: Workspace }
  type Variant { key: String! template: String }
  type Workspace { id: ID! name: String campaigns(first: Int = 20): CampaignConnection! }
  type Contact { id: ID! }
`);

const UNLIMITED = { maxDepth: 1000, maxComplexity: 1_000_000 };

/**
 * Asserts the cost checkLimits computes for a query: allowed at exactly `expected`,
 * refused one below it with a message naming the cost.
 */
function expectCost(query: string, expected: number, variables?: Record<string, unknown>, operationName?: string): void {
  const document = parse(query);
  expect(checkLimits(schema, document, variables, operationName, { maxDepth: 1000, maxComplexity: expected })).toBeUndefined();
  const error = checkLimits(schema, document, variables, operationName, { maxDepth: 1000, maxComplexity: expected - 1 });
  expect(error?.message).toBe(`Query cost ${expected} exceeds the limit of ${expected - 1}`);
}

const depth = (query: string, operationName?: string | null) => operationDepth(parse(query), operationName);

describe('operationDepth', () => {
  it.each([
    ['{ tags }', 1],
    ['{ workspace { id } }', 2],
    ['{ campaigns(first: 2) { nodes { id } } }', 3],
    ['{ workspace { campaigns { nodes { workspace { id } } } } }', 5],
  ])('measures %s as %i', (query, expected) => {
    expect(depth(query)).toBe(expected);
  });

  it('takes the deepest branch', () => {
    expect(depth('{ tags workspace { id } campaigns { totalCount nodes { variants { key } } } }')).toBe(4);
  });

  it('adds no level for __typename', () => {
    expect(depth('{ tags workspace { __typename } }')).toBe(1);
  });

  it('is 0 for a query of only __typename', () => {
    expect(depth('{ __typename }')).toBe(0);
  });

  it('follows named fragments', () => {
    expect(depth('{ workspace { ...W } } fragment W on Workspace { campaigns { nodes { id } } }')).toBe(4);
  });

  it('follows fragments nested in fragments', () => {
    expect(
      depth('{ workspace { ...W } } fragment W on Workspace { campaigns { ...C } } fragment C on CampaignConnection { nodes { id } }'),
    ).toBe(4);
  });

  it('adds no level for an inline fragment', () => {
    expect(depth('{ workspace { ... on Workspace { campaigns { nodes { id } } } } }')).toBe(4);
  });

  it('adds no level for an inline fragment without type condition', () => {
    expect(depth('{ workspace { ... { id } } }')).toBe(2);
  });

  it('terminates on a self-referencing fragment', () => {
    expect(depth('{ workspace { ...W } } fragment W on Workspace { id ...W }')).toBe(2);
  });

  it('terminates on mutually recursive fragments', () => {
    expect(depth('{ workspace { ...A } } fragment A on Workspace { id ...B } fragment B on Workspace { name ...A }')).toBe(2);
  });

  it('ignores a spread of an undefined fragment', () => {
    expect(depth('{ workspace { id ...Missing } }')).toBe(2);
  });

  it('does not count fragments that no operation uses', () => {
    expect(depth('{ tags } fragment W on Workspace { campaigns { nodes { id } } }')).toBe(1);
  });

  it('measures only the named operation', () => {
    const query = 'query Shallow { tags } query Deep { workspace { campaigns { nodes { id } } } }';
    expect([depth(query, 'Shallow'), depth(query, 'Deep')]).toEqual([1, 4]);
  });

  it('takes the deepest operation when no name is given', () => {
    expect(depth('query Shallow { tags } query Deep { workspace { id } }')).toBe(2);
    expect(depth('query Shallow { tags } query Deep { workspace { id } }', null)).toBe(2);
  });

  it('is 0 for an unknown operation name', () => {
    expect(depth('query A { workspace { id } }', 'B')).toBe(0);
  });
});

describe('checkLimits: cost formula', () => {
  it('costs a scalar field 1', () => {
    expectCost('{ workspace { id } }', 2);
  });

  it('adds up sibling fields', () => {
    expectCost('{ workspace { id name } }', 3);
  });

  it('costs a list of scalars 1 (nothing to multiply)', () => {
    expectCost('{ tags }', 1);
  });

  it('multiplies the children of a plain list by 10', () => {
    expectCost('{ recent { id } }', 1 + 10 * 1);
    expectCost('{ recent { id name } }', 1 + 10 * 2);
  });

  it("multiplies a connection's children by its first argument", () => {
    // nodes = 1 + 1 (id, not multiplied again); campaigns = 1 + 5 * 2
    expectCost('{ campaigns(first: 5) { nodes { id } } }', 11);
  });

  it("does not multiply a connection's nodes list again", () => {
    // the same selection under a plain list costs 11 per item, under nodes only 2
    expectCost('{ campaigns(first: 1) { nodes { id } } }', 1 + 1 * 2);
  });

  it("does not multiply a connection's edges list again either", () => {
    // edges = 1 + (cursor 1 + node (1 + id 1)) = 4, not 1 + 10 × 3; campaigns = 1 + 5 × 4
    expectCost('{ campaigns(first: 5) { edges { cursor node { id } } } }', 1 + 5 * 4);
  });

  it("uses the argument's default value when first is omitted", () => {
    expectCost('{ campaigns { nodes { id } } }', 1 + 20 * 2);
  });

  it('reads first from a variable', () => {
    expectCost('query Q($n: Int) { campaigns(first: $n) { nodes { id } } }', 1 + 50 * 2, { n: 50 });
  });

  it('multiplies by a limit argument', () => {
    expectCost('{ contacts(limit: 3) { id } }', 1 + 3 * 1);
  });

  it('does not multiply a connection without a page-size argument', () => {
    expectCost('{ unpaged { nodes { id } } }', 1 + 1 * 2);
  });

  it('combines nested lists and connections', () => {
    // variants = 1 + 10*1 = 11; nodes = 1 + (id 1 + variants 11) = 13;
    // campaigns = 1 + 5 * (totalCount 1 + nodes 13) = 71
    expectCost('{ campaigns(first: 5) { totalCount nodes { id variants { key } } } }', 71);
  });

  it('multiplies nested connections', () => {
    // inner campaigns = 1 + 3 * 2 = 7; workspace = 1 + 7 = 8; nodes = 1 + 8 = 9; outer = 1 + 2 * 9 = 19
    expectCost('{ campaigns(first: 2) { nodes { workspace { campaigns(first: 3) { nodes { id } } } } } }', 19);
  });

  it('costs fragments like the fields they contain', () => {
    expectCost('{ campaigns(first: 5) { ...C } } fragment C on CampaignConnection { nodes { id } }', 11);
  });

  it('costs only the selected operation', () => {
    const query = 'query Cheap { tags } query Costly { recent { id name } }';
    expectCost(query, 1, undefined, 'Cheap');
    expectCost(query, 21, undefined, 'Costly');
  });
});

describe('checkLimits: errors', () => {
  it('allows a query within both limits', () => {
    expect(checkLimits(schema, parse('{ workspace { id } }'), undefined, undefined, { maxDepth: 2, maxComplexity: 2 })).toBeUndefined();
  });

  it('refuses a query deeper than maxDepth with QUERY_TOO_COMPLEX', () => {
    const error = checkLimits(schema, parse('{ workspace { campaigns { nodes { id } } } }'), undefined, undefined, {
      maxDepth: 3,
      maxComplexity: 1_000_000,
    });
    expect(error).toBeInstanceOf(GraphQLError);
    expect(error?.message).toBe('Query depth 4 exceeds the limit of 3');
    expect(error?.extensions).toEqual({ code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_COMPLEX' });
  });

  it('refuses a query costlier than maxComplexity with QUERY_TOO_COMPLEX', () => {
    const error = checkLimits(schema, parse('{ recent { id } }'), undefined, undefined, { maxDepth: 10, maxComplexity: 10 });
    expect(error).toBeInstanceOf(GraphQLError);
    expect(error?.message).toBe('Query cost 11 exceeds the limit of 10');
    expect(error?.extensions).toEqual({ code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_COMPLEX' });
  });

  it('reports depth before cost when both are exceeded', () => {
    const error = checkLimits(schema, parse('{ recent { workspace { id } } }'), undefined, undefined, { maxDepth: 1, maxComplexity: 1 });
    expect(error?.message).toBe('Query depth 3 exceeds the limit of 1');
  });

  it('checks the depth of the named operation only', () => {
    const document = parse('query Shallow { tags } query Deep { workspace { campaigns { nodes { id } } } }');
    const limits = { maxDepth: 2, maxComplexity: 1_000_000 };
    expect(checkLimits(schema, document, undefined, 'Shallow', limits)).toBeUndefined();
    expect(checkLimits(schema, document, undefined, 'Deep', limits)?.message).toBe('Query depth 4 exceeds the limit of 2');
  });

  it('leaves an unknown operation name for graphql-js to report', () => {
    expect(checkLimits(schema, parse('query A { tags }'), undefined, 'B', { maxDepth: 0, maxComplexity: 0 })).toBeUndefined();
  });

  it('leaves invalid variables for graphql-js to report', () => {
    const document = parse('query Q($n: Int) { campaigns(first: $n) { nodes { id } } }');
    expect(checkLimits(schema, document, { n: 'many' }, 'Q', { maxDepth: 10, maxComplexity: 0 })).toBeUndefined();
  });

  it('accepts a null operation name and no variables', () => {
    expect(checkLimits(schema, parse('{ tags }'), undefined, null, UNLIMITED)).toBeUndefined();
  });
});

describe('introspection is not priced like data', () => {
  it('prices the standard introspection query (GraphiQL, Sandbox, codegen) at one flat __schema', () => {
    expectCost(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true }), 1000);
  });

  it('prices __type lookups low and __typename at nothing, and still bounds aliased whole-schema dumps', () => {
    expectCost('{ __type(name: "Campaign") { name fields { name type { name ofType { name } } } } }', 10);
    expectCost('{ __typename campaigns(first: 1) { nodes { __typename id } } }', 3);
    const aliases = Array.from({ length: 21 }, (_, i) => `s${i}: __schema { types { name } }`).join(' ');
    expect(checkLimits(schema, parse(`{ ${aliases} }`), undefined, undefined, { maxDepth: 1000, maxComplexity: 20_000 })?.extensions.reason).toBe('QUERY_TOO_COMPLEX');
  });
});

describe('introspection breadth', () => {
  it('allows the standard introspection query, refuses a list aliased hundreds of times', () => {
    const full = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true });
    expect(introspectionSelections(parse(full), undefined)).toBeLessThan(MAX_INTROSPECTION_SELECTIONS / 1.5);
    expect(checkLimits(schema, parse(full), undefined, undefined, UNLIMITED)).toBeUndefined();
    const aliases = Array.from({ length: 200 }, (_, i) => `a${i}: fields { name }`).join(' ');
    const error = checkLimits(schema, parse(`{ __schema { types { ${aliases} } } }`), undefined, undefined, UNLIMITED);
    expect(error?.extensions.reason).toBe('QUERY_TOO_COMPLEX');
    expect(error?.message).toContain('Introspection selects more than');
  });

  it('counts fragment uses as execution expands them', () => {
    const q = `{ __schema { types { ...T } } } fragment T on __Type { a: name b: name ...U ...U } fragment U on __Type { kind }`;
    expect(introspectionSelections(parse(q), undefined)).toBe(1 + 2 + 2);
  });
});
