import { Entity, PrimaryKey, Property, OptionalProps } from '@mikro-orm/core';

/**
 * Which variant a recipient sees. One row per (campaign, contact), enforced by the primary key:
 * once written it never moves, whatever later happens to the weights.
 */
@Entity({ tableName: 'assignments' })
export class Assignment {
  /** Properties with defaults: optional in `em.create()`. */
  [OptionalProps]?: 'assignedAt';

  @PrimaryKey({ type: 'uuid' })
  campaignId!: string;

  @PrimaryKey({ type: 'uuid' })
  contactId!: string;

  @Property({ type: 'uuid' })
  workspaceId!: string;

  @Property({ type: 'uuid' })
  variantId!: string;

  @Property({ type: 'timestamptz' })
  assignedAt: Date = new Date();
}
