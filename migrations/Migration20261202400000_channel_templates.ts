import { Migration } from '@mikro-orm/migrations';

/**
 * Channel-specific library templates and variants made from them.
 *
 * - templates.channel (null: any channel), subject and html (EMAIL templates).
 * - variants.template_id: the library template a variant was created from. The variant keeps its
 *   own copy of the body, subject and HTML, so a template edited later never changes a campaign
 *   made from it; deleting the template leaves the variant as it is (the reference becomes null).
 */
export class Migration20261202400000_channel_templates extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table templates
        add column channel text check (channel in ('SMS', 'WHATSAPP', 'EMAIL')),
        add column subject text,
        add column html text;`);
    this.addSql(`alter table variants add column template_id uuid references templates (id) on delete set null;`);
    this.addSql(`create index variants_template_id_idx on variants (template_id) where template_id is not null;`);
  }
}
