import { randomBytes } from 'node:crypto';
import { newId } from '../shared/ids';
import { DecimalType, Entity, Enum, PrimaryKey, Property, ManyToOne, OptionalProps } from '@mikro-orm/core';
import { Workspace } from '../workspaces/workspace.entity';
import { Field, Float, ID, ObjectType } from 'type-graphql';
import { GraphQLJSON } from '../graphql/scalars';
import { ExperimentConfig } from './experiment-config';
import { CampaignStatus, CampaignType } from './enums';
import { Channel } from '../domain/channel';
import type { Audience } from './audience';

@ObjectType()
@Entity({ tableName: 'campaigns' })
export class Campaign {
  /** Properties with defaults: optional in `em.create()`. */
  [OptionalProps]?: 'channel' | 'type' | 'status' | 'costPerMessage' | 'salt' | 'createdAt' | 'updatedAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @ManyToOne(() => Workspace, { mapToPk: true, fieldName: 'workspace_id' })
  workspaceId!: string;

  @Field()
  @Property({ type: 'text' })
  name!: string;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  description?: string | null;

  @Field(() => Channel)
  @Enum({ items: () => Channel })
  channel: Channel = Channel.SMS;

  @Field(() => CampaignType)
  @Enum({ items: () => CampaignType })
  type: CampaignType = CampaignType.STANDARD;

  @Field(() => CampaignStatus)
  @Enum({ items: () => CampaignStatus })
  status: CampaignStatus = CampaignStatus.DRAFT;

  /** Always stored (defaults for STANDARD); exposed as null for STANDARD campaigns by the resolver. */
  @Property({ type: 'json' })
  experiment!: ExperimentConfig;

  @Field(() => GraphQLJSON, { nullable: true })
  @Property({ type: 'json', nullable: true })
  audience?: Audience | null;

  @Field(() => Float, { nullable: true, description: 'offer (discount) cost per conversion' })
  @Property({ type: new DecimalType('number'), nullable: true })
  offerAmount?: number | null;

  @Field(() => Float)
  @Property({ type: new DecimalType('number') })
  costPerMessage: number = 0;

  /** Per-campaign hashing seed: assignment = hash(salt, contact id). Never changes. */
  @Property({ type: 'text' })
  salt: string = randomBytes(8).toString('hex');

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Field()
  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  startedAt?: Date | null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  completedAt?: Date | null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  archivedAt?: Date | null;

  @Field(() => Date, { nullable: true, description: 'when endTest closed the experiment' })
  @Property({ type: 'timestamptz', nullable: true })
  testEndedAt?: Date | null;

  /** sendAt (ISO), IANA timezone, RRULE recurrence, optimizeSendTime; exposed as `schedule`. */
  @Property({ type: 'json', nullable: true })
  schedule?: { sendAt: string; timezone: string; recurrence: string | null; optimizeSendTime: boolean; sendTimeHoldoutPercent?: number } | null;

  @Property({ type: 'timestamptz', nullable: true })
  nextRunAt?: Date | null;

  /** BANDIT: when the next wave is due (null when every audience contact has been sent). */
  @Field(() => Date, { nullable: true, description: 'BANDIT: when the next wave goes out' })
  @Property({ type: 'timestamptz', nullable: true })
  nextWaveAt?: Date | null;

  /** endTest's hand-over to sending: the variant the remainder of a partial test receives. */
  @Property({ type: 'uuid', nullable: true })
  remainderVariantId?: string | null;

  @Field(() => Date, { nullable: true, description: 'when the remainder of a partial test was handed to sending' })
  @Property({ type: 'timestamptz', nullable: true })
  remainderRequestedAt?: Date | null;

  @Field(() => Date, { nullable: true, description: 'when the remainder was queued to receive the winner' })
  @Property({ type: 'timestamptz', nullable: true })
  remainderQueuedAt?: Date | null;
}
