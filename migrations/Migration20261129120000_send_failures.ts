import { Migration } from '@mikro-orm/migrations';

/**
 * Send failures visible through the API (`Campaign.sendFailures`): when a send finally failed,
 * newest first per campaign. And the simulator's own per-workspace signing secret, so the default
 * provider works with no setup (see src/sending/providers/simulator-secret.ts for why it is not the
 * Twilio auth token nor the generic webhook secret).
 */
export class Migration20261129120000_send_failures extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table sends add column failed_at timestamptz;`);
    // Sends that failed before this column existed keep their reason; their time is unknown, so
    // the creation time stands in (older than anything recorded from now on).
    this.addSql(`update sends set failed_at = created_at where status = 'FAILED';`);
    this.addSql(`create index sends_failures_idx on sends (campaign_id, failed_at desc, id desc) where status = 'FAILED';`);
    this.addSql(`alter table workspaces add column simulator_signing_secret text;`);
  }
}
