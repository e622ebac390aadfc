import { Migration } from '@mikro-orm/migrations';

/**
 * Revenue sums without a precision limit. Each CONVERTED value is below 1e9, but nothing bounds
 * how many a recipient or a variant collects, so any fixed precision overflows for some sequence
 * of valid events (11 values of 999,999,999.99 on one recipient overflowed numeric(14,4), and their
 * square numeric(28,8)); an overflow would fail the whole ingestion batch. PostgreSQL's
 * unconstrained numeric holds up to 131,072 digits before the point, exactly.
 */
export class Migration20261129100000_unbounded_revenue extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table assignments alter column revenue type numeric;`);
    this.addSql(`alter table variant_counters alter column revenue type numeric, alter column revenue_sq type numeric;`);
    this.addSql(`alter table variant_hourly alter column revenue type numeric;`);
    this.addSql(`alter table variant_daily alter column revenue type numeric;`);
  }
}
