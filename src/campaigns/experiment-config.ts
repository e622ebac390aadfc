import { Field, Float, InputType, Int, ObjectType } from 'type-graphql';
import { badInput } from '../errors';
import { Metric, TestMethod } from './experiment-enums';

/** How a campaign's test is judged. Stored as JSON on the campaign. */
@ObjectType()
export class ExperimentConfig {
  @Field(() => Metric)
  primaryMetric!: Metric;

  @Field(() => TestMethod)
  method!: TestMethod;

  @Field(() => Float, { description: 'threshold for significance, e.g. 0.95' })
  confidenceLevel!: number;

  @Field(() => Int, { description: 'per variant, before any winner may be declared' })
  minSampleSize!: number;

  @Field()
  autoSelectWinner!: boolean;

  @Field(() => Int, {
    description: 'share of the audience that is tested; the remainder later receives the winner (100 = everyone tested)',
  })
  testAudiencePercent!: number;

  @Field(() => Float, { nullable: true })
  minimumDetectableEffect?: number | null;

  @Field(() => Int, { nullable: true, description: 'BANDIT: recipients per wave' })
  banditWaveSize?: number | null;

  @Field(() => Int, { nullable: true, description: 'BANDIT: minutes between waves (weights are recomputed before each)' })
  banditWaveIntervalMinutes?: number | null;

  @Field(() => Int, { nullable: true, description: 'partial tests: hours after launch when the test ends anyway (the control is kept without a winner)' })
  maxTestHours?: number | null;
}

@InputType()
export class ExperimentConfigInput {
  @Field(() => Metric, { nullable: true, defaultValue: Metric.CONVERSION })
  primaryMetric?: Metric | null;

  @Field(() => TestMethod, { nullable: true, defaultValue: TestMethod.SEQUENTIAL })
  method?: TestMethod | null;

  @Field(() => Float, { nullable: true, defaultValue: 0.95 })
  confidenceLevel?: number | null;

  @Field(() => Int, { nullable: true, defaultValue: 30 })
  minSampleSize?: number | null;

  @Field(() => Boolean, { nullable: true, defaultValue: true })
  autoSelectWinner?: boolean | null;

  @Field(() => Int, { nullable: true, defaultValue: 100 })
  testAudiencePercent?: number | null;

  @Field(() => Float, { nullable: true, description: 'relative lift the test should detect, e.g. 0.2 for +20 %' })
  minimumDetectableEffect?: number | null;

  @Field(() => Int, { nullable: true, description: 'BANDIT: recipients per wave (default 500)' })
  banditWaveSize?: number | null;

  @Field(() => Int, { nullable: true, description: 'BANDIT: minutes between waves (default 60)' })
  banditWaveIntervalMinutes?: number | null;

  @Field(() => Int, { nullable: true, description: 'partial tests: end the test this many hours after launch (null: no limit)' })
  maxTestHours?: number | null;
}

/** Fills defaults and checks ranges. Pure; throws BAD_USER_INPUT with the offending path. */
export function normalizeExperimentConfig(input: Partial<ExperimentConfigInput> | null | undefined, path = 'input.experiment'): ExperimentConfig {
  const c: ExperimentConfig = {
    primaryMetric: input?.primaryMetric ?? Metric.CONVERSION,
    method: input?.method ?? TestMethod.SEQUENTIAL,
    confidenceLevel: input?.confidenceLevel ?? 0.95,
    minSampleSize: input?.minSampleSize ?? 30,
    autoSelectWinner: input?.autoSelectWinner ?? true,
    testAudiencePercent: input?.testAudiencePercent ?? 100,
    minimumDetectableEffect: input?.minimumDetectableEffect ?? null,
    banditWaveSize: input?.banditWaveSize ?? 500,
    banditWaveIntervalMinutes: input?.banditWaveIntervalMinutes ?? 60,
    maxTestHours: input?.maxTestHours ?? null,
  };
  if (c.maxTestHours !== null && c.maxTestHours !== undefined && (!Number.isInteger(c.maxTestHours) || c.maxTestHours < 1)) {
    throw badInput('INVALID_MAX_TEST_HOURS', 'maxTestHours must be a whole number of hours, at least 1', `${path}.maxTestHours`);
  }
  if (!Number.isInteger(c.banditWaveSize) || c.banditWaveSize! < 10) {
    throw badInput('INVALID_WAVE_SIZE', 'banditWaveSize must be a whole number of at least 10', `${path}.banditWaveSize`);
  }
  if (!Number.isInteger(c.banditWaveIntervalMinutes) || c.banditWaveIntervalMinutes! < 1) {
    throw badInput('INVALID_WAVE_INTERVAL', 'banditWaveIntervalMinutes must be a whole number of at least 1', `${path}.banditWaveIntervalMinutes`);
  }
  if (!(c.confidenceLevel >= 0.5 && c.confidenceLevel < 1)) {
    throw badInput('INVALID_CONFIDENCE_LEVEL', 'confidenceLevel must be at least 0.5 and below 1 (e.g. 0.95)', `${path}.confidenceLevel`);
  }
  if (!Number.isInteger(c.minSampleSize) || c.minSampleSize < 1) {
    throw badInput('INVALID_MIN_SAMPLE_SIZE', 'minSampleSize must be a positive integer', `${path}.minSampleSize`);
  }
  if (!Number.isInteger(c.testAudiencePercent) || c.testAudiencePercent < 1 || c.testAudiencePercent > 100) {
    throw badInput('INVALID_TEST_AUDIENCE_PERCENT', 'testAudiencePercent must be a whole number from 1 to 100', `${path}.testAudiencePercent`);
  }
  const mde = c.minimumDetectableEffect;
  if (mde !== null && mde !== undefined && !(mde > 0 && Number.isFinite(mde))) {
    throw badInput('INVALID_MINIMUM_DETECTABLE_EFFECT', 'minimumDetectableEffect must be a positive relative lift (0.1 = +10 %)', `${path}.minimumDetectableEffect`);
  }
  return c;
}
