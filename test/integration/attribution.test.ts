import {
  AttributionDocument,
  CampaignAttributedRevenueDocument,
  CampaignsAttributionDocument,
  CampaignTimeToConversionDocument,
  CreateCampaignDocument,
  RecordOrdersDocument,
  UpsertContactsDocument,
  type AttributionModel,
  type AttributionQuery,
} from '../generated/graphql';
import { errorOf, startTestApp, type TestApp } from '../helpers/harness';

/**
 * A hand-computed history (hours relative to B = now − 20 days; window 7 d = 168 h unless said):
 *   C1 (variants A, B), C2 (variants A, B), C3 (its messages have no variant), C4 (no messages).
 *   Contact p (touched by two tests, C1 and C2):
 *     C1/A @0, C2/A @48, C3/– @96            order P1 = 100 @120 (ages 120, 72, 24 h)
 *     C1/A @−481                             order P0 =  50 @−480 (1 h; 20 d + 480 h ago: outside `days: 30`)
 *   Contact q (a tie): C1/B @24 and C2/B @24, C3/– @70, and a FAILED C1/A @60 (not a touch)
 *                                           order Q1 =  60 @72 (ages 48, 48, 2 h)
 *   Contact r: C1/A @0 (200 h before: outside the window), C2/B @190
 *                                           order R1 =  40 @200 (touch: C2/B, 10 h)
 *   Contact u (both window ends): C2/A @−18 (exactly 168 h before), C1/A @150 (the order's instant)
 *                                           order U1 =  20 @150
 *   Contact s: no message                   order S1 =  10 @100 (no touch: credited to nobody)
 *   Another workspace: contact f, campaign CF, a message @0 and an order of 1000 @1 (must not leak).
 */
const H = 3_600_000;
const B = Math.floor(Date.now() / 1000) * 1000 - 20 * 24 * H;
const at = (hours: number) => new Date(B + hours * H).toISOString();

let t: TestApp;
let key: string;
let foreignKey: string;
const campaign: Record<string, { id: string; variants: Record<string, string> }> = {};

async function createCampaign(name: string, k: string): Promise<{ id: string; variants: Record<string, string> }> {
  const c = (await t.ok(CreateCampaignDocument, { input: { name, type: 'AB_TEST', costPerMessage: 0.01, variants: [{ template: 'a' }, { template: 'b' }] } }, k)).createCampaign;
  return { id: c.id, variants: Object.fromEntries(c.variants.map((v) => [v.key, v.id])) };
}

async function contacts(k: string, externalIds: string[]): Promise<Record<string, string>> {
  await t.ok(UpsertContactsDocument, { contacts: externalIds.map((externalId, i) => ({ externalId, phone: `+1415555${3000 + i}`, consent: true })) }, k);
  const rows = await t.sql<{ id: string; external_id: string }>(
    `select c.id, c.external_id from contacts c join api_keys a on a.workspace_id = c.workspace_id where a.key_hash = encode(sha256(convert_to(?, 'utf8')), 'hex')`,
    [k],
  );
  return Object.fromEntries(rows.map((r) => [r.external_id, r.id]));
}

/** Messages with chosen sent_at (the sender cannot send in the past), in the campaign's workspace. */
async function insertMessage(campaignId: string, contactId: string, variantId: string | null, hours: number, status = 'DELIVERED'): Promise<void> {
  await t.sql(
    `insert into messages (id, workspace_id, campaign_id, contact_id, variant_id, provider, status, sent_at)
     select gen_random_uuid(), c.workspace_id, c.id, ?, ?, 'simulator', ?, ? from campaigns c where c.id = ?`,
    [contactId, variantId, status, at(hours), campaignId],
  );
}

/**
 * Orders through the real recordOrders mutation (occurredAt in the past is allowed). They make no
 * experiment conversion here: the campaigns have no recipients (assignments), the messages are
 * inserted directly; `conversions: 0` checks it, so the attribution figures are the orders' alone.
 */
