import { Migration } from '@mikro-orm/migrations';

/**
 * Orders (src/orders/): what a shop, POS or CRM records, tied to a contact and not to one message.
 * `order_id` is the shop's own id and the idempotency key of an order within a workspace. The
 * contact keeps its purchase totals (order_count, total_spend, last_order_at) and its engagement
 * score, so that audiences filter on columns rather than scanning orders and events per contact;
 * last_replied_at is kept by the ingestion pipeline for `repliedInLastDays`.
 */
export class Migration20261208000000_orders extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table orders (
        id uuid not null,
        workspace_id uuid not null references workspaces(id) on delete cascade,
        order_id text not null,
        contact_id uuid not null,
        value numeric not null,
        occurred_at timestamptz not null,
        merchant_id text,
        source text not null,
        received_at timestamptz not null default now(),
        primary key (id, workspace_id),
        constraint orders_order_id_uq unique (workspace_id, order_id),
        foreign key (contact_id, workspace_id) references contacts (id, workspace_id) on delete cascade
      );`);
    // A contact's orders by time (attribution's touches, purchase totals), and a workspace's orders by time (attribution's range).
    this.addSql(`create index orders_contact_idx on orders (workspace_id, contact_id, occurred_at);`);
    this.addSql(`create index orders_occurred_idx on orders (workspace_id, occurred_at);`);
    // Attribution looks up each ordering contact's messages sent in the window before the order.
    this.addSql(`create index messages_contact_sent_idx on messages (workspace_id, contact_id, sent_at) where sent_at is not null;`);

    this.addSql(`
      alter table contacts
        add column order_count integer not null default 0,
        add column total_spend numeric not null default 0,
        add column last_order_at timestamptz,
        add column last_replied_at timestamptz,
        add column engagement_score real not null default 0,
        add column engagement_scored_at timestamptz;`);
    this.addSql(`
      update contacts c set last_replied_at = r.at
      from (select workspace_id, contact_id, max(replied_at) as at from assignments where replied_at is not null group by 1, 2) r
      where c.id = r.contact_id and c.workspace_id = r.workspace_id;`);
  }
}
