import { Arg, Ctx, Field, FieldResolver, Float, ID, InputType, Int, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { Campaign } from '../campaigns/campaign.entity';
import { Contact } from '../contacts/contact.entity';
import { checkPageSize } from '../db/keyset';
import { notFound } from '../errors';
import type { Context } from '../graphql/context';
import type { MaybeLocalDate } from '../graphql/scalars';
import { DEFAULT_SEND_TIME_HOLDOUT_PERCENT } from './send-time-plan';
import { scheduleData } from './send-time-runs';
import { Metric } from '../campaigns/experiment-enums';
import type { SendTimeUpliftResult } from './send-time-uplift';

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

  @Field(() => Int, { description: 'share of recipients (with a recommended hour) sent at sendAt as a control for send-time optimisation' })
  sendTimeHoldoutPercent!: number;
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

  @Field(() => Int, {
    nullable: true,
    defaultValue: DEFAULT_SEND_TIME_HOLDOUT_PERCENT,
    description: 'share of recipients sent at sendAt as a control for send-time optimisation (0-50; membership hashed from the campaign seed)',
  })
  sendTimeHoldoutPercent?: number | null;
}

@ObjectType({ description: 'send-time optimisation against its holdout on the primary metric (REVENUE: conversion); rates divide by recipients sent' })
export class SendTimeUplift implements SendTimeUpliftResult {
  @Field(() => Metric, { description: 'what the rates count (REVENUE campaigns: CONVERSION)' })
  metric!: Metric;

  @Field(() => Float, { description: 'rate among recipients sent at their recommended hour' })
  treatedRate!: number;

  @Field(() => Float, { description: 'rate among the holdout, sent at sendAt' })
  holdoutRate!: number;

  @Field(() => Float, { description: 'treatedRate - holdoutRate' })
  absoluteLift!: number;

  @Field(() => Float, { description: 'lower end of the 95 % Newcombe (hybrid score) interval of absoluteLift' })
  liftLower!: number;

  @Field(() => Float, { description: 'upper end of that interval' })
  liftUpper!: number;

  @Field(() => Float, { description: 'two-sided pooled two-proportion z-test; 1 when a group is empty' })
  pValue!: number;

  @Field(() => Int, { description: 'recipients sent at their recommended hour' })
  treated!: number;

  @Field(() => Int, { description: 'holdout recipients sent' })
  holdout!: number;
}

@ObjectType({ description: 'a send that failed for good (no retry left, or an error the provider says retrying cannot fix)' })
export class SendFailure {
  /** Resolved to `contact` through the per-request dataloader. */
  contactId!: string;

  @Field({ description: "why: the provider's error, or the sender's (e.g. the contact has no phone number)" })
  error!: string;

  @Field({ description: 'when the send was given up' })
  at!: Date;
}

@ObjectType()
export class CampaignRun {
  /** The campaign_runs row (also keys the run's failures loader). */
  @Field(() => ID)
  id!: string;

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

  @Field(() => Int, { description: 'pending sends whose last attempt failed with an error worth retrying (they will be tried again)' })
  retrying!: number;

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
    const data = scheduleData(campaign)!;
    return {
      sendAt: new Date(s.sendAt),
      timezone: s.timezone,
      recurrence: s.recurrence,
      nextRunAt: campaign.nextRunAt ?? null,
      optimizeSendTime: s.optimizeSendTime,
      sendTimeHoldoutPercent: data.sendTimeHoldoutPercent!,
    };
  }

  @FieldResolver(() => SendTimeUplift, { nullable: true, description: 'measured effect of send-time optimisation against its holdout; null when not used' })
  sendTimeUplift(@Root() campaign: Campaign, @Ctx() ctx: Context): Promise<SendTimeUpliftResult | null> {
    return ctx.loaders.sendTimeUpliftByCampaignId.load(campaign.id);
  }

  @FieldResolver(() => [BanditWave], { description: 'BANDIT: the weights each wave used, in order' })
  banditWaves(@Root() campaign: Campaign, @Ctx() ctx: Context): Promise<BanditWave[]> {
    return ctx.loaders.banditWavesByCampaignId.load(campaign.id);
  }

  @FieldResolver(() => [CampaignRun], { description: 'every run, newest first, with its send counts' })
  runs(@Root() campaign: Campaign, @Ctx() ctx: Context): Promise<CampaignRun[]> {
    return ctx.loaders.runsByCampaignId.load(campaign.id);
  }

  @FieldResolver(() => [SendFailure], { description: 'sends that failed for good, newest first, with the reason (at most `first`, 0–200)' })
  sendFailures(@Root() campaign: Campaign, @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number | null, @Ctx() ctx: Context): Promise<SendFailure[]> {
    first ??= 20;
    checkPageSize(first);
    return ctx.loaders.sendFailures('campaign', first).load(campaign.id);
  }
}

@Resolver(() => CampaignRun)
export class CampaignRunResolver {
  @FieldResolver(() => [SendFailure], { description: "this run's sends that failed for good, newest first (at most `first`, 0–200)" })
  sendFailures(@Root() run: CampaignRun, @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number | null, @Ctx() ctx: Context): Promise<SendFailure[]> {
    first ??= 20;
    checkPageSize(first);
    return ctx.loaders.sendFailures('run', first).load(run.id);
  }
}

@Resolver(() => SendFailure)
export class SendFailureResolver {
  @FieldResolver(() => Contact)
  async contact(@Root() failure: SendFailure, @Ctx() ctx: Context): Promise<Contact> {
    const contact = await ctx.loaders.contactById.load(failure.contactId);
    if (!contact) throw notFound('Contact', failure.contactId);
    return contact;
  }
}
