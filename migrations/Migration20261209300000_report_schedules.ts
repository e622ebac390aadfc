import { Migration } from '@mikro-orm/migrations';

/**
 * Scheduled reports (src/reports/report-*.ts): a schedule per RRULE and zone with its destinations,
 * and one delivery row per (run, destination) carrying the report built once for that run, so a
 * failed destination is retried (and visible) without building the report again.
 */
export class Migration20261209300000_report_schedules extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table report_schedules (
        id uuid not null,
        workspace_id uuid not null references workspaces(id) on delete cascade,
        recurrence text not null,
        timezone text not null,
        emails text[] not null default '{}',
        webhook_urls text[] not null default '{}',
        days int not null check (days between 1 and 366),
        next_run_at timestamptz,
        last_run_at timestamptz,
        created_at timestamptz not null default now(),
        primary key (id, workspace_id)
      );`);
    this.addSql(`create index report_schedules_due_idx on report_schedules (next_run_at) where next_run_at is not null;`);
    this.addSql(`create index report_schedules_workspace_idx on report_schedules (workspace_id, created_at);`);
    this.addSql(`
      create table report_deliveries (
        id uuid not null,
        workspace_id uuid not null,
        schedule_id uuid not null,
        run_at timestamptz not null,
        channel text not null check (channel in ('EMAIL','WEBHOOK')),
        destination text not null,
        report jsonb not null,
        status text not null default 'PENDING' check (status in ('PENDING','DELIVERED','FAILED')),
        attempts int not null default 0,
        next_attempt_at timestamptz not null default now(),
        error text,
        delivered_at timestamptz,
        primary key (id, workspace_id),
        foreign key (schedule_id, workspace_id) references report_schedules (id, workspace_id) on delete cascade
      );`);
    this.addSql(`create index report_deliveries_due_idx on report_deliveries (next_attempt_at) where status = 'PENDING';`);
    this.addSql(`create index report_deliveries_schedule_idx on report_deliveries (schedule_id, workspace_id, run_at desc);`);
  }
}
