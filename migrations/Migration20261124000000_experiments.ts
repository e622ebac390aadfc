import { Migration } from '@mikro-orm/migrations';

/** Winners (manual and automatic, with history) and the end of a test. */
export class Migration20261124000000_experiments extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table winners (
        id uuid primary key,
        workspace_id uuid not null references workspaces(id) on delete cascade,
        campaign_id uuid not null references campaigns(id) on delete cascade,
        variant_id uuid not null,
        source text not null check (source in ('AUTOMATIC','MANUAL')),
        confidence_level double precision,
        reason text,
        decided_at timestamptz not null default now(),
        superseded_at timestamptz
      );`);
    // One current winner per campaign; earlier declarations stay as history.
    this.addSql(`create unique index winners_current_uq on winners (campaign_id) where superseded_at is null;`);
    this.addSql(`create index winners_history_idx on winners (campaign_id, decided_at desc);`);

    this.addSql(`
      alter table campaigns
        add column test_ended_at timestamptz,
        -- endTest's hand-over to sending: who gets the remainder, and since when it is wanted.
        add column remainder_variant_id uuid,
        add column remainder_requested_at timestamptz;`);
  }
}
