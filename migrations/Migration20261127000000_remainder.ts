import { Migration } from '@mikro-orm/migrations';

/** When the remainder of a partial test was queued to the winner (once). */
export class Migration20261127000000_remainder extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table campaigns add column remainder_queued_at timestamptz;`);
  }
}
