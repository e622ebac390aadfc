import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { Variant } from '../campaigns/variant.entity';
import { NoWinnerReason, TestStatus } from './enums';
import { Metric, TestMethod } from '../campaigns/experiment-enums';
import { Winner } from './winner.entity';

@ObjectType()
export class SrmCheck {
  @Field(() => Float)
  pValue!: number;

  @Field({ description: 'p < 0.001 with at least 8 sent per variant' })
  detected!: boolean;

  @Field(() => [Float])
  expectedShares!: number[];

  @Field(() => [Int])
  observed!: number[];
}

@ObjectType()
export class VariantComparison {
  @Field(() => Variant)
  variant!: Variant;

  @Field(() => Variant)
  control!: Variant;

  @Field(() => Float, { description: 'for REVENUE: revenue per recipient' })
  rate!: number;

  @Field(() => Float)
  controlRate!: number;

  @Field(() => Float)
  absoluteLift!: number;

  @Field(() => Float, { nullable: true, description: 'percent, (rate - controlRate) / controlRate * 100; null when controlRate is 0' })
  relativeLift!: number | null;

  @Field(() => Float, { description: 'lower bound of the interval for the absolute lift (always-valid for SEQUENTIAL)' })
  liftLower!: number;

  @Field(() => Float)
  liftUpper!: number;

  @Field(() => Float, { nullable: true, description: 'two-proportion z (t for REVENUE)' })
  zScore!: number | null;

  @Field(() => Float)
  pValue!: number;

  @Field(() => Float, { description: 'Holm-adjusted across all comparisons of the campaign' })
  adjustedPValue!: number;

  @Field()
  significant!: boolean;

  @Field(() => Float)
  probabilityToBeatControl!: number;

  @Field(() => Float, { description: 'expected loss of choosing this variant over the control (absolute rate)' })
  expectedLoss!: number;
}

@ObjectType({ description: "A campaign's experiment analysis, computed from its counters." })
export class ExperimentAnalysis {
  @Field(() => ID, {
    description:
      "cacheable id (equals the campaign id): there is one current analysis per campaign, so a live update's analysis replaces the one a client cached under Campaign.analysis",
  })
  id!: string;

  @Field(() => Metric)
  metric!: Metric;

  @Field(() => TestMethod)
  method!: TestMethod;

  @Field(() => TestStatus)
  status!: TestStatus;

  @Field(() => Float, { nullable: true, description: 'omnibus test across all variants (Pearson chi-square for rate metrics)' })
  pValue!: number | null;

  @Field(() => Float, { nullable: true })
  chiSquare!: number | null;

  @Field(() => Int, { nullable: true })
  degreesOfFreedom!: number | null;

  @Field(() => Float, { nullable: true, description: '1 - pValue for the leading comparison, as the seeds define it' })
  confidenceLevel!: number | null;

  @Field()
  significant!: boolean;

  @Field()
  insufficientSampleSize!: boolean;

  @Field(() => SrmCheck)
  sampleRatioMismatch!: SrmCheck;

  @Field(() => [VariantComparison])
  comparisons!: VariantComparison[];

  @Field(() => Variant, { nullable: true })
  leader!: Variant | null;

  @Field(() => Variant, { nullable: true, description: 'the declared winner, else the winner the method allows now' })
  winner!: Variant | null;

  @Field(() => NoWinnerReason, { nullable: true })
  noWinnerReason!: NoWinnerReason | null;

  @Field(() => Float, { nullable: true, description: 'achieved power for the observed effect at the current sample' })
  power!: number | null;

  @Field(() => Int, { nullable: true })
  requiredSampleSizePerVariant!: number | null;

  @Field(() => [String])
  recommendations!: string[];

  @Field()
  computedAt!: Date;
}

@ObjectType()
export class WinnerDeclaredEvent {
  @Field(() => ID)
  campaignId!: string;

  @Field(() => Winner)
  winner!: Winner;
}
