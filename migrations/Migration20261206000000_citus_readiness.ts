import { Migration } from '@mikro-orm/migrations';

/**
 * Ready to distribute by workspace (Citus; placements in src/db/distribution.ts). For every table
 * sharded by workspace_id:
 * - workspace_id is present and NOT NULL: variant_hourly and variant_daily get it, filled from their
 *   campaign;
 * - every primary key and unique constraint / unique index contains it (a shard can only enforce
 *   uniqueness within itself). workspace_id goes LAST: lookups by id alone (tracked-link tokens,
 *   provider callbacks, the ORM's by-id loads) keep using the same index, with no second index to
 *   maintain. Ids are random UUIDs, so nothing that was unique stops being unique in practice;
 *   only a second row with the same id in another workspace is no longer refused;
 * - every foreign key between them includes it on both sides, so a row can only point at a row of
 *   its own workspace (before, a variant could reference another workspace's template).
 * Foreign keys to workspaces (a reference table) stay as they are. The events table already has
 * its final key (Migration20261205000000_event_partitions).
 */
export class Migration20261206000000_citus_readiness extends Migration {
  override async up(): Promise<void> {
    // 1. workspace_id where workspace data lacked it.
    for (const table of ['variant_hourly', 'variant_daily']) {
      this.addSql(`alter table ${table} add column workspace_id uuid;`);
      this.addSql(`update ${table} t set workspace_id = c.workspace_id from campaigns c where c.id = t.campaign_id;`);
      this.addSql(`alter table ${table} alter column workspace_id set not null;`);
    }

    // 2. Foreign keys between distributed tables go first: they hang on the single-column keys.
    this.addSql(`alter table variants drop constraint variants_campaign_id_fkey, drop constraint variants_template_id_fkey;`);
    this.addSql(`alter table assignments drop constraint assignments_campaign_id_fkey, drop constraint assignments_contact_id_fkey;`);
    this.addSql(`alter table messages drop constraint messages_campaign_id_fkey, drop constraint messages_contact_id_fkey;`);
    this.addSql(`alter table links drop constraint links_message_id_fkey, drop constraint links_campaign_id_fkey, drop constraint links_contact_id_fkey;`);
    this.addSql(`alter table opt_out_log drop constraint opt_out_log_contact_id_fkey;`);
    this.addSql(`alter table outbox drop constraint outbox_contact_id_fkey;`);
    this.addSql(`alter table variant_counters drop constraint variant_counters_campaign_id_fkey;`);
    this.addSql(`alter table variant_hourly drop constraint variant_hourly_campaign_id_fkey;`);
    this.addSql(`alter table variant_daily drop constraint variant_daily_campaign_id_fkey;`);
    this.addSql(`alter table winners drop constraint winners_campaign_id_fkey;`);
    this.addSql(`alter table campaign_runs drop constraint campaign_runs_campaign_id_fkey;`);
    this.addSql(`alter table sends drop constraint sends_campaign_id_fkey, drop constraint sends_run_id_fkey, drop constraint sends_contact_id_fkey;`);
    this.addSql(`alter table bandit_weights drop constraint bandit_weights_campaign_id_fkey;`);
    this.addSql(`alter table recommendations drop constraint recommendations_campaign_id_fkey;`);
    this.addSql(`alter table merchant_affinities drop constraint merchant_affinities_contact_id_fkey;`);
    this.addSql(`alter table send_time_recommendations drop constraint send_time_recommendations_contact_id_fkey;`);

    // 3. Primary keys: the old key plus workspace_id, last (lookups by id alone keep using the index).
    this.addSql(`alter table contacts drop constraint contacts_pkey, add primary key (id, workspace_id);`);
    this.addSql(`alter table opt_out_log drop constraint opt_out_log_pkey, add primary key (id, workspace_id);`);
    this.addSql(`alter table templates drop constraint templates_pkey, add primary key (id, workspace_id);`);
    this.addSql(`alter table campaigns drop constraint campaigns_pkey, add primary key (id, workspace_id);`);
    this.addSql(`alter table variants drop constraint variants_pkey, add primary key (id, workspace_id);`);
    this.addSql(`alter table assignments drop constraint assignments_pkey, add primary key (campaign_id, contact_id, workspace_id);`);
    this.addSql(`alter table messages drop constraint messages_pkey, add primary key (id, workspace_id);`);
    this.addSql(`alter table links drop constraint links_pkey, add primary key (token, workspace_id);`);
    this.addSql(`alter table variant_counters drop constraint variant_counters_pkey, add primary key (variant_id, workspace_id);`);
    this.addSql(`alter table variant_hourly drop constraint variant_hourly_pkey, add primary key (variant_id, hour, workspace_id);`);
    this.addSql(`alter table variant_daily drop constraint variant_daily_pkey, add primary key (variant_id, day, workspace_id);`);
    this.addSql(`alter table webhook_retries drop constraint webhook_retries_pkey, add primary key (id, workspace_id);`);
    this.addSql(`alter table outbox drop constraint outbox_pkey, add primary key (id, workspace_id);`);
    this.addSql(`alter table winners drop constraint winners_pkey, add primary key (id, workspace_id);`);
    this.addSql(`alter table campaign_runs drop constraint campaign_runs_pkey, add primary key (id, workspace_id);`);
    this.addSql(`alter table sends drop constraint sends_pkey, add primary key (id, workspace_id);`);
    this.addSql(`alter table bandit_weights drop constraint bandit_weights_pkey, add primary key (id, workspace_id);`);
    this.addSql(`alter table send_time_recommendations drop constraint send_time_recommendations_pkey, add primary key (contact_id, workspace_id);`);
    this.addSql(`alter table models drop constraint models_pkey, add primary key (id, workspace_id);`);
    this.addSql(`alter table recommendations drop constraint recommendations_pkey, add primary key (id, workspace_id);`);
    this.addSql(`alter table merchant_affinities drop constraint merchant_affinities_pkey, add primary key (contact_id, merchant_id, workspace_id);`);

    // 4. Unique constraints and unique indexes: workspace_id added (last, as for the keys).
    this.addSql(`alter table variants drop constraint variants_key_uq, add constraint variants_key_uq unique (campaign_id, key, workspace_id) deferrable initially deferred;`);
    this.addSql(`alter table campaign_runs drop constraint campaign_runs_campaign_id_run_number_key, add constraint campaign_runs_campaign_id_run_number_key unique (campaign_id, run_number, workspace_id);`);
    this.addSql(`alter table sends drop constraint sends_idempotency_key_key, add constraint sends_idempotency_key_key unique (idempotency_key, workspace_id);`);
    this.addSql(`alter table bandit_weights drop constraint bandit_weights_campaign_id_wave_key, add constraint bandit_weights_campaign_id_wave_key unique (campaign_id, wave, workspace_id);`);
    this.addSql(`drop index messages_tracking_token_key;`);
    this.addSql(`create unique index messages_tracking_token_key on messages (tracking_token, workspace_id) where tracking_token is not null;`);
    this.addSql(`drop index winners_current_uq;`);
    this.addSql(`create unique index winners_current_uq on winners (campaign_id, workspace_id) where superseded_at is null;`);

    // 5. Foreign keys again, composite: the workspace must match on both sides.
    this.addSql(`alter table variants add constraint variants_campaign_id_fkey foreign key (campaign_id, workspace_id) references campaigns (id, workspace_id) on delete cascade;`);
    this.addSql(`alter table variants add constraint variants_template_id_fkey foreign key (template_id, workspace_id) references templates (id, workspace_id) on delete set null (template_id);`);
    this.addSql(`alter table assignments add constraint assignments_campaign_id_fkey foreign key (campaign_id, workspace_id) references campaigns (id, workspace_id) on delete cascade;`);
    this.addSql(`alter table assignments add constraint assignments_contact_id_fkey foreign key (contact_id, workspace_id) references contacts (id, workspace_id) on delete cascade;`);
    this.addSql(`alter table messages add constraint messages_campaign_id_fkey foreign key (campaign_id, workspace_id) references campaigns (id, workspace_id) on delete cascade;`);
    this.addSql(`alter table messages add constraint messages_contact_id_fkey foreign key (contact_id, workspace_id) references contacts (id, workspace_id) on delete cascade;`);
    this.addSql(`alter table links add constraint links_message_id_fkey foreign key (message_id, workspace_id) references messages (id, workspace_id) on delete cascade;`);
    this.addSql(`alter table links add constraint links_campaign_id_fkey foreign key (campaign_id, workspace_id) references campaigns (id, workspace_id) on delete cascade;`);
    this.addSql(`alter table links add constraint links_contact_id_fkey foreign key (contact_id, workspace_id) references contacts (id, workspace_id) on delete cascade;`);
    this.addSql(`alter table opt_out_log add constraint opt_out_log_contact_id_fkey foreign key (contact_id, workspace_id) references contacts (id, workspace_id) on delete cascade;`);
    this.addSql(`alter table outbox add constraint outbox_contact_id_fkey foreign key (contact_id, workspace_id) references contacts (id, workspace_id) on delete cascade;`);
    this.addSql(`alter table variant_counters add constraint variant_counters_campaign_id_fkey foreign key (campaign_id, workspace_id) references campaigns (id, workspace_id) on delete cascade;`);
    this.addSql(`alter table variant_hourly add constraint variant_hourly_campaign_id_fkey foreign key (campaign_id, workspace_id) references campaigns (id, workspace_id) on delete cascade;`);
    this.addSql(`alter table variant_daily add constraint variant_daily_campaign_id_fkey foreign key (campaign_id, workspace_id) references campaigns (id, workspace_id) on delete cascade;`);
    this.addSql(`alter table winners add constraint winners_campaign_id_fkey foreign key (campaign_id, workspace_id) references campaigns (id, workspace_id) on delete cascade;`);
    this.addSql(`alter table campaign_runs add constraint campaign_runs_campaign_id_fkey foreign key (campaign_id, workspace_id) references campaigns (id, workspace_id) on delete cascade;`);
    this.addSql(`alter table sends add constraint sends_campaign_id_fkey foreign key (campaign_id, workspace_id) references campaigns (id, workspace_id) on delete cascade;`);
    this.addSql(`alter table sends add constraint sends_run_id_fkey foreign key (run_id, workspace_id) references campaign_runs (id, workspace_id) on delete cascade;`);
    this.addSql(`alter table sends add constraint sends_contact_id_fkey foreign key (contact_id, workspace_id) references contacts (id, workspace_id) on delete cascade;`);
    this.addSql(`alter table bandit_weights add constraint bandit_weights_campaign_id_fkey foreign key (campaign_id, workspace_id) references campaigns (id, workspace_id) on delete cascade;`);
    this.addSql(`alter table recommendations add constraint recommendations_campaign_id_fkey foreign key (campaign_id, workspace_id) references campaigns (id, workspace_id) on delete cascade;`);
    this.addSql(`alter table merchant_affinities add constraint merchant_affinities_contact_id_fkey foreign key (contact_id, workspace_id) references contacts (id, workspace_id) on delete cascade;`);
    this.addSql(`alter table send_time_recommendations add constraint send_time_recommendations_contact_id_fkey foreign key (contact_id, workspace_id) references contacts (id, workspace_id) on delete cascade;`);
  }
}
