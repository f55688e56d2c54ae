import type { Kysely, Transaction } from 'kysely';
import type pg from 'pg';
import type { SetupCache } from './freshness.js';
import type { Database } from './schema.js';
import type { StatementCache } from './sqlite/statement-cache.js';

/**
 * What stands behind an executor: the connections of its database handle, for the fast paths
 * that go around Kysely (db/prepared.ts, db/setup-cache.ts, db/group-commit.ts, db/arrivals.ts).
 *
 * The rule it relies on: Kysely gives each database handle one adapter, shared by all of the
 * handle's transactions, so the adapter identifies the handle from any of its executors. The
 * dialects (db/sqlite/dialect.ts, db/postgres/dialect.ts) register their handle's connections
 * under it when Kysely creates it.
 */

export type Db = Kysely<Database>;
export type Executor = Kysely<Database> | Transaction<Database>;

/**
 * What every handle carries besides its connections: its setup data in memory, and the fast
 * paths read per call that DB_FAST_PATHS_OFF may switch off (each switched-off path only costs
 * speed).
 */
interface HandleState {
  /** Setup data in memory (db/setup-cache.ts); null when `setup-cache` is switched off. */
  setup: SetupCache | null;
  /** `prepared()` keeps a query's compiled template (else `query-templates` is off). */
  compileOnce: boolean;
  /** The arrivals of one event-loop turn share one renewal (else `arrival-sharing` is off). */
  shareArrivals: boolean;
}

/** The better-sqlite3 connections behind one SQLite database handle. */
export interface SqliteConnections extends HandleState {
  /** The one connection Kysely queries and every transaction use, handed out in FIFO order. */
  writer: StatementCache;
  /**
   * A second, query-only connection for reads outside a transaction (use `snapshotReader`). It
   * sees committed data only (WAL), never another request's open transaction on the writer,
   * and never waits for it (a transaction of this process holds the writer while it may read
   * outside). Null for `:memory:`, where a second connection would open another, empty database.
   */
  reader: StatementCache | null;
  /**
   * Reads on the reader share one read snapshot until it ends (db/sqlite/read-snapshot.ts), else
   * (`read-snapshots` switched off) each statement reads in a snapshot of its own.
   */
  shareSnapshots: boolean;
  /** `writeTransaction` groups the writes of a turn (db/group-commit.ts): needs the reader. */
  groupCommit: boolean;
}

/** A PostgreSQL database handle's pool. */
export interface PostgresConnections extends HandleState {
  pool: pg.Pool;
}

/** Keyed by the Kysely adapter: one per database handle, shared by its transactions. */
const sqliteByAdapter = new WeakMap<object, SqliteConnections>();
const postgresByAdapter = new WeakMap<object, PostgresConnections>();

export function registerSqlite(adapter: object, connections: SqliteConnections): void {
  sqliteByAdapter.set(adapter, connections);
}

export function registerPostgres(adapter: object, connections: PostgresConnections): void {
  postgresByAdapter.set(adapter, connections);
}

/** The SQLite connections behind an executor, if it is a SQLite one. */
export function sqliteConnectionsOf(executor: Executor): SqliteConnections | undefined {
  return sqliteByAdapter.get(executor.getExecutor().adapter);
}

/** The pool and setup data behind a PostgreSQL executor, if it is one. */
export function postgresOf(executor: Executor): PostgresConnections | undefined {
  return postgresByAdapter.get(executor.getExecutor().adapter);
}
