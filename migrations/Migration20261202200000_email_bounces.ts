import { Migration } from '@mikro-orm/migrations';

/**
 * Email suppression: `contacts.email_bounced_at` is when the contact's current email address
 * hard-bounced (an SMTP 5xx at send time, or the email provider's permanent failure). Changing the
 * contact's email clears it: the new address has not bounced.
 */
export class Migration20261202200000_email_bounces extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table contacts add column email_bounced_at timestamptz;`);
  }
}
