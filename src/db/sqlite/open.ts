import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';

/**
 * Opens a SQLite connection as every connection of this server is opened: WAL (readers never
 * wait for the writer, nor it for them), a busy timeout that waits for another process's write
 * lock, synchronous=NORMAL (with WAL never corrupt; a power loss, not a process crash, may take
 * the last commits) and foreign keys on.
 * `readOnly` makes it query-only: the reader connection (db/sqlite/read-snapshot.ts).
 */
export function openSqlite(file: string, options: { readOnly?: boolean } = {}): SQLite.Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const database = new SQLite(file);
  database.pragma('journal_mode = WAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  if (options.readOnly) database.pragma('query_only = ON');
  return database;
}
