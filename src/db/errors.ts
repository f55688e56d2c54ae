/**
 * Database errors that say "busy" or "unavailable", not "the request was wrong". They are
 * answered 503 with Retry-After, never 500 and never as a business refusal.
 *
 * Only contention is retried inside the server (`isRetryableDatabaseError`): lock timeouts,
 * serialization failures and deadlocks (PostgreSQL), SQLITE_BUSY / SQLITE_LOCKED (SQLite). The
 * transaction that failed with one of those was rolled back, so running it again is safe.
 * A lost connection or a cancelled statement is not retried: whether the work committed is
 * unknown, and a slow statement would only be made slower.
 */
const PG_RETRYABLE = new Set(['40001', '40P01', '55P03']);
/** Shut down, crashed, starting up, too many connections, dropped: the server cannot serve us. */
const PG_UNREACHABLE = new Set(['57P01', '57P02', '57P03', '57P04', '57P05', '53300']);
const NETWORK_UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/**
 * What node-postgres throws when a connection is lost or cannot be made: plain errors, with no
 * SQLSTATE and no network code (the socket's own error, if any, was emitted separately).
 */
const PG_CONNECTION_MESSAGES = new Set([
  'Connection terminated unexpectedly',
  'Client has encountered a connection error and is not queryable',
  'Connection terminated due to connection timeout',
]);
/** node-postgres's pool: no connection became free in time. Busy, not unreachable. */
const PG_POOL_TIMEOUT = 'timeout exceeded when trying to connect';

function codeOf(error: unknown): string | null {
  if (!error || typeof error !== 'object') return null;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : null;
}

/** Contention: the failed transaction was rolled back and may simply run again. */
export function isRetryableDatabaseError(error: unknown): boolean {
  const code = codeOf(error);
  if (!code) return false;
  return PG_RETRYABLE.has(code) || code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

/**
 * The database cannot be reached, or the connection to it was lost (PostgreSQL): refused,
 * reset, shut down, crashed, starting up. Whatever the request was doing when it happened may
 * or may not have committed.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  // Node tries each address of a host name in turn and reports every failure at once.
  if (error instanceof AggregateError && error.errors.some(isDatabaseUnreachable)) return true;
  const code = codeOf(error);
  if (code) return PG_UNREACHABLE.has(code) || code.startsWith('08') || NETWORK_UNREACHABLE.has(code);
  return error instanceof Error && PG_CONNECTION_MESSAGES.has(error.message);
}

/** Anything that makes the database busy or unreachable for now: 503 with Retry-After. */
export function isTransientDatabaseError(error: unknown): boolean {
  return (
    isRetryableDatabaseError(error) ||
    codeOf(error) === '57014' ||
    isDatabaseUnreachable(error) ||
    (error instanceof Error && error.message === PG_POOL_TIMEOUT)
  );
}

/** Unique-constraint violations, in either dialect; services turn these into business errors. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
