import { Migration } from '@mikro-orm/migrations';

/**
 * The event log partitioned by month of `received_at`, so that retention is a partition drop
 * (EVENT_RETENTION_DAYS, src/db/event-partitions.ts).
 *
 * Partition key: `received_at` (server time, set by the insert). Every insert lands in the current
 * month's partition, and "older than N days" means "received more than N days ago", which a whole
 * partition either is or is not. `occurred_at` is client-provided (any date a webhook or a client
 * sends), so it would scatter inserts over old partitions and let a late event of last year be
 * dropped the day it arrives.
 *
 * A unique constraint of a partitioned table must contain the partition key, so idempotency moves to
 * its own table, `event_keys` (PK workspace_id, idempotency_key), written by the same statement as
 * the event: a repeated key is a duplicate exactly as before. `received_at` there lets retention
 * forget keys as old as the events dropped (BRIN: near-free to maintain on an append-mostly table).
 *
 * The existing table is converted with its rows: renamed, a partitioned table created, one partition
 * per month from the oldest row's to next month (UTC) plus a DEFAULT one, rows and keys copied with
 * their ids, the identity moved on past the highest id, the old table dropped. The application
 * creates later months ahead (on start and daily).
 *
 * The primary key is (workspace_id, id, received_at): it must contain the partition key, and to be
 * distributable by workspace (Citus, src/db/distribution.ts) the workspace too. No foreign keys, as
 * before: rows are only written by the ingestion pipeline after it resolved campaign, contact and variant.
 */
export class Migration20261205000000_event_partitions extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table events rename to events_unpartitioned;`);
    // Index names are per schema: free them for the new table (the old one is only read from now).
    this.addSql(`alter table events_unpartitioned drop constraint events_pkey;`);
    this.addSql(`drop index events_idempotency_uq, events_campaign_idx, events_contact_idx, events_merchant_idx;`);

    this.addSql(`
      create table events (
        id bigint generated always as identity,
        workspace_id uuid not null,
        campaign_id uuid not null,
        contact_id uuid not null,
        variant_id uuid not null,
        message_id uuid,
        type text not null,
        occurred_at timestamptz not null,
        received_at timestamptz not null default now(),
        value numeric(14,4),
        sentiment text,
        url text,
        merchant_id text,
        idempotency_key text,
        source text not null,
        primary key (workspace_id, id, received_at)
      ) partition by range (received_at);`);
    this.addSql(`create index events_campaign_idx on events (campaign_id, occurred_at);`);
    this.addSql(`create index events_contact_idx on events (contact_id, occurred_at);`);
    this.addSql(`create index events_merchant_idx on events (workspace_id, contact_id) where merchant_id is not null;`);

    // Partitions named events_YYYY_MM, bounds at 00:00 UTC on the first of the month (the same
    // names and bounds src/db/event-partitions.ts computes).
    this.addSql(`
      do $$
      declare
        m timestamp;
      begin
        for m in
          select generate_series(
            date_trunc('month', least((select min(received_at) from events_unpartitioned), now()) at time zone 'UTC'),
            date_trunc('month', now() at time zone 'UTC') + interval '1 month',
            interval '1 month')
        loop
          execute format('create table %I partition of events for values from (%L) to (%L)',
            'events_' || to_char(m, 'YYYY_MM'),
            to_char(m, 'YYYY-MM-DD') || ' 00:00:00+00',
            to_char(m + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00+00');
        end loop;
      end $$;`);
    // Anything no month partition takes (a month not created yet) lands here instead of failing the insert.
    this.addSql(`create table events_default partition of events default;`);

    this.addSql(`
      insert into events (id, workspace_id, campaign_id, contact_id, variant_id, message_id, type, occurred_at, received_at, value, sentiment, url, merchant_id, idempotency_key, source)
      overriding system value
      select id, workspace_id, campaign_id, contact_id, variant_id, message_id, type, occurred_at, received_at, value, sentiment, url, merchant_id, idempotency_key, source
      from events_unpartitioned;`);
    this.addSql(`select setval(pg_get_serial_sequence('events', 'id'), coalesce((select max(id) from events_unpartitioned), 0) + 1, false);`);

    this.addSql(`
      create table event_keys (
        workspace_id uuid not null,
        idempotency_key text not null,
        received_at timestamptz not null default now(),
        primary key (workspace_id, idempotency_key)
      );`);
    this.addSql(`create index event_keys_received_idx on event_keys using brin (received_at);`);
    // The old unique index guaranteed one row per key: the first stored wins, as it did.
    this.addSql(`
      insert into event_keys (workspace_id, idempotency_key, received_at)
      select workspace_id, idempotency_key, received_at from events_unpartitioned
      where idempotency_key is not null order by received_at, id;`);

    this.addSql(`drop table events_unpartitioned;`);
  }
}
