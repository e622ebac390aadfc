/**
 * One place that decides what a client sees when something fails: domain errors keep their
 * code / reason / field; GraphQL parse and validation failures become BAD_USER_INPUT; anything
 * unexpected becomes INTERNAL with a generic message (stack traces only in development).
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { DomainError, type ErrorCode } from '../errors';
import { isDatabaseUnavailable } from '../db/unavailable';

const CONTRACT_CODES = new Set<ErrorCode>(['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT', 'CONFLICT', 'RATE_LIMITED', 'INTERNAL']);

/** Apollo / graphql-js codes for a request the client got wrong. */
const CLIENT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

export function toGraphQLError(e: DomainError): GraphQLError {
  return new GraphQLError(e.message, {
    extensions: { code: e.code, ...(e.reason ? { reason: e.reason } : {}), ...(e.field ? { field: e.field } : {}) },
  });
}

/** True for errors that are the caller's fault (not worth an error log line). */
export function isExpectedError(error: unknown): boolean {
  const original = unwrapResolverError(error);
  if (original instanceof DomainError || original instanceof UniqueConstraintViolationException) return true;
  if (original instanceof GraphQLError) {
    const code = original.extensions?.code as string | undefined;
    if (code === undefined) return clientStatus(original) || original.message.startsWith('Too many errors processing variables');
    return code !== 'INTERNAL_SERVER_ERROR' && code !== 'INTERNAL';
  }
  return false;
}

export function formatError(formatted: GraphQLFormattedError, error: unknown, development: boolean): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };
  if (original instanceof DomainError) {
    return {
      ...base,
      message: original.message,
      extensions: { code: original.code, ...(original.reason ? { reason: original.reason } : {}), ...(original.field ? { field: original.field } : {}) },
    };
  }
  if (original instanceof UniqueConstraintViolationException) {
    // A concurrent request created the same thing first.
    return { ...base, message: 'A conflicting record was written concurrently; retry the operation', extensions: { code: 'CONFLICT', reason: 'CONCURRENT_WRITE' } };
  }
  const code = formatted.extensions?.code as string | undefined;
  if (code && CONTRACT_CODES.has(code as ErrorCode)) {
    const { stacktrace: _s, http: _h, ...rest } = (formatted.extensions ?? {}) as Record<string, unknown>;
    // Apollo reports variables that do not match their types as BAD_USER_INPUT without a reason.
    if (code === 'BAD_USER_INPUT' && !rest.reason) rest.reason = 'INVALID_VARIABLES';
    return { ...base, extensions: rest };
  }
  if (code && CLIENT_CODES.has(code)) {
    // Apollo's CSRF prevention: a GET or a "simple" POST needs a header a page on another site
    // cannot send without a preflight (see README, "GET requests").
    const reason = code === 'BAD_REQUEST' && formatted.message.includes('Cross-Site Request Forgery') ? 'CSRF_PREVENTION' : code;
    return { ...base, extensions: { code: 'BAD_USER_INPUT', reason } };
  }
  // Apollo refuses some malformed requests (an unsupported or mismatched persisted query) with a
  // 4xx GraphQLError that has no code: the client's fault, so say so.
  // graphql-js gives up on variables after 50 coercion errors with an error of its own, uncoded.
  if (original instanceof GraphQLError && original.extensions?.code === undefined && original.message.startsWith('Too many errors processing variables')) {
    return { ...base, extensions: { code: 'BAD_USER_INPUT', reason: 'INVALID_VARIABLES' } };
  }
  if (original instanceof GraphQLError && original.extensions?.code === undefined && clientStatus(original)) {
    return { ...base, extensions: { code: 'BAD_USER_INPUT', reason: /persisted query|sha/i.test(formatted.message) ? 'INVALID_PERSISTED_QUERY' : 'BAD_REQUEST' } };
  }
  if (isDatabaseUnavailable(original)) {
    return { ...base, message: 'The database is unavailable; retry shortly', extensions: { code: 'INTERNAL', reason: 'DATABASE_UNAVAILABLE' } };
  }
  return {
    message: 'Internal server error',
    path: formatted.path,
    extensions: {
      code: 'INTERNAL',
      ...(development && original instanceof Error ? { detail: original.message, stacktrace: original.stack?.split('\n') } : {}),
    },
  };
}

/** An error Apollo raised with a 4xx status of its own (and no code). */
function clientStatus(error: GraphQLError): boolean {
  const status = (error.extensions?.http as { status?: number } | undefined)?.status ?? 500;
  return status >= 400 && status < 500;
}
