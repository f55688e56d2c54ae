import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, SqliteDriver } from 'kysely';
import type { DatabaseConnection, Driver, Transaction } from 'kysely';
import pg from 'pg';
import { databaseKindOf, sqlitePath, type DatabaseKind } from '../config.js';
import { startCheckpointer } from './checkpointer.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
export type Executor = Kysely<Database> | Transaction<Database>;

export interface DatabaseHandle {
  db: Db;
  kind: DatabaseKind;
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

  override async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#busy) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#busy = true;
    this.#connection ??= await super.acquireConnection();
    return this.#connection;
  }

  override async releaseConnection(): Promise<void> {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#busy = false;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly database: SQLite.Database) {
    super({ database });
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver({ database: withStatementCache(this.database) });
  }
}

/**
 * Kysely's SQLite driver prepares every statement anew; preparing is a large share of a short
 * query's cost, so identical SQL text reuses its prepared statement.
 */
function withStatementCache(database: SQLite.Database): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>();
  const prepare = database.prepare.bind(database);
  return new Proxy(database, {
    get(target, property, receiver) {
      if (property === 'prepare') {
        return (source: string) => {
          let statement = cache.get(source);
          if (!statement) {
            statement = prepare(source);
            if (cache.size > 500) cache.clear();
            cache.set(source, statement);
          }
          return statement;
        };
      }
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export function openSqlite(file: string): SQLite.Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const database = new SQLite(file);
  database.pragma('journal_mode = WAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
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
    });
    // An idle client losing its connection must not crash the process.
    pool.on('error', () => undefined);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind, close: () => db.destroy() };
  }
  const file = sqlitePath(url);
  const database = openSqlite(file);
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect(database) });
  const checkpointer =
    options.backgroundCheckpoints && file !== ':memory:' ? startCheckpointer(database, file) : null;
  return {
    db,
    kind,
    close: async () => {
      await checkpointer?.stop();
      await db.destroy();
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
