/**
 * Errors that say "the database was busy", not "the request was wrong": lock timeouts,
 * serialization failures and deadlocks (PostgreSQL), SQLITE_BUSY / SQLITE_LOCKED (SQLite).
 * They are retried inside the server a bounded number of times, then answered 503.
 */
const PG_TRANSIENT = new Set(['40001', '40P01', '55P03', '57014']);

export function isTransientDatabaseError(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  return PG_TRANSIENT.has(code) || code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

/** Unique-constraint violations, in either dialect; services turn these into business errors. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export function isCheckViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23514' || code === 'SQLITE_CONSTRAINT_CHECK';
}
