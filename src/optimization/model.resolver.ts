import { Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../graphql/context';
import { ModelInfo } from './model.types';

@Resolver()
export class ModelResolver {
  /**
   * WRITE, like every mutation that derives data without changing settings or keys (evaluateWinner,
   * launchCampaign): ADMIN is kept for keys and workspace settings.
   */
  @Mutation(() => ModelInfo, { description: 'Trains the next version of the conversion model on the last 90 days of messages (a worker thread; up to about a minute)' })
  async trainModel(@Ctx() ctx: Context): Promise<ModelInfo> {
    await ctx.services.plans.requireFeature('LEARNING', 'trainModel and recommendations');
    return ctx.services.models.train();
  }

  @Query(() => [ModelInfo], { description: 'trained models, newest first' })
  models(@Ctx() ctx: Context): Promise<ModelInfo[]> {
    return ctx.services.models.list();
  }
}
