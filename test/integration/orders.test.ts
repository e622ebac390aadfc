/**
 * Orders end to end (recordOrders, importOrdersCsv, POST /v1/orders) on the real app: idempotency,
 * contact resolution, purchase totals, and the experiment conversions orders make.
 */
import {
  CampaignAnalysisDocument,
  CampaignVariantStatsDocument,
  ContactPurchasesDocument,
  CreateApiKeyDocument,
  CreateCampaignDocument,
  AddRecipientsDocument,
  ImportOrdersCsvDocument,
  RecordOrdersDocument,
  TrackEventsDocument,
  VariantStatsUpdatedDocument,
  UpsertContactsDocument,
  type OrderInput,
} from '../generated/graphql';
import { campaignWithRecipients, type CampaignFixture } from '../helpers/fixtures';
import { errorOf, startTestApp, type TestApp } from '../helpers/harness';
import { until } from '../helpers/until';
import { subscribe } from '../helpers/ws';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const DAY = 86_400_000;
const ago = (days: number, base = Date.now()) => new Date(base - days * DAY).toISOString();

async function purchases(id: string, key: string) {
  const { contact } = await t.ok(ContactPurchasesDocument, { id }, key);
  return { orderCount: contact!.orderCount, totalSpend: contact!.totalSpend, lastOrderAt: contact!.lastOrderAt ? new Date(contact!.lastOrderAt as string).toISOString() : null };
}

async function totals(key: string, campaignId: string) {
  const { campaign } = await t.ok(CampaignVariantStatsDocument, { id: campaignId }, key);
  const s = campaign!.variants.map((v) => v.stats);
  return { converted: s.reduce((a, v) => a + v.converted, 0), revenue: s.reduce((a, v) => a + v.revenue, 0) };
}

const postOrders = (key: string | null, body: string, contentType = 'application/json') =>
  fetch(`${t.url}/v1/orders`, { method: 'POST', headers: { 'content-type': contentType, ...(key ? { authorization: `Bearer ${key}` } : {}) }, body });

