import { Arg, Ctx, Field, FieldResolver, Float, ID, InputType, Int, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { Campaign } from '../campaigns/campaign.entity';
import type { Context } from '../graphql/context';
import type { MaybeLocalDate } from '../graphql/scalars';

@ObjectType()
export class Schedule {
  @Field(() => Date, { nullable: true })
  sendAt!: Date | null;

  @Field()
  timezone!: string;

  @Field(() => String, { nullable: true, description: 'RFC 5545 RRULE' })
  recurrence!: string | null;

  @Field(() => Date, { nullable: true })
  nextRunAt!: Date | null;

  @Field()
  optimizeSendTime!: boolean;
}

@InputType()
export class ScheduleInput {
  @Field(() => Date, { description: 'an instant, or a local date-time (no offset) read in `timezone`' })
  sendAt!: MaybeLocalDate;

  @Field(() => String, { nullable: true, defaultValue: 'UTC', description: 'IANA zone; sendAt given without offset is read in this zone' })
  timezone?: string | null;

  @Field(() => String, { nullable: true, description: 'RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=MO' })
  recurrence?: string | null;

  @Field(() => Boolean, { nullable: true, defaultValue: false, description: "send at each contact's recommended hour within 24 h of sendAt" })
  optimizeSendTime?: boolean | null;
}

@ObjectType()
export class CampaignRun {
  @Field(() => Int)
  runNumber!: number;

  @Field()
  scheduledFor!: Date;

  @Field()
  startedAt!: Date;

  @Field(() => Int, { description: 'sends queued' })
  queued!: number;

  @Field(() => Int)
  sent!: number;

  @Field(() => Int)
  failed!: number;

  @Field(() => Int)
  pending!: number;

  @Field(() => Int)
  skippedOptedOut!: number;

  @Field(() => Int)
  skippedNoConsent!: number;

  @Field(() => Int, { description: 'over the workspace frequency cap' })
  skippedCapped!: number;
}

@ObjectType()
export class VariantWeight {
  @Field(() => ID)
  variantId!: string;

  @Field(() => Float, { description: 'percent' })
  weight!: number;
}

@ObjectType()
export class BanditWave {
  @Field(() => Int)
  wave!: number;

  @Field()
  computedAt!: Date;

  @Field(() => [VariantWeight])
  weights!: VariantWeight[];
}

@Resolver(() => Campaign)
export class SendingResolver {
  @Mutation(() => Campaign, { description: 'DRAFT or SCHEDULED → RUNNING: queues every eligible recipient now' })
  launchCampaign(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Campaign> {
    return ctx.services.sending.launch(id);
  }

  @Mutation(() => Campaign, { description: 'DRAFT → SCHEDULED (or a new schedule for a SCHEDULED campaign)' })
  scheduleCampaign(@Arg('id', () => ID) id: string, @Arg('input', () => ScheduleInput) input: ScheduleInput, @Ctx() ctx: Context): Promise<Campaign> {
    return ctx.services.sending.schedule(id, input);
  }

  @Mutation(() => Campaign, { description: 'RUNNING → PAUSED: queued sends wait' })
  pauseCampaign(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Campaign> {
    return ctx.services.sending.pause(id);
  }

  @Mutation(() => Campaign, { description: 'PAUSED → RUNNING: queued sends continue (none is sent twice)' })
  resumeCampaign(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Campaign> {
    return ctx.services.sending.resume(id);
  }

  @Mutation(() => Campaign, { description: 'stops the campaign; sends not made yet are canceled' })
  cancelCampaign(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Campaign> {
    return ctx.services.sending.cancel(id);
  }

  @FieldResolver(() => Schedule, { nullable: true })
  schedule(@Root() campaign: Campaign): Schedule | null {
    const s = campaign.schedule;
    if (!s) return null;
    return { sendAt: new Date(s.sendAt), timezone: s.timezone, recurrence: s.recurrence, nextRunAt: campaign.nextRunAt ?? null, optimizeSendTime: s.optimizeSendTime };
  }

  @FieldResolver(() => [BanditWave], { description: 'BANDIT: the weights each wave used, in order' })
  banditWaves(@Root() campaign: Campaign, @Ctx() ctx: Context): Promise<BanditWave[]> {
    return ctx.loaders.banditWavesByCampaignId.load(campaign.id);
  }

  @FieldResolver(() => [CampaignRun], { description: 'every run, newest first, with its send counts' })
  runs(@Root() campaign: Campaign, @Ctx() ctx: Context): Promise<CampaignRun[]> {
    return ctx.loaders.runsByCampaignId.load(campaign.id);
  }
}
