/** Send time per contact: thin resolvers over SendTimeService (READ scope, as every query). */
import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { AudienceInput } from '../campaigns/audience';
import { Channel } from '../domain/channel';
import type { Context } from '../graphql/context';
import type { StoredSendTime } from './send-time.service';
import { SendTimePreview, SendTimeRecommendation } from './send-time.types';

function toGraphQL(s: StoredSendTime): SendTimeRecommendation {
  return {
    contactId: s.contactId,
    optimalHour: s.optimalHour,
    window: s.window,
    expectedRate: s.expectedRate,
    confidence: s.confidence ?? 0,
    basis: s.basis,
    timezone: s.timezone,
    messages: s.messages,
    windowStart: s.windowStart,
    windowHours: s.windowHours,
    hourlyRates: s.rates,
    computedAt: s.computedAt,
  };
}

@Resolver()
export class SendTimeResolver {
  @Query(() => SendTimeRecommendation, { description: "the contact's recommended send time; computed now when its history changed since the daily refresh" })
  async sendTimeRecommendation(@Arg('contactId', () => ID) contactId: string, @Ctx() ctx: Context): Promise<SendTimeRecommendation> {
    return toGraphQL(await ctx.services.sendTime.recommendation(contactId));
  }

  @Query(() => SendTimePreview, { description: 'contacts per recommended hour for an audience, and how many have enough own history (a preview chart)' })
  sendTimePreview(
    @Arg('audience', () => AudienceInput, { nullable: true }) audience: AudienceInput | null,
    @Arg('channel', () => Channel, { nullable: true, defaultValue: Channel.SMS }) channel: Channel | null,
    @Ctx() ctx: Context,
  ): Promise<SendTimePreview> {
    return ctx.services.sendTime.preview(audience, channel ?? Channel.SMS);
  }
}
