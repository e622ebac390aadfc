import { Migration } from '@mikro-orm/migrations';

/**
 * The sender takes rate tokens for a whole group of messages in one statement: it asks for n and
 * is granted min(n, limit − used) of the current second. `last_grant` is that statement's grant,
 * written under the row lock and returned, because RETURNING only sees the new `used` (which
 * alone cannot tell how much of it this caller got).
 */
export class Migration20261203000000_send_rate_grant extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table send_rate add column last_grant int not null default 0;`);
  }
}
