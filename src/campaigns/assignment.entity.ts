import { Entity, PrimaryKey, Property, OptionalProps } from '@mikro-orm/core';

/**
 * Which variant a recipient sees (written in bulk by RecipientService; see assignment.ts). One row per (campaign, contact), enforced by the primary key:
 * once written it never moves, whatever later happens to the weights.
 */
@Entity({ tableName: 'assignments' })
export class Assignment {
  /** Properties with defaults: optional in `em.create()`. */
  [OptionalProps]?: 'assignedAt' | 'holdout';

  @PrimaryKey({ type: 'uuid' })
  campaignId!: string;

  @PrimaryKey({ type: 'uuid' })
  contactId!: string;

  @Property({ type: 'uuid' })
  workspaceId!: string;

  /** Null while the contact is in the remainder of a partial test, waiting for the winner. */
  @Property({ type: 'uuid', nullable: true })
  variantId?: string | null;

  /** In the remainder (outside testAudiencePercent): receives the winner, not a test variant. */
  @Property({ type: 'boolean' })
  holdout: boolean = false;

  @Property({ type: 'timestamptz' })
  assignedAt: Date = new Date();
}
