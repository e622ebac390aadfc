import { Migration } from '@mikro-orm/migrations';

/**
 * Reconciliation (src/operations/reconciliation*.ts): each run's report, one run per workspace at a
 * time, and what lets a run pick its messages cheaply and fairly.
 * - reconciliation_runs: the report (counts, trigger, times). `finished_at is null` while it runs;
 *   the partial unique index admits one unfinished run per workspace, which is the run lock (a run
 *   abandoned by a crashed instance is closed by the next caller once it is stale).
 * - messages.reconciled_at: when a run last asked about the message, so that runs bounded in size
 *   take the least recently asked first (messages that stay pending do not starve the others).
 * - messages_unsettled_idx: only messages with a provider id and no final status, the ones runs look at.
 */
export class Migration20261207100000_reconciliation extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table reconciliation_runs (
        id uuid not null,
        workspace_id uuid not null references workspaces(id) on delete cascade,
        trigger text not null check (trigger in ('JOB', 'MUTATION')),
        since timestamptz not null,
        started_at timestamptz not null default now(),
        finished_at timestamptz,
        checked int not null default 0,
        updated int not null default 0,
        not_found int not null default 0,
        still_pending int not null default 0,
        unsupported int not null default 0,
        failed_lookups int not null default 0,
        already_settled int not null default 0,
        error text,
        primary key (id, workspace_id)
      );`);
    this.addSql(`create unique index reconciliation_runs_running_uq on reconciliation_runs (workspace_id) where finished_at is null;`);
    this.addSql(`create index reconciliation_runs_recent_idx on reconciliation_runs (workspace_id, started_at desc);`);
    this.addSql(`alter table messages add column reconciled_at timestamptz;`);
    this.addSql(
      `create index messages_unsettled_idx on messages (workspace_id, sent_at) where provider_message_id is not null and status not in ('DELIVERED', 'FAILED');`,
    );
  }
}
