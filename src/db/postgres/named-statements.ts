import type pg from 'pg';

/**
 * PostgreSQL named statements: the SQL of every `prepared()` query (db/prepared.ts), and the
 * setup version read (db/freshness.ts) when it is sent with a values array, runs as a
 * server-side prepared statement on each pooled connection, so PostgreSQL parses and plans it
 * once per connection, then only binds.
 *
 * The rule it relies on: only SQL whose text is fixed is named (compiled once, not built per
 * call), so the names stay few, and one name always stands for one text. Switched off by
 * `named-statements` in DB_FAST_PATHS_OFF (the pool then never installs `nameStatements`).
 */

/** SQL text → name, for the statements `prepared()` compiles once (and only those). */
const statementNames = new Map<string, string>();

/** On PostgreSQL, this SQL runs as a named statement from now on (see `nameStatements`). */
export function nameStatement(sql: string): void {
  if (!statementNames.has(sql)) statementNames.set(sql, `prepared_${statementNames.size + 1}`);
}

/**
 * Each pooled connection runs a named statement's SQL as that statement: PostgreSQL parses and
 * plans it once per connection, then only binds, whoever sends it (Kysely in a transaction, or
 * `prepared()` through the pool). Installed on each new connection (the pool's `connect` event).
 */
export function nameStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  // Kysely calls query(text, values); the pool's own query() adds a callback.
  client.query = ((...args: unknown[]) => {
    const [text, values, callback] = args;
    const name = typeof text === 'string' ? statementNames.get(text) : undefined;
    if (!name || !Array.isArray(values) || args.length > 3) return query(...args);
    return typeof callback === 'function'
      ? query({ name, text, values }, callback)
      : query({ name, text, values });
  }) as typeof client.query;
}
