import { Kysely } from 'kysely';
import type { Transaction } from 'kysely';
import pg from 'pg';
import { databaseKindOf, sqlitePath, type DatabaseKind, type FastPath } from '../config.js';
import { DatabaseAvailability } from './availability.js';
import { startCheckpointer } from './checkpointer.js';
import type { Db, Executor } from './connections.js';
import { newSetupCache } from './freshness.js';
import { PoolRegisteringDialect } from './postgres/dialect.js';
import { nameStatements } from './postgres/named-statements.js';
import type { Database } from './schema.js';
import { ImmediateSqliteDialect } from './sqlite/dialect.js';
import { openSqlite } from './sqlite/open.js';
import { StatementCache, UncachedStatements } from './sqlite/statement-cache.js';

/**
 * The data layer's entry point: the rest of the server imports what it needs of the database
 * from here. `createDatabase` opens a handle (SQLite: a writer and a query-only reader
 * connection; PostgreSQL: a pool) and wires in the mechanisms that make short requests cheap,
 * each in a file of its own, each keeping every guarantee of a plain Kysely handle:
 *
 * - db/connections.ts: what stands behind an executor, for the paths that go around Kysely;
 * - db/sqlite/: the writer's dialect (BEGIN IMMEDIATE, FIFO hand-out), the statement cache,
 *   the reader's read snapshots;
 * - db/postgres/: the pool's dialect, named statements;
 * - db/arrivals.ts: a request arrived, so reads renew (once per event-loop turn's arrivals);
 * - db/freshness.ts: whether the setup data kept in memory is still current, on both dialects;
 * - db/setup-cache.ts, db/setup-tables.ts: the setup data kept in memory, and which tables it is;
 * - db/prepared.ts: queries compiled once, run on the fast paths above;
 * - db/group-commit.ts: SQLite writes of one turn in one transaction;
 * - db/checkpointer.ts: SQLite WAL checkpoints off the event loop.
 *
 * Each can be switched off to debug (`fastPathsOff`, from DB_FAST_PATHS_OFF): see the README's
 * "Performance mechanisms".
 */

export type { Db, Executor } from './connections.js';
export { postgresOf, sqliteConnectionsOf } from './connections.js';
export { renewReadSnapshot } from './arrivals.js';
export { openSqlite } from './sqlite/open.js';
export { StatementCache } from './sqlite/statement-cache.js';

export interface DatabaseHandle {
  db: Db;
  kind: DatabaseKind;
  /** Whether the database can be reached, as this process last saw it (db/availability.ts). */
  availability: DatabaseAvailability;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  poolSize?: number;
  /** SQLite: checkpoint the WAL from a worker thread instead of inside commits (the server). */
  backgroundCheckpoints?: boolean;
  /** Fast paths to switch off, to debug (DB_FAST_PATHS_OFF): each only costs speed when off. */
  fastPathsOff?: readonly FastPath[];
}

export function createDatabase(url: string, options: DatabaseOptions = {}): DatabaseHandle {
  const kind = databaseKindOf(url);
  const off = new Set(options.fastPathsOff);
  const state = {
    setup: off.has('setup-cache') ? null : newSetupCache(),
    compileOnce: !off.has('query-templates'),
    shareArrivals: !off.has('arrival-sharing'),
  };
  if (kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      // A writer waiting for a row lock gives up after this; the server retries and then answers 503.
      options: '-c lock_timeout=5000 -c statement_timeout=30000',
      // A database host that does not answer at all (rather than refusing) fails the request
      // after this (503) instead of holding it for the operating system's connect timeout; it
      // also bounds the wait for a free connection. TCP keep-alive notices a vanished peer on an
      // idle connection.
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
    });
    const availability = new DatabaseAvailability();
    // A client losing its connection must not crash the process. The pool listens for that
    // only while a client is idle; a client checked out (between the statements of a
    // transaction, or while a query runs) emits the error with no listener, which kills the
    // process. The query in flight fails on its own (answered 503), and the pool drops the
    // client when it is released.
    pool.on('error', () => undefined);
    const namesStatements = !off.has('named-statements');
    pool.on('connect', (client) => {
      client.on('error', () => undefined);
      availability.reached();
      if (namesStatements) nameStatements(client);
    });
    // A statement ran on a live connection: the database is back (if it was gone).
    pool.on('release', (error: Error | undefined, client: pg.PoolClient) => {
      if (!availability.available && !error && (client as { _queryable?: boolean })._queryable !== false) {
        availability.reached();
      }
    });
    const db = new Kysely<Database>({
      dialect: new PoolRegisteringDialect({ pool, ...state }),
    });
    return { db, kind, availability, close: () => db.destroy() };
  }
  const file = sqlitePath(url);
  const database = openSqlite(file);
  const reader = file === ':memory:' ? null : openSqlite(file, { readOnly: true });
  const Statements = off.has('statement-cache') ? UncachedStatements : StatementCache;
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect(
      {
        writer: new Statements(database),
        reader: reader && new Statements(reader),
        // Group commit needs reads outside its transaction not to wait for the writer it holds.
        groupCommit: reader !== null && !off.has('group-commit'),
        shareSnapshots: !off.has('read-snapshots'),
        ...state,
      },
      !off.has('writer-queue'),
    ),
  });
  const checkpointer =
    options.backgroundCheckpoints && file !== ':memory:' && !off.has('background-checkpoints')
      ? startCheckpointer(database, file)
      : null;
  return {
    db,
    kind,
    availability: new DatabaseAvailability(),
    close: async () => {
      await checkpointer?.stop();
      await db.destroy();
      reader?.close();
    },
  };
}

/** Runs `fn` in the given transaction, or in a new one when handed the database itself. */
export function inTransaction<T>(
  executor: Executor,
  fn: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  if (executor.isTransaction) return fn(executor as Transaction<Database>);
  return executor.transaction().execute(fn);
}
