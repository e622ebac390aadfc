import { Migration } from '@mikro-orm/migrations';

/**
 * events.value without a precision limit, like the revenue sums (Migration20261129100000). Orders
 * (src/orders/) are worth up to 1e12 and make CONVERTED events with their value; numeric(14,4)
 * holds less than 1e10, so a large order could not be an experiment conversion. Dropping the
 * typmod of a numeric column is binary coercible: PostgreSQL rewrites neither the partitions nor
 * an index (none is on value); the ALTER only holds its lock for the catalog change.
 */
export class Migration20261208500000_event_value_unbounded extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table events alter column value type numeric;`);
  }
}
