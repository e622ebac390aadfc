import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Campaign } from '../campaigns/campaign.entity';
import { Variant } from '../campaigns/variant.entity';
import { EngagementStats } from '../tracking/variant-stats';

export enum Interval {
  HOUR = 'HOUR',
  DAY = 'DAY',
  WEEK = 'WEEK',
  MONTH = 'MONTH',
}
export enum RankMetric {
  CONVERSION_RATE = 'CONVERSION_RATE',
  RESPONSE_RATE = 'RESPONSE_RATE',
  REVENUE = 'REVENUE',
  ROAS = 'ROAS',
  ROI = 'ROI',
}
registerEnumType(Interval, { name: 'Interval', description: 'calendar buckets in the workspace time zone (HOUR: absolute hours)' });
registerEnumType(RankMetric, { name: 'RankMetric' });

@ObjectType({ implements: EngagementStats })
export class CampaignStats extends EngagementStats {
  @Field(() => Int, { description: 'recipients assigned (test variants; the remainder counts once it has a variant)' })
  recipients!: number;

  @Field(() => Int, { description: 'messages sent, repeats included (what cost is per)' })
  messages!: number;

  @Field(() => Float, { description: 'messages × costPerMessage + conversions × offerAmount' })
  cost!: number;
}

@ObjectType()
export class RoiAnalysis {
  @Field(() => Float)
  cost!: number;

  @Field(() => Float)
  revenue!: number;

  @Field(() => Float)
  profit!: number;

  @Field(() => Float, { nullable: true, description: 'revenue / cost; null when cost is 0' })
  roas!: number | null;

  @Field(() => Float, { nullable: true, description: 'percent; null when cost is 0' })
  roiPercent!: number | null;

  @Field(() => Float, { nullable: true, description: 'null without conversions' })
  costPerConversion!: number | null;
}

@ObjectType()
export class TimeBucket {
  @Field()
  start!: Date;

  @Field(() => ID, { nullable: true })
  variantId!: string | null;

  @Field(() => Int)
  sent!: number;

  @Field(() => Int)
  delivered!: number;

  @Field(() => Int)
  clicked!: number;

  @Field(() => Int)
  replied!: number;

  @Field(() => Int)
  converted!: number;

  @Field(() => Float)
  revenue!: number;
}

@ObjectType()
export class SegmentPerformance {
  @Field({ description: "the contacts' segment; (none) for contacts without one" })
  segment!: string;

  @Field(() => Int)
  recipients!: number;

  @Field(() => Int)
  sent!: number;

  @Field(() => Int)
  converted!: number;

  @Field(() => Float, { description: 'converted / sent' })
  conversionRate!: number;

  @Field(() => Float)
  revenue!: number;
}

@ObjectType()
export class Portfolio {
  @Field(() => Int, { description: 'campaigns created or with activity in the window (archived excluded)' })
  totalCampaigns!: number;

  @Field(() => Int, { description: 'of those, RUNNING now' })
  activeCampaigns!: number;

  @Field(() => Int)
  sent!: number;

  @Field(() => Int)
  converted!: number;

  @Field(() => Float)
  overallConversionRate!: number;

  @Field(() => Float)
  revenue!: number;

  @Field(() => Float)
  cost!: number;

  @Field(() => Float, { nullable: true })
  roas!: number | null;
}

@ObjectType()
export class CampaignRank {
  @Field(() => Campaign)
  campaign!: Campaign;

  @Field(() => Float)
  value!: number;
}

@ObjectType()
export class CampaignSummary {
  @Field(() => Campaign)
  campaign!: Campaign;

  @Field(() => CampaignStats)
  stats!: CampaignStats;

  @Field(() => RoiAnalysis)
  roi!: RoiAnalysis;
}

@ObjectType()
export class FunnelStep {
  @Field({ description: 'SENT, DELIVERED, CLICKED, REPLIED, CONVERTED' })
  step!: string;

  @Field(() => Int, { description: 'unique recipients' })
  count!: number;

  @Field(() => Float, { description: 'count / sent' })
  rateOfSent!: number;

  @Field(() => Float, { description: 'count / the previous step (1 for SENT)' })
  stepConversion!: number;
}

@ObjectType()
export class VariantFunnel {
  @Field(() => Variant)
  variant!: Variant;

  @Field(() => [FunnelStep])
  steps!: FunnelStep[];
}

@ObjectType()
export class Funnel {
  @Field(() => [FunnelStep], { description: 'the whole campaign' })
  steps!: FunnelStep[];

  @Field(() => [VariantFunnel])
  variants!: VariantFunnel[];
}

@ObjectType()
export class CohortWeek {
  @Field(() => Int, { description: 'weeks after the cohort week (0 = the same week)' })
  week!: number;

  @Field(() => Int, { description: 'contacts of the cohort converting (any campaign) in that week' })
  converted!: number;

  @Field(() => Float, { description: 'converted / cohort size' })
  rate!: number;
}

@ObjectType()
export class Cohort {
  @Field({ description: 'start of the week (Monday, workspace time zone) of the contacts’ first campaign message' })
  weekStart!: Date;

  @Field(() => Int)
  contacts!: number;

  @Field(() => [CohortWeek], { description: 'one entry per week from the cohort week to now' })
  weeks!: CohortWeek[];
}
