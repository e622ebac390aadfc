import { Migration } from '@mikro-orm/migrations';

/**
 * The circuit of each provider account (src/sending/circuit-breaker*.ts), shared by every instance
 * so that all of them honour an open circuit and queries (providerHealth, alerts, /metrics) see it.
 * Keyed by the account like send_rate (an account may serve several workspaces): `workspace_ids`
 * records which workspaces sent through it. A row appears at the account's first provider failure.
 * `failures` counts failures since `failures_since` (restarted once that is a window old): what
 * providerHealth reports as recent failures, across instances.
 */
export class Migration20261207200000_provider_circuits extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table provider_circuits (
      account text primary key,
      provider text not null,
      channel text not null,
      workspace_ids uuid[] not null default '{}',
      state text not null default 'CLOSED' check (state in ('CLOSED', 'OPEN', 'HALF_OPEN')),
      opened_at timestamptz,
      retry_at timestamptz,
      open_seconds double precision not null,
      failures int not null default 0,
      failures_since timestamptz not null default now(),
      last_error text,
      last_failure_at timestamptz,
      updated_at timestamptz not null default now()
    );`);
    // Alerts and the metrics gauge read the circuits that are not closed.
    this.addSql(`create index provider_circuits_not_closed_idx on provider_circuits (state) where state <> 'CLOSED';`);
  }
}
