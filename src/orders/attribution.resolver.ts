import { Arg, Ctx, FieldResolver, Float, Int, Query, Resolver, Root } from 'type-graphql';
import { Campaign } from '../campaigns/campaign.entity';
import type { Context } from '../graphql/context';
import { AttributionModel } from './attribution';
import { checkWindowDays } from './attribution-input';
import { CampaignAttribution, TimeToConversion } from './attribution.types';

@Resolver()
export class AttributionResolver {
  @Query(() => [CampaignAttribution], {
    description: 'orders that occurred in the last `days` days, credited to the (campaign, variant) of the messages that touched them in the `windowDays` before; best revenue first',
  })
  attribution(
    @Arg('model', () => AttributionModel) model: AttributionModel,
    @Arg('days', () => Int, { nullable: true, defaultValue: 30 }) days: number | null,
    @Arg('windowDays', () => Int, { nullable: true, defaultValue: 7 }) windowDays: number | null,
    @Arg('halfLifeDays', () => Float, { nullable: true, defaultValue: 7, description: 'TIME_DECAY only' }) halfLifeDays: number | null,
    @Ctx() ctx: Context,
  ): Promise<CampaignAttribution[]> {
    return ctx.services.attribution.attribution(model, days ?? 30, windowDays ?? 7, halfLifeDays ?? 7);
  }
}

@Resolver(() => Campaign)
export class CampaignAttributionResolver {
  @FieldResolver(() => Float, { description: "revenue credited to this campaign's messages over every order whose window holds one (TIME_DECAY: 7-day half-life)" })
  attributedRevenue(
    @Root() campaign: Campaign,
    @Arg('model', () => AttributionModel, { nullable: true, defaultValue: AttributionModel.LAST_TOUCH }) model: AttributionModel | null,
    @Arg('windowDays', () => Int, { nullable: true, defaultValue: 7 }) windowDays: number | null,
    @Ctx() ctx: Context,
  ): Promise<number> {
    return ctx.loaders.attributedRevenue(model ?? AttributionModel.LAST_TOUCH, checkWindowDays(windowDays ?? 7)).load(campaign.id);
  }

  @FieldResolver(() => TimeToConversion, { description: "hours from this campaign's last touch before each order it touched to the order" })
  timeToConversion(
    @Root() campaign: Campaign,
    @Arg('windowDays', () => Int, { nullable: true, defaultValue: 7 }) windowDays: number | null,
    @Ctx() ctx: Context,
  ): Promise<TimeToConversion> {
    return ctx.loaders.timeToConversion(checkWindowDays(windowDays ?? 7)).load(campaign.id);
  }
}
