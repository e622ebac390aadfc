import { GraphQLDateTime, GraphQLJSON as JSONScalar } from 'graphql-scalars';

/** The contract names these scalars `DateTime` and `JSON`. */
export const GraphQLJSON = JSONScalar;
export const DateTime = GraphQLDateTime;
