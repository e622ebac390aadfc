import { Migration } from '@mikro-orm/migrations';

/** Workspaces, API keys, contacts, opt-out log, campaigns, variants, templates, assignments. */
export class Migration20261121000000_foundation extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table workspaces (
        id uuid primary key,
        name text not null,
        timezone text not null default 'UTC',
        settings jsonb not null default '{}',
        twilio_auth_token text,
        openphone_signing_secret text,
        webhook_signing_secret text,
        created_at timestamptz not null default now()
      );`);
    this.addSql(`
      create table api_keys (
        id uuid primary key,
        workspace_id uuid not null references workspaces(id) on delete cascade,
        name text not null,
        prefix text not null,
        key_hash text not null unique,
        scopes text[] not null check (scopes <@ array['READ','WRITE','ADMIN'] and cardinality(scopes) > 0),
        created_at timestamptz not null default now(),
        revoked_at timestamptz
      );`);
    this.addSql(`create index api_keys_workspace_idx on api_keys (workspace_id);`);

    this.addSql(`
      create table contacts (
        id uuid primary key,
        workspace_id uuid not null references workspaces(id) on delete cascade,
        external_id text,
        phone text,
        email text,
        first_name text,
        last_name text,
        timezone text,
        tags text[] not null default '{}',
        segment text,
        attributes jsonb not null default '{}',
        consent boolean not null default false,
        opted_out boolean not null default false,
        opted_out_at timestamptz,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );`);
    this.addSql(`create unique index contacts_external_id_uq on contacts (workspace_id, external_id) where external_id is not null;`);
    this.addSql(`create unique index contacts_phone_uq on contacts (workspace_id, phone) where phone is not null;`);
    this.addSql(`create index contacts_listing_idx on contacts (workspace_id, created_at desc, id desc);`);
    this.addSql(`create index contacts_tags_idx on contacts using gin (tags);`);
    this.addSql(`create index contacts_segment_idx on contacts (workspace_id, segment);`);

    this.addSql(`
      create table opt_out_log (
        id uuid primary key,
        workspace_id uuid not null references workspaces(id) on delete cascade,
        contact_id uuid not null references contacts(id) on delete cascade,
        action text not null check (action in ('OPTED_OUT','OPTED_IN')),
        source text not null,
        keyword text,
        reason text,
        at timestamptz not null default now()
      );`);
    this.addSql(`create index opt_out_log_listing_idx on opt_out_log (workspace_id, at desc, id desc);`);
    this.addSql(`create index opt_out_log_contact_idx on opt_out_log (contact_id);`);

    this.addSql(`
      create table templates (
        id uuid primary key,
        workspace_id uuid not null references workspaces(id) on delete cascade,
        name text not null,
        body text not null,
        category text,
        created_at timestamptz not null default now(),
        unique (workspace_id, name)
      );`);

    this.addSql(`
      create table campaigns (
        id uuid primary key,
        workspace_id uuid not null references workspaces(id) on delete cascade,
        name text not null,
        description text,
        channel text not null check (channel in ('SMS','WHATSAPP','EMAIL')),
        type text not null check (type in ('STANDARD','AB_TEST','BANDIT')),
        status text not null check (status in ('DRAFT','SCHEDULED','RUNNING','PAUSED','COMPLETED','CANCELED','ARCHIVED')),
        experiment jsonb not null,
        audience jsonb,
        offer_amount numeric(14,4),
        cost_per_message numeric(14,6) not null default 0,
        salt text not null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        started_at timestamptz,
        completed_at timestamptz,
        archived_at timestamptz
      );`);
    this.addSql(`create index campaigns_listing_idx on campaigns (workspace_id, created_at desc, id desc);`);

    this.addSql(`
      create table variants (
        id uuid primary key,
        workspace_id uuid not null references workspaces(id) on delete cascade,
        campaign_id uuid not null references campaigns(id) on delete cascade,
        key text not null,
        name text not null,
        template text not null,
        weight double precision not null check (weight > 0 and weight <= 100),
        is_control boolean not null default false,
        position smallint not null,
        created_at timestamptz not null default now(),
        -- deferred, so an update may swap keys or the control within one transaction
        constraint variants_key_uq unique (campaign_id, key) deferrable initially deferred,
        constraint variants_one_control exclude using btree (campaign_id with =) where (is_control) deferrable initially deferred
      );`);

    this.addSql(`
      create table assignments (
        campaign_id uuid not null references campaigns(id) on delete cascade,
        contact_id uuid not null references contacts(id) on delete cascade,
        workspace_id uuid not null references workspaces(id) on delete cascade,
        variant_id uuid not null references variants(id),
        assigned_at timestamptz not null default now(),
        primary key (campaign_id, contact_id)
      );`);
    this.addSql(`create index assignments_variant_idx on assignments (variant_id);`);
    this.addSql(`create index assignments_contact_idx on assignments (contact_id);`);
  }
}
