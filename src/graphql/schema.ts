import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { createPubSub } from '@graphql-yoga/subscription';
import { buildSchema, type NonEmptyArray } from 'type-graphql';
import { authChecker } from './authorization';
import { DateTime } from './scalars';

/** The executable schema from the features' resolvers (the composition root passes them). */
export function createSchema(resolvers: readonly Function[]): Promise<GraphQLSchema> { // eslint-disable-line @typescript-eslint/no-unsafe-function-type
  if (resolvers.length === 0) throw new Error('createSchema needs at least one resolver');
  return buildSchema({
    resolvers: resolvers as NonEmptyArray<Function>, // eslint-disable-line @typescript-eslint/no-unsafe-function-type
    scalarsMap: [{ type: Date, scalar: DateTime }],
    authChecker,
    validate: false,
    // type-graphql insists on a PubSub; our subscriptions bring their own `subscribe` (src/live).
    pubSub: createPubSub(),
  });
}
