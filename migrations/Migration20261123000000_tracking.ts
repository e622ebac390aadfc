import { Migration } from '@mikro-orm/migrations';

/**
 * Event ingestion: messages (one per recipient send), tracked links, the append-only event log,
 * per-recipient engagement on the assignment row (what makes counts unique), per-variant
 * counters and hourly buckets, the webhook retry queue and the outbox of automatic replies.
 */
export class Migration20261123000000_tracking extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table messages (
        id uuid primary key,
        workspace_id uuid not null references workspaces(id) on delete cascade,
        campaign_id uuid not null references campaigns(id) on delete cascade,
        contact_id uuid not null references contacts(id) on delete cascade,
        variant_id uuid,
        provider text not null,
        provider_message_id text,
        status text not null default 'QUEUED',
        body text,
        created_at timestamptz not null default now(),
        sent_at timestamptz
      );`);
    this.addSql(`create unique index messages_provider_id_uq on messages (workspace_id, provider, provider_message_id) where provider_message_id is not null;`);
    // Inbound replies map to the contact's most recent campaign message.
    this.addSql(`create index messages_contact_recent_idx on messages (contact_id, created_at desc);`);

    this.addSql(`
      create table links (
        token text primary key,
        workspace_id uuid not null references workspaces(id) on delete cascade,
        message_id uuid references messages(id) on delete cascade,
        campaign_id uuid not null references campaigns(id) on delete cascade,
        contact_id uuid not null references contacts(id) on delete cascade,
        url text not null,
        created_at timestamptz not null default now()
      );`);

    // Append-only. No foreign keys: rows are only ever written by the ingestion pipeline, after it
    // resolved campaign, contact and variant, and a per-row trigger would halve throughput.
    this.addSql(`
      create table events (
        id bigint generated always as identity primary key,
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
        source text not null
      );`);
    this.addSql(`create unique index events_idempotency_uq on events (workspace_id, idempotency_key) where idempotency_key is not null;`);
    this.addSql(`create index events_campaign_idx on events (campaign_id, occurred_at);`);
    this.addSql(`create index events_contact_idx on events (contact_id, occurred_at);`);

    // First time each engagement happened for the recipient: an update that fills a null column
    // is a new unique count; one that finds it set is a repeat (stored, not counted again).
    this.addSql(`
      alter table assignments
        add column sent_at timestamptz,
        add column delivered_at timestamptz,
        add column failed_at timestamptz,
        add column opened_at timestamptz,
        add column clicked_at timestamptz,
        add column replied_at timestamptz,
        add column positive_reply_at timestamptz,
        add column converted_at timestamptz,
        add column opted_out_at timestamptz,
        add column revenue numeric(14,4) not null default 0;`);

    this.addSql(`
      create table variant_counters (
        variant_id uuid primary key,
        campaign_id uuid not null references campaigns(id) on delete cascade,
        workspace_id uuid not null,
        assigned bigint not null default 0,
        sent bigint not null default 0,
        delivered bigint not null default 0,
        failed bigint not null default 0,
        opened bigint not null default 0,
        clicked bigint not null default 0,
        replied bigint not null default 0,
        positive_replies bigint not null default 0,
        converted bigint not null default 0,
        opted_out bigint not null default 0,
        revenue numeric(18,4) not null default 0,
        -- Welch's t-test on revenue per recipient needs the sum of squares of recipients' totals.
        revenue_sq numeric(28,8) not null default 0,
        events bigint not null default 0,
        updated_at timestamptz not null default now()
      );`);
    this.addSql(`create index variant_counters_campaign_idx on variant_counters (campaign_id);`);

    this.addSql(`
      create table variant_hourly (
        variant_id uuid not null,
        hour timestamptz not null,
        campaign_id uuid not null references campaigns(id) on delete cascade,
        sent bigint not null default 0,
        delivered bigint not null default 0,
        failed bigint not null default 0,
        opened bigint not null default 0,
        clicked bigint not null default 0,
        replied bigint not null default 0,
        positive_replies bigint not null default 0,
        converted bigint not null default 0,
        opted_out bigint not null default 0,
        revenue numeric(18,4) not null default 0,
        primary key (variant_id, hour)
      );`);
    this.addSql(`create index variant_hourly_campaign_idx on variant_hourly (campaign_id, hour);`);

    this.addSql(`
      create table webhook_retries (
        id uuid primary key,
        workspace_id uuid not null references workspaces(id) on delete cascade,
        provider text not null,
        payload jsonb not null,
        status text not null default 'PENDING' check (status in ('PENDING','DONE','DEAD')),
        attempts int not null default 0,
        next_attempt_at timestamptz not null default now(),
        last_error text,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );`);
    this.addSql(`create index webhook_retries_due_idx on webhook_retries (next_attempt_at) where status = 'PENDING';`);

    // Automatic replies (opt-out confirmation, opt-in confirmation, HELP) for the sender to deliver.
    this.addSql(`
      create table outbox (
        id uuid primary key,
        workspace_id uuid not null references workspaces(id) on delete cascade,
        contact_id uuid not null references contacts(id) on delete cascade,
        kind text not null,
        body text not null,
        dedupe_key text not null,
        status text not null default 'QUEUED',
        created_at timestamptz not null default now(),
        sent_at timestamptz,
        unique (workspace_id, dedupe_key)
      );`);
  }
}
