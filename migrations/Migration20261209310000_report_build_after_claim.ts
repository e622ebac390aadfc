import { Migration } from '@mikro-orm/migrations';

/**
 * Scheduled reports are built after the run is claimed and committed (src/reports/report-delivery.ts):
 * a run's delivery rows are written first with no report (null) and filled once it is built, so no
 * transaction or row lock is held while the report is computed, and a run whose build failed or whose
 * instance stopped is built later instead of being lost.
 */
export class Migration20261209310000_report_build_after_claim extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table report_deliveries alter column report drop not null;`);
    this.addSql(`create index report_deliveries_unbuilt_idx on report_deliveries (next_attempt_at) where report is null and status = 'PENDING';`);
  }
}
