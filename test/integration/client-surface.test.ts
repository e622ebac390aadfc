/**
 * What client caches and SDKs rely on: cacheable ids, Relay edges whose cursors are the ones
 * `after:` accepts, `Campaign.hashSeed` reproducing assignment offline (GrowthBook hash v2,
 * computed here independently of the server's code), and the stats fields added beside them.
 */
import {
  ClientAssignmentSetupDocument,
  ClientCacheableIdsDocument,
  ClientCampaignDocument,
  ClientCampaignPageDocument,
  ClientContactPageDocument,
  ClientOptOutPageDocument,
  CreateCampaignDocument,
  DeclareWinnerDocument,
  LaunchCampaignDocument,
  OptOutDocument,
  TrackEventsDocument,
  UpsertContactsDocument,
} from '../generated/graphql';
import { campaignWithRecipients } from '../helpers/fixtures';
import { startTestApp, type TestApp } from '../helpers/harness';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

// ── GrowthBook's hash, as its JavaScript SDK writes it (shift-and-add FNV-1a) ─────────────────
function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h += (h << 1) + (h << 4) + (h << 7) + (h << 8) + (h << 24);
  }
  return h >>> 0;
}
const hashV2 = (seed: string, value: string) => (fnv32a(String(fnv32a(seed + value))) % 10000) / 10000;
function bucketRanges(weights: number[], coverage: number): [number, number][] {
  let cumulative = 0;
  return weights.map((w) => {
    const start = cumulative;
    cumulative += w;
    return [start, start + coverage * w];
  });
}
const chooseVariation = (n: number, ranges: [number, number][]) => ranges.findIndex(([s, e]) => n >= s && n < e);

describe('Campaign.hashSeed', () => {
  it('lets a client compute every recipient’s variant offline (weights 20/30/50, 80 % tested)', async () => {
    const key = await t.newWorkspaceKey('seed');
    const n = 80;
    await t.ok(UpsertContactsDocument, { contacts: Array.from({ length: n }, (_, i) => ({ externalId: `s-${i}`, phone: `+1415556${String(1000 + i)}`, consent: true, tags: ['seed'] })) }, key);
    const { createCampaign: c } = await t.ok(
      CreateCampaignDocument,
      {
        input: {
          name: 'seeded',
          type: 'AB_TEST',
          variants: [20, 30, 50].map((weight, i) => ({ template: `v${i}`, weight })),
          experiment: { testAudiencePercent: 80 },
          audience: { tags: ['seed'] },
        },
      },
      key,
    );
    const added = await t.raw<{ addRecipients: { added: number; heldOut: number } }>(
      'mutation($id: ID!) { addRecipients(campaignId: $id) { added heldOut } }',
      { id: c.id },
      key,
    );
    expect(added.errors).toBeUndefined();

    // A READ key is enough to read the seed.
    const reader = await t.raw<{ createApiKey: { secret: string } }>('mutation { createApiKey(name: "reader", scopes: [READ]) { secret } }', {}, key);
    expect(reader.errors).toBeUndefined();
    const { campaign } = await t.ok(ClientAssignmentSetupDocument, { id: c.id }, reader.data!.createApiKey.secret);
    expect(campaign!.hashSeed).toMatch(/\S/);
    const ranges = bucketRanges(
      campaign!.variants.map((v) => v.weight / 100),
      campaign!.experiment!.testAudiencePercent / 100,
    );

    const { contacts } = await t.ok(ClientContactPageDocument, { first: n }, key);
    expect(contacts.nodes).toHaveLength(n);
    // Every recipient's stored variant, in one request (aliases).
    const ids = contacts.nodes.map((x) => x.id);
    const query = `query($c: ID!) { ${ids.map((id, i) => `c${i}: contactVariant(campaignId: $c, contactId: "${id}") { id }`).join(' ')} }`;
    const stored = await t.raw<Record<string, { id: string } | null>>(query, { c: c.id }, key);
    expect(stored.errors).toBeUndefined();

    let heldOut = 0;
    ids.forEach((id, i) => {
      const index = chooseVariation(hashV2(campaign!.hashSeed, id), ranges);
      if (index < 0) heldOut++;
      expect({ contact: id, variant: stored.data![`c${i}`]?.id ?? null }).toEqual({ contact: id, variant: index < 0 ? null : campaign!.variants[index]!.id });
    });
    // The 20 % remainder is non-empty here, so coverage was exercised too.
    expect(heldOut).toBe(added.data!.addRecipients.heldOut);
    expect(heldOut).toBeGreaterThan(0);
  });
});

