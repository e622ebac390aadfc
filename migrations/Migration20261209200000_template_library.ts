import { Migration } from '@mikro-orm/migrations';

/**
 * The template library (issue 18): versions, archiving, WhatsApp approved-template references.
 *
 * - templates.version: the current version; every create/update also writes an immutable row of
 *   template_versions (unique per template and version: the primary key).
 * - templates.archived_at: a deleted template that a campaign used is archived (hidden, refused for
 *   new variants, its versions kept); its name is free again, so the name is unique among live
 *   templates only (a partial unique index instead of the constraint).
 * - templates.whatsapp_template / variants.template_version: WhatsApp template reference; the
 *   version a variant was made from (its text stays the copy it took then).
 */
export class Migration20261209200000_template_library extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table templates
        add column version int not null default 1,
        add column archived_at timestamptz,
        add column whatsapp_template jsonb;`);
    this.addSql(`alter table templates drop constraint templates_workspace_id_name_key;`);
    this.addSql(`create unique index templates_live_name_uq on templates (workspace_id, name) where archived_at is null;`);
    this.addSql(`
      create table template_versions (
        workspace_id uuid not null,
        template_id uuid not null,
        version int not null check (version >= 1),
        name text not null,
        body text not null,
        category text,
        channel text check (channel in ('SMS', 'WHATSAPP', 'EMAIL')),
        subject text,
        html text,
        whatsapp_template jsonb,
        created_at timestamptz not null default now(),
        primary key (template_id, version, workspace_id),
        foreign key (template_id, workspace_id) references templates (id, workspace_id) on delete cascade
      );`);
    // Every existing template becomes its version 1.
    this.addSql(`
      insert into template_versions (workspace_id, template_id, version, name, body, category, channel, subject, html, created_at)
      select workspace_id, id, 1, name, body, category, channel, subject, html, created_at from templates;`);
    this.addSql(`alter table variants add column template_version int;`);
    // Existing variants made from a template were made from its only version.
    this.addSql(`update variants set template_version = 1 where template_id is not null;`);
    this.addSql(`
      alter table variants add constraint variants_template_version_fkey
        foreign key (template_id, template_version, workspace_id) references template_versions (template_id, version, workspace_id)
        on delete set null (template_id, template_version);`);
  }
}
