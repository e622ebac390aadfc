import { Migration } from '@mikro-orm/migrations';

/**
 * The fitted send-time model of each workspace (src/optimization/send-time.service.ts): the
 * workspace's and each segment's posterior hour curves and the estimated prior strengths, as JSON.
 * The daily refresh rewrites it with every contact's recommendation; an on-demand recommendation for
 * one contact (new history, a new contact) reads it instead of re-reading the whole workspace's
 * history. Derived data: the refresh recomputes it.
 */
export class Migration20261201100000_send_time_models extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table send_time_models (
        workspace_id uuid primary key references workspaces(id) on delete cascade,
        model jsonb not null,
        messages int not null,
        contacts int not null,
        fitted_at timestamptz not null default now()
      );`);
  }
}
