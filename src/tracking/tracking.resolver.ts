import { Arg, Ctx, Extensions, Field, FieldResolver, Float, ID, InputType, Int, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { Variant } from '../campaigns/variant.entity';
import { RejectedEvent } from '../contacts/contact.resolver';
import type { Context } from '../graphql/context';
import { VALIDATED_PER_ITEM } from '../graphql/input-guard';
import { EventType } from '../domain/event-type';
import type { SentimentValue } from './event-input';
import { Sentiment } from './sentiment-enum';
import { trackEvents } from './track';
import { toVariantStats, VariantStats } from './variant-stats';

/** Validated row by row (one bad row never fails its neighbours): see graphql/input-guard.ts. */
@Extensions(VALIDATED_PER_ITEM)
@InputType()
export class TrackEventInput {
  @Field(() => ID)
  campaignId!: string;

  @Field(() => ID)
  contactId!: string;

  @Field(() => EventType)
  type!: EventType;

  @Field(() => ID, { nullable: true, description: "defaults to the contact's assigned variant" })
  variantId?: string | null;

  @Field(() => Date, { nullable: true })
  occurredAt?: Date | null;

  @Field(() => Float, { nullable: true, description: 'revenue for CONVERTED' })
  value?: number | null;

  @Field(() => Sentiment, { nullable: true })
  sentiment?: SentimentValue | null;

  @Field(() => String, { nullable: true })
  url?: string | null;

  @Field(() => ID, { nullable: true })
  merchantId?: string | null;

  @Field(() => String, { nullable: true, description: 'events with the same key in a workspace are counted once' })
  idempotencyKey?: string | null;
}

@ObjectType()
export class TrackEventsPayload {
  @Field(() => Int)
  accepted!: number;

  @Field(() => Int, { description: 'events whose idempotencyKey was already stored' })
  duplicates!: number;

  @Field(() => [RejectedEvent])
  rejected!: RejectedEvent[];
}

@Resolver(() => Variant)
export class TrackingResolver {
  @Mutation(() => TrackEventsPayload, { description: 'at most 1000 events; returns once the accepted ones are committed' })
  trackEvents(@Arg('events', () => [TrackEventInput]) events: TrackEventInput[], @Ctx() ctx: Context): Promise<TrackEventsPayload> {
    return trackEvents(ctx.app.ingestion, ctx.auth.workspaceId, events, 'api');
  }

  @FieldResolver(() => VariantStats)
  async stats(@Root() variant: Variant, @Ctx() ctx: Context): Promise<VariantStats> {
    return toVariantStats(variant.id, await ctx.loaders.countersByVariantId.load(variant.id), variant.createdAt);
  }
}
