import { Field, Int, ObjectType } from 'type-graphql';

/** A generic (key, count) pair of a breakdown: opt-outs by channel, templates by category, … */
@ObjectType()
export class KeyCount {
  @Field()
  key!: string;

  @Field(() => Int)
  count!: number;
}
