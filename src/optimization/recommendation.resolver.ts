import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { Campaign } from '../campaigns/campaign.entity';
import type { Context } from '../graphql/context';
import { Recommendation } from './recommendation.entity';

@Resolver(() => Recommendation)
export class RecommendationResolver {
  @Mutation(() => [Recommendation], { description: "computes the campaign's recommendations now; they replace its unapplied earlier ones" })
  async generateRecommendations(@Arg('campaignId', () => ID) campaignId: string, @Ctx() ctx: Context): Promise<Recommendation[]> {
    await ctx.services.plans.requireFeature('LEARNING', 'trainModel and recommendations');
    return ctx.services.recommendations.generate(campaignId);
  }

  @Mutation(() => Recommendation, { description: 'changes the campaign as recommended and records when and with which key' })
  async applyRecommendation(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Recommendation> {
    await ctx.services.plans.requireFeature('LEARNING', 'trainModel and recommendations');
    return ctx.services.recommendations.apply(id);
  }
}

@Resolver(() => Campaign)
export class CampaignRecommendationsResolver {
  @FieldResolver(() => [Recommendation], { description: 'the current recommendations (applied ones included; superseded ones left out), newest first' })
  recommendations(@Root() campaign: Campaign, @Ctx() ctx: Context): Promise<Recommendation[]> {
    return ctx.loaders.recommendationsByCampaignId.load(campaign.id);
  }
}
