import { Migration } from '@mikro-orm/migrations';

/**
 * Cluster-wide request counts per rate-limit bucket and fixed window (see src/http/rate-limit.ts).
 * Each instance adds its increments every 250 ms in one statement and reads the totals back.
 * UNLOGGED: counts that last seconds need no WAL, and losing them in a crash only resets limits.
 * Windows are epoch milliseconds; ended windows are deleted a minute after they end.
 */
export class Migration20261129140000_rate_limits extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create unlogged table rate_limit_counters (
      bucket text not null,
      window_start bigint not null,
      window_end bigint not null,
      count bigint not null,
      primary key (bucket, window_start)
    );`);
    this.addSql(`create index rate_limit_counters_end_idx on rate_limit_counters (window_end);`);
  }
}
