import { Migration } from '@mikro-orm/migrations';

/** Orders name their contact by email too (src/orders/): an indexed lookup instead of a scan of the workspace's contacts. */
export class Migration20261208100000_contacts_email extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index contacts_email_idx on contacts (workspace_id, email) where email is not null;`);
  }
}