describe('Relay edges', () => {
  let key: string;
  beforeAll(async () => {
    key = await t.newWorkspaceKey('edges');
    await t.ok(UpsertContactsDocument, { contacts: Array.from({ length: 7 }, (_, i) => ({ externalId: `e-${i}`, phone: `+1415557${String(1000 + i)}`, consent: true })) }, key);
    for (let i = 0; i < 5; i++) await t.ok(CreateCampaignDocument, { input: { name: `edge ${i}`, variants: [{ template: 'hi' }] } }, key);
  });

  it('contacts: edges are the nodes, each cursor continues right after its node', async () => {
    const all = (await t.ok(ClientContactPageDocument, { first: 50 }, key)).contacts;
    expect(all.edges.map((e) => e.node.id)).toEqual(all.nodes.map((n) => n.id));
    expect(all.pageInfo.endCursor).toBe(all.edges.at(-1)!.cursor);
    for (const [i, edge] of all.edges.entries()) {
      const next = (await t.ok(ClientContactPageDocument, { first: 2, after: edge.cursor }, key)).contacts;
      expect(next.nodes.map((n) => n.id)).toEqual(all.nodes.slice(i + 1, i + 3).map((n) => n.id));
    }
  });

  it('campaigns: two pages through edge cursors give the whole list once', async () => {
    const first = (await t.ok(ClientCampaignPageDocument, { first: 3 }, key)).campaigns;
    expect(first.edges).toHaveLength(3);
    expect(first.pageInfo).toEqual({ hasNextPage: true, endCursor: first.edges[2]!.cursor });
    const second = (await t.ok(ClientCampaignPageDocument, { first: 3, after: first.edges[2]!.cursor }, key)).campaigns;
    expect(second.pageInfo.hasNextPage).toBe(false);
    const names = [...first.edges, ...second.edges].map((e) => e.node.name);
    expect(names).toEqual(['edge 4', 'edge 3', 'edge 2', 'edge 1', 'edge 0']);
  });

  it('optOutLog: entries have ids, edges carry them with cursors', async () => {
    const { contacts } = await t.ok(ClientContactPageDocument, { first: 3 }, key);
    for (const c of contacts.nodes) await t.ok(OptOutDocument, { contactId: c.id, reason: 'test' }, key);
    const log = (await t.ok(ClientOptOutPageDocument, { first: 2 }, key)).optOutLog;
    expect(log.edges.map((e) => e.node.id)).toEqual(log.nodes.map((n) => n.id));
    expect(new Set(log.nodes.map((n) => n.id)).size).toBe(2);
    expect(log.edges.every((e) => e.node.action === 'OPTED_OUT')).toBe(true);
    const rest = (await t.ok(ClientOptOutPageDocument, { first: 5, after: log.edges[1]!.cursor }, key)).optOutLog;
    expect(rest.nodes).toHaveLength(1);
    expect([...log.nodes, ...rest.nodes].map((n) => n.id).sort()).toHaveLength(3);
  });

  it('a bad cursor is still INVALID_CURSOR', async () => {
    const r = await t.gql(ClientCampaignPageDocument, { first: 3, after: 'not-a-cursor' }, key);
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_CURSOR' });
  });
});

