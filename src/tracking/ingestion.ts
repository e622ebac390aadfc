/**
 * The one ingestion pipeline (trackEvents, POST /v1/events, webhooks, tracked links):
 * validate → resolve campaign, contact and variant → idempotency → insert events and update
 * recipients, counters and hourly buckets in one transaction → publish (NOTIFY, delivered on
 * commit). Concurrent requests are grouped into few transactions (group commit, src/db/group-commit.ts),
 * so throughput does not depend on one round trip per event. A request's promise resolves only after commit.
 */
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import { GroupCommit, type GroupCommitOptions } from '../db/group-commit';
import type { Sql, SqlPool } from '../db/pool';
import { LIVE_CHANNEL, type LiveMessage } from '../domain/announcements';
import { applyEvents, COUNTER_COLUMN, FACTS, recipientKey, type Fact, type RecipientState } from './engagement';
import { EventType } from '../domain/event-type';
import type { EventRejection, NormalizedEvent } from './event-input';

export type Outcome = 'ACCEPTED' | 'DUPLICATE' | EventRejection;

/** A request to the pipeline: one workspace's events from one source. */
export interface IngestRequest {
  workspaceId: string;
  source: string;
  events: NormalizedEvent[];
}

/** Assignment columns holding the first time of each fact. */
const FACT_COLUMN: Record<Fact, string> = {
  sent: 'sent_at',
  delivered: 'delivered_at',
  failed: 'failed_at',
  opened: 'opened_at',
  clicked: 'clicked_at',
  replied: 'replied_at',
  positiveReplies: 'positive_reply_at',
  negativeReplies: 'negative_reply_at',
  neutralReplies: 'neutral_reply_at',
  converted: 'converted_at',
  optedOut: 'opted_out_at',
};

export class IngestionPipeline {
  private readonly queue: GroupCommit<IngestRequest, Outcome[]>;

  constructor(
    db: SqlPool,
    logger: Logger,
    private readonly counter: Counter<'outcome'>,
    opts: GroupCommitOptions = {},
  ) {
    this.queue = new GroupCommit(db, logger, {
      name: 'ingestion',
      size: (r) => r.events.length,
      write: (tx, batch) => this.write(tx, batch),
      committed: (outcomes) => this.count(outcomes),
    }, opts);
  }

  /** Resolves, once committed, with one outcome per event, in order. */
  ingest(workspaceId: string, events: NormalizedEvent[], source: string): Promise<Outcome[]> {
    if (events.length === 0) return Promise.resolve([]);
    return this.queue.submit({ workspaceId, source, events });
  }

  /**
   * The per-batch write, inside a transaction the caller owns (orders write the conversions they
   * make in their own transaction). Call `count` with the outcomes once that transaction committed.
   */
  async writeIn(tx: Sql, batch: IngestRequest[]): Promise<Outcome[][]> {
    const nonEmpty = batch.filter((r) => r.events.length > 0);
    const outcomes = nonEmpty.length > 0 ? await this.write(tx, nonEmpty) : [];
    let i = 0;
    return batch.map((r) => (r.events.length > 0 ? outcomes[i++]! : []));
  }

  /** Counts committed outcomes in splitcast's ingestion counter. */
  count(outcomes: Outcome[][]): void {
    for (const list of outcomes) {
      for (const o of list) this.counter.inc({ outcome: typeof o === 'string' ? o : 'REJECTED' });
    }
  }

