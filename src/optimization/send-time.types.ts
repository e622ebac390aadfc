/** GraphQL types of send time per contact (contract: SendTimeRecommendation, SendTimePreview, HourCount). */
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: "the contact's best local hour to receive a message, learned from its history shrunk toward its segment's and the workspace's" })
export class SendTimeRecommendation {
  @Field(() => ID)
  contactId!: string;

  @Field(() => Int, { description: "0-23 in the contact's timezone" })
  optimalHour!: number;

  @Field({ description: 'local window around the optimal hour, 2 or 3 hours, end exclusive, e.g. "09:00–11:00" (circular: "23:00–01:00")' })
  window!: string;

  @Field(() => Float, { description: 'posterior mean engagement rate (clicked, replied or converted; opened on WhatsApp and email) at the optimal hour' })
  expectedRate!: number;

  @Field(() => Float, {
    description:
      "posterior probability that the optimal hour beats the contact's average hour (normal approximation; an empirical-Bayes plug-in, so optimistic); 0 with basis DEFAULT (no data at all)",
  })
  confidence!: number;

  @Field({ description: 'what the recommendation rests on: CONTACT (≥ 10 own messages), SEGMENT (its segment has ≥ 100), WORKSPACE (any history), DEFAULT (none: 10:00)' })
  basis!: string;

  @Field({ description: 'the IANA zone the hours are in: the contact\'s, else the workspace\'s' })
  timezone!: string;

  @Field(() => Int, { description: "the contact's own messages in the last 180 days" })
  messages!: number;

  @Field(() => Int, { description: 'first hour of the window (local)' })
  windowStart!: number;

  @Field(() => Int, { description: 'length of the window in hours' })
  windowHours!: number;

  @Field(() => [Float], { description: 'posterior mean engagement rate per local hour 0-23 (smoothed)' })
  hourlyRates!: number[];

  @Field()
  computedAt!: Date;
}

@ObjectType()
export class HourCount {
  @Field(() => Int, { description: 'local hour 0-23 (each contact in its own zone)' })
  hour!: number;

  @Field(() => Int)
  contacts!: number;
}

@ObjectType({ description: 'contacts of an audience per recommended hour (a preview chart)' })
export class SendTimePreview {
  @Field(() => Int, { description: 'contacts of the audience reachable on the channel (consent on it, not opted out of it)' })
  total!: number;

  @Field(() => Int, { description: 'of those, recommended from their own history (basis CONTACT)' })
  withOwnHistory!: number;

  @Field(() => [HourCount], { description: 'every hour 0-23, in order' })
  hours!: HourCount[];
}
