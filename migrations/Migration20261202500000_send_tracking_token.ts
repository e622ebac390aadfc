import { Migration } from '@mikro-orm/migrations';

/**
 * An email send's open / unsubscribe token, chosen at its first claim and kept across retries.
 * SMTP cannot deduplicate: a send retried after a crash between the server's acceptance and our
 * commit goes out twice, and the second mail must carry the same working unsubscribe link (and the
 * same tracked links, whose tokens derive from it) as the message row recorded for the first.
 */
export class Migration20261202500000_send_tracking_token extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table sends add column tracking_token text;`);
  }
}
