/**
 * The durable, idempotent path of orders (recordOrders, POST /v1/orders, CSV import). Concurrent
 * requests are grouped into few transactions (src/db/group-commit.ts); in ONE transaction per batch:
 *
 * 1. resolve each order's contact in its workspace (by id, externalId, phone, email), and lock the
 *    contacts found FOR KEY SHARE (a contact deleted meanwhile rejects its order, CONTACT_NOT_FOUND);
 * 2. insert the orders, `on conflict (workspace_id, order_id) do nothing`: the first recording of
 *    an order id wins, a repeat (even with another value) is a DUPLICATE and changes nothing;
 * 3. experiment conversions (see `conversionEvents`): locked candidate assignments;
 * 4. the contacts' order_count, total_spend, last_order_at, for fresh orders only (rows locked in
 *    contact-id order);
 * 5. the CONVERTED events, through the event pipeline's own write step in the same transaction
 *    (counters, unique conversions, revenue, hourly buckets, the live publish).
 *
 * Lock order is the event pipeline's (assignments, then contacts), so the two do not deadlock
 * each other; deadlocks that still happen are retried by the group commit.
 */
import type { Logger } from 'pino';
import { GroupCommit, type GroupCommitOptions } from '../db/group-commit';
import type { Sql, SqlPool } from '../db/pool';
import { EventType } from '../domain/event-type';
import { newId } from '../shared/ids';
import { ORDER_CONVERSION_KEY_PREFIX, type NormalizedEvent } from '../tracking/event-input';
import type { IngestionPipeline, IngestRequest, Outcome } from '../tracking/ingestion';
import { decideContact, type ContactMatches, type NormalizedOrder, type OrderRejection } from './orders.input';

export type OrderOutcome = 'ACCEPTED' | 'DUPLICATE' | OrderRejection;

export interface OrderRequest {
  workspaceId: string;
  source: string;
  orders: NormalizedOrder[];
}

export interface OrderResult {
  /** One per order, in order. */
  outcomes: OrderOutcome[];
  /** Experiment conversions these orders made (CONVERTED events stored). */
  conversions: number;
}

/** The conversion events of a batch, kept with its results so they are counted only after commit. */
interface BatchResult extends OrderResult {
  conversionOutcomes?: Outcome[][];
}

/** The idempotency key of the one conversion an order can make per test recipient. */
export const conversionKey = (campaignId: string, contactId: string) => `${ORDER_CONVERSION_KEY_PREFIX}${campaignId}:${contactId}`;

export class OrderPipeline {
  private readonly queue: GroupCommit<OrderRequest, BatchResult>;

  constructor(
    db: SqlPool,
    logger: Logger,
    private readonly ingestion: IngestionPipeline,
    private readonly windowDays: number,
    opts: GroupCommitOptions = {},
  ) {
    this.queue = new GroupCommit(db, logger, {
      name: 'orders',
      size: (r) => r.orders.length,
      write: (tx, batch) => this.write(tx, batch),
      committed: (results) => {
        for (const r of results) if (r.conversionOutcomes) this.ingestion.count(r.conversionOutcomes);
      },
    }, opts);
  }

  /** Resolves, once committed, with one outcome per order, in order. */
  async record(workspaceId: string, orders: NormalizedOrder[], source: string): Promise<OrderResult> {
    if (orders.length === 0) return { outcomes: [], conversions: 0 };
    const { outcomes, conversions } = await this.queue.submit({ workspaceId, source, orders });
    return { outcomes, conversions };
  }

