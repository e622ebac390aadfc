import { newId } from '../shared/ids';
import { Entity, PrimaryKey, Property, ManyToOne, OptionalProps } from '@mikro-orm/core';
import { Workspace } from '../workspaces/workspace.entity';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { GraphQLJSON } from '../graphql/scalars';
import type { Channel } from '../domain/channel';
import { channelConsentOf } from './channel-consent';
import { ChannelConsent } from './channel-consent.types';

@ObjectType()
@Entity({ tableName: 'contacts' })
export class Contact {
  /** Properties with defaults: optional in `em.create()`. */
  [OptionalProps]?: 'tags' | 'attributes' | 'consentChannels' | 'optedOutChannels' | 'consent' | 'optedOut' | 'channelConsent' | 'orderCount' | 'totalSpend' | 'engagementScore' | 'createdAt' | 'updatedAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @ManyToOne(() => Workspace, { mapToPk: true, fieldName: 'workspace_id' })
  workspaceId!: string;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  externalId?: string | null;

  @Field(() => String, { nullable: true, description: 'E.164' })
  @Property({ type: 'text', nullable: true })
  phone?: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  email?: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  firstName?: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  lastName?: string | null;

  @Field(() => String, { nullable: true, description: 'IANA zone; quiet hours and send times use it' })
  @Property({ type: 'text', nullable: true })
  timezone?: string | null;

  @Field(() => [String])
  @Property({ type: 'text[]' })
  tags: string[] = [];

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  segment?: string | null;

  @Field(() => GraphQLJSON)
  @Property({ type: 'json' })
  attributes: Record<string, unknown> = {};

  /** Channels the contact gave express consent to receive campaign messages on (none unless given). */
  @Property({ type: 'text[]' })
  consentChannels: Channel[] = [];

  /** Channels the contact opted out of (STOP by SMS: SMS; an email unsubscribe: EMAIL; …). */
  @Property({ type: 'text[]' })
  optedOutChannels: Channel[] = [];

  @Field({ description: 'consent on at least one channel (per channel: channelConsent)' })
  get consent(): boolean {
    return this.consentChannels.length > 0;
  }

  @Field({ description: 'opted out of at least one channel (per channel: channelConsent)' })
  get optedOut(): boolean {
    return this.optedOutChannels.length > 0;
  }

  @Field(() => [ChannelConsent], { description: 'every channel in enum order: consent given, opted out' })
  get channelConsent(): ChannelConsent[] {
    return channelConsentOf(this);
  }

  @Field(() => Date, { nullable: true, description: 'the latest opt-out, any channel; null while no channel is opted out' })
  @Property({ type: 'timestamptz', nullable: true })
  optedOutAt?: Date | null;

  @Field(() => Date, { nullable: true, description: 'when the current email address hard-bounced: EMAIL campaigns skip it until the email changes' })
  @Property({ type: 'timestamptz', nullable: true })
  emailBouncedAt?: Date | null;

  @Field(() => Date, { nullable: true, description: 'last campaign message sent to the contact' })
  @Property({ type: 'timestamptz', nullable: true })
  lastMessagedAt?: Date | null;

  @Field(() => Date, { nullable: true, description: 'last engagement event of any kind' })
  @Property({ type: 'timestamptz', nullable: true })
  lastEventAt?: Date | null;

  @Field(() => Int, { description: 'orders recorded for the contact (recordOrders, POST /v1/orders, CSV import)' })
  @Property({ type: 'integer' })
  orderCount: number = 0;

  @Field(() => Float, { description: 'sum of the values of its recorded orders (lifetime value)' })
  @Property({ type: 'double', columnType: 'numeric' })
  totalSpend: number = 0;

  @Field(() => Date, { nullable: true, description: 'when its latest recorded order occurred' })
  @Property({ type: 'timestamptz', nullable: true })
  lastOrderAt?: Date | null;

  @Field(() => Date, { nullable: true, description: 'its latest reply to a campaign message' })
  @Property({ type: 'timestamptz', nullable: true })
  lastRepliedAt?: Date | null;

  @Field(() => Float, { description: '0-100, recency-weighted engagement across channels: S = Σ weight × 2^(−age_days / 30) over the last 180 days (per campaign: opened 1, clicked 3, replied 5, converted 8, opted out −10; each order 4), score = 100 × (1 − e^(−max(S, 0) / 10)), one decimal (README, "Engagement score"). Recomputed nightly and by recomputeEngagementScores; 0 until first scored' })
  @Property({ type: 'float', columnType: 'real' })
  engagementScore: number = 0;

  @Field(() => Date, { nullable: true, description: 'when engagementScore was last computed' })
  @Property({ type: 'timestamptz', nullable: true })
  engagementScoredAt?: Date | null;

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Field()
  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
