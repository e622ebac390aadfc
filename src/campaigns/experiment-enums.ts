/** What a campaign's experiment measures and how it decides (part of its configuration). */
import { registerEnumType } from 'type-graphql';

export enum Metric {
  DELIVERY = 'DELIVERY',
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
registerEnumType(Metric, { name: 'Metric' });
registerEnumType(TestMethod, { name: 'TestMethod' });
