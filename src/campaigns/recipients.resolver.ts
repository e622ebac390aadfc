import { Arg, Ctx, Field, ID, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { Channel } from '../domain/channel';
import type { Context } from '../graphql/context';
import { AudienceInput } from './audience';
import { Variant } from './variant.entity';

@ObjectType()
export class VariantCount {
  @Field(() => ID)
  variantId!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType()
export class AddRecipientsPayload {
  @Field(() => Int, { description: 'newly assigned recipients (to a variant or to the remainder)' })
  added!: number;

  @Field(() => Int, { description: 'already recipients of this campaign: left as they were' })
  alreadyAssigned!: number;

  @Field(() => Int)
  skippedOptedOut!: number;

  @Field(() => Int)
  skippedNoConsent!: number;

  @Field(() => Int, { description: 'added to the remainder of a partial test (testAudiencePercent < 100): they will receive the winner' })
  heldOut!: number;

  @Field(() => [VariantCount], { description: 'newly assigned per variant' })
  perVariant!: VariantCount[];

  @Field(() => Int, { description: "RUNNING campaigns: new recipients queued for sending now, in the campaign's current run (0 otherwise: a launch or scheduled run queues them)" })
  queued!: number;

  @Field(() => Int, { description: 'RUNNING campaigns: new recipients not queued because of the workspace frequency cap' })
  skippedCapped!: number;
}

@ObjectType()
export class Reach {
  @Field(() => Int, { description: 'contacts the audience selects' })
  total!: number;

  @Field(() => Int, {
    description: 'of those, reachable: estimateReach — consent on at least one channel not opted out of; estimateReachByChannel — consent on the channel, not opted out of it, with its address',
  })
  withConsent!: number;
}

@Resolver()
export class RecipientResolver {
  @Mutation(() => AddRecipientsPayload, {
    description: 'contactIds and/or an audience (neither: the campaign audience); allowed while DRAFT, SCHEDULED or RUNNING',
  })
  addRecipients(
    @Arg('campaignId', () => ID) campaignId: string,
    @Arg('contactIds', () => [ID], { nullable: true }) contactIds: string[] | null,
    @Arg('audience', () => AudienceInput, { nullable: true }) audience: AudienceInput | null,
    @Ctx() ctx: Context,
  ): Promise<AddRecipientsPayload> {
    return ctx.services.recipients.addRecipients(campaignId, contactIds, audience);
  }

  @Query(() => Reach)
  estimateReach(@Arg('audience', () => AudienceInput) audience: AudienceInput, @Ctx() ctx: Context): Promise<Reach> {
    return ctx.services.recipients.estimateReach(audience);
  }

  @Query(() => Reach, { description: 'withConsent: consent on the channel, not opted out of it, and its address (phone for SMS and WhatsApp, email for EMAIL)' })
  estimateReachByChannel(
    @Arg('audience', () => AudienceInput) audience: AudienceInput,
    @Arg('channel', () => Channel) channel: Channel,
    @Ctx() ctx: Context,
  ): Promise<Reach> {
    return ctx.services.recipients.estimateReachByChannel(audience, channel);
  }

  @Query(() => Variant, { nullable: true, description: 'the assigned variant; null for a contact who is not a recipient (or is in the remainder)' })
  contactVariant(@Arg('campaignId', () => ID) campaignId: string, @Arg('contactId', () => ID) contactId: string, @Ctx() ctx: Context): Promise<Variant | null> {
    return ctx.services.recipients.contactVariant(campaignId, contactId);
  }
}
