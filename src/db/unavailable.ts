/**
 * Whether an error means "the database cannot be reached right now" (as opposed to a bug or a bad
 * statement): the caller should retry, so HTTP answers 503 with Retry-After instead of 500.
 * PostgreSQL's SQLSTATE classes 08 (connection exception) and 57P01–57P03 (shut down, crash,
 * cannot connect now), 53300 (too many connections), node-postgres' own messages for a dropped or
 * unobtainable connection, and the socket errors of a refused or reset connection. Pure.
 */
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNABORTED']);
// The last one: a database closed to connections (ALTER DATABASE … ALLOW_CONNECTIONS false, SQLSTATE
// 55000, a class too broad to match by code) during maintenance.
const MESSAGES = [/^Connection terminated/, /is not currently accepting connections/, /timeout exceeded when trying to connect/, /Client has encountered a connection error/, /Connection refused/i];

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (code.startsWith('08') || SQLSTATES.has(code) || SOCKET_CODES.has(code))) return true;
    if (typeof message === 'string' && MESSAGES.some((m) => m.test(message))) return true;
    // MikroORM wraps driver errors (`previous`); AggregateError / `cause` chains too.
    e = (e as { previous?: unknown; cause?: unknown }).previous ?? (e as { cause?: unknown }).cause;
  }
  return false;
}