  private async write(tx: Sql, batch: OrderRequest[]): Promise<BatchResult[]> {
    const items = batch.flatMap((req, r) => req.orders.map((order, i) => ({ n: 0, r, i, ws: req.workspaceId, source: req.source, order, contactId: '' })));
    items.forEach((it, n) => (it.n = n));
    const results: BatchResult[] = batch.map((req) => ({ outcomes: new Array<OrderOutcome>(req.orders.length), conversions: 0 }));

    // 1. Contacts: what each identifier matches in the order's workspace (one indexed lookup each).
    const matches = await this.matchContacts(tx, items);
    let resolved: typeof items = [];
    for (const it of items) {
      const decided = decideContact(it.order.contact, matches.get(it.n) ?? {});
      if (typeof decided === 'string') {
        it.contactId = decided;
        resolved.push(it);
      } else results[it.r]!.outcomes[it.i] = decided;
    }
    if (resolved.length === 0) return results;
    // 1b. The contacts found, locked FOR KEY SHARE (what the orders' foreign key takes anyway) in id
    //     order: a contact deleted since the lookup is not returned and its order is rejected here,
    //     instead of a foreign-key violation failing the whole request; a deletion from now on waits.
    const kept: { id: string; workspace_id: string }[] = await tx.query(
      `select c.id, c.workspace_id from contacts c
       where (c.id, c.workspace_id) in (select contact_id, ws from jsonb_to_recordset($1::jsonb) as x(ws uuid, contact_id uuid))
       order by c.id
       for key share of c`,
      [JSON.stringify(resolved.map((it) => ({ ws: it.ws, contact_id: it.contactId })))],
    );
    const alive = new Set(kept.map((c) => `${c.workspace_id}|${c.id}`));
    for (const it of resolved.filter((it) => !alive.has(`${it.ws}|${it.contactId}`))) {
      results[it.r]!.outcomes[it.i] = { code: 'CONTACT_NOT_FOUND', message: `Contact ${it.contactId} was deleted` };
    }
    resolved = resolved.filter((it) => alive.has(`${it.ws}|${it.contactId}`));
    if (resolved.length === 0) return results;

    // 2. Orders, in (workspace, order id) order so that concurrent batches take the unique index's
    //    locks in one order. An order id repeated within the batch is sent once: its first occurrence.
    const sorted = [...resolved].sort((a, b) => cmp(a.ws, b.ws) || cmp(a.order.orderId, b.order.orderId) || a.n - b.n);
    const firsts = sorted.filter((it, k) => k === 0 || it.ws !== sorted[k - 1]!.ws || it.order.orderId !== sorted[k - 1]!.order.orderId);
    const inserted: { workspace_id: string; order_id: string }[] = await tx.query(
      `insert into orders (id, workspace_id, order_id, contact_id, value, occurred_at, merchant_id, source)
       select id, workspace_id, order_id, contact_id, value, occurred_at, merchant_id, source
       from jsonb_to_recordset($1::jsonb) as x(n int, id uuid, workspace_id uuid, order_id text, contact_id uuid, value numeric, occurred_at timestamptz, merchant_id text, source text)
       order by x.n
       on conflict (workspace_id, order_id) do nothing
       returning workspace_id, order_id`,
      [
        JSON.stringify(
          // n: the sorted position, which `order by x.n` keeps (the item's own index would
          // insert in request order, and two requests in opposite orders deadlock).
          firsts.map((it, k) => ({
            n: k,
            id: newId(),
            workspace_id: it.ws,
            order_id: it.order.orderId,
            contact_id: it.contactId,
            value: it.order.value,
            occurred_at: it.order.occurredAt.toISOString(),
            merchant_id: it.order.merchantId,
            source: it.source,
          })),
        ),
      ],
    );
    const firstOf = new Map(firsts.map((it) => [`${it.ws}|${it.order.orderId}`, it.n]));
    const freshN = new Set(inserted.map((row) => firstOf.get(`${row.workspace_id}|${row.order_id}`)!));
    const fresh = resolved.filter((it) => freshN.has(it.n));
    for (const it of resolved) results[it.r]!.outcomes[it.i] = freshN.has(it.n) ? 'ACCEPTED' : 'DUPLICATE';
    if (fresh.length === 0) return results;

    // 3. Conversion candidates, locked (campaign, contact order, as the event pipeline locks them)
    //    and checked again under the lock: a conversion recorded meanwhile leaves converted_at set.
    //    Any order value converts: events.value and the revenue sums are unbounded numeric.
    //    The window is whole hours (24 × days), as attribution's: calendar days would follow the
    //    session's time zone and be 23 or 25 hours long across a DST change.
    const candidates: { workspace_id: string; campaign_id: string; contact_id: string; n: number }[] = await tx.query(
      `select a.workspace_id, a.campaign_id, a.contact_id, x.n
       from assignments a
       join jsonb_to_recordset($1::jsonb) as x(n int, ws uuid, contact_id uuid, at timestamptz)
         on a.workspace_id = x.ws and a.contact_id = x.contact_id
       where not a.holdout and a.variant_id is not null and a.converted_at is null
         and a.sent_at is not null and x.at >= a.sent_at and x.at <= a.sent_at + make_interval(hours => 24 * $2)
       order by a.campaign_id, a.contact_id
       for update of a`,
      [JSON.stringify(fresh.map((it) => ({ n: it.n, ws: it.ws, contact_id: it.contactId, at: it.order.occurredAt.toISOString() }))), this.windowDays],
    );

    // 4. Purchase totals of fresh orders; the contacts locked in id order first. FOR NO KEY UPDATE
    //    (what the update takes anyway) does not wait for the key-share locks other batches' order
    //    inserts hold on the same contacts (foreign key): FOR UPDATE would, and deadlock with them.
    const totals = JSON.stringify(fresh.map((it) => ({ ws: it.ws, contact_id: it.contactId, value: it.order.value, at: it.order.occurredAt.toISOString() })));
    await tx.query(
      `select 1 from contacts c
       where (c.id, c.workspace_id) in (select contact_id, ws from jsonb_to_recordset($1::jsonb) as x(ws uuid, contact_id uuid))
       order by c.id
       for no key update of c`,
      [totals],
    );
    await tx.query(
      `update contacts c set
         order_count = c.order_count + x.n,
         total_spend = c.total_spend + x.spend,
         last_order_at = greatest(c.last_order_at, x.last)
       from (select ws, contact_id, count(*) as n, sum(value) as spend, max(at) as last
             from jsonb_to_recordset($1::jsonb) as y(ws uuid, contact_id uuid, value numeric, at timestamptz)
             group by ws, contact_id) x
       where c.id = x.contact_id and c.workspace_id = x.ws`,
      [totals],
    );

    // 5. The conversions, through the event pipeline's write step (same transaction).
    const byN = new Map(fresh.map((it) => [it.n, it]));
    const events = conversionEvents(candidates.map((c) => ({ campaignId: c.campaign_id, contactId: c.contact_id, order: byN.get(c.n)! })));
    if (events.length === 0) return results;
    const requests = new Map<string, IngestRequest & { from: number[] }>();
    for (const { event, order } of events) {
      const req = requests.get(order.ws) ?? { workspaceId: order.ws, source: 'order', events: [], from: [] };
      req.events.push(event);
      req.from.push(order.r);
      requests.set(order.ws, req);
    }
    const list = [...requests.values()];
    const outcomes = await this.ingestion.writeIn(tx, list);
    list.forEach((req, k) => outcomes[k]!.forEach((o, j) => o === 'ACCEPTED' && results[req.from[j]!]!.conversions++));
    results[0]!.conversionOutcomes = outcomes;
    return results;
  }

