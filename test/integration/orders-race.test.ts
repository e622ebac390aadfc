/**
 * Review of the order pipeline under a concurrent contact deletion: a contact deleted after the
 * pipeline found it and before its order is inserted. The order must be rejected on its own
 * (CONTACT_NOT_FOUND), its neighbours recorded, never an INTERNAL error (the foreign key
 * orders → contacts would otherwise fail the whole request).
 */
import { Client } from 'pg';
import pino from 'pino';
import { Counter } from 'prom-client';
import { SqlPool, type Sql } from '../../src/db/pool';
import { OrderPipeline } from '../../src/orders/orders.pipeline';
import { IngestionPipeline } from '../../src/tracking/ingestion';
import { RecordOrdersDocument, UpsertContactsDocument } from '../generated/graphql';
import { startTestApp, type TestApp } from '../helpers/harness';
import { until } from '../helpers/until';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

it('rejects the order of a contact deleted while the order is being recorded, and records its neighbour', async () => {
  const key = await t.newWorkspaceKey('orders-delete-race');
  await t.ok(UpsertContactsDocument, { contacts: [{ externalId: 'leaving', phone: '+14155557001' }, { externalId: 'staying', phone: '+14155557002' }] }, key);
  const [leaving] = await t.sql<{ id: string }>("select id from contacts where external_id = 'leaving'");

  // The deletion is under way (uncommitted) when the order arrives: the pipeline still sees the
  // contact, then waits on its row lock; the deletion commits while it waits.
  const deleter = new Client({ connectionString: t.databaseUrl });
  await deleter.connect();
  try {
    await deleter.query('begin');
    await deleter.query('delete from contacts where id = $1', [leaving!.id]);
    const pending = t.gql(RecordOrdersDocument, { orders: [{ externalId: 'leaving', orderId: 'race-1', value: 10 }, { externalId: 'staying', orderId: 'race-2', value: 20 }] }, key);
    const waiting = await until(
      // From another session: within the deleter's transaction pg_stat_activity would be one snapshot.
      async () => (await t.sql<{ n: string }>("select count(*) as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database() and query not ilike '%pg_stat_activity%'"))[0]!.n,
      (n) => Number(n) > 0,
    );
    expect(Number(waiting)).toBeGreaterThan(0);
    await deleter.query('commit');

    const r = await pending;
    expect(r.errors).toBeUndefined();
    expect(r.data!.recordOrders).toMatchObject({ accepted: 1, duplicates: 0, rejected: [{ index: 0, code: 'CONTACT_NOT_FOUND' }] });
  } finally {
    await deleter.end();
  }
  const rows = await t.sql<{ order_id: string }>("select order_id from orders where order_id like 'race-%' order by order_id");
  expect(rows.map((o) => o.order_id)).toEqual(['race-2']);
  const [staying] = await t.sql<{ order_count: number; total_spend: string }>("select order_count, total_spend::text from contacts where external_id = 'staying'");
  expect(staying).toEqual({ order_count: 1, total_spend: '20' });
});

it('inserts the order ids in sorted order whatever the request order, as concurrent batches must not deadlock', async () => {
  const key = await t.newWorkspaceKey('orders-lock-order');
  await t.ok(UpsertContactsDocument, { contacts: [{ externalId: 'lock-buyer', phone: '+14155557101' }] }, key);
  const [buyer] = await t.sql<{ id: string; workspace_id: string }>("select id, workspace_id from contacts where external_id = 'lock-buyer'");
  const insert = (c: Client, orderId: string) =>
    c.query("insert into orders (id, workspace_id, order_id, contact_id, value, occurred_at, source) values (gen_random_uuid(), $1, $2, $3, 1, now(), 'test') on conflict do nothing", [buyer!.workspace_id, orderId, buyer!.id]);
  // Another writer holds order id "b" (uncommitted); the request brings c, b, a in that order.
  const other = new Client({ connectionString: t.databaseUrl });
  await other.connect();
  try {
    await other.query('begin');
    await insert(other, 'lock-b');
    const pending = t.gql(RecordOrdersDocument, { orders: ['lock-c', 'lock-b', 'lock-a'].map((orderId) => ({ externalId: 'lock-buyer', orderId, value: 1 })) }, key);
    await until(
      async () => Number((await t.sql<{ n: string }>("select count(*) as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database() and query ilike '%insert into orders%'"))[0]!.n),
      (n) => n > 0,
    );
    // The request now waits on "b". In sorted order it holds "a" only, so "c" is free: the other
    // writer takes it at once (a writer going c → b would be deadlocked with a request holding c).
    await other.query("set local lock_timeout = '100ms'");
    await expect(insert(other, 'lock-c')).resolves.toBeDefined();
    await other.query('commit');
    const r = await pending;
    expect(r.errors).toBeUndefined();
    expect(r.data!.recordOrders).toMatchObject({ accepted: 1, duplicates: 2, rejected: [] });
  } finally {
    await other.end();
  }
  const rows = await t.sql<{ order_id: string; source: string }>("select order_id, source from orders where order_id like 'lock-%' order by order_id");
  expect(rows).toEqual([{ order_id: 'lock-a', source: 'api' }, { order_id: 'lock-b', source: 'test' }, { order_id: 'lock-c', source: 'test' }]);
});

it('reads a bounded number of rows per order when many contacts share the email an order names', async () => {
  const key = await t.newWorkspaceKey('orders-shared-email');
  const SHARING = 60;
  await t.ok(UpsertContactsDocument, { contacts: Array.from({ length: SHARING }, (_, i) => ({ externalId: `fam-${i}`, phone: `+1415558${String(1000 + i)}`, email: 'family@example.com' })) }, key);
  const [{ workspace_id: ws }] = await t.sql<{ workspace_id: string }>("select workspace_id from contacts where external_id = 'fam-0'");
  // A pipeline of its own on the real database, whose statements' row counts are recorded.
  const rowsPerStatement: number[] = [];
  class CountingPool extends SqlPool {
    override transaction<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
      return super.transaction((tx) => fn({ query: async (text, params) => { const rows = await tx.query(text, params); rowsPerStatement.push(rows.length); return rows as never; } }));
    }
  }
  const logger = pino({ level: 'silent' });
  const db = new CountingPool(t.databaseUrl, logger);
  try {
    const pipeline = new OrderPipeline(db, logger, new IngestionPipeline(db, logger, new Counter({ name: 'rv_probe_events', help: 'probe', labelNames: ['outcome'], registers: [] })), 7);
    const ORDERS = 40;
    const orders = Array.from({ length: ORDERS }, (_, i) => ({
      contact: { contactId: null, externalId: i % 2 === 0 ? null : `fam-${i}`, phone: null, email: 'family@example.com' },
      orderId: `fam-order-${i}`, value: 1, occurredAt: new Date(), merchantId: null,
    }));
    const { outcomes } = await pipeline.record(ws!, orders, 'api');
    // Email alone: ambiguous; with the externalId of one of them: that contact.
    expect(outcomes.filter((o) => o === 'ACCEPTED')).toHaveLength(ORDERS / 2);
    expect(outcomes.filter((o) => typeof o === 'object' && o.code === 'CONTACT_AMBIGUOUS')).toHaveLength(ORDERS / 2);
    // At most 2 matches by email per order (enough to decide), plus one per other identifier.
    expect(Math.max(...rowsPerStatement)).toBeLessThanOrEqual(ORDERS * 3);
  } finally {
    await db.close();
  }
});
