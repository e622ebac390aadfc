import { Migration } from '@mikro-orm/migrations';

/**
 * `VariantStats.avgResponseSeconds`: per variant, the sum of recipients' seconds from their first
 * SENT to their first reply, and how many recipients it covers. Ingestion keeps both up to date
 * in the statement that moves the other counters; existing recipients are counted from their
 * first-time columns here.
 */
export class Migration20261130120000_response_times extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table variant_counters add column response_seconds numeric not null default 0, add column responses bigint not null default 0;`);
    this.addSql(`
      update variant_counters vc set response_seconds = x.total, responses = x.n
      from (
        select variant_id, sum(extract(epoch from replied_at - sent_at)) as total, count(*) as n
        from assignments
        where variant_id is not null and sent_at is not null and replied_at is not null and replied_at >= sent_at
        group by variant_id
      ) x
      where vc.variant_id = x.variant_id;`);
  }
}
