import { Entity, Enum, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, Float, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Workspace } from '../workspaces/workspace.entity';
import { newId } from '../shared/ids';

export enum RecommendationType {
  SEND_TIME = 'SEND_TIME',
  OFFER = 'OFFER',
  SEGMENT = 'SEGMENT',
  WINNER = 'WINNER',
  AUDIENCE_SIZE = 'AUDIENCE_SIZE',
}
registerEnumType(RecommendationType, { name: 'RecommendationType' });

/**
 * What applyRecommendation does (the `action` column). NONE: nothing to change (a "keep" or
 * "not enough data" row, or advice the campaign model cannot carry out): applying records it.
 */
export type RecommendationAction =
  | { kind: 'SET_OFFER'; offerAmount: number }
  | { kind: 'SET_SEGMENTS'; segments: string[] }
  | { kind: 'SET_TEST_AUDIENCE_PERCENT'; testAudiencePercent: number }
  | { kind: 'DECLARE_WINNER'; variantId: string }
  | { kind: 'END_TEST' }
  | { kind: 'OPTIMIZE_SEND_TIME' }
  | { kind: 'NONE' };

/** A stored recommendation (SQL: migrations/Migration20261201000000_optimization.ts). */
@ObjectType()
@Entity({ tableName: 'recommendations' })
export class Recommendation {
  [OptionalProps]?: 'createdAt' | 'action';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @ManyToOne(() => Workspace, { mapToPk: true, fieldName: 'workspace_id' })
  workspaceId!: string;

  @Field(() => ID, { nullable: true })
  @Property({ type: 'uuid', nullable: true })
  campaignId?: string | null;

  @Field(() => RecommendationType)
  @Enum({ items: () => RecommendationType })
  type!: RecommendationType;

  @Field()
  @Property({ type: 'text' })
  title!: string;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  currentValue?: string | null;

  @Field()
  @Property({ type: 'text' })
  recommendedValue!: string;

  @Field(() => Float, { nullable: true, description: 'OFFER: profit per message gained; SEGMENT and WINNER: rate difference; AUDIENCE_SIZE: recipients missing' })
  @Property({ type: 'double', nullable: true })
  expectedImpact?: number | null;

  @Field(() => Float, { description: 'OFFER: P(best); SEGMENT: confidence of the intervals; WINNER: the engine’s; AUDIENCE_SIZE: the target power' })
  @Property({ type: 'double' })
  confidence!: number;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  segment?: string | null;

  @Field({ description: 'what the recommendation rests on, e.g. sample sizes' })
  @Property({ type: 'text' })
  basis!: string;

  @Property({ type: 'json' })
  action: RecommendationAction = { kind: 'NONE' };

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  appliedAt?: Date | null;

  /** The API key that applied it. */
  @Property({ type: 'uuid', nullable: true })
  appliedByKey?: string | null;

  @Field(() => Date, { nullable: true, description: 'replaced by a newer generation before it was applied' })
  @Property({ type: 'timestamptz', nullable: true })
  supersededAt?: Date | null;
}
