import { Migration } from '@mikro-orm/migrations';

/**
 * Recipients: the remainder of a partial test (variant decided later: the winner), and the
 * per-contact activity timestamps that audiences filter on without scanning messages or events.
 */
export class Migration20261122000000_recipients extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table assignments alter column variant_id drop not null;`);
    this.addSql(`alter table assignments add column holdout boolean not null default false;`);
    this.addSql(`alter table assignments add constraint assignments_variant_or_holdout check (variant_id is not null or holdout);`);
    // Assignments are written 10,000 at a time and every foreign key costs a trigger call per row
    // (measured: ~0.7 s per key per 100,000 rows here). Keep the keys that cascade (campaign,
    // contact); drop the two the service already guarantees: the workspace follows from the
    // campaign, and variant ids are written under the campaign's lock by RecipientService while
    // CampaignService refuses to remove a variant that has recipients.
    this.addSql(`alter table assignments drop constraint assignments_workspace_id_fkey;`);
    this.addSql(`alter table assignments drop constraint assignments_variant_id_fkey;`);
    this.addSql(`drop index assignments_variant_idx;`);

    // Maintained by sending (last campaign message) and ingestion (last event of any kind).
    this.addSql(`alter table contacts add column last_messaged_at timestamptz;`);
    this.addSql(`alter table contacts add column last_event_at timestamptz;`);
    // Audience resolution pages through a workspace's contacts by id.
    this.addSql(`create index contacts_workspace_id_idx on contacts (workspace_id, id);`);
  }
}
