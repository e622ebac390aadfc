import { Extensions, Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { OPERATOR_VISIBLE } from '../graphql/authorization';
import { Channel } from '../domain/channel';

export enum PlanFeatureValue {
  BANDIT = 'BANDIT',
  LEARNING = 'LEARNING',
}
registerEnumType(PlanFeatureValue, { name: 'PlanFeature', description: 'BANDIT: BANDIT campaigns. LEARNING: trainModel and generateRecommendations.' });

// The operator sets plans: it may read a workspace's plan and usage back (setWorkspacePlan).
@Extensions({ [OPERATOR_VISIBLE]: true })
@ObjectType({ description: "a workspace's plan and its use this calendar month (UTC)" })
export class PlanUsage {
  @Field()
  name!: string;

  @Field(() => Int, { description: 'variants a campaign may have' })
  maxVariants!: number;

  @Field(() => Int, { nullable: true, description: 'campaign messages per calendar month (UTC); null: unlimited' })
  monthlyMessages!: number | null;

  @Field(() => Int, { description: 'campaign messages counted this month (automatic replies, alerts and reports do not count)' })
  messagesThisMonth!: number;

  @Field(() => Int, { description: 'campaign messages not sent this month because the limit was reached (PLAN_SEND_LIMIT)' })
  skippedThisMonth!: number;

  @Field({ description: 'the month counted, YYYY-MM (UTC)' })
  month!: string;

  @Field(() => [Channel])
  channels!: Channel[];

  @Field(() => [PlanFeatureValue])
  features!: PlanFeatureValue[];
}
