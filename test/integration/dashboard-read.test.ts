/**
 * The dashboard's read path (issue 15): plain rows instead of hydrated entities, analyses cached
 * per engine input, compiled execution of repeated queries. Each must answer exactly what the
 * plain path answers for the same data: the same JSON byte for byte, workspace by workspace.
 */
import { startTestApp, type TestApp } from '../helpers/harness';

let t: TestApp;
let otherKey: string;
let ids: string[] = [];

const CAMPAIGN_FIELDS = `
  id name description status type channel costPerMessage offerAmount audience createdAt startedAt hashSeed
  experiment { primaryMetric method confidenceLevel minSampleSize }
  variants { id key name template weight isControl stats { variantId assigned sent delivered clicked converted revenue conversionRate clickRate updatedAt } }
  stats { recipients sent delivered converted revenue cost conversionRate }
  analysis {
    id status pValue chiSquare significant noWinnerReason power requiredSampleSizePerVariant
    leader { key } winner { key }
    sampleRatioMismatch { pValue detected }
    comparisons { variant { key } control { key } rate controlRate relativeLift liftLower liftUpper adjustedPValue probabilityToBeatControl significant }
    recommendations
  }
  roi { cost revenue profit roas roiPercent costPerConversion }
  winner { id source reason variant { key } }
  funnel { steps { step count rateOfSent stepConversion } variants { variant { key } steps { step count } } }`;

const listQuery = (first: number, extra = '') => `query Dashboard { campaigns(first: ${first}${extra}) { nodes { ${CAMPAIGN_FIELDS} } pageInfo { hasNextPage endCursor } } }`;

async function text(query: string, key = t.adminKey): Promise<string> {
  const res = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query }),
  });
  expect(res.status).toBe(200);
  const body = await res.text();
  expect(JSON.parse(body).errors).toBeUndefined();
  return body;
}

async function statements(query: string): Promise<number> {
  const before = await t.metric('splitcast_db_queries_total');
  await text(query);
  return (await t.metric('splitcast_db_queries_total')) - before;
}

beforeAll(async () => {
  t = await startTestApp();
  const experiment = { primaryMetric: 'CONVERSION', method: 'SEQUENTIAL', confidenceLevel: 0.95, minSampleSize: 30, autoSelectWinner: false };
  for (const [i, extra] of [
    [0, { description: 'spring sale', offerAmount: 2.5, costPerMessage: 0.0079 }],
    [1, { description: null, costPerMessage: 0.01 }],
    [2, { description: 'autumn', offerAmount: 1, costPerMessage: 0 }],
  ] as const) {
    const r = await t.raw<{ createCampaign: { id: string } }>(
      `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`,
      { input: { name: `Campaign ${i}`, type: 'AB_TEST', experiment, variants: [{ template: 'a {{link}}' }, { template: 'b {{link}}' }, { template: 'c {{link}}' }], ...extra } },
    );
    expect(r.errors).toBeUndefined();
    ids.push(r.data!.createCampaign.id);
  }
  // Running tests, as launching them would leave them (without sending anything).
  await t.sql(`update campaigns set status = 'RUNNING', started_at = now() where id = any(?::uuid[])`, [`{${ids.join(',')}}`]);
  // Counters as ingestion leaves them (numeric columns, a per-variant spread), for two campaigns.
  await t.sql(
    `insert into variant_counters (variant_id, campaign_id, workspace_id, assigned, sent, delivered, failed, opened, clicked, replied, positive_replies,
                                   converted, opted_out, revenue, revenue_sq, events, messages, updated_at)
     select v.id, v.campaign_id, v.workspace_id, 1000 + v.position, 1000 + v.position * 7, 970, 30, 0, 80 + v.position, 20, 5,
            25 + v.position * 9, 3, (25 + v.position * 9) * 40.25, (25 + v.position * 9) * 40.25 * 40.25 * 1.1, 3000, 1000 + v.position * 7, now()
     from variants v where v.campaign_id = any(?::uuid[])`,
    [`{${ids[0]},${ids[1]}}`],
  );
  const [variant] = await t.sql<{ id: string }>(`select id from variants where campaign_id = ? and position = 2`, [ids[1]]);
  const w = await t.raw(`mutation($c: ID!, $v: ID!) { declareWinner(campaignId: $c, variantId: $v, reason: "chosen") { id } }`, { c: ids[1], v: variant!.id });
  expect(w.errors).toBeUndefined();
  ids = ids.reverse(); // the listing is newest first
  otherKey = await t.newWorkspaceKey('dashboard-other');
});

afterAll(async () => {
  await t?.close();
});

it('answers a repeated dashboard query (compiled from its second use) with the same bytes as its first (interpreted) answer', async () => {
  const query = listQuery(10);
  const first = await text(query);
  const second = await text(query);
  const third = await text(query);
  expect(second).toBe(first);
  expect(third).toBe(first);
  const nodes = JSON.parse(first).data.campaigns.nodes as { id: string; variants: unknown[]; analysis: unknown; winner: unknown }[];
  expect(nodes.map((n) => n.id)).toEqual(ids);
  expect(nodes.every((n) => n.variants.length === 3 && n.analysis !== null)).toBe(true);
  expect(nodes.filter((n) => n.winner !== null)).toHaveLength(1);
});

