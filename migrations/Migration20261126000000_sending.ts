import { Migration } from '@mikro-orm/migrations';

/**
 * Sending: campaign schedules and runs, and the send queue (one row per recipient per run; its
 * idempotency key makes a retry after a crash the same send, never a second message).
 */
export class Migration20261126000000_sending extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table campaigns
        add column schedule jsonb,
        add column next_run_at timestamptz,
        -- per-variant true rates the simulator answers with (demo and tests)
        add column simulation jsonb;`);
    this.addSql(`create index campaigns_due_idx on campaigns (next_run_at) where next_run_at is not null;`);

    this.addSql(`
      create table campaign_runs (
        id uuid primary key,
        workspace_id uuid not null references workspaces(id) on delete cascade,
        campaign_id uuid not null references campaigns(id) on delete cascade,
        run_number int not null,
        scheduled_for timestamptz not null,
        started_at timestamptz not null default now(),
        queued int not null default 0,
        skipped_opted_out int not null default 0,
        skipped_no_consent int not null default 0,
        skipped_capped int not null default 0,
        unique (campaign_id, run_number)
      );`);

    this.addSql(`
      create table sends (
        id uuid primary key,
        workspace_id uuid not null references workspaces(id) on delete cascade,
        campaign_id uuid not null references campaigns(id) on delete cascade,
        run_id uuid not null references campaign_runs(id) on delete cascade,
        contact_id uuid not null references contacts(id) on delete cascade,
        variant_id uuid not null,
        idempotency_key text not null unique,
        status text not null default 'PENDING' check (status in ('PENDING','SENT','FAILED','CANCELED')),
        attempts int not null default 0,
        next_attempt_at timestamptz not null default now(),
        provider text,
        provider_message_id text,
        last_error text,
        created_at timestamptz not null default now(),
        sent_at timestamptz
      );`);
    this.addSql(`create index sends_due_idx on sends (next_attempt_at) where status = 'PENDING';`);
    this.addSql(`create index sends_campaign_idx on sends (campaign_id, status);`);
    // The workspace send rate, shared by every instance: one row per workspace and second.
    this.addSql(`
      create table send_rate (
        workspace_id uuid not null references workspaces(id) on delete cascade,
        second timestamptz not null,
        used int not null,
        primary key (workspace_id, second)
      );`);
  }
}