describe('recordOrders', () => {
  let key: string;
  let f: CampaignFixture;
  beforeAll(async () => {
    key = await t.newWorkspaceKey('orders');
    f = await campaignWithRecipients(t, key, 4, [50, 50], 'buyer');
    await t.ok(UpsertContactsDocument, { contacts: [{ externalId: 'buyer-0', email: 'Ann@Example.com' }, { externalId: 'shared-1', phone: '+14155550101', email: 'team@example.com' }, { externalId: 'shared-2', phone: '+14155550102', email: 'team@example.com' }] }, key);
  });

  it('finds the contact by id, externalId, phone (any format) or email (any case), and keeps its purchase totals', async () => {
    const c = f.contacts[0]!;
    const national = `(${c.phone.slice(2, 5)}) ${c.phone.slice(5, 8)}-${c.phone.slice(8)}`; // +1415555xxxx → (415) 555-xxxx
    const { recordOrders } = await t.ok(RecordOrdersDocument, {
      orders: [
        { contactId: c.id, orderId: 'id-1', value: 10, occurredAt: ago(3) },
        { externalId: c.externalId, orderId: 'ext-1', value: 20.25, occurredAt: ago(2) },
        { phone: `+1 ${national}`, orderId: 'phone-1', value: 0, occurredAt: ago(4) },
        { email: 'ANN@example.COM', orderId: 'email-1', value: 5, occurredAt: ago(1) },
        { contactId: c.id, externalId: c.externalId, phone: c.phone, email: 'ann@example.com', orderId: 'all-1', value: 1.5, occurredAt: ago(5) },
      ],
    }, key);
    expect(recordOrders).toEqual({ accepted: 5, duplicates: 0, conversions: 0, rejected: [] });
    const p = await purchases(c.id, key);
    expect(p.orderCount).toBe(5);
    expect(p.totalSpend).toBeCloseTo(36.75, 10);
    const rows = await t.sql<{ order_id: string; contact_id: string; value: string; source: string }>('select order_id, contact_id, value::text, source from orders where contact_id = ? order by order_id', [c.id]);
    expect(rows.map((r) => [r.order_id, r.value, r.source])).toEqual([['all-1', '1.5', 'api'], ['email-1', '5', 'api'], ['ext-1', '20.25', 'api'], ['id-1', '10', 'api'], ['phone-1', '0', 'api']]);
    const [last] = await t.sql<{ at: Date }>("select max(occurred_at) as at from orders where contact_id = ?", [c.id]);
    expect(p.lastOrderAt).toBe(new Date(last!.at).toISOString());
  });

  it('counts an order id once: within a call, across calls (another value too), and between concurrent requests', async () => {
    const c = f.contacts[1]!;
    const o = { externalId: c.externalId, orderId: 'dup-1', value: 30 };
    expect((await t.ok(RecordOrdersDocument, { orders: [o, { ...o, value: 99 }] }, key)).recordOrders).toMatchObject({ accepted: 1, duplicates: 1 });
    expect((await t.ok(RecordOrdersDocument, { orders: [{ ...o, value: 31, orderId: '  dup-1 ' }] }, key)).recordOrders).toMatchObject({ accepted: 0, duplicates: 1 });
    const both = await Promise.all([1, 2].map(() => t.ok(RecordOrdersDocument, { orders: [{ ...o, orderId: 'dup-2', value: 7 }] }, key)));
    expect(both.map((b) => b.recordOrders.accepted).sort()).toEqual([0, 1]);
    expect(both.map((b) => b.recordOrders.duplicates).sort()).toEqual([0, 1]);
    const p = await purchases(c.id, key);
    expect(p).toMatchObject({ orderCount: 2, totalSpend: 37 });
    const [row] = await t.sql<{ value: string }>("select value::text from orders where order_id = 'dup-1' and contact_id = ?", [c.id]);
    expect(row!.value).toBe('30'); // the first recording wins
  });

  it('rejects bad orders by index and keeps their valid neighbours', async () => {
    const c = f.contacts[2]!;
    const other = await t.newWorkspaceKey('orders-other');
    const foreign = await campaignWithRecipients(t, other, 1, [50, 50], 'foreign');
    const orders: OrderInput[] = [
      { externalId: c.externalId, orderId: 'ok-1', value: 3 },
      { externalId: 'nobody', orderId: 'nf-1', value: 3 },
      { contactId: foreign.contacts[0]!.id, orderId: 'foreign-1', value: 3 },
      { externalId: c.externalId, phone: f.contacts[3]!.phone, orderId: 'mm-1', value: 3 },
      { email: 'team@example.com', orderId: 'amb-1', value: 3 },
      { orderId: 'none-1', value: 3 },
      { externalId: c.externalId, orderId: 'neg-1', value: -5 },
      { externalId: c.externalId, orderId: '', value: 3 },
      { externalId: c.externalId, orderId: 'future-1', value: 3, occurredAt: new Date(Date.now() + 3_600_000).toISOString() },
      { externalId: c.externalId, orderId: 'ok-2', value: 4 },
      { phone: 'not a phone', orderId: 'bad-phone', value: 1 },
      { contactId: 'not-a-uuid', orderId: 'bad-id', value: 1 },
    ];
    const { recordOrders } = await t.ok(RecordOrdersDocument, { orders }, key);
    expect(recordOrders.accepted).toBe(2);
    expect(recordOrders.rejected.map((r) => [r.index, r.code])).toEqual([
      [1, 'CONTACT_NOT_FOUND'],
      [2, 'CONTACT_NOT_FOUND'],
      [3, 'CONTACT_MISMATCH'],
      [4, 'CONTACT_AMBIGUOUS'],
      [5, 'MISSING_IDENTIFIER'],
      [6, 'INVALID_VALUE'],
      [7, 'INVALID_ORDER_ID'],
      [8, 'INVALID_OCCURRED_AT'],
      [10, 'INVALID_PHONE'],
      [11, 'CONTACT_NOT_FOUND'],
    ]);
    expect(await purchases(c.id, key)).toMatchObject({ orderCount: 2, totalSpend: 7 });
    expect((await purchases(foreign.contacts[0]!.id, other)).orderCount).toBe(0);
    const [n] = await t.sql<{ n: string }>("select count(*) as n from orders where order_id in ('nf-1', 'foreign-1', 'mm-1', 'amb-1', 'neg-1')");
    expect(Number(n!.n)).toBe(0);
  });

  it('refuses more than 1000 orders per call (TOO_MANY_ORDERS)', async () => {
    const orders = Array.from({ length: 1001 }, (_, i) => ({ externalId: 'buyer-0', orderId: `many-${i}`, value: 1 }));
    expect(errorOf(await t.gql(RecordOrdersDocument, { orders }, key))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TOO_MANY_ORDERS' });
  });

  it('imports a CSV, rejecting bad rows by their data-row index', async () => {
    const c = f.contacts[3]!;
    const csv = `order_id,external_id,value,occurred_at\ncsv-1,${c.externalId},12.5,${ago(1)}\ncsv-2,${c.externalId},abc,\ncsv-3,nobody,1,\ncsv-4,${c.externalId},0.5,\ncsv-1,${c.externalId},12.5,\n`;
    const { importOrdersCsv } = await t.ok(ImportOrdersCsvDocument, { csv }, key);
    expect(importOrdersCsv).toMatchObject({ accepted: 2, duplicates: 1, conversions: 0 });
    expect(importOrdersCsv.rejected).toEqual([
      { index: 1, code: 'INVALID_VALUE', message: 'line 3: value "abc" is not a number' },
      { index: 2, code: 'CONTACT_NOT_FOUND', message: 'line 4: No contact with externalId nobody in this workspace' },
    ]);
    expect(await purchases(c.id, key)).toMatchObject({ orderCount: 2, totalSpend: 13 });
    expect(errorOf(await t.gql(ImportOrdersCsvDocument, { csv: 'order_id,amount\n1,2\n' }, key))).toMatchObject({ reason: 'INVALID_CSV' });
  });
});

describe('POST /v1/orders', () => {
  let key: string;
  let f: CampaignFixture;
  beforeAll(async () => {
    key = await t.newWorkspaceKey('orders-rest');
    f = await campaignWithRecipients(t, key, 2, [50, 50], 'rest');
  });

  it('answers once committed: the order and the totals are readable right after the 200', async () => {
    const c = f.contacts[0]!;
    for (const [i, body] of [[0, JSON.stringify([{ externalId: c.externalId, orderId: 'rest-1', value: 8 }])], [1, JSON.stringify({ orders: [{ contactId: c.id, orderId: 'rest-2', value: 2 }, { orderId: 'x', value: 1 }] })]] as const) {
      const res = await postOrders(key, body);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual(i === 0 ? { accepted: 1, duplicates: 0, conversions: 0, rejected: [] } : { accepted: 1, duplicates: 0, conversions: 0, rejected: [{ index: 1, code: 'MISSING_IDENTIFIER', message: expect.any(String) }] });
      const [row] = await t.sql<{ order_count: number; total_spend: string }>('select order_count, total_spend::text from contacts where id = ?', [c.id]);
      expect(row).toEqual(i === 0 ? { order_count: 1, total_spend: '8' } : { order_count: 2, total_spend: '10' });
    }
  });

  it('takes a CSV with content-type text/csv', async () => {
    const c = f.contacts[1]!;
    const res = await postOrders(key, `orderId,contactId,value\nrest-csv-1,${c.id},4\nrest-csv-2,${c.id},-1\n`, 'text/csv; charset=utf-8');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 1, duplicates: 0, rejected: [{ index: 1, code: 'INVALID_VALUE' }] });
    expect((await postOrders(key, 'orderId,value\n1,2\n', 'text/csv')).status).toBe(400);
  });

  it('refuses other bodies with 400 INVALID_BODY, no key with 401, a READ key with 403, too many orders with 400', async () => {
    for (const body of ['{"x":1}', '[1,2]', '"orders"', 'null', '[[]]', '{"orders":{}}']) {
      const res = await postOrders(key, body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { reason: string } }).error.reason).toBe('INVALID_BODY');
    }
    expect((await postOrders(key, '[{"orderId":', 'application/json')).status).toBe(400);
    expect((await postOrders(null, '[]')).status).toBe(401);
    const read = (await t.ok(CreateApiKeyDocument, { name: 'reader', scopes: ['READ'] }, key)).createApiKey.secret;
    expect((await postOrders(read, '[]')).status).toBe(403);
    const many = await postOrders(key, JSON.stringify(Array.from({ length: 1001 }, (_, i) => ({ externalId: 'rest-0', orderId: `m${i}`, value: 1 }))));
    expect(many.status).toBe(400);
    expect(((await many.json()) as { error: { reason: string } }).error.reason).toBe('TOO_MANY_ORDERS');
    const [n] = await t.sql<{ n: string }>("select count(*) as n from orders where order_id like 'm%'");
    expect(Number(n!.n)).toBe(0);
  });
});

