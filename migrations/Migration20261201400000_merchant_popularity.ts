import { Migration } from '@mikro-orm/migrations';

/**
 * Merchants seen in events before anyone named them, and the workspace's merchant popularity that
 * merchant affinity shrinks toward (src/optimization/affinity.ts).
 *
 * - `name` becomes optional: the affinity refresh records every merchant it sees in events (name
 *   null, shown as its id) so that `merchants` lists them; `upsertMerchants` names them.
 * - `popularity` (p_m, the prior mean share; sums to 1 over the merchants seen in the last
 *   refresh), `contacts` (contacts with evidence for the merchant) and `popularity_at` are written
 *   by the refresh and read by on-demand computations for one contact. Null popularity: not seen
 *   in the last refresh.
 */
export class Migration20261201400000_merchant_popularity extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table merchants alter column name drop not null;`);
    this.addSql(`
      alter table merchants
        add column popularity double precision check (popularity > 0 and popularity <= 1),
        add column contacts int not null default 0,
        add column popularity_at timestamptz;`);
  }
}