  private async matchContacts(tx: Sql, items: { n: number; ws: string; order: NormalizedOrder }[]): Promise<Map<number, ContactMatches>> {
    const rows: { n: number; by: keyof ContactMatches; id: string }[] = await tx.query(
      `with x as (
         select * from jsonb_to_recordset($1::jsonb) as x(n int, ws uuid, contact_id uuid, external_id text, phone text, email text)
       )
       select x.n, 'contactId' as by, c.id from x join contacts c on c.workspace_id = x.ws and c.id = x.contact_id
       union all
       select x.n, 'externalId', c.id from x join contacts c on c.workspace_id = x.ws and c.external_id = x.external_id
       union all
       select x.n, 'phone', c.id from x join contacts c on c.workspace_id = x.ws and c.phone = x.phone
       union all
       -- An email may be shared by any number of contacts: two are enough to decide (one, or
       -- ambiguous), and whether the contact the other identifiers name has it (index lookups).
       select x.n, 'email', e.id from x cross join lateral (
         select c.id from contacts c where c.workspace_id = x.ws and c.email = x.email limit 2
       ) e
       union all
       select x.n, 'email', c.id from x join contacts c on c.workspace_id = x.ws and c.id = x.contact_id and c.email = x.email
       union all
       select x.n, 'email', c.id from x join contacts c on c.workspace_id = x.ws and c.external_id = x.external_id and c.email = x.email
       union all
       select x.n, 'email', c.id from x join contacts c on c.workspace_id = x.ws and c.phone = x.phone and c.email = x.email`,
      [JSON.stringify(items.map((it) => ({ n: it.n, ws: it.ws, contact_id: it.order.contact.contactId, external_id: it.order.contact.externalId, phone: it.order.contact.phone, email: it.order.contact.email })))],
    );
    const out = new Map<number, ContactMatches>();
    for (const row of rows) {
      const m = out.get(row.n) ?? {};
      const ids = (m[row.by] ??= []);
      if (!ids.includes(row.id)) ids.push(row.id);
      out.set(row.n, m);
    }
    return out;
  }
}

interface Candidate<O> {
  campaignId: string;
  contactId: string;
  order: O & { n: number; order: NormalizedOrder };
}

/**
 * One CONVERTED event per (campaign, recipient) among a batch's candidate pairs: the earliest
 * order in the window (then the first given), with the order's value, time and merchant, and the
 * idempotency key that makes it the only order conversion of that recipient, across batches too.
 * Pure.
 */
export function conversionEvents<O>(candidates: Candidate<O>[]): { event: NormalizedEvent; order: Candidate<O>['order'] }[] {
  const best = new Map<string, Candidate<O>>();
  for (const c of candidates) {
    const key = `${c.campaignId}|${c.contactId}`;
    const held = best.get(key);
    const at = c.order.order.occurredAt.getTime();
    if (!held || at < held.order.order.occurredAt.getTime() || (at === held.order.order.occurredAt.getTime() && c.order.n < held.order.n)) best.set(key, c);
  }
  return [...best.values()].map((c) => ({
    order: c.order,
    event: {
      campaignId: c.campaignId,
      contactId: c.contactId,
      type: EventType.CONVERTED,
      variantId: null,
      occurredAt: c.order.order.occurredAt,
      value: c.order.order.value,
      sentiment: null,
      url: null,
      merchantId: c.order.order.merchantId,
      idempotencyKey: conversionKey(c.campaignId, c.contactId),
    },
  }));
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
