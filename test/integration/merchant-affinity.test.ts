import {
  AddRecipientsDocument,
  CreateCampaignDocument,
  MerchantAffinityDocument,
  MerchantsDocument,
  TrackEventsDocument,
  UpsertContactsDocument,
  UpsertMerchantsDocument,
  type TrackEventInput,
} from '../generated/graphql';
import { HALF_LIFE_DAYS, INTERACTION_WEIGHTS, PRIOR_STRENGTH, affinityScores, evidenceFrom, merchantPopularity, popularityFallback, type Interaction } from '../../src/optimization/affinity';
import { refreshAffinities, refreshAllAffinities } from '../../src/optimization/merchant-affinity.service';
import { generateMerchantPopulation } from '../../src/optimization/merchant-synthetic';
import { errorOf, startTestApp, type TestApp } from '../helpers/harness';

/**
 * Hand-computed affinities (weights CONVERTED W_CONV = 1.25, CLICKED 1; half-life H = 120 days;
 * prior strength s = 1; taken from affinity.ts so that this follows the documented constants):
 *   c0: CONVERTED at "shoe" now, CLICKED at "book" 30 and 60 days ago, SENT at "cafe" (no weight)
 *   c1: CLICKED at "book" now
 *   c2: nothing with a merchant
 * x0_shoe = W_CONV·h(a), x0_book = h(b) + h(c), x1_book = h(d), h(age) = 0.5^(age/H); ages are the
 * exact days between occurredAt and the computation time. Popularity (C = 2, M = 2):
 *   p_shoe = (x0_shoe/X0 + 1)/4, p_book = (x0_book/X0 + 1 + 1)/4
 * scores: c0 shoe (x0_shoe + s p_shoe)/(X0 + s), c0 book (x0_book + s p_book)/(X0 + s),
 *         c1 book (x1_book + s p_book)/(x1_book + s).
 * Roughly: c0 book 0.576, c0 shoe 0.424 (two older visits outweigh one fresh purchase), c1 book 0.819.
 */
const DAY = 86_400_000;
const W_CONV = INTERACTION_WEIGHTS.CONVERTED;
const S = PRIOR_STRENGTH;
const h = (ageMs: number) => Math.pow(0.5, Math.max(0, ageMs) / (HALF_LIFE_DAYS * DAY));

let t: TestApp;
let key: string;
let workspaceId: string;
let campaignId: string;
const ids = new Map<string, string>();
const base = new Date(Date.now() - 60_000);
const at = (days: number) => new Date(base.getTime() - days * DAY);

function expected(now: Date) {
  const age = (d: Date) => now.getTime() - d.getTime();
  const x0shoe = W_CONV * h(age(at(0)));
  const x0book = h(age(at(30))) + h(age(at(60)));
  const X0 = x0shoe + x0book;
  const x1book = h(age(at(0)));
  const pShoe = (x0shoe / X0 + 1) / 4;
  const pBook = (x0book / X0 + 2) / 4;
  return {
    pShoe,
    pBook,
    c0shoe: (x0shoe + S * pShoe) / (X0 + S),
    c0book: (x0book + S * pBook) / (X0 + S),
    c1book: (x1book + S * pBook) / (x1book + S),
  };
}

async function track(events: TrackEventInput[], k = key): Promise<void> {
  const r = await t.ok(TrackEventsDocument, { events }, k);
  expect(r.trackEvents.rejected).toEqual([]);
}

async function setUpWorkspace(k: string, prefix: string): Promise<{ campaignId: string; contacts: Map<string, string> }> {
  await t.ok(UpsertContactsDocument, { contacts: [0, 1, 2].map((i) => ({ externalId: `${prefix}${i}`, phone: `+1415555${prefix === 'c' ? 3 : 4}00${i}`, consent: true, tags: ['shoppers'] })) }, k);
  const campaign = (await t.ok(CreateCampaignDocument, { input: { name: `${prefix} offers`, variants: [{ template: 'Hi' }] } }, k)).createCampaign.id;
  await t.ok(AddRecipientsDocument, { campaignId: campaign, audience: { tags: ['shoppers'] } }, k);
  const rows = await t.sql<{ id: string; external_id: string }>(`select c.id, c.external_id from contacts c join campaigns k on k.workspace_id = c.workspace_id where k.id = ?`, [campaign]);
  return { campaignId: campaign, contacts: new Map(rows.map((r) => [r.external_id, r.id])) };
}