async function recordOrders(k: string, orders: { orderId: string; contactId: string; value: number; hours: number }[]) {
  const { recordOrders: r } = await t.ok(RecordOrdersDocument, { orders: orders.map((o) => ({ orderId: o.orderId, contactId: o.contactId, value: o.value, occurredAt: at(o.hours) })) }, k);
  return r;
}

beforeAll(async () => {
  t = await startTestApp();
  key = await t.newWorkspaceKey('attribution');
  foreignKey = await t.newWorkspaceKey('attribution-foreign');
  for (const name of ['C1', 'C2', 'C3', 'C4']) campaign[name] = await createCampaign(name, key);
  const c = await contacts(key, ['p', 'q', 'r', 'u', 's']);
  const [c1, c2, c3] = [campaign.C1!, campaign.C2!, campaign.C3!];
  await insertMessage(c1.id, c.p!, c1.variants.A!, 0);
  await insertMessage(c2.id, c.p!, c2.variants.A!, 48);
  await insertMessage(c3.id, c.p!, null, 96);
  await insertMessage(c1.id, c.p!, c1.variants.A!, -481);
  await insertMessage(c1.id, c.q!, c1.variants.B!, 24);
  await insertMessage(c2.id, c.q!, c2.variants.B!, 24);
  await insertMessage(c3.id, c.q!, null, 70);
  await insertMessage(c1.id, c.q!, c1.variants.A!, 60, 'FAILED');
  await insertMessage(c1.id, c.r!, c1.variants.A!, 0);
  await insertMessage(c2.id, c.r!, c2.variants.B!, 190);
  await insertMessage(c2.id, c.u!, c2.variants.A!, -18);
  await insertMessage(c1.id, c.u!, c1.variants.A!, 150);
  const orders = [
    { orderId: 'P1', contactId: c.p!, value: 100, hours: 120 },
    { orderId: 'P0', contactId: c.p!, value: 50, hours: -480 },
    { orderId: 'Q1', contactId: c.q!, value: 60, hours: 72 },
    { orderId: 'R1', contactId: c.r!, value: 40, hours: 200 },
    { orderId: 'U1', contactId: c.u!, value: 20, hours: 150 },
    { orderId: 'S1', contactId: c.s!, value: 10, hours: 100 },
  ];
  expect(await recordOrders(key, orders)).toEqual({ accepted: 6, duplicates: 0, conversions: 0, rejected: [] });
  // Recorded again (the shop retries, one with another value): duplicates, nothing credited twice.
  expect(await recordOrders(key, orders.map((o) => (o.orderId === 'P1' ? { ...o, value: 999 } : o)))).toEqual({ accepted: 0, duplicates: 6, conversions: 0, rejected: [] });
  const cf = await createCampaign('CF', foreignKey);
  const f = await contacts(foreignKey, ['f']);
  await insertMessage(cf.id, f.f!, cf.variants.A!, 0);
  // The same order id in another workspace is another order.
  expect(await recordOrders(foreignKey, [{ orderId: 'P1', contactId: f.f!, value: 1000, hours: 1 }])).toMatchObject({ accepted: 1, duplicates: 0 });
}, 60_000);

afterAll(async () => {
  await t?.close();
});

/** { "C1/A": [conversions, revenue], "C3/–": … } of an attribution answer. */
function table(rows: AttributionQuery['attribution']): Record<string, [number, number]> {
  return Object.fromEntries(rows.map((r) => [`${r.campaign.name}/${r.variant?.key ?? '–'}`, [r.conversions, r.revenue]]));
}

function expectTable(actual: Record<string, [number, number]>, expected: Record<string, [number, number]>): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [k, [conversions, revenue]] of Object.entries(expected)) {
    expect(actual[k]![0]).toBeCloseTo(conversions, 9);
    expect(actual[k]![1]).toBeCloseTo(revenue, 9);
  }
}

