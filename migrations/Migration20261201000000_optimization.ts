import { Migration } from '@mikro-orm/migrations';

/**
 * Learning from history (src/optimization/): send time per contact, versioned models, stored
 * recommendations, merchants and merchant affinity; the send-time group of each optimized send.
 * Everything here is derived from the event history and can be recomputed by its job, except
 * merchants' names and the record of which recommendation was applied, when and with which key.
 */
export class Migration20261201000000_optimization extends Migration {
  override async up(): Promise<void> {
    // One row per contact: the latest recommendation (the daily job and on-demand computations upsert it).
    this.addSql(`
      create table send_time_recommendations (
        contact_id uuid primary key references contacts(id) on delete cascade,
        workspace_id uuid not null references workspaces(id) on delete cascade,
        optimal_hour smallint not null check (optimal_hour between 0 and 23),
        window_start smallint not null check (window_start between 0 and 23),
        window_hours smallint not null check (window_hours between 1 and 24),
        expected_rate double precision not null,
        confidence double precision,
        basis text not null check (basis in ('CONTACT','SEGMENT','WORKSPACE','DEFAULT')),
        messages int not null,
        rates double precision[] not null,
        computed_at timestamptz not null default now()
      );`);
    this.addSql(`create index send_time_recommendations_workspace_idx on send_time_recommendations (workspace_id, optimal_hour);`);

    // Sends of a run with optimizeSendTime: OPTIMIZED (at the recipient's hour) or HOLDOUT (at sendAt).
    this.addSql(`alter table sends add column send_time_group text check (send_time_group in ('OPTIMIZED','HOLDOUT'));`);

    this.addSql(`
      create table models (
        id uuid primary key,
        workspace_id uuid not null references workspaces(id) on delete cascade,
        kind text not null,
        version int not null,
        trained_at timestamptz not null default now(),
        samples int not null,
        metrics jsonb not null,
        feature_importance jsonb,
        model jsonb not null,
        unique (workspace_id, kind, version)
      );`);

    this.addSql(`
      create table recommendations (
        id uuid primary key,
        workspace_id uuid not null references workspaces(id) on delete cascade,
        campaign_id uuid references campaigns(id) on delete cascade,
        type text not null check (type in ('SEND_TIME','OFFER','SEGMENT','WINNER','AUDIENCE_SIZE')),
        title text not null,
        current_value text,
        recommended_value text not null,
        expected_impact double precision,
        confidence double precision not null,
        segment text,
        basis text not null,
        -- what applyRecommendation does, machine-readable
        action jsonb not null default '{}',
        created_at timestamptz not null default now(),
        applied_at timestamptz,
        applied_by_key uuid,
        -- replaced by a newer generation before it was applied
        superseded_at timestamptz
      );`);
    this.addSql(`create index recommendations_campaign_idx on recommendations (workspace_id, campaign_id, created_at desc);`);

    this.addSql(`
      create table merchants (
        workspace_id uuid not null references workspaces(id) on delete cascade,
        id text not null,
        name text not null,
        created_at timestamptz not null default now(),
        primary key (workspace_id, id)
      );`);
    this.addSql(`
      create table merchant_affinities (
        contact_id uuid not null references contacts(id) on delete cascade,
        merchant_id text not null,
        workspace_id uuid not null references workspaces(id) on delete cascade,
        score double precision not null check (score >= 0 and score <= 1),
        interactions int not null,
        computed_at timestamptz not null default now(),
        primary key (contact_id, merchant_id)
      );`);
    this.addSql(`create index merchant_affinities_workspace_idx on merchant_affinities (workspace_id);`);
    this.addSql(`create index events_merchant_idx on events (workspace_id, contact_id) where merchant_id is not null;`);
  }
}