it('lists each campaign exactly as campaign(id) (a hydrated entity) shows it', async () => {
  const list = JSON.parse(await text(listQuery(10))).data.campaigns.nodes as unknown[];
  for (const [i, id] of ids.entries()) {
    const one = JSON.parse(await text(`{ campaign(id: "${id}") { ${CAMPAIGN_FIELDS} } }`)).data.campaign;
    expect(list[i]).toEqual(one);
  }
});

it('reports the analysis evaluateWinner (no automatic winner here) computes from entities, before and after the counters move', async () => {
  const analysisFields = 'id status pValue significant noWinnerReason leader { key } comparisons { variant { key } adjustedPValue probabilityToBeatControl } recommendations';
  const check = async () => {
    const listed = JSON.parse(await text(`{ campaigns(first: 10) { nodes { id analysis { ${analysisFields} } stats { converted } } } }`)).data.campaigns.nodes as {
      id: string;
      analysis: unknown;
      stats: { converted: number };
    }[];
    for (const node of listed) {
      const evaluated = await t.raw<{ evaluateWinner: unknown }>(`mutation { evaluateWinner(campaignId: "${node.id}") { ${analysisFields} } }`);
      expect(evaluated.errors).toBeUndefined();
      expect(node.analysis).toEqual(evaluated.data!.evaluateWinner);
    }
    return listed;
  };
  const before = await check();
  // A counter moves (as ingestion would move it): the cached analysis must not be served.
  await t.sql(`update variant_counters set converted = converted + 60 where campaign_id = ? and variant_id = (select id from variants where campaign_id = ? and position = 1)`, [ids[2], ids[2]]);
  const after = await check();
  const b = before.find((n) => n.id === ids[2])!;
  const a = after.find((n) => n.id === ids[2])!;
  expect(a.stats.converted).toBe(b.stats.converted + 60);
  expect(a.analysis).not.toEqual(b.analysis);
});

it('keeps workspaces apart, compiled or not', async () => {
  const query = listQuery(10);
  for (let i = 0; i < 3; i++) {
    const other = JSON.parse(await text(query, otherKey)).data.campaigns.nodes;
    expect(other).toEqual([]);
  }
  const r = await t.raw(`{ campaign(id: "${ids[0]}") { id variants { key } } }`, undefined, otherKey);
  expect(r.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
});

it('pages, filters and counts like before, with totalCount queried only when selected', async () => {
  const page1 = JSON.parse(await text(`{ campaigns(first: 2) { nodes { id } pageInfo { hasNextPage endCursor } totalCount } }`)).data.campaigns;
  expect(page1.nodes.map((n: { id: string }) => n.id)).toEqual(ids.slice(0, 2));
  expect(page1.pageInfo.hasNextPage).toBe(true);
  expect(page1.totalCount).toBe(3);
  const page2 = JSON.parse(await text(`{ campaigns(first: 2, after: "${page1.pageInfo.endCursor}") { nodes { id } pageInfo { hasNextPage } } }`)).data.campaigns;
  expect(page2.nodes.map((n: { id: string }) => n.id)).toEqual(ids.slice(2));
  expect(page2.pageInfo.hasNextPage).toBe(false);
  const searched = JSON.parse(await text(`{ campaigns(first: 10, filter: { search: "SPRING" }) { nodes { name } totalCount } }`)).data.campaigns;
  expect(searched).toEqual({ nodes: [{ name: 'Campaign 0' }], totalCount: 1 });
  const literal = JSON.parse(await text(`{ campaigns(first: 10, filter: { search: "%" }) { totalCount } }`)).data.campaigns;
  expect(literal.totalCount).toBe(0);
  const none = JSON.parse(await text(`{ campaigns(first: 10, filter: { status: [ARCHIVED], type: [AB_TEST] }) { nodes { id } totalCount } }`)).data.campaigns;
  expect(none).toEqual({ nodes: [], totalCount: 0 });
  const drafts = JSON.parse(await text(`{ campaigns(first: 10, filter: { status: [DRAFT, RUNNING], type: [STANDARD, AB_TEST] }) { totalCount } }`)).data.campaigns;
  expect(drafts.totalCount).toBe(3);

  const without = await statements(`{ campaigns(first: 2) { nodes { id } } }`);
  const withCount = await statements(`{ campaigns(first: 2) { nodes { id } totalCount } }`);
  expect(withCount).toBe(without + 1);
});

it('costs the same few SQL statements for a page of 1 and a page of 3', async () => {
  const one = await statements(listQuery(1));
  const three = await statements(listQuery(3));
  expect(three).toBe(one);
  expect(three).toBeLessThanOrEqual(5);
});
