import { Entity, Enum, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, Float, ID, ObjectType } from 'type-graphql';
import { Campaign } from '../campaigns/campaign.entity';
import { newId } from '../shared/ids';
import { Workspace } from '../workspaces/workspace.entity';
import { WinnerSource } from './enums';

/** A winner declaration. The current one has no `supersededAt`; earlier ones are history. */
@ObjectType()
@Entity({ tableName: 'winners' })
export class Winner {
  /** Properties with defaults: optional in `em.create()`. */
  [OptionalProps]?: 'decidedAt';

  @Field(() => ID, { description: 'this declaration (a new declaration is a new Winner)' })
  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @ManyToOne(() => Workspace, { mapToPk: true, fieldName: 'workspace_id' })
  workspaceId!: string;

  @ManyToOne(() => Campaign, { mapToPk: true, fieldName: 'campaign_id' })
  campaignId!: string;

  /** Resolved to `variant` by the resolver. */
  @Property({ type: 'uuid' })
  variantId!: string;

  @Field(() => WinnerSource)
  @Enum({ items: () => WinnerSource })
  source!: WinnerSource;

  @Field(() => Float, { nullable: true, description: '1 − adjusted p-value (or probability to beat control) when decided' })
  @Property({ type: 'double', nullable: true })
  confidenceLevel?: number | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  reason?: string | null;

  @Field()
  @Property({ type: 'timestamptz' })
  decidedAt: Date = new Date();

  @Field(() => Date, { nullable: true, description: 'set when a later declaration replaced this one' })
  @Property({ type: 'timestamptz', nullable: true })
  supersededAt?: Date | null;
}
