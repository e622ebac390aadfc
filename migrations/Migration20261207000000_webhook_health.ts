import { Migration } from '@mikro-orm/migrations';

/**
 * Webhook health and dead letters (src/operations/webhook-health*.ts, dead-letters*.ts).
 *
 * - messages.first_status_at: when the message's first status callback was processed (the lag
 *   from send to callback, and "still waiting for a callback" for silence). Messages of the last
 *   two days get it from their first webhook event, so that a deploy does not make every recent
 *   message look unanswered; older ones stay null (the health queries look back 24 hours).
 *   messages (workspace_id, sent_at): the health queries read the last 24 hours of one workspace.
 * - webhook_receipts: webhook requests per workspace, provider, outcome and minute, added to by
 *   every instance's periodic flush; pruned after two days (snapshots keep the history).
 * - webhook_health_snapshots: one row per workspace, provider and hour (the hourly job), for charts.
 * - webhook_retries (workspace_id, created_at, id): the dead-letter list, newest first, per workspace.
 */
export class Migration20261207000000_webhook_health extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table messages add column first_status_at timestamptz;`);
    this.addSql(`
      update messages m set first_status_at = e.first
      from (select workspace_id, message_id, min(received_at) as first from events
            where received_at >= now() - interval '2 days' and message_id is not null and source like 'webhook:%'
            group by workspace_id, message_id) e
      where m.id = e.message_id and m.workspace_id = e.workspace_id and m.first_status_at is null;`);
    // Partial: messages are inserted QUEUED with no sent_at (before the provider call); only sent ones
    // are ever looked up by sent_at, so the queued insert adds no entry here.
    this.addSql(`create index messages_workspace_sent_idx on messages (workspace_id, sent_at) where sent_at is not null;`);

    this.addSql(`
      create table webhook_receipts (
        workspace_id uuid not null references workspaces(id) on delete cascade,
        provider text not null,
        outcome text not null check (outcome in ('accepted', 'duplicate', 'bad_signature', 'malformed', 'retried', 'rate_limited')),
        minute timestamptz not null,
        count bigint not null,
        -- the last authenticated receipt (accepted, duplicate, retried) in this minute; null for the others
        last_at timestamptz,
        primary key (workspace_id, provider, outcome, minute)
      );`);
    this.addSql(`create index webhook_receipts_minute_idx on webhook_receipts (minute);`);

    this.addSql(`
      create table webhook_health_snapshots (
        workspace_id uuid not null references workspaces(id) on delete cascade,
        provider text not null,
        hour timestamptz not null,
        status text not null check (status in ('HEALTHY', 'DEGRADED', 'SILENT')),
        received int not null,
        accepted int not null,
        duplicate int not null,
        bad_signature int not null,
        malformed int not null,
        retried int not null,
        rate_limited int not null,
        retrying int not null,
        dead int not null,
        sent int not null,
        awaiting_callback int not null,
        lag_p50_seconds double precision,
        lag_p95_seconds double precision,
        last_received_at timestamptz,
        primary key (workspace_id, provider, hour)
      );`);

    this.addSql(`create index webhook_retries_workspace_created_idx on webhook_retries (workspace_id, created_at desc, id desc);`);
  }
}
