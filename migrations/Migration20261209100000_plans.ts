import { Migration } from '@mikro-orm/migrations';

/**
 * Workspace plans (src/plans/): the plan a workspace is on (null: the configured default), its
 * campaign messages per calendar month (UTC) — granted (`sent`) and refused over the limit
 * (`skipped`) — and, on each send, the month its grant was counted in, so that a send retried
 * after its lease reuses its grant instead of counting again.
 */
export class Migration20261209100000_plans extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table workspaces add column plan text;`);
    this.addSql(`
      create table plan_usage (
        workspace_id uuid not null references workspaces(id) on delete cascade,
        month date not null,
        sent int not null default 0,
        skipped int not null default 0,
        last_grant int not null default 0,
        updated_at timestamptz not null default now(),
        primary key (workspace_id, month)
      );`);
    this.addSql(`alter table sends add column plan_month date;`);
  }
}