beforeAll(async () => {
  t = await startTestApp();
  key = await t.newWorkspaceKey('affinity');
  const ws = await setUpWorkspace(key, 'c');
  campaignId = ws.campaignId;
  for (const [k, v] of ws.contacts) ids.set(k, v);
  workspaceId = (await t.sql<{ workspace_id: string }>('select workspace_id from campaigns where id = ?', [campaignId]))[0]!.workspace_id;
  const e = (contact: string, type: TrackEventInput['type'], merchantId: string, when: Date, value?: number): TrackEventInput => ({
    campaignId,
    contactId: ids.get(contact)!,
    type,
    merchantId,
    occurredAt: when.toISOString(),
    ...(value ? { value } : {}),
  });
  await track([
    e('c0', 'SENT', 'cafe', at(61)),
    e('c0', 'CLICKED', 'book', at(60)),
    e('c0', 'CLICKED', 'book', at(30)),
    e('c0', 'CONVERTED', 'shoe', at(0), 40),
    e('c1', 'CLICKED', 'book', at(0)),
  ]);
});
afterAll(() => t.close());

describe('upsertMerchants', () => {
  it('names merchants and rejects bad rows one by one', async () => {
    const r = await t.ok(
      UpsertMerchantsDocument,
      {
        merchants: [
          { id: 'shoe', name: '  Shoe Palace ' },
          { id: 'gone', name: '   ' },
          { id: 'bad\u0000id', name: 'Nul' },
          { id: 'x'.repeat(201), name: 'Long' },
          { id: 'shoe', name: 'Again' },
          { id: 'cafe', name: 'Café Central' },
        ],
      },
      key,
    );
    expect(r.upsertMerchants).toEqual({
      created: 2,
      updated: 0,
      rejected: [
        { index: 1, code: 'INVALID_MERCHANT_NAME', message: expect.any(String) },
        { index: 2, code: 'INVALID_TEXT', message: expect.stringContaining('NUL') },
        { index: 3, code: 'INVALID_MERCHANT_ID', message: expect.any(String) },
        { index: 4, code: 'DUPLICATE_MERCHANT_ID', message: expect.stringContaining('index 0') },
      ],
    });
    const again = await t.ok(UpsertMerchantsDocument, { merchants: [{ id: 'cafe', name: 'Cafe Central' }] }, key);
    expect(again.upsertMerchants).toEqual({ created: 0, updated: 1, rejected: [] });
  });

  it('needs the WRITE scope', async () => {
    const readKey = await t.raw<{ createApiKey: { secret: string } }>('mutation { createApiKey(name: "reader", scopes: [READ]) { secret } }', {}, key);
    const reader = readKey.data!.createApiKey.secret;
    expect(errorOf(await t.gql(UpsertMerchantsDocument, { merchants: [{ id: 'a', name: 'A' }] }, reader))?.code).toBe('FORBIDDEN');
    // …while reading is fine with READ.
    expect((await t.gql(MerchantsDocument, {}, reader)).errors).toBeUndefined();
  });
});

