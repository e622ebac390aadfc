import 'reflect-metadata';
import { normalizeExperimentConfig, type ExperimentConfigInput } from '../../src/campaigns/experiment-config';
import { Metric, TestMethod } from '../../src/campaigns/experiment-enums';
import { domainErrorOf } from './support';

const DEFAULTS = {
  primaryMetric: Metric.CONVERSION,
  method: TestMethod.SEQUENTIAL,
  confidenceLevel: 0.95,
  minSampleSize: 30,
  autoSelectWinner: true,
  testAudiencePercent: 100,
  minimumDetectableEffect: null,
  banditWaveSize: 500,
  banditWaveIntervalMinutes: 60,
  maxTestHours: null,
};

describe('normalizeExperimentConfig: defaults', () => {
  it.each([
    ['undefined', undefined],
    ['null', null],
    ['an empty object', {}],
  ])('fills every default for %s', (_label, input) => {
    expect(normalizeExperimentConfig(input)).toEqual(DEFAULTS);
  });

  it('fills defaults for fields given as null', () => {
    const input = { confidenceLevel: null, minSampleSize: null, minimumDetectableEffect: null } as unknown as Partial<ExperimentConfigInput>;
    expect(normalizeExperimentConfig(input)).toEqual(DEFAULTS);
  });

  it('keeps every given value', () => {
    const input: Partial<ExperimentConfigInput> = {
      primaryMetric: Metric.CLICK,
      method: TestMethod.BAYESIAN,
      confidenceLevel: 0.9,
      minSampleSize: 200,
      autoSelectWinner: false,
      testAudiencePercent: 20,
      minimumDetectableEffect: 0.1,
      banditWaveSize: 200,
      banditWaveIntervalMinutes: 15,
      maxTestHours: 48,
    };
    expect(normalizeExperimentConfig(input)).toEqual(input);
  });

  it('keeps autoSelectWinner false (it is not a missing value)', () => {
    expect(normalizeExperimentConfig({ autoSelectWinner: false }).autoSelectWinner).toBe(false);
  });
});

describe('normalizeExperimentConfig: accepted boundaries', () => {
  it.each<[string, Partial<ExperimentConfigInput>]>([
    ['confidenceLevel 0.5', { confidenceLevel: 0.5 }],
    ['confidenceLevel 0.999', { confidenceLevel: 0.999 }],
    ['minSampleSize 1', { minSampleSize: 1 }],
    ['testAudiencePercent 1', { testAudiencePercent: 1 }],
    ['testAudiencePercent 100', { testAudiencePercent: 100 }],
    ['a small minimumDetectableEffect', { minimumDetectableEffect: 0.001 }],
    ['a minimumDetectableEffect above 1', { minimumDetectableEffect: 2 }],
  ])('accepts %s', (_label, input) => {
    expect(normalizeExperimentConfig(input)).toMatchObject(input);
  });
});

describe('normalizeExperimentConfig: errors', () => {
  it.each<[string, Partial<ExperimentConfigInput>, string, string]>([
    ['confidenceLevel below 0.5', { confidenceLevel: 0.49 }, 'INVALID_CONFIDENCE_LEVEL', 'confidenceLevel'],
    ['confidenceLevel 1', { confidenceLevel: 1 }, 'INVALID_CONFIDENCE_LEVEL', 'confidenceLevel'],
    ['confidenceLevel as a percentage', { confidenceLevel: 95 }, 'INVALID_CONFIDENCE_LEVEL', 'confidenceLevel'],
    ['confidenceLevel 0', { confidenceLevel: 0 }, 'INVALID_CONFIDENCE_LEVEL', 'confidenceLevel'],
    ['a negative confidenceLevel', { confidenceLevel: -0.95 }, 'INVALID_CONFIDENCE_LEVEL', 'confidenceLevel'],
    ['confidenceLevel NaN', { confidenceLevel: NaN }, 'INVALID_CONFIDENCE_LEVEL', 'confidenceLevel'],
    ['minSampleSize 0', { minSampleSize: 0 }, 'INVALID_MIN_SAMPLE_SIZE', 'minSampleSize'],
    ['a negative minSampleSize', { minSampleSize: -10 }, 'INVALID_MIN_SAMPLE_SIZE', 'minSampleSize'],
    ['a fractional minSampleSize', { minSampleSize: 2.5 }, 'INVALID_MIN_SAMPLE_SIZE', 'minSampleSize'],
    ['minSampleSize NaN', { minSampleSize: NaN }, 'INVALID_MIN_SAMPLE_SIZE', 'minSampleSize'],
    ['testAudiencePercent 0', { testAudiencePercent: 0 }, 'INVALID_TEST_AUDIENCE_PERCENT', 'testAudiencePercent'],
    ['testAudiencePercent 101', { testAudiencePercent: 101 }, 'INVALID_TEST_AUDIENCE_PERCENT', 'testAudiencePercent'],
    ['a fractional testAudiencePercent', { testAudiencePercent: 50.5 }, 'INVALID_TEST_AUDIENCE_PERCENT', 'testAudiencePercent'],
    ['a negative testAudiencePercent', { testAudiencePercent: -20 }, 'INVALID_TEST_AUDIENCE_PERCENT', 'testAudiencePercent'],
    ['minimumDetectableEffect 0', { minimumDetectableEffect: 0 }, 'INVALID_MINIMUM_DETECTABLE_EFFECT', 'minimumDetectableEffect'],
    ['a negative minimumDetectableEffect', { minimumDetectableEffect: -0.1 }, 'INVALID_MINIMUM_DETECTABLE_EFFECT', 'minimumDetectableEffect'],
    ['an infinite minimumDetectableEffect', { minimumDetectableEffect: Infinity }, 'INVALID_MINIMUM_DETECTABLE_EFFECT', 'minimumDetectableEffect'],
    ['minimumDetectableEffect NaN', { minimumDetectableEffect: NaN }, 'INVALID_MINIMUM_DETECTABLE_EFFECT', 'minimumDetectableEffect'],
  ])('rejects %s', (_label, input, reason, field) => {
    const error = domainErrorOf(() => normalizeExperimentConfig(input));
    expect([error.code, error.reason, error.field]).toEqual(['BAD_USER_INPUT', reason, `input.experiment.${field}`]);
  });

  it('uses the given path in the error field', () => {
    expect(domainErrorOf(() => normalizeExperimentConfig({ minSampleSize: 0 }, 'input.campaign.experiment')).field).toBe(
      'input.campaign.experiment.minSampleSize',
    );
  });
});

describe('normalizeExperimentConfig: bandit waves', () => {
  it.each([
    [{ banditWaveSize: 5 }, 'INVALID_WAVE_SIZE', 'input.experiment.banditWaveSize'],
    [{ banditWaveIntervalMinutes: 0 }, 'INVALID_WAVE_INTERVAL', 'input.experiment.banditWaveIntervalMinutes'],
    [{ maxTestHours: 0 }, 'INVALID_MAX_TEST_HOURS', 'input.experiment.maxTestHours'],
  ])('rejects %j', (input, reason, field) => {
    expect(domainErrorOf(() => normalizeExperimentConfig(input as Partial<ExperimentConfigInput>))).toMatchObject({ reason, field });
  });
});