  private async write(tx: Sql, batch: IngestRequest[]): Promise<Outcome[][]> {
    // Flatten: one row per event, remembering where it came from.
    const items = batch.flatMap((p, r) => p.events.map((event, i) => ({ r, i, ws: p.workspaceId, source: p.source, event })));
    const outcomes: Outcome[][] = batch.map((p) => new Array<Outcome>(p.events.length));

    // 1. Resolve recipients, locking their rows in a fixed order (no deadlocks between batches).
    const pairs = new Map<string, { ws: string; campaign: string; contact: string }>();
    for (const it of items) pairs.set(`${it.ws}|${recipientKey(it.event.campaignId, it.event.contactId)}`, { ws: it.ws, campaign: it.event.campaignId, contact: it.event.contactId });
    const stateRows: Record<string, unknown>[] = await tx.query(
      `select a.workspace_id, a.campaign_id, a.contact_id, a.variant_id, a.revenue, ${FACTS.map((f) => `a.${FACT_COLUMN[f]}`).join(', ')}
       from assignments a
       join jsonb_to_recordset($1::jsonb) as x(ws uuid, campaign uuid, contact uuid)
         on a.campaign_id = x.campaign and a.contact_id = x.contact and a.workspace_id = x.ws
       order by a.campaign_id, a.contact_id
       for update of a`,
      [JSON.stringify([...pairs.values()])],
    );
    const states = new Map<string, RecipientState>();
    for (const row of stateRows) {
      if (row.variant_id === null) continue; // in the remainder: not a test recipient yet
      const first: RecipientState['first'] = {};
      // Raw queries return timestamps as text (MikroORM keeps PostgreSQL's microseconds).
      for (const f of FACTS) first[f] = row[FACT_COLUMN[f]] == null ? null : new Date(row[FACT_COLUMN[f]] as string);
      states.set(`${row.workspace_id}|${recipientKey(row.campaign_id as string, row.contact_id as string)}`, {
        workspaceId: row.workspace_id as string,
        campaignId: row.campaign_id as string,
        contactId: row.contact_id as string,
        variantId: row.variant_id as string,
        revenue: Number(row.revenue),
        first,
      });
    }

    // 2. Reject events that are not about a recipient, or name another variant.
    const unresolved = items.filter((it) => !states.has(`${it.ws}|${recipientKey(it.event.campaignId, it.event.contactId)}`));
    const knownCampaigns = unresolved.length ? await this.existingCampaigns(tx, unresolved.map((it) => ({ ws: it.ws, id: it.event.campaignId }))) : new Set<string>();
    const candidates: typeof items = [];
    for (const it of items) {
      const state = states.get(`${it.ws}|${recipientKey(it.event.campaignId, it.event.contactId)}`);
      if (!state) {
        outcomes[it.r]![it.i] = knownCampaigns.has(`${it.ws}|${it.event.campaignId}`)
          ? { code: 'NOT_A_RECIPIENT', message: `Contact ${it.event.contactId} is not a recipient of campaign ${it.event.campaignId}` }
          : { code: 'NOT_FOUND', message: `Campaign ${it.event.campaignId} not found` };
      } else if (it.event.variantId && it.event.variantId !== state.variantId) {
        outcomes[it.r]![it.i] = { code: 'VARIANT_MISMATCH', message: `Contact ${it.event.contactId} is assigned variant ${state.variantId}, not ${it.event.variantId}` };
      } else {
        candidates.push(it);
      }
    }
    if (candidates.length === 0) return outcomes;

    // 3. Idempotency: a key already stored in the workspace (table event_keys, written by the same
    //    statement as the event) is a duplicate. The event log is partitioned by month, so it cannot
    //    hold a unique index on the key itself (it would have to contain received_at). Rows go in key
    //    order so that concurrent batches take unique-index locks in the same order; a key repeated
    //    within the batch is sent once (its first event in that order is the one stored).
    const sorted = candidates
      .map((it) => ({ it, state: states.get(`${it.ws}|${recipientKey(it.event.campaignId, it.event.contactId)}`)! }))
      .sort((a, b) => keyOf(a.it).localeCompare(keyOf(b.it)));
    const sent = new Set<string>();
    const rows = sorted.filter(({ it }) => {
      if (it.event.idempotencyKey === null) return true;
      const key = `${it.ws}|${it.event.idempotencyKey}`;
      if (sent.has(key)) return false;
      sent.add(key);
      return true;
    });
    const insertedKeys: { workspace_id: string; idempotency_key: string | null }[] = await tx.query(
      `with x as (
         select * from jsonb_to_recordset($1::jsonb) as x(n int, workspace_id uuid, campaign_id uuid, contact_id uuid, variant_id uuid, message_id uuid,
              type text, occurred_at timestamptz, value numeric, sentiment text, url text, merchant_id text, idempotency_key text, source text)
       ),
       fresh as (
         insert into event_keys (workspace_id, idempotency_key)
         select workspace_id, idempotency_key from x where idempotency_key is not null order by n
         on conflict (workspace_id, idempotency_key) do nothing
         returning workspace_id, idempotency_key
       )
       insert into events (workspace_id, campaign_id, contact_id, variant_id, message_id, type, occurred_at, value, sentiment, url, merchant_id, idempotency_key, source)
       select workspace_id, campaign_id, contact_id, variant_id, message_id, type, occurred_at, value, sentiment, url, merchant_id, idempotency_key, source
       from x
       where x.idempotency_key is null
          or exists (select 1 from fresh f where f.workspace_id = x.workspace_id and f.idempotency_key = x.idempotency_key)
       order by x.n
       returning workspace_id, idempotency_key`,
      [
        JSON.stringify(
          rows.map(({ it, state }, n) => ({
            n,
            workspace_id: it.ws,
            campaign_id: it.event.campaignId,
            contact_id: it.event.contactId,
            variant_id: state.variantId,
            message_id: it.event.messageId ?? null,
            type: it.event.type,
            occurred_at: it.event.occurredAt.toISOString(),
            value: it.event.value,
            sentiment: it.event.sentiment,
            url: it.event.url,
            merchant_id: it.event.merchantId,
            idempotency_key: it.event.idempotencyKey,
            source: it.source,
          })),
        ),
      ],
    );
    // A key is inserted at most once; the first event carrying it (in insert order) is the one stored.
    const fresh = new Set(insertedKeys.filter((k) => k.idempotency_key !== null).map((k) => `${k.workspace_id}|${k.idempotency_key}`));
    const stored: typeof candidates = [];
    for (const { it } of sorted) {
      const key = it.event.idempotencyKey === null ? null : `${it.ws}|${it.event.idempotencyKey}`;
      if (key === null || fresh.delete(key)) {
        outcomes[it.r]![it.i] = 'ACCEPTED';
        stored.push(it);
      } else {
        outcomes[it.r]![it.i] = 'DUPLICATE';
      }
    }
    if (stored.length === 0) return outcomes;

    // 4. Unique counting, counters, hourly buckets, contact activity — one statement.
    // Campaign ids are unique across workspaces, so once validated the workspace can leave the key.
    const update = applyEvents(
      new Map([...states].map(([k, v]) => [k.slice(k.indexOf('|') + 1), v])),
      stored.map((it) => it.event),
    );
    const activity = new Map<string, { contact_id: string; workspace_id: string; at: string; sent_at: string | null; replied_at: string | null }>();
    for (const it of stored) {
      const e = it.event;
      const a = activity.get(e.contactId) ?? { contact_id: e.contactId, workspace_id: it.ws, at: e.occurredAt.toISOString(), sent_at: null, replied_at: null };
      if (e.occurredAt.toISOString() > a.at) a.at = e.occurredAt.toISOString();
      if (e.type === EventType.SENT && (!a.sent_at || e.occurredAt.toISOString() > a.sent_at)) a.sent_at = e.occurredAt.toISOString();
      if (e.type === EventType.REPLIED && (!a.replied_at || e.occurredAt.toISOString() > a.replied_at)) a.replied_at = e.occurredAt.toISOString();
      activity.set(e.contactId, a);
    }
    const campaigns = [...new Set(stored.map((it) => `${it.ws}|${it.event.campaignId}`))].map((k) => {
      const [w, c] = k.split('|');
      return JSON.stringify({ kind: 'stats', workspaceId: w, campaignId: c } satisfies LiveMessage);
    });
    const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
    const workspaceOf = new Map(stored.map((it) => [it.event.campaignId, it.ws]));
    await tx.query(
      `with recipients as (
         update assignments a set
           ${FACTS.map((f) => `${FACT_COLUMN[f]} = x.${FACT_COLUMN[f]}`).join(', ')},
           revenue = x.revenue
         from jsonb_to_recordset($1::jsonb) as x(campaign_id uuid, contact_id uuid, workspace_id uuid, revenue numeric,
              ${FACTS.map((f) => `${FACT_COLUMN[f]} timestamptz`).join(', ')})
         where a.campaign_id = x.campaign_id and a.contact_id = x.contact_id and a.workspace_id = x.workspace_id
       ),
       counters as (
         insert into variant_counters (variant_id, campaign_id, workspace_id, messages, ${FACTS.map((f) => COUNTER_COLUMN[f]).join(', ')}, revenue, revenue_sq, response_seconds, responses, events)
         select variant_id, campaign_id, workspace_id, messages, ${FACTS.map((f) => COUNTER_COLUMN[f]).join(', ')}, revenue, revenue_sq, response_seconds, responses, events
         from jsonb_to_recordset($2::jsonb) as x(variant_id uuid, campaign_id uuid, workspace_id uuid, messages bigint,
              ${FACTS.map((f) => `${COUNTER_COLUMN[f]} bigint`).join(', ')}, revenue numeric, revenue_sq numeric, response_seconds numeric, responses bigint, events bigint)
         order by variant_id
         on conflict (variant_id, workspace_id) do update set
           messages = variant_counters.messages + excluded.messages,
           ${FACTS.map((f) => `${COUNTER_COLUMN[f]} = variant_counters.${COUNTER_COLUMN[f]} + excluded.${COUNTER_COLUMN[f]}`).join(', ')},
           revenue = variant_counters.revenue + excluded.revenue,
           revenue_sq = variant_counters.revenue_sq + excluded.revenue_sq,
           response_seconds = variant_counters.response_seconds + excluded.response_seconds,
           responses = variant_counters.responses + excluded.responses,
           events = variant_counters.events + excluded.events,
           updated_at = now()
       ),
       hourly as (
         insert into variant_hourly (variant_id, hour, campaign_id, workspace_id, messages, ${FACTS.map((f) => COUNTER_COLUMN[f]).join(', ')}, revenue)
         select variant_id, hour, campaign_id, workspace_id, messages, ${FACTS.map((f) => COUNTER_COLUMN[f]).join(', ')}, revenue
         from jsonb_to_recordset($3::jsonb) as x(variant_id uuid, hour timestamptz, campaign_id uuid, workspace_id uuid, messages bigint,
              ${FACTS.map((f) => `${COUNTER_COLUMN[f]} bigint`).join(', ')}, revenue numeric)
         order by variant_id, hour
         on conflict (variant_id, hour, workspace_id) do update set
           messages = variant_hourly.messages + excluded.messages,
           ${FACTS.map((f) => `${COUNTER_COLUMN[f]} = variant_hourly.${COUNTER_COLUMN[f]} + excluded.${COUNTER_COLUMN[f]}`).join(', ')},
           revenue = variant_hourly.revenue + excluded.revenue
       ),
       activity as (
         update contacts c set
           last_event_at = greatest(c.last_event_at, x.at),
           last_messaged_at = greatest(c.last_messaged_at, x.sent_at),
           last_replied_at = greatest(c.last_replied_at, x.replied_at)
         from (select * from jsonb_to_recordset($4::jsonb) as y(contact_id uuid, workspace_id uuid, at timestamptz, sent_at timestamptz, replied_at timestamptz) order by contact_id) x
         where c.id = x.contact_id and c.workspace_id = x.workspace_id
           and (c.last_event_at is null or c.last_event_at < x.at
                or (x.sent_at is not null and (c.last_messaged_at is null or c.last_messaged_at < x.sent_at))
                or (x.replied_at is not null and (c.last_replied_at is null or c.last_replied_at < x.replied_at)))
       )
       select count(pg_notify($5, m)) from jsonb_array_elements_text($6::jsonb) as m`,
      [
        JSON.stringify(
          update.recipients.map((r) => ({
            campaign_id: r.campaignId,
            contact_id: r.contactId,
            workspace_id: r.workspaceId,
            revenue: r.revenue,
            ...Object.fromEntries(FACTS.map((f) => [FACT_COLUMN[f], iso(r.first[f])])),
          })),
        ),
        JSON.stringify(
          update.variants.map((v) => ({
            variant_id: v.variantId,
            campaign_id: v.campaignId,
            workspace_id: v.workspaceId,
            messages: v.messages,
            ...Object.fromEntries(FACTS.map((f) => [COUNTER_COLUMN[f], v[f]])),
            revenue: v.revenue,
            revenue_sq: v.revenueSq,
            response_seconds: v.responseSeconds,
            responses: v.responses,
            events: v.events,
          })),
        ),
        JSON.stringify(
          update.hourly.map((h) => ({
            variant_id: h.variantId,
            hour: h.hour.toISOString(),
            campaign_id: h.campaignId,
            workspace_id: workspaceOf.get(h.campaignId),
            messages: h.messages,
            ...Object.fromEntries(FACTS.map((f) => [COUNTER_COLUMN[f], h[f]])),
            revenue: h.revenue,
          })),
        ),
        JSON.stringify([...activity.values()]),
        LIVE_CHANNEL,
        JSON.stringify(campaigns),
      ],
    );

    // 5. Opt-out and opt-in events change the contact and go to the opt-out log.
    const consent = stored.filter((it) => it.event.type === EventType.OPTED_OUT || it.event.type === EventType.OPTED_IN);
    if (consent.length > 0) await this.applyConsent(tx, consent.map((it) => ({ ws: it.ws, source: it.source, event: it.event })));
    return outcomes;
  }