describe('merchantAffinity', () => {
  it('computes on demand before any refresh: ranking, names (the id when unnamed) and hand-computed scores', async () => {
    const r = await t.ok(MerchantAffinityDocument, { contactId: ids.get('c0')! }, key);
    const rows = r.merchantAffinity;
    expect(rows.map((x) => [x.merchantId, x.merchantName, x.interactions])).toEqual([
      ['book', 'book', 2],
      ['shoe', 'Shoe Palace', 1],
    ]);
    const want = expected(new Date(rows[0]!.computedAt as string));
    expect(rows[0]!.score).toBeCloseTo(want.c0book, 10);
    expect(rows[1]!.score).toBeCloseTo(want.c0shoe, 10);
    expect(rows[0]!.score + rows[1]!.score).toBeCloseTo(1, 10); // c0 interacted with every merchant seen
    // The first computation refreshed the whole workspace (it needs the popularity): c1 is stored too.
    const c1 = (await t.ok(MerchantAffinityDocument, { contactId: ids.get('c1')! }, key)).merchantAffinity;
    expect(c1).toHaveLength(1);
    expect(c1[0]!.computedAt).toBe(rows[0]!.computedAt);
    expect(c1[0]!.score).toBeCloseTo(want.c1book, 10);
  });

  it('answers an empty list for a contact without merchant interactions (a SENT carries no preference)', async () => {
    expect((await t.ok(MerchantAffinityDocument, { contactId: ids.get('c2')! }, key)).merchantAffinity).toEqual([]);
  });

  it('lists the merchants seen in events with their popularity, named or not, page by page', async () => {
    const all = (await t.ok(MerchantsDocument, { first: 10 }, key)).merchants;
    expect(all.nodes.map((m) => [m.id, m.name, m.named, m.contacts])).toEqual([
      ['book', 'book', false, 2],
      ['cafe', 'Cafe Central', true, 0],
      ['shoe', 'Shoe Palace', true, 1],
    ]);
    expect(all.nodes[1]!.popularity).toBeNull();
    expect(all.nodes[0]!.popularity! + all.nodes[2]!.popularity!).toBeCloseTo(1, 12);
    const first = (await t.ok(MerchantsDocument, { first: 2 }, key)).merchants;
    expect(first.pageInfo.hasNextPage).toBe(true);
    const next = (await t.ok(MerchantsDocument, { first: 2, after: first.pageInfo.endCursor }, key)).merchants;
    expect(next.nodes.map((m) => m.id)).toEqual(['shoe']);
    expect(next.pageInfo.hasNextPage).toBe(false);
    expect(errorOf(await t.gql(MerchantsDocument, { after: 'nonsense' }, key))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_CURSOR' });
    expect(errorOf(await t.gql(MerchantsDocument, { first: 1000 }, key))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_PAGE_SIZE' });
  });

  it('the job function refreshes every workspace at a given time, and deletes rows the history no longer supports', async () => {
    const now = new Date();
    const total = await refreshAllAffinities(t.app.sql, t.app.logger, now);
    expect(total).toMatchObject({ contacts: 2, merchants: 2, rows: 3, deleted: 0 });
    const want = expected(now);
    const stored = await t.sql<{ contact_id: string; merchant_id: string; score: number; interactions: number }>(
      'select contact_id, merchant_id, score, interactions from merchant_affinities where workspace_id = ? order by contact_id, merchant_id',
      [workspaceId],
    );
    const byKey = new Map(stored.map((s) => [`${s.contact_id}/${s.merchant_id}`, s.score]));
    expect(byKey.size).toBe(3);
    expect(byKey.get(`${ids.get('c0')}/shoe`)).toBeCloseTo(want.c0shoe, 12);
    expect(byKey.get(`${ids.get('c0')}/book`)).toBeCloseTo(want.c0book, 12);
    expect(byKey.get(`${ids.get('c1')}/book`)).toBeCloseTo(want.c1book, 12);
    const popularity = await t.sql<{ id: string; popularity: number }>('select id, popularity from merchants where workspace_id = ? and popularity is not null order by id', [workspaceId]);
    expect(popularity.map((p) => p.id)).toEqual(['book', 'shoe']);
    expect(popularity[0]!.popularity).toBeCloseTo(want.pBook, 12);
    expect(popularity[1]!.popularity).toBeCloseTo(want.pShoe, 12);

    // 400 days later every interaction is beyond the 365-day horizon: nothing supports the rows.
    const later = await refreshAffinities(t.app.sql, workspaceId, new Date(now.getTime() + 400 * DAY));
    expect(later).toEqual({ contacts: 0, merchants: 0, rows: 0, deleted: 3 });
    expect(await t.sql('select 1 from merchant_affinities where workspace_id = ?', [workspaceId])).toEqual([]);
    const names = await t.sql<{ id: string; popularity: number | null; contacts: number }>('select id, popularity, contacts from merchants where workspace_id = ? order by id', [workspaceId]);
    expect(names).toEqual([
      { id: 'book', popularity: null, contacts: 0 },
      { id: 'cafe', popularity: null, contacts: 0 },
      { id: 'shoe', popularity: null, contacts: 0 },
    ]);
    // Back to the present.
    expect(await refreshAffinities(t.app.sql, workspaceId, now)).toMatchObject({ contacts: 2, rows: 3, deleted: 0 });
  });

  it('recomputes a contact on demand when a merchant event (even one stamped in the past) arrived after its rows', async () => {
    const before = (await t.ok(MerchantAffinityDocument, { contactId: ids.get('c1')! }, key)).merchantAffinity;
    expect(before.map((r) => r.merchantId)).toEqual(['book']);
    await track([
      { campaignId, contactId: ids.get('c1')!, type: 'CONVERTED', merchantId: 'shoe', value: 10, occurredAt: at(10).toISOString() },
      { campaignId, contactId: ids.get('c1')!, type: 'CONVERTED', merchantId: 'shoe', value: 12, occurredAt: at(5).toISOString() },
    ]);
    const after = (await t.ok(MerchantAffinityDocument, { contactId: ids.get('c1')! }, key)).merchantAffinity;
    expect(after.map((r) => r.merchantId)).toEqual(['shoe', 'book']);
    expect(new Date(after[0]!.computedAt as string).getTime()).toBeGreaterThan(new Date(before[0]!.computedAt as string).getTime());
    // Against the stored popularity of the last refresh: x_shoe = W_CONV·(h(age10) + h(age5)), x_book = h(age0).
    const now = new Date(after[0]!.computedAt as string);
    const [pBook, pShoe] = (await t.sql<{ popularity: number }>('select popularity from merchants where workspace_id = ? and popularity is not null order by id', [workspaceId])).map((p) => p.popularity);
    const xShoe = W_CONV * (h(now.getTime() - at(10).getTime()) + h(now.getTime() - at(5).getTime()));
    const xBook = h(now.getTime() - at(0).getTime());
    expect(after[0]!.score).toBeCloseTo((xShoe + S * pShoe!) / (xShoe + xBook + S), 10);
    expect(after[1]!.score).toBeCloseTo((xBook + S * pBook!) / (xShoe + xBook + S), 10);
    expect(after[0]!.interactions).toBe(2);
    // Nothing new: the stored rows are answered as they are.
    const again = (await t.ok(MerchantAffinityDocument, { contactId: ids.get('c1')! }, key)).merchantAffinity;
    expect(again).toEqual(after);
  });

  it('validates the limit', async () => {
    const c0 = ids.get('c0')!;
    expect((await t.ok(MerchantAffinityDocument, { contactId: c0, limit: 1 }, key)).merchantAffinity.map((r) => r.merchantId)).toEqual(['book']);
    expect((await t.ok(MerchantAffinityDocument, { contactId: c0, limit: 100 }, key)).merchantAffinity).toHaveLength(2);
    for (const limit of [0, -1, 101]) {
      expect(errorOf(await t.gql(MerchantAffinityDocument, { contactId: c0, limit }, key))).toEqual({ code: 'BAD_USER_INPUT', reason: 'INVALID_LIMIT', field: 'limit' });
    }
  });

  it('answers NOT_FOUND for an unknown, malformed or foreign contact, and keeps workspaces apart', async () => {
    expect(errorOf(await t.gql(MerchantAffinityDocument, { contactId: '00000000-0000-4000-8000-000000000000' }, key))?.code).toBe('NOT_FOUND');
    expect(errorOf(await t.gql(MerchantAffinityDocument, { contactId: 'not-a-uuid' }, key))?.code).toBe('NOT_FOUND');
    const other = await t.newWorkspaceKey('affinity-other');
    expect(errorOf(await t.gql(MerchantAffinityDocument, { contactId: ids.get('c0')! }, other))?.code).toBe('NOT_FOUND');
    expect((await t.ok(MerchantsDocument, {}, other)).merchants.nodes).toEqual([]);

    // The other workspace's own history, with the same merchant ids, touches nothing of ours.
    const ws = await setUpWorkspace(other, 'o');
    await track([{ campaignId: ws.campaignId, contactId: ws.contacts.get('o0')!, type: 'CLICKED', merchantId: 'shoe', occurredAt: at(0).toISOString() }], other);
    await t.ok(UpsertMerchantsDocument, { merchants: [{ id: 'shoe', name: 'Their shoe shop' }] }, other);
    const theirs = (await t.ok(MerchantAffinityDocument, { contactId: ws.contacts.get('o0')! }, other)).merchantAffinity;
    expect(theirs.map((r) => [r.merchantId, r.merchantName])).toEqual([['shoe', 'Their shoe shop']]);
    // One merchant, one contact: the prior is that merchant, so the posterior share is 1.
    expect(theirs[0]!.score).toBeCloseTo(1, 12);
    const ours = (await t.ok(MerchantAffinityDocument, { contactId: ids.get('c0')! }, key)).merchantAffinity;
    expect(ours.map((r) => [r.merchantId, r.merchantName])).toEqual([
      ['book', 'book'],
      ['shoe', 'Shoe Palace'],
    ]);
    expect((await t.ok(MerchantsDocument, {}, key)).merchants.nodes.map((m) => m.name)).toEqual(['book', 'Cafe Central', 'Shoe Palace']);
  });
});

describe('the set-based refresh against the pure reference', () => {
  it('stores, for a generated population, the scores and popularity affinity.ts computes from the same events (1e-9)', async () => {
    await t.newWorkspaceKey('affinity-reference');
    const ws = (await t.app.sql.query<{ id: string }>(`select id from workspaces where name = 'affinity-reference'`))[0]!.id;
    // 300 contacts, drifting tastes, on 30 merchants; plus what both sides must leave out: types
    // without weight, interactions beyond the horizon, a stamp a little ahead of now (fresh), and
    // events of a contact that does not exist.
    const pop = generateMerchantPopulation({ seed: 77, contacts: 300, driftShare: 0.3, purchaseSharpness: 2 });
    const now = pop.now;
    const history = new Map<string, Interaction[]>(pop.contacts.map((c, i) => {
      const extra: Interaction[] = [
        { merchantId: 'm000', type: 'SENT', occurredAt: new Date(now.getTime() - 2 * DAY) },
        { merchantId: 'm001', type: 'OPTED_OUT', occurredAt: new Date(now.getTime() - 3 * DAY) },
        { merchantId: 'm002', type: 'CONVERTED', occurredAt: new Date(now.getTime() - 400 * DAY) },
      ];
      if (i % 7 === 0) extra.push({ merchantId: 'late', type: 'CLICKED', occurredAt: new Date(now.getTime() + 90_000) });
      return [c.id, [...c.interactions, ...extra]];
    }));
    const contactIds = new Map((await t.app.sql.query<{ id: string; external_id: string }>(
      `insert into contacts (id, workspace_id, external_id, tags, consent_channels) select gen_random_uuid(), $1, x, array['ref'], array['SMS', 'WHATSAPP', 'EMAIL'] from unnest($2::text[]) x returning id, external_id`,
      [ws, [...history.keys()]],
    )).map((r) => [r.external_id, r.id]));
    const rows = [...history].flatMap(([c, list]) => list.map((i) => ({ contact: contactIds.get(c)!, ...i })));
    rows.push({ contact: '00000000-0000-4000-8000-0000000000ff', merchantId: 'ghost', type: 'CONVERTED', occurredAt: now });
    // Direct inserts: the ingestion pipeline is not under test here (campaign and variant ids are placeholders).
    await t.app.sql.query(
      `insert into events (workspace_id, campaign_id, contact_id, variant_id, type, occurred_at, merchant_id, source)
       select $1, '00000000-0000-4000-8000-000000000001', x.c, '00000000-0000-4000-8000-000000000002', x.t, x.at, x.m, 'test'
       from unnest($2::uuid[], $3::text[], $4::text[], $5::timestamptz[]) as x(c, t, m, at)`,
      [ws, rows.map((r) => r.contact), rows.map((r) => r.type), rows.map((r) => r.merchantId), rows.map((r) => r.occurredAt.toISOString())],
    );

    const result = await refreshAffinities(t.app.sql, ws, now);

    const evidence = new Map([...history].map(([c, list]) => [contactIds.get(c)!, evidenceFrom(list, now)] as const).filter(([, e]) => e.length > 0));
    const popularity = merchantPopularity(evidence.values());
    const fallback = popularityFallback(popularity, 0);
    const want = new Map([...evidence].flatMap(([c, e]) => affinityScores(e, popularity, fallback).map((s) => [`${c}/${s.merchantId}`, s] as const)));
    expect(result).toEqual({ contacts: evidence.size, merchants: popularity.size, rows: want.size, deleted: 0 });
    expect(want.size).toBeGreaterThan(500);

    const stored = await t.app.sql.query<{ contact_id: string; merchant_id: string; score: number; interactions: number }>(
      'select contact_id, merchant_id, score, interactions from merchant_affinities where workspace_id = $1',
      [ws],
    );
    expect(stored).toHaveLength(want.size);
    let worst = 0;
    for (const s of stored) {
      const w = want.get(`${s.contact_id}/${s.merchant_id}`)!;
      expect(w).toBeDefined();
      expect(s.interactions).toBe(w.interactions);
      worst = Math.max(worst, Math.abs(s.score - w.score));
    }
    expect(worst).toBeLessThan(1e-9);
    const storedPopularity = await t.app.sql.query<{ id: string; popularity: number }>('select id, popularity from merchants where workspace_id = $1', [ws]);
    expect(storedPopularity.map((m) => m.id).sort()).toEqual([...popularity.keys()].sort());
    for (const m of storedPopularity) expect(Math.abs(m.popularity - popularity.get(m.id)!)).toBeLessThan(1e-9);
    expect(popularity.has('ghost')).toBe(false);
    expect(popularity.has('late')).toBe(true);
  });
});
