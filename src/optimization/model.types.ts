import { Field, ID, Int, ObjectType } from 'type-graphql';
import { GraphQLJSON } from '../graphql/scalars';

@ObjectType('ModelInfo', { description: 'A trained model version (kind "conversion": the conversion model)' })
export class ModelInfo {
  @Field(() => ID)
  id!: string;

  @Field()
  kind!: string;

  @Field(() => Int)
  version!: number;

  @Field()
  trainedAt!: Date;

  @Field(() => Int, { description: 'labelled messages used (training and holdout)' })
  samples!: number;

  @Field(() => GraphQLJSON, { description: 'holdout metrics, e.g. auc, r2, mae, baselineAuc' })
  metrics!: Record<string, unknown>;

  @Field(() => GraphQLJSON, { nullable: true })
  featureImportance!: unknown;
}
