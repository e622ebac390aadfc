/**
 * The measured effect of send-time optimisation: the primary metric's rate among recipients sent
 * at their recommended hour (OPTIMIZED) against those held out and sent at the run's start
 * (HOLDOUT). Both groups are random (hashed) parts of the same population — contacts with a
 * recommendation — so the difference of their rates estimates the effect. The statistics are the
 * experiment engine's (src/experiments/stats): Newcombe's hybrid score interval for the difference
 * (Newcombe 1998, method 10) and the pooled two-proportion z-test, two-sided. Pure, no I/O.
 */
import { Metric } from '../campaigns/experiment-enums';
import { newcombeDifference, twoProportionZTest } from '../experiments/stats';

/** The interval's level: 95 %, as the uplift's description says (not the campaign's test level). */
export const SEND_TIME_UPLIFT_CONFIDENCE = 0.95;

export interface UpliftCounts {
  metric: Metric;
  /** OPTIMIZED recipients a message went out to, and those of them with a success. */
  treated: number;
  treatedSuccesses: number;
  /** HOLDOUT recipients a message went out to, and those of them with a success. */
  holdout: number;
  holdoutSuccesses: number;
}

/** The uplift (the GraphQL type `SendTimeUplift` in sending.resolver.ts has these fields). */
export interface SendTimeUpliftResult {
  /** What the rates count (REVENUE campaigns: CONVERSION). */
  metric: Metric;
  treatedRate: number;
  holdoutRate: number;
  /** treatedRate − holdoutRate. */
  absoluteLift: number;
  liftLower: number;
  liftUpper: number;
  pValue: number;
  treated: number;
  holdout: number;
}

/** Rates, difference with its interval and p-value from the two groups' counts. An empty group has rate 0. */
export function computeSendTimeUplift(c: UpliftCounts): SendTimeUpliftResult {
  const treatedRate = c.treated === 0 ? 0 : c.treatedSuccesses / c.treated;
  const holdoutRate = c.holdout === 0 ? 0 : c.holdoutSuccesses / c.holdout;
  const interval = newcombeDifference(c.holdoutSuccesses, c.holdout, c.treatedSuccesses, c.treated, SEND_TIME_UPLIFT_CONFIDENCE);
  const { pValue } = twoProportionZTest(c.holdoutSuccesses, c.holdout, c.treatedSuccesses, c.treated);
  return {
    metric: c.metric === Metric.REVENUE ? Metric.CONVERSION : c.metric,
    treatedRate,
    holdoutRate,
    absoluteLift: treatedRate - holdoutRate,
    liftLower: interval.lower,
    liftUpper: interval.upper,
    pValue,
    treated: c.treated,
    holdout: c.holdout,
  };
}