  /**
   * Opt-outs follow the channel: an event acts on the channel of its campaign (STOP by SMS on SMS,
   * an email unsubscribe on EMAIL). The latest opt-out / opt-in per contact and channel decides;
   * only real changes are logged, with their channel. `opted_out_at` is the latest opt-out on any
   * channel (null once none is left).
   */
  private async applyConsent(tx: Sql, items: { ws: string; source: string; event: NormalizedEvent }[]): Promise<void> {
    await tx.query(
      `with x as (
         select * from jsonb_to_recordset($1::jsonb) as y(n int, workspace_id uuid, contact_id uuid, campaign_id uuid, opted_out boolean, at timestamptz, source text, keyword text)
       ),
       latest as (
         select distinct on (x.workspace_id, x.contact_id, cp.channel) x.*, cp.channel
         from x join campaigns cp on cp.id = x.campaign_id and cp.workspace_id = x.workspace_id
         order by x.workspace_id, x.contact_id, cp.channel, x.at desc, x.n desc
       ),
       -- One row per contact: the channels to add to and remove from its opt-outs.
       per_contact as (
         select workspace_id, contact_id,
                coalesce(array_agg(channel) filter (where opted_out), '{}') as add_channels,
                coalesce(array_agg(channel) filter (where not opted_out), '{}') as remove_channels,
                max(at) filter (where opted_out) as last_out
         from latest group by workspace_id, contact_id
       ),
       -- The state before the change (locked): which channels this statement really changes.
       -- FOR NO KEY UPDATE, what the update takes: FOR UPDATE would also wait for key-share locks
       -- (an order being recorded for the contact holds one while it waits for this batch's
       -- assignment lock: a deadlock).
       before as (
         select c.id, c.workspace_id, c.opted_out_channels as was from contacts c join per_contact p on c.id = p.contact_id and c.workspace_id = p.workspace_id
         for no key update of c
       ),
       changed as (
         update contacts c set
           opted_out_channels = array(
             select ch from unnest(array['SMS', 'WHATSAPP', 'EMAIL']::text[]) with ordinality as t(ch, i)
             where (ch = any(c.opted_out_channels) or ch = any(p.add_channels)) and not ch = any(p.remove_channels)
             order by i),
           opted_out_at = case
             when p.last_out is not null and not c.opted_out_channels @> p.add_channels then greatest(p.last_out, c.opted_out_at)
             when c.opted_out_channels <@ p.remove_channels then null
             else c.opted_out_at end
         from per_contact p join before b on b.id = p.contact_id and b.workspace_id = p.workspace_id
         where c.id = p.contact_id and c.workspace_id = p.workspace_id
           and (not c.opted_out_channels @> p.add_channels or c.opted_out_channels && p.remove_channels)
         returning c.id, c.workspace_id, b.was
       )
       insert into opt_out_log (id, workspace_id, contact_id, action, channel, source, keyword, at)
       select gen_random_uuid(), l.workspace_id, l.contact_id, case when l.opted_out then 'OPTED_OUT' else 'OPTED_IN' end, l.channel, l.source, l.keyword, l.at
       from latest l join changed ch on ch.id = l.contact_id and ch.workspace_id = l.workspace_id
       where l.opted_out <> (l.channel = any(ch.was))`,
      [
        JSON.stringify(
          items.map(({ ws, source, event }, n) => ({
            n,
            workspace_id: ws,
            contact_id: event.contactId,
            campaign_id: event.campaignId,
            opted_out: event.type === EventType.OPTED_OUT,
            at: event.occurredAt.toISOString(),
            source,
            keyword: event.keyword ?? null,
          })),
        ),
      ],
    );
  }

  private async existingCampaigns(tx: Sql, refs: { ws: string; id: string }[]): Promise<Set<string>> {
    const rows: { ws: string; id: string }[] = await tx.query(
      `select c.workspace_id as ws, c.id from campaigns c join jsonb_to_recordset($1::jsonb) as x(ws uuid, id uuid) on c.id = x.id and c.workspace_id = x.ws`,
      [JSON.stringify(refs)],
    );
    return new Set(rows.map((r) => `${r.ws}|${r.id}`));
  }
}

/** Sort key for inserts: workspace and idempotency key (events without a key sort first). */
function keyOf(it: { ws: string; event: NormalizedEvent }): string {
  return `${it.event.idempotencyKey === null ? '0' : '1'}|${it.ws}|${it.event.idempotencyKey ?? ''}`;
}