describe('experiment conversions from orders', () => {
  let key: string;
  let f: CampaignFixture;
  const sentAt = new Map<number, string>();
  const base = Date.now();
  beforeAll(async () => {
    key = await t.newWorkspaceKey('order-conversions');
    f = await campaignWithRecipients(t, key, 9, [50, 50], 'conv');
    // Sends through the pipeline's SENT events, in the past: c0, c1, c3, c4, c7, c8 three days
    // ago, c2 ten days ago, c5 eight days ago; c6 is a recipient never sent to.
    const days = [3, 3, 10, 3, 3, 8, null, 3, 3];
    days.forEach((d, i) => d !== null && sentAt.set(i, ago(d, base)));
    const { trackEvents } = await t.ok(TrackEventsDocument, { events: [...sentAt].map(([i, at]) => ({ campaignId: f.campaignId, contactId: f.contacts[i]!.id, type: 'SENT' as const, occurredAt: at })) }, key);
    expect(trackEvents.accepted).toBe(8);
  });

  it('counts an order by a test recipient within the window once, with its value, in stats and analysis', async () => {
    const c = f.contacts;
    // c3 converted explicitly first: an order after that adds nothing.
    await t.ok(TrackEventsDocument, { events: [{ campaignId: f.campaignId, contactId: c[3]!.id, type: 'CONVERTED', value: 5, occurredAt: ago(2, base) }] }, key);
    const at = (i: number, plusDays: number) => new Date(new Date(sentAt.get(i)!).getTime() + plusDays * DAY).toISOString();
    const { recordOrders } = await t.ok(RecordOrdersDocument, {
      orders: [
        { contactId: c[0]!.id, orderId: 'c0-a', value: 40, occurredAt: at(0, 1) }, // counts
        { contactId: c[1]!.id, orderId: 'c1-before', value: 11, occurredAt: at(1, -0.5) }, // before the send
        { contactId: c[2]!.id, orderId: 'c2-late', value: 12, occurredAt: at(2, 8) }, // 8 days after: outside 7
        { contactId: c[3]!.id, orderId: 'c3-after-explicit', value: 13, occurredAt: at(3, 1) }, // already converted
        { contactId: c[4]!.id, orderId: 'c4-at-send', value: 7, occurredAt: at(4, 0) }, // boundary: at the send
        { contactId: c[5]!.id, orderId: 'c5-at-end', value: 9, occurredAt: at(5, 7) }, // boundary: 7 days after
        { contactId: c[6]!.id, orderId: 'c6-unsent', value: 14, occurredAt: ago(1, base) }, // never sent
      ],
    }, key);
    expect(recordOrders).toEqual({ accepted: 7, duplicates: 0, conversions: 3, rejected: [] });
    // A second order by c0 in the window adds no conversion and no revenue.
    expect((await t.ok(RecordOrdersDocument, { orders: [{ contactId: c[0]!.id, orderId: 'c0-b', value: 100, occurredAt: at(0, 2) }] }, key)).recordOrders).toMatchObject({ accepted: 1, conversions: 0 });
    expect(await totals(key, f.campaignId)).toEqual({ converted: 4, revenue: 40 + 5 + 7 + 9 });
    // Hourly buckets: each conversion in the hour of its order.
    const hourly = await t.sql<{ hour: Date; converted: number; revenue: number }>(
      'select hour, sum(converted)::int as converted, sum(revenue)::float8 as revenue from variant_hourly where campaign_id = ? and converted > 0 group by hour order by hour',
      [f.campaignId],
    );
    const hourOf = (iso: string) => new Date(Math.floor(new Date(iso).getTime() / 3_600_000) * 3_600_000).toISOString();
    const expected = new Map<string, { converted: number; revenue: number }>();
    for (const [when, value] of [[at(0, 1), 40], [ago(2, base), 5], [at(4, 0), 7], [at(5, 7), 9]] as const) {
      const h = expected.get(hourOf(when)) ?? { converted: 0, revenue: 0 };
      expected.set(hourOf(when), { converted: h.converted + 1, revenue: h.revenue + value });
    }
    expect(hourly.map((h) => [new Date(h.hour).toISOString(), h.converted, h.revenue])).toEqual([...expected].sort(([a], [b]) => (a < b ? -1 : 1)).map(([h, v]) => [h, v.converted, v.revenue]));

    // Per variant, by hand: conversions {c0, c3, c4, c5} over sends {c0, c1, c2, c3, c4, c5, c7, c8}.
    const converted = new Set([0, 3, 4, 5]);
    const rate = (variantId: string) => {
      const sent = [...sentAt.keys()].filter((i) => c[i]!.variantId === variantId);
      return sent.filter((i) => converted.has(i)).length / sent.length;
    };
    const { campaign } = await t.ok(CampaignVariantStatsDocument, { id: f.campaignId }, key);
    for (const v of campaign!.variants) {
      const mine = [...converted].filter((i) => c[i]!.variantId === v.id);
      expect(v.stats.converted).toBe(mine.length);
    }
    const analysis = await until(
      async () => (await t.ok(CampaignAnalysisDocument, { id: f.campaignId }, key)).campaign!.analysis!,
      (a) => a.comparisons.length > 0 && Math.abs(a.comparisons[0]!.rate - rate(a.comparisons[0]!.variant.id)) < 1e-9,
    );
    const cmp = analysis.comparisons[0]!;
    expect(analysis.metric).toBe('CONVERSION');
    expect(cmp.rate).toBeCloseTo(rate(cmp.variant.id), 12);
    expect(cmp.controlRate).toBeCloseTo(rate(cmp.control.id), 12);

    const events = await t.sql<{ contact_id: string; value: number; source: string; idempotency_key: string }>(
      "select contact_id, value::float8 as value, source, idempotency_key from events where campaign_id = ? and type = 'CONVERTED' and source = 'order' order by value",
      [f.campaignId],
    );
    expect(events).toEqual([
      { contact_id: c[4]!.id, value: 7, source: 'order', idempotency_key: `order-conversion:${f.campaignId}:${c[4]!.id}` },
      { contact_id: c[5]!.id, value: 9, source: 'order', idempotency_key: `order-conversion:${f.campaignId}:${c[5]!.id}` },
      { contact_id: c[0]!.id, value: 40, source: 'order', idempotency_key: `order-conversion:${f.campaignId}:${c[0]!.id}` },
    ]);
  });

  it('counts one conversion when two requests bring two orders of one recipient at once', async () => {
    const c7 = f.contacts[7]!;
    const at = new Date(new Date(sentAt.get(7)!).getTime() + DAY).toISOString();
    const before = await totals(key, f.campaignId);
    const both = await Promise.all([20, 30].map((value) => t.ok(RecordOrdersDocument, { orders: [{ contactId: c7.id, orderId: `c7-${value}`, value, occurredAt: at }] }, key)));
    expect(both.map((b) => b.recordOrders.accepted)).toEqual([1, 1]);
    expect(both.map((b) => b.recordOrders.conversions).sort()).toEqual([0, 1]);
    const after = await totals(key, f.campaignId);
    expect(after.converted).toBe(before.converted + 1);
    expect([20, 30].map((v) => before.revenue + v)).toContain(after.revenue);
    expect(await purchases(c7.id, key)).toMatchObject({ orderCount: 2, totalSpend: 50 });
  });

  it('counts an order of 1e9 or more as a conversion with its whole value (orders go up to 1e12, events.value is unbounded)', async () => {
    const c8 = f.contacts[8]!;
    const at = (plusDays: number) => new Date(new Date(sentAt.get(8)!).getTime() + plusDays * DAY).toISOString();
    const before = await totals(key, f.campaignId);
    const { recordOrders } = await t.ok(RecordOrdersDocument, { orders: [{ contactId: c8.id, orderId: 'c8-huge', value: 123_456_789_012.5, occurredAt: at(1) }] }, key);
    expect(recordOrders).toEqual({ accepted: 1, duplicates: 0, conversions: 1, rejected: [] });
    expect(await totals(key, f.campaignId)).toEqual({ converted: before.converted + 1, revenue: before.revenue + 123_456_789_012.5 });
    const [event] = await t.sql<{ value: string }>("select value::text from events where contact_id = ? and type = 'CONVERTED'", [c8.id]);
    expect(event!.value).toBe('123456789012.5');
    // Converted once: a later order in the window adds no conversion.
    expect((await t.ok(RecordOrdersDocument, { orders: [{ contactId: c8.id, orderId: 'c8-small', value: 3, occurredAt: at(2) }] }, key)).recordOrders.conversions).toBe(0);
    expect(await purchases(c8.id, key)).toMatchObject({ orderCount: 2, totalSpend: 123_456_789_015.5 });
  });

  it('does not count an order by a remainder (holdout) recipient, nor by a contact who is not a recipient', async () => {
    await t.ok(UpsertContactsDocument, { contacts: Array.from({ length: 30 }, (_, i) => ({ externalId: `part-${i}`, phone: `+1415556${String(1000 + i)}`, consent: true, tags: ['part'] })) }, key);
    const { createCampaign } = await t.ok(CreateCampaignDocument, { input: { name: 'partial', type: 'AB_TEST', variants: [{ template: 'a', weight: 50 }, { template: 'b', weight: 50 }], experiment: { testAudiencePercent: 20 } } }, key);
    await t.ok(AddRecipientsDocument, { campaignId: createCampaign.id, audience: { tags: ['part'] } }, key);
    // The API cannot send to the remainder before the test ends: its send time is set directly.
    const [held] = await t.sql<{ contact_id: string }>("update assignments set sent_at = now() - interval '1 day' where campaign_id = ? and holdout and variant_id is null and contact_id = (select contact_id from assignments where campaign_id = ? and holdout order by contact_id limit 1) returning contact_id", [createCampaign.id, createCampaign.id]);
    await t.ok(UpsertContactsDocument, { contacts: [{ externalId: 'stranger', phone: '+14155562000' }] }, key);
    const [stranger] = await t.sql<{ id: string }>("select c.id from contacts c where c.external_id = 'stranger' and not exists (select 1 from assignments a where a.contact_id = c.id and a.workspace_id = c.workspace_id)");
    const { recordOrders } = await t.ok(RecordOrdersDocument, { orders: [{ contactId: held!.contact_id, orderId: 'held-1', value: 50 }, { contactId: stranger!.id, orderId: 'stranger-1', value: 60 }] }, key);
    expect(recordOrders).toEqual({ accepted: 2, duplicates: 0, conversions: 0, rejected: [] });
    expect(await totals(key, createCampaign.id)).toEqual({ converted: 0, revenue: 0 });
    const [a] = await t.sql<{ converted_at: Date | null; revenue: string }>('select converted_at, revenue::text from assignments where campaign_id = ? and contact_id = ?', [createCampaign.id, held!.contact_id]);
    expect(a).toEqual({ converted_at: null, revenue: '0' });
  });

  it('announces the conversion an order makes to variantStatsUpdated subscribers', async () => {
    const c1 = f.contacts[1]!;
    const before = await totals(key, f.campaignId);
    const sub = await subscribe(t.url, key, VariantStatsUpdatedDocument, { campaignId: f.campaignId });
    try {
      const at = new Date(new Date(sentAt.get(1)!).getTime() + DAY).toISOString();
      expect((await t.ok(RecordOrdersDocument, { orders: [{ contactId: c1.id, orderId: 'c1-live', value: 6, occurredAt: at }] }, key)).recordOrders.conversions).toBe(1);
      const sum = (u: { variantStatsUpdated: { variants: { converted: number; revenue: number }[] } }, k: 'converted' | 'revenue') => u.variantStatsUpdated.variants.reduce((a, v) => a + v[k], 0);
      const update = await sub.waitFor((u) => sum(u, 'converted') === before.converted + 1, 10_000);
      expect(sum(update, 'revenue')).toBe(before.revenue + 6);
    } finally {
      await sub.close();
    }
  });
});
