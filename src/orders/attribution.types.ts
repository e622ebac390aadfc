import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Campaign } from '../campaigns/campaign.entity';
import { Variant } from '../campaigns/variant.entity';
import { AttributionModel } from './attribution';

registerEnumType(AttributionModel, {
  name: 'AttributionModel',
  description: 'how an order is credited to the messages that touched the contact in the window before it (see README, "Attribution")',
});

@ObjectType({ description: "a campaign's variant's share of the orders its messages touched" })
export class CampaignAttribution {
  @Field(() => Campaign)
  campaign!: Campaign;

  @Field(() => Variant, { nullable: true, description: 'null for messages sent without a variant' })
  variant!: Variant | null;

  @Field(() => Float, { description: 'sum of credits: fractions of orders' })
  conversions!: number;

  @Field(() => Float, { description: 'sum of credit × order value' })
  revenue!: number;
}

@ObjectType()
export class TimeToConversionBucket {
  @Field({ description: 'e.g. "< 1 h", "1–6 h", "1–3 d"' })
  label!: string;

  @Field(() => Float, { description: 'inclusive' })
  fromHours!: number;

  @Field(() => Float, { description: 'exclusive, except for the last bucket, which ends at the window (inclusive)' })
  toHours!: number;

  @Field(() => Int)
  orders!: number;
}

@ObjectType({ description: "hours from the campaign's last touch before an order to that order, over the orders it touched" })
export class TimeToConversion {
  @Field(() => Int, { description: 'orders with a touch from this campaign in their window' })
  orders!: number;

  @Field(() => Float, { nullable: true })
  meanHours!: number | null;

  @Field(() => Float, { nullable: true, description: 'linearly interpolated between closest ranks (numpy default, R-7)' })
  medianHours!: number | null;

  @Field(() => Float, { nullable: true, description: '90th percentile, linearly interpolated between closest ranks (R-7)' })
  p90Hours!: number | null;

  @Field(() => [TimeToConversionBucket])
  buckets!: TimeToConversionBucket[];
}
