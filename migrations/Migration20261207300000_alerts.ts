import { Migration } from '@mikro-orm/migrations';

/**
 * Alerts (src/operations/alerts.ts): one row per raised condition, open until it clears; a
 * delivery row per (alert, RAISED|CLEARED, WEBHOOK|EMAIL) so each notification is sent once and
 * retried on later runs when it fails. job_health keeps each scheduled job's consecutive failures
 * (JOB_FAILING). The alert webhook URL is kept like a secret (write-only: such URLs often carry a
 * token), the alert email in the settings.
 */
export class Migration20261207300000_alerts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table workspaces add column alert_webhook_url text;`);
    this.addSql(`
      create table alerts (
        id uuid not null,
        workspace_id uuid not null references workspaces(id) on delete cascade,
        key text not null,
        kind text not null,
        summary text not null,
        details jsonb not null default '{}',
        raised_at timestamptz not null default now(),
        cleared_at timestamptz,
        primary key (id, workspace_id)
      );`);
    // One open alert per condition and workspace: a second raise (another instance) conflicts.
    this.addSql(`create unique index alerts_open_key on alerts (key, workspace_id) where cleared_at is null;`);
    this.addSql(`create index alerts_workspace_raised_idx on alerts (workspace_id, raised_at desc);`);
    this.addSql(`
      create table alert_deliveries (
        id uuid not null,
        workspace_id uuid not null,
        alert_id uuid not null,
        state text not null check (state in ('RAISED','CLEARED')),
        channel text not null check (channel in ('WEBHOOK','EMAIL')),
        status text not null default 'PENDING' check (status in ('PENDING','DELIVERED','FAILED')),
        attempts int not null default 0,
        next_attempt_at timestamptz not null default now(),
        last_error text,
        delivered_at timestamptz,
        created_at timestamptz not null default now(),
        primary key (id, workspace_id),
        foreign key (alert_id, workspace_id) references alerts (id, workspace_id) on delete cascade
      );`);
    this.addSql(`create unique index alert_deliveries_once on alert_deliveries (alert_id, state, channel, workspace_id);`);
    this.addSql(`create index alert_deliveries_due_idx on alert_deliveries (next_attempt_at) where status = 'PENDING';`);
    this.addSql(`
      create table job_health (
        name text primary key,
        consecutive_failures int not null default 0,
        last_error text,
        last_failure_at timestamptz,
        last_success_at timestamptz,
        updated_at timestamptz not null default now()
      );`);
  }
}