describe('cacheable ids and the new stats fields', () => {
  it('VariantStats.id = variantId, ExperimentAnalysis.id = campaign id, Winner and CampaignRun have ids', async () => {
    const key = await t.newWorkspaceKey('ids');
    const f = await campaignWithRecipients(t, key, 4, [50, 50], 'ids');
    await t.ok(LaunchCampaignDocument, { id: f.campaignId }, key);
    await t.ok(DeclareWinnerDocument, { campaignId: f.campaignId, variantId: f.variants[1]!.id, reason: 'test' }, key);
    const { campaign } = await t.ok(ClientCacheableIdsDocument, { id: f.campaignId }, key);
    for (const v of campaign!.variants) expect(v.stats).toEqual({ id: v.id, variantId: v.id });
    expect(campaign!.analysis!.id).toBe(f.campaignId);
    expect(campaign!.winner).toMatchObject({ variant: { id: f.variants[1]!.id } });
    expect(campaign!.winner!.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(campaign!.runs.length).toBeGreaterThan(0);
    for (const r of campaign!.runs) expect(r.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('openRate and avgResponseSeconds (send → first reply, per recipient with both)', async () => {
    const key = await t.newWorkspaceKey('rt');
    const f = await campaignWithRecipients(t, key, 12, [50, 50], 'rt');
    // The variant with more of the 12 recipients (assignment is a hash: a fixed variant could get fewer than 3).
    const recipientsOf = (id: string) => f.contacts.filter((c) => c.variantId === id);
    const v = [...f.variants].sort((x, y) => recipientsOf(y.id).length - recipientsOf(x.id).length)[0]!.id;
    const mine = recipientsOf(v);
    expect(mine.length).toBeGreaterThanOrEqual(6);
    const [a, b, c] = mine as [(typeof mine)[0], (typeof mine)[0], (typeof mine)[0]];
    const t0 = Date.now() - 3_600_000;
    const at = (s: number) => new Date(t0 + s * 1000).toISOString();
    const ev = (contactId: string, type: 'SENT' | 'REPLIED' | 'OPENED', s: number) => ({ campaignId: f.campaignId, contactId, type, occurredAt: at(s) });
    const r = await t.ok(
      TrackEventsDocument,
      {
        events: [
          ev(a.id, 'SENT', 0),
          ev(a.id, 'REPLIED', 42),
          ev(a.id, 'REPLIED', 500), // a second reply: not the first
          ev(b.id, 'SENT', 10),
          ev(b.id, 'OPENED', 12),
          ev(c.id, 'REPLIED', 5), // no SENT: not a response time
        ],
      },
      key,
    );
    expect(r.trackEvents.accepted).toBe(6);
    let stats = (await t.ok(ClientCampaignDocument, { id: f.campaignId }, key)).campaign!.variants.find((x) => x.id === v)!.stats;
    expect(stats).toMatchObject({ sent: 2, opened: 1, openRate: 0.5, replied: 2, avgResponseSeconds: 42 });

    // b replies 18 s after its send: (42 + 18) / 2. Then c's send arrives late, 35 s before its reply.
    await t.ok(TrackEventsDocument, { events: [ev(b.id, 'REPLIED', 28)] }, key);
    stats = (await t.ok(ClientCampaignDocument, { id: f.campaignId }, key)).campaign!.variants.find((x) => x.id === v)!.stats;
    expect(stats.avgResponseSeconds).toBe(30);
    await t.ok(TrackEventsDocument, { events: [ev(c.id, 'SENT', -30)] }, key);
    stats = (await t.ok(ClientCampaignDocument, { id: f.campaignId }, key)).campaign!.variants.find((x) => x.id === v)!.stats;
    expect(stats.avgResponseSeconds).toBeCloseTo((42 + 18 + 35) / 3, 9);

    const other = (await t.ok(ClientCampaignDocument, { id: f.campaignId }, key)).campaign!.variants.find((x) => x.id !== v)!.stats;
    expect(other).toMatchObject({ sent: 0, openRate: 0, avgResponseSeconds: null });
  });
});
