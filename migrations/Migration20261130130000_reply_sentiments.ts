import { Migration } from '@mikro-orm/migrations';

/**
 * `negativeReplies` / `neutralReplies`: like `positiveReplies`, recipients with at least one
 * REPLIED event of that sentiment, counted once. Each recipient keeps the first time of each
 * (`negative_reply_at`, `neutral_reply_at`), and the counters, hourly buckets and daily rollups
 * get a column each; ingestion keeps them up to date in the statement that moves the other
 * counters. A reply stored without a sentiment counts in `replied` only, as it always has.
 *
 * Existing data is counted from the stored events, the way ingestion would have counted them:
 * - a recipient's first time is the earliest `occurred_at` of their REPLIED events of that
 *   sentiment (an earlier event arriving late moves it);
 * - counters count the recipients whose first time is set;
 * - a recipient counts in the hourly bucket (UTC hour) of the event that counted them, i.e. the
 *   first such event stored (lowest id: ids follow the order ingestion applied the events in,
 *   and a recipient's events are written under its row lock). Buckets older than the rollup
 *   horizon land in variant_hourly too and move into variant_daily with the next nightly rollup,
 *   which adds them into the day's row like any other hour.
 */
export class Migration20261130130000_reply_sentiments extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table assignments add column negative_reply_at timestamptz, add column neutral_reply_at timestamptz;`);
    for (const table of ['variant_counters', 'variant_hourly', 'variant_daily']) {
      this.addSql(`alter table ${table} add column negative_replies bigint not null default 0, add column neutral_replies bigint not null default 0;`);
    }
    this.addSql(`
      update assignments a set negative_reply_at = x.negative_at, neutral_reply_at = x.neutral_at
      from (
        select campaign_id, contact_id,
               min(occurred_at) filter (where sentiment = 'NEGATIVE') as negative_at,
               min(occurred_at) filter (where sentiment = 'NEUTRAL') as neutral_at
        from events
        where type = 'REPLIED' and sentiment in ('NEGATIVE', 'NEUTRAL')
        group by campaign_id, contact_id
      ) x
      where a.campaign_id = x.campaign_id and a.contact_id = x.contact_id and a.variant_id is not null;`);
    this.addSql(`
      update variant_counters vc set negative_replies = x.negative, neutral_replies = x.neutral
      from (
        select variant_id, count(negative_reply_at) as negative, count(neutral_reply_at) as neutral
        from assignments
        where variant_id is not null and (negative_reply_at is not null or neutral_reply_at is not null)
        group by variant_id
      ) x
      where vc.variant_id = x.variant_id;`);
    this.addSql(`
      insert into variant_hourly (variant_id, hour, campaign_id, negative_replies, neutral_replies)
      select variant_id, hour, campaign_id,
             count(*) filter (where sentiment = 'NEGATIVE'), count(*) filter (where sentiment = 'NEUTRAL')
      from (
        select distinct on (e.campaign_id, e.contact_id, e.sentiment)
               e.variant_id, e.campaign_id, e.sentiment, date_trunc('hour', e.occurred_at, 'UTC') as hour
        from events e
        join assignments a on a.campaign_id = e.campaign_id and a.contact_id = e.contact_id and a.variant_id = e.variant_id
        where e.type = 'REPLIED' and e.sentiment in ('NEGATIVE', 'NEUTRAL')
        order by e.campaign_id, e.contact_id, e.sentiment, e.id
      ) counted
      group by variant_id, hour, campaign_id
      order by variant_id, hour
      on conflict (variant_id, hour) do update set
        negative_replies = excluded.negative_replies,
        neutral_replies = excluded.neutral_replies;`);
  }
}
