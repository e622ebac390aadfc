/** What a campaign's experiment measures and how it decides (part of its configuration). */
import { registerEnumType } from 'type-graphql';

export enum Metric {
  DELIVERY = 'DELIVERY',
  /** EMAIL (open pixel, approximate) and WHATSAPP (read receipts); SMS reports no opens. */
  OPEN = 'OPEN',
  CLICK = 'CLICK',
  REPLY = 'REPLY',
  POSITIVE_REPLY = 'POSITIVE_REPLY',
  CONVERSION = 'CONVERSION',
  REVENUE = 'REVENUE',
  OPT_OUT = 'OPT_OUT',
}
export enum TestMethod {
  FIXED_HORIZON = 'FIXED_HORIZON',
  SEQUENTIAL = 'SEQUENTIAL',
  BAYESIAN = 'BAYESIAN',
}
/**
 * The assignments column holding a recipient's first success on each metric (REVENUE, not a rate:
 * its conversions, as the engine's rate analysis of it).
 */
export const METRIC_SUCCESS_COLUMN: Record<Metric, string> = {
  [Metric.DELIVERY]: 'delivered_at',
  [Metric.OPEN]: 'opened_at',
  [Metric.CLICK]: 'clicked_at',
  [Metric.REPLY]: 'replied_at',
  [Metric.POSITIVE_REPLY]: 'positive_reply_at',
  [Metric.CONVERSION]: 'converted_at',
  [Metric.REVENUE]: 'converted_at',
  [Metric.OPT_OUT]: 'opted_out_at',
};

registerEnumType(Metric, { name: 'Metric' });
registerEnumType(TestMethod, { name: 'TestMethod' });