async function attribution(model: AttributionModel, k = key): Promise<Record<string, [number, number]>> {
  return table((await t.ok(AttributionDocument, { model, days: 30 }, k)).attribution);
}

describe('attribution(model, days: 30) over P1, Q1, R1, U1 (P0 is older, S1 untouched)', () => {
  it('FIRST_TOUCH', async () => {
    // P1 → C1/A 1 (100); Q1 → C1/B ½ (30), C2/B ½ (30) (tied first); R1 → C2/B 1 (40); U1 → C2/A 1 (20).
    expectTable(await attribution('FIRST_TOUCH'), { 'C1/A': [1, 100], 'C1/B': [1 / 2, 30], 'C2/B': [3 / 2, 70], 'C2/A': [1, 20] });
  });

  it('LAST_TOUCH (the FAILED C1/A message of q is no touch)', async () => {
    // P1 → C3 (100); Q1 → C3 (60); R1 → C2/B (40); U1 → C1/A (20, sent at the order's instant).
    expectTable(await attribution('LAST_TOUCH'), { 'C3/–': [2, 160], 'C2/B': [1, 40], 'C1/A': [1, 20] });
  });

  it('LINEAR', async () => {
    // P1: ⅓ each of C1/A, C2/A, C3 (100/3); Q1: ⅓ each of C1/B, C2/B, C3 (20); R1: C2/B 1 (40); U1: ½ C2/A, ½ C1/A (10).
    expectTable(await attribution('LINEAR'), {
      'C1/A': [1 / 3 + 1 / 2, 100 / 3 + 10],
      'C2/A': [1 / 3 + 1 / 2, 100 / 3 + 10],
      'C3/–': [1 / 3 + 1 / 3, 100 / 3 + 20],
      'C1/B': [1 / 3, 20],
      'C2/B': [1 / 3 + 1, 20 + 40],
    });
  });

  it('POSITION_BASED (Q1: two distinct instants, 50/50 between the groups, shared in the tied one)', async () => {
    // P1: C1/A .4 (40), C2/A .2 (20), C3 .4 (40); Q1: C1/B ¼ (15), C2/B ¼ (15), C3 ½ (30); R1: C2/B 1 (40); U1: ½ each (10).
    expectTable(await attribution('POSITION_BASED'), {
      'C1/A': [0.4 + 0.5, 40 + 10],
      'C2/A': [0.2 + 0.5, 20 + 10],
      'C3/–': [0.4 + 0.5, 40 + 30],
      'C1/B': [0.25, 15],
      'C2/B': [0.25 + 1, 15 + 40],
    });
  });

  it('TIME_DECAY (half-life 7 d; values from test/fixtures/time-decay.py)', async () => {
    // w = 2^(−age_h/168), normalised per order. U1 by hand: w = ½ (168 h) and 1 (0 h) → C2/A ⅓, C1/A ⅔.
    expectTable(await attribution('TIME_DECAY'), {
      'C1/A': [0.9365716210668813, 40.32382877335479],
      'C2/A': [0.6623511580846313, 39.568449141796464],
      'C3/–': [0.7778293350224467, 62.7128489352863],
      'C1/B': [0.31162394291302037, 18.69743657478122],
      'C2/B': [1.3116239429130203, 58.69743657478122],
    });
  });

  it('every model credits each counted order once: conversions sum to 4 and revenue to 220', async () => {
    for (const model of ['FIRST_TOUCH', 'LAST_TOUCH', 'LINEAR', 'TIME_DECAY', 'POSITION_BASED'] as const) {
      const rows = Object.values(await attribution(model));
      expect(rows.reduce((a, [c]) => a + c, 0)).toBeCloseTo(4, 9);
      expect(rows.reduce((a, [, r]) => a + r, 0)).toBeCloseTo(220, 9);
    }
  });

  it("another workspace sees only its own order and messages (and ours never see theirs)", async () => {
    expectTable(await attribution('LINEAR', foreignKey), { 'CF/A': [1, 1000] });
  });

  it('a longer window and a shorter range: windowDays 10 adds C1/A to R1; days 1 sees no order', async () => {
    const r = await t.ok(AttributionDocument, { model: 'FIRST_TOUCH', days: 30, windowDays: 10 }, key);
    // R1 now has C1/A @0 (200 h ≤ 240 h) first → C1/A 2 (140), C2/B ½ (30) only from Q1.
    expectTable(table(r.attribution), { 'C1/A': [2, 140], 'C1/B': [1 / 2, 30], 'C2/B': [1 / 2, 30], 'C2/A': [1, 20] });
    expect((await t.ok(AttributionDocument, { model: 'LINEAR', days: 1 }, key)).attribution).toEqual([]);
  });

  it('refuses out-of-range arguments with reasons', async () => {
    for (const [vars, reason] of [
      [{ model: 'LINEAR', days: 0 }, 'INVALID_DAYS'],
      [{ model: 'LINEAR', days: 3651 }, 'INVALID_DAYS'],
      [{ model: 'LINEAR', windowDays: 0 }, 'INVALID_WINDOW'],
      [{ model: 'LINEAR', windowDays: 366 }, 'INVALID_WINDOW'],
      [{ model: 'TIME_DECAY', halfLifeDays: 0 }, 'INVALID_HALF_LIFE'],
      [{ model: 'TIME_DECAY', halfLifeDays: 400 }, 'INVALID_HALF_LIFE'],
    ] as const) {
      const r = await t.gql(AttributionDocument, vars, key);
      expect(errorOf(r)).toMatchObject({ code: 'BAD_USER_INPUT', reason });
    }
    const r = await t.gql(CampaignAttributedRevenueDocument, { id: campaign.C1!.id, windowDays: 0 }, key);
    expect(errorOf(r)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_WINDOW' });
  });
});

describe('Campaign.attributedRevenue (all orders, any age)', () => {
  const revenue = async (name: string, model?: AttributionModel, windowDays?: number) =>
    (await t.ok(CampaignAttributedRevenueDocument, { id: campaign[name]!.id, model, windowDays }, key)).campaign!.attributedRevenue;

  it('LAST_TOUCH by default; P0 (40 days old) counts', async () => {
    // C1: P0 50 + U1 20 = 70 (P1, Q1 go to C3; R1's C1 message is outside the window); C2: R1 40; C3: P1 + Q1 = 160; C4: 0.
    expect(await revenue('C1')).toBeCloseTo(70, 9);
    expect(await revenue('C2')).toBeCloseTo(40, 9);
    expect(await revenue('C3')).toBeCloseTo(160, 9);
    expect(await revenue('C4')).toBe(0);
  });

  it('LINEAR, and FIRST_TOUCH with a 7- and a 10-day window', async () => {
    // C1 LINEAR: P0 50 + P1 100/3 + Q1 20 + U1 10.
    expect(await revenue('C1', 'LINEAR')).toBeCloseTo(80 + 100 / 3, 9);
    // C1 FIRST_TOUCH: P0 50 + P1 100 + Q1 30 (tie with C2/B) = 180; with 10 days R1's C1/A @0 is first too: + 40 = 220.
    expect(await revenue('C1', 'FIRST_TOUCH')).toBeCloseTo(180, 9);
    expect(await revenue('C1', 'FIRST_TOUCH', 10)).toBeCloseTo(220, 9);
  });

  it('a page of campaigns costs the same statements as one campaign (dataloaders)', async () => {
    const one = async (first: number) => {
      const before = await t.metric('splitcast_db_queries_total');
      const r = await t.ok(CampaignsAttributionDocument, { first, model: 'LAST_TOUCH' }, key);
      return { sql: (await t.metric('splitcast_db_queries_total')) - before, nodes: r.campaigns.nodes };
    };
    const small = await one(1);
    const all = await one(10);
    expect(all.nodes).toHaveLength(4);
    expect(all.sql).toBe(small.sql);
    const byName = Object.fromEntries(all.nodes.map((n) => [Object.entries(campaign).find(([, c]) => c.id === n.id)![0], n]));
    expect(byName.C1!.attributedRevenue).toBeCloseTo(70, 9);
    expect(byName.C3!.timeToConversion.medianHours).toBeCloseTo(13, 9);
  });
});

describe('Campaign.timeToConversion (hours from the campaign’s last touch before each order it touched)', () => {
  const ttc = async (name: string, windowDays?: number) => (await t.ok(CampaignTimeToConversionDocument, { id: campaign[name]!.id, windowDays }, key)).campaign!.timeToConversion;

  it('C1: P0 1 h, P1 120 h, Q1 48 h (the FAILED message 12 h before does not count), U1 0 h', async () => {
    const c = await ttc('C1');
    // sorted [0, 1, 48, 120]: mean 169/4; median (1 + 48)/2; p90: h = 3 × 0.9 = 2.7 → 48 + 0.7 × 72 = 98.4.
    expect(c.orders).toBe(4);
    expect(c.meanHours).toBeCloseTo(169 / 4, 9);
    expect(c.medianHours).toBeCloseTo(24.5, 9);
    expect(c.p90Hours).toBeCloseTo(98.4, 9);
    expect(c.buckets).toEqual([
      { label: '< 1 h', fromHours: 0, toHours: 1, orders: 1 },
      { label: '1–6 h', fromHours: 1, toHours: 6, orders: 1 },
      { label: '6–24 h', fromHours: 6, toHours: 24, orders: 0 },
      { label: '1–3 d', fromHours: 24, toHours: 72, orders: 1 },
      { label: '3–7 d', fromHours: 72, toHours: 168, orders: 1 },
    ]);
  });

  it('C2: P1 72 h, Q1 48 h, R1 10 h, U1 168 h (the window’s end, in the last bucket)', async () => {
    const c = await ttc('C2');
    // sorted [10, 48, 72, 168]: mean 298/4; median 60; p90 = 72 + 0.7 × 96 = 139.2.
    expect(c).toMatchObject({ orders: 4 });
    expect(c.meanHours).toBeCloseTo(74.5, 9);
    expect(c.medianHours).toBeCloseTo(60, 9);
    expect(c.p90Hours).toBeCloseTo(139.2, 9);
    expect(c.buckets.map((b) => b.orders)).toEqual([0, 0, 1, 1, 2]);
  });

  it('C3: P1 24 h, Q1 2 h; C4: no orders (nulls, empty buckets); a 10-day window adds a bucket', async () => {
    const c3 = await ttc('C3');
    // [2, 24]: mean = median = 13; p90: h = 0.9 → 2 + 0.9 × 22 = 21.8.
    expect(c3.orders).toBe(2);
    expect(c3.meanHours).toBeCloseTo(13, 9);
    expect(c3.p90Hours).toBeCloseTo(21.8, 9);
    expect(c3.buckets.map((b) => b.orders)).toEqual([0, 1, 0, 1, 0]);
    const c4 = await ttc('C4');
    expect(c4).toMatchObject({ orders: 0, meanHours: null, medianHours: null, p90Hours: null });
    // C1 with 10 days: R1 (200 h after C1/A @0) joins: [0, 1, 48, 120, 200], the last in 7–10 d.
    const c1 = await ttc('C1', 10);
    expect(c1.orders).toBe(5);
    expect(c1.buckets.map((b) => b.label)).toEqual(['< 1 h', '1–6 h', '6–24 h', '1–3 d', '3–7 d', '7–10 d']);
    expect(c1.buckets.map((b) => b.orders)).toEqual([1, 1, 0, 1, 1, 1]);
  });
});
