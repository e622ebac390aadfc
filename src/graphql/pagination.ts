import { Field, ObjectType } from 'type-graphql';

@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

/** Connection fields from a service page. */
export function connection<T>(page: { nodes: T[]; hasNextPage: boolean; endCursor: string | null }): { nodes: T[]; pageInfo: PageInfo } {
  return { nodes: page.nodes, pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor } };
}
