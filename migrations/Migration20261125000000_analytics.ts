import { Migration } from '@mikro-orm/migrations';

/**
 * Analytics: messages counted with repeats (cost is per message), and daily rollups of the
 * hourly buckets in the workspace's time zone, so long time ranges read few rows.
 */
export class Migration20261125000000_analytics extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table variant_counters add column messages bigint not null default 0;`);
    this.addSql(`alter table variant_hourly add column messages bigint not null default 0;`);
    this.addSql(`update variant_counters set messages = sent;`);
    this.addSql(`update variant_hourly set messages = sent;`);
    this.addSql(`
      create table variant_daily (
        variant_id uuid not null,
        day date not null,
        campaign_id uuid not null references campaigns(id) on delete cascade,
        -- the zone whose calendar 'day' is in (the workspace's when the rollup ran)
        time_zone text not null,
        messages bigint not null default 0,
        sent bigint not null default 0,
        delivered bigint not null default 0,
        failed bigint not null default 0,
        opened bigint not null default 0,
        clicked bigint not null default 0,
        replied bigint not null default 0,
        positive_replies bigint not null default 0,
        converted bigint not null default 0,
        opted_out bigint not null default 0,
        revenue numeric(18,4) not null default 0,
        primary key (variant_id, day)
      );`);
    this.addSql(`create index variant_daily_campaign_idx on variant_daily (campaign_id, day);`);
    // Portfolio and rankings read buckets of every campaign in a window.
    this.addSql(`create index variant_hourly_hour_idx on variant_hourly (hour);`);
    this.addSql(`create index variant_daily_day_idx on variant_daily (day);`);
    // The export reads each recipient's latest message.
    this.addSql(`create index messages_campaign_contact_idx on messages (campaign_id, contact_id, created_at desc);`);
  }
}
