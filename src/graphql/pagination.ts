import { Field, ObjectType } from 'type-graphql';
import type { Page } from '../db/keyset';

@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

/** A Relay edge: the node and the opaque cursor `after:` continues from (the last edge's is `endCursor`). */
export interface Edge<T> {
  cursor: string;
  node: T;
}

/**
 * Connection fields from a service page: `nodes` and Relay `edges` over the same rows (no second
 * query), and `pageInfo`.
 */
export function connection<T>(page: Page<T>): { nodes: T[]; edges: Edge<T>[]; pageInfo: PageInfo } {
  return {
    nodes: page.nodes,
    edges: page.nodes.map((node, i) => ({ cursor: page.cursors[i]!, node })),
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
  };
}
