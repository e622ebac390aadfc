/**
 * Domain errors. Services throw these; the GraphQL layer turns them into
 * `extensions.code` / `extensions.reason` / `extensions.field`, and the REST routes into 4xx JSON.
 */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'INTERNAL';

export const HTTP_STATUS: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BAD_USER_INPUT: 400,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  INTERNAL: 500,
};

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Stable machine-readable cause, e.g. INVALID_SPLIT_RATIO. */
    readonly reason?: string,
    /** Input path of the offending value, e.g. `input.variants.1.weight`. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const badInput = (reason: string, message: string, field?: string) =>
  new DomainError('BAD_USER_INPUT', message, reason, field);

export const notFound = (what: string, id?: string) =>
  new DomainError('NOT_FOUND', id ? `${what} ${id} not found` : `${what} not found`, 'NOT_FOUND');

export const conflict = (reason: string, message: string) => new DomainError('CONFLICT', message, reason);

export const unauthenticated = (message = 'A valid API key is required: Authorization: Bearer <key>') =>
  new DomainError('UNAUTHENTICATED', message);

export const forbidden = (message: string) => new DomainError('FORBIDDEN', message);
