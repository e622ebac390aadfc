import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { Campaign } from '../campaigns/campaign.entity';
import { Variant } from '../campaigns/variant.entity';
import { notFound } from '../errors';
import type { Context } from '../graphql/context';
import { campaignAnalysis } from './analysis';
import { ExperimentAnalysis } from './analysis.types';
import { Winner } from './winner.entity';

@Resolver(() => Campaign)
export class ExperimentResolver {
  @FieldResolver(() => ExperimentAnalysis, { nullable: true, description: 'from the counters; null for campaigns without an experiment' })
  async analysis(@Root() campaign: Campaign, @Ctx() ctx: Context): Promise<ExperimentAnalysis | null> {
    const variants = await ctx.loaders.variantsByCampaignId.load(campaign.id);
    const [rows, winner] = await Promise.all([ctx.loaders.countersByVariantId.loadMany(variants.map((v) => v.id)), ctx.loaders.winnerByCampaignId.load(campaign.id)]);
    const counters = new Map(variants.map((v, i) => [v.id, rows[i] instanceof Error ? undefined : rows[i]]));
    return campaignAnalysis(campaign, variants, counters, winner ?? null)?.analysis ?? null;
  }

  @FieldResolver(() => Winner, { nullable: true, description: 'the current winner, manual or automatic' })
  async winner(@Root() campaign: Campaign, @Ctx() ctx: Context): Promise<Winner | null> {
    return (await ctx.loaders.winnerByCampaignId.load(campaign.id)) ?? null;
  }

  @FieldResolver(() => [Winner], { description: 'every declaration, newest first (earlier ones have supersededAt)' })
  winnerHistory(@Root() campaign: Campaign, @Ctx() ctx: Context): Promise<Winner[]> {
    return ctx.loaders.winnerHistoryByCampaignId.load(campaign.id);
  }

  @Mutation(() => ExperimentAnalysis, { description: 'evaluates now; with autoSelectWinner, declares the winner the method allows' })
  evaluateWinner(@Arg('campaignId', () => ID) campaignId: string, @Ctx() ctx: Context): Promise<ExperimentAnalysis> {
    return ctx.services.experiments.evaluate(campaignId);
  }

  @Mutation(() => Winner, { description: 'manual override, recorded with its reason even without significance' })
  declareWinner(
    @Arg('campaignId', () => ID) campaignId: string,
    @Arg('variantId', () => ID) variantId: string,
    @Arg('reason') reason: string,
    @Ctx() ctx: Context,
  ): Promise<Winner> {
    return ctx.services.experiments.declareWinner(campaignId, variantId, reason);
  }

  @Mutation(() => Campaign, { description: 'ends the test; with a remainder and sendWinnerToRemainder the winner goes to the rest of the audience' })
  endTest(
    @Arg('campaignId', () => ID) campaignId: string,
    @Arg('sendWinnerToRemainder', () => Boolean, { nullable: true, defaultValue: true }) sendWinnerToRemainder: boolean | null,
    @Ctx() ctx: Context,
  ): Promise<Campaign> {
    return ctx.services.experiments.endTest(campaignId, sendWinnerToRemainder ?? true);
  }
}

@Resolver(() => Winner)
export class WinnerResolver {
  @FieldResolver(() => Variant)
  async variant(@Root() winner: Winner, @Ctx() ctx: Context): Promise<Variant> {
    const variant = (await ctx.loaders.variantsByCampaignId.load(winner.campaignId)).find((v) => v.id === winner.variantId);
    if (!variant) throw notFound('Variant', winner.variantId);
    return variant;
  }
}
