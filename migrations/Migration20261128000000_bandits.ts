import { Migration } from '@mikro-orm/migrations';

/**
 * Bandit campaigns: when the next wave is due, and the weights each wave used. Also the
 * simulator's durable memory of accepted sends (what a real provider keeps on its side).
 */
export class Migration20261128000000_bandits extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table campaigns add column next_wave_at timestamptz;`);
    this.addSql(`create index campaigns_next_wave_idx on campaigns (next_wave_at) where next_wave_at is not null;`);
    this.addSql(`
      create table bandit_weights (
        id uuid primary key,
        workspace_id uuid not null references workspaces(id) on delete cascade,
        campaign_id uuid not null references campaigns(id) on delete cascade,
        wave int not null,
        weights jsonb not null,
        computed_at timestamptz not null default now(),
        unique (campaign_id, wave)
      );`);
    this.addSql(`
      create table simulator_sends (
        idempotency_key text primary key,
        provider_message_id text not null,
        created_at timestamptz not null default now()
      );`);
  }
}
