import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, PostgresDriver, SqliteDialect, SqliteDriver } from 'kysely';
import type { DatabaseConnection, Driver, Transaction } from 'kysely';
import pg from 'pg';
import { databaseKindOf, sqlitePath, type DatabaseKind } from '../config.js';
import { DatabaseAvailability } from './availability.js';
import { startCheckpointer } from './checkpointer.js';
import {
  newPostgresSetup,
  newSetupCache,
  reverifySetup,
  setupMayHaveChanged,
  type PostgresSetup,
  type SetupCache,
} from './setup-cache.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
export type Executor = Kysely<Database> | Transaction<Database>;

export interface DatabaseHandle {
  db: Db;
  kind: DatabaseKind;
  /** Whether the database can be reached, as this process last saw it (db/availability.ts). */
  availability: DatabaseAvailability;
  close(): Promise<void>;
}

/**
 * SQLite write transactions start with BEGIN IMMEDIATE: the write lock is taken up front and
 * waited for under busy_timeout. A deferred BEGIN that later upgrades to a writer fails at once
 * with SQLITE_BUSY when another process holds the lock, which the busy handler cannot wait out.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  /**
   * The one connection is handed out in FIFO order. Kysely's own mutex wakes every waiter on
   * each release, and all but one go back to waiting: with 32 requests in flight that is ~30
   * wasted wake-ups per query. Its mutex is taken once, on first use, and kept: this queue
   * replaces it.
   */
  #connection: DatabaseConnection | undefined;
  #busy = false;
  readonly #waiting: (() => void)[] = [];

  constructor(
    config: ConstructorParameters<typeof SqliteDriver>[0],
    private readonly sqlite: SqliteConnections,
  ) {
    super(config);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#busy) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#busy = true;
    this.#connection ??= await super.acquireConnection();
    return this.#connection;
  }

  override async releaseConnection(): Promise<void> {
    // Whatever ran may have changed data: the reader takes a new snapshot (which verifies the
    // setup data again).
    endSnapshot(this.sqlite);
    const next = this.#waiting.shift();
    if (next) next();
    else this.#busy = false;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/**
 * The better-sqlite3 connections behind one SQLite database handle, for the synchronous fast
 * paths of `prepared()` (db/prepared.ts), found from any executor of that handle.
 */
export interface SqliteConnections {
  /** The one connection Kysely queries and every transaction use, handed out in FIFO order. */
  writer: StatementCache;
  /**
   * A second, query-only connection for reads outside a transaction (use `snapshotReader`). It
   * sees committed data only (WAL), never another request's open transaction on the writer,
   * and never waits for it. Null for `:memory:`, where a second connection would open another,
   * empty database.
   */
  reader: StatementCache | null;
  /** Setup data in memory (see db/setup-cache.ts). */
  setup: SetupCache;
}

/**
 * The reader, inside its current read snapshot (begun here when there is none). Reads share one
 * read transaction rather than paying a lock round per statement. A snapshot ends when requests
 * arrive (`renewReadSnapshot`, called by the HTTP layer), when this process's writer is released
 * (so this process reads its own writes at once), and at the end of the event-loop turn when
 * nothing else ended it. So every request reads every commit made before it arrived, by any
 * process.
 */
export function snapshotReader(sqlite: SqliteConnections): StatementCache | null {
  const { reader } = sqlite;
  if (reader && !reader.database.inTransaction) {
    reader.prepare('begin').run();
    reverifySetup(sqlite.setup);
    // One pending end per turn, whatever the number of snapshots the turn began: a pending
    // immediate makes the event loop poll without waiting, so one per request would make it
    // spin through many more (and emptier) turns under load.
    if (!endScheduled.has(sqlite)) {
      endScheduled.add(sqlite);
      setImmediate(() => {
        endScheduled.delete(sqlite);
        endSnapshot(sqlite);
      });
    }
  }
  return reader;
}

const endScheduled = new WeakSet<SqliteConnections>();

function endSnapshot({ reader }: SqliteConnections): void {
  if (reader?.database.open && reader.database.inTransaction) reader.prepare('commit').run();
}

/**
 * A request arrived: reads from now on must see every commit made until now. On SQLite the
 * reader's snapshot ends; on PostgreSQL (where every statement reads the latest commits) the
 * setup data kept in memory must be verified again.
 *
 * Requests read from the network in one event-loop turn (`fromNetwork`) arrive at once: Node
 * reads sockets, and emits their requests, in the turn's I/O poll phase, and the poll found them
 * all, so every commit made before any of them arrived was made before the first of them is
 * handled. Only the turn's first such arrival renews; the others share its snapshot (SQLite) or
 * its version read (PostgreSQL). Any other arrival (an injected request) renews. Local commits
 * still end the snapshot at once (see the drivers' `releaseConnection`), so a request always
 * reads this process's own writes.
 */
export function renewReadSnapshot(executor: Executor, fromNetwork = false): void {
  const sqlite = sqliteConnectionsOf(executor);
  const postgres = sqlite ? undefined : postgresOf(executor);
  const handle = sqlite ?? postgres;
  if (!handle) return;
  if (fromNetwork) {
    if (renewedThisTurn.has(handle)) return;
    renewedThisTurn.add(handle);
    setImmediate(() => renewedThisTurn.delete(handle));
  }
  if (sqlite) endSnapshot(sqlite);
  else if (postgres) setupMayHaveChanged(postgres.setup);
}

/** Database handles a network arrival renewed in the current event-loop turn (until its check phase). */
const renewedThisTurn = new WeakSet<SqliteConnections | PostgresConnections>();

/** Keyed by the Kysely adapter: one per database handle, shared by its transactions. */
const sqliteByAdapter = new WeakMap<object, SqliteConnections>();

export function sqliteConnectionsOf(executor: Executor): SqliteConnections | undefined {
  return sqliteByAdapter.get(executor.getExecutor().adapter);
}

/** A PostgreSQL database handle's pool, and its setup data in memory (db/setup-cache.ts). */
export interface PostgresConnections {
  pool: pg.Pool;
  setup: PostgresSetup;
}

const postgresByAdapter = new WeakMap<object, PostgresConnections>();

/** SQL text → name, for the statements `prepared()` compiles once (and only those). */
const statementNames = new Map<string, string>();

/** On PostgreSQL, this SQL runs as a named statement from now on (see `nameStatements`). */
export function nameStatement(sql: string): void {
  if (!statementNames.has(sql)) statementNames.set(sql, `prepared_${statementNames.size + 1}`);
}

/**
 * Each pooled connection runs a named statement's SQL as that statement: PostgreSQL parses and
 * plans it once per connection, then only binds, whoever sends it (Kysely in a transaction, or
 * `prepared()` through the pool).
 */
function nameStatements(client: pg.PoolClient): void {
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

/** The pool and setup data behind a PostgreSQL executor (for `prepared()`), if it is one. */
export function postgresOf(executor: Executor): PostgresConnections | undefined {
  return postgresByAdapter.get(executor.getExecutor().adapter);
}

class PoolRegisteringDialect extends PostgresDialect {
  constructor(private readonly connections: PostgresConnections) {
    super({ pool: connections.pool });
  }
  override createDriver(): Driver {
    return new ReleaseNotifyingPostgresDriver({ pool: this.connections.pool }, this.connections.setup);
  }
  override createAdapter() {
    const adapter = super.createAdapter();
    postgresByAdapter.set(adapter, this.connections);
    return adapter;
  }
}

class ReleaseNotifyingPostgresDriver extends PostgresDriver {
  constructor(
    config: ConstructorParameters<typeof PostgresDriver>[0],
    private readonly setup: PostgresSetup,
  ) {
    super(config);
  }

  // Whatever ran (a transaction, a write outside one) may have changed setup data: reads from
  // now on verify it again, as SQLite's reader takes a new snapshot when the writer is released.
  override async releaseConnection(connection: Parameters<PostgresDriver['releaseConnection']>[0]) {
    setupMayHaveChanged(this.setup);
    return super.releaseConnection(connection);
  }
}

/**
 * Preparing is a large share of a short query's cost, so identical SQL text reuses its
 * prepared statement (Kysely's SQLite driver would prepare every statement anew).
 */
export class StatementCache {
  readonly #statements = new Map<string, SQLite.Statement>();
  readonly #readers = new Map<string, RowReader>();

  constructor(readonly database: SQLite.Database) {}

  prepare(source: string): SQLite.Statement {
    let statement = this.#statements.get(source);
    if (!statement) {
      statement = this.database.prepare(source);
      if (this.#statements.size > 500) this.#statements.clear();
      this.#statements.set(source, statement);
    }
    return statement;
  }

  /**
   * Runs a statement: a reading one returns its rows, anything else none. Rows come as plain
   * objects of one shape per statement, built from better-sqlite3's raw (array) rows by a
   * function compiled for the statement's columns. better-sqlite3's own row objects are built
   * key by key (a hidden-class transition per column, and each name looked up again in V8's
   * string table), which costs more than the query itself for a short indexed read.
   */
  all(source: string, parameters: readonly unknown[]): Record<string, unknown>[] {
    let reader = this.#readers.get(source);
    if (!reader) {
      reader = rowReader(this.database.prepare(source));
      if (this.#readers.size > 500) this.#readers.clear();
      this.#readers.set(source, reader);
    }
    if (!reader.rowOf) {
      if (reader.statement.reader) return reader.statement.all(parameters) as Record<string, unknown>[];
      reader.statement.run(parameters);
      return [];
    }
    const values = reader.statement.all(parameters) as unknown[][];
    const rows = new Array<Record<string, unknown>>(values.length);
    for (let i = 0; i < values.length; i++) rows[i] = reader.rowOf(values[i]!);
    return rows;
  }
}

interface RowReader {
  statement: SQLite.Statement;
  /** Null when the statement returns no rows. */
  rowOf: ((values: unknown[]) => Record<string, unknown>) | null;
}

function rowReader(statement: SQLite.Statement): RowReader {
  if (!statement.reader) return { statement, rowOf: null };
  const names = statement.columns().map((column) => column.name);
  statement.raw(true);
  // Keys are JSON string literals of the column names. As in better-sqlite3's own rows, a
  // repeated name keeps its last value, and a column named __proto__ sets the prototype
  // (with a BLOB or NULL value) or is dropped.
  const body = `return { ${names.map((name, i) => `${JSON.stringify(name)}: values[${i}]`).join(', ')} };`;
  const rowOf = new Function('values', body) as (values: unknown[]) => Record<string, unknown>;
  return { statement, rowOf };
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly connections: SqliteConnections) {
    super({ database: connections.writer.database });
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(
      { database: withStatementCache(this.connections.writer) },
      this.connections,
    );
  }
  override createAdapter() {
    const adapter = super.createAdapter();
    sqliteByAdapter.set(adapter, this.connections);
    return adapter;
  }
}

/** The writer connection as Kysely's driver sees it, with `prepare` going through the cache. */
function withStatementCache(cache: StatementCache): SQLite.Database {
  return new Proxy(cache.database, {
    get(target, property, receiver) {
      if (property === 'prepare') return (source: string) => cache.prepare(source);
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

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

// int8 (COUNT, SUM, bigint money) would otherwise arrive as strings; every value we store is
// far below 2^53, so numbers are exact.
pg.types.setTypeParser(20, (value) => Number(value));
pg.types.setTypeParser(1700, (value) => Number(value));

export interface DatabaseOptions {
  poolSize?: number;
  /** SQLite: checkpoint the WAL from a worker thread instead of inside commits (the server). */
  backgroundCheckpoints?: boolean;
}

export function createDatabase(url: string, options: DatabaseOptions = {}): DatabaseHandle {
  const kind = databaseKindOf(url);
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
    pool.on('connect', (client) => {
      client.on('error', () => undefined);
      availability.reached();
      nameStatements(client);
    });
    // A statement ran on a live connection: the database is back (if it was gone).
    pool.on('release', (error: Error | undefined, client: pg.PoolClient) => {
      if (!availability.available && !error && (client as { _queryable?: boolean })._queryable !== false) {
        availability.reached();
      }
    });
    const db = new Kysely<Database>({
      dialect: new PoolRegisteringDialect({ pool, setup: newPostgresSetup() }),
    });
    return { db, kind, availability, close: () => db.destroy() };
  }
  const file = sqlitePath(url);
  const database = openSqlite(file);
  const reader = file === ':memory:' ? null : openSqlite(file, { readOnly: true });
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({
      writer: new StatementCache(database),
      reader: reader && new StatementCache(reader),
      setup: newSetupCache(),
    }),
  });
  const checkpointer =
    options.backgroundCheckpoints && file !== ':memory:' ? startCheckpointer(database, file) : null;
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
