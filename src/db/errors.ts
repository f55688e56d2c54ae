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
const PG_UNAVAILABLE = new Set(['57014', '57P01', '57P02', '57P03', '53300']);
const NETWORK_UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);

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

/** Anything that makes the database busy or unreachable for now: 503 with Retry-After. */
export function isTransientDatabaseError(error: unknown): boolean {
  const code = codeOf(error);
  if (!code) return false;
  return (
    isRetryableDatabaseError(error) ||
    PG_UNAVAILABLE.has(code) ||
    code.startsWith('08') ||
    NETWORK_UNAVAILABLE.has(code)
  );
}

/** Unique-constraint violations, in either dialect; services turn these into business errors. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
