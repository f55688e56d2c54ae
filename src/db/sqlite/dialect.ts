import type SQLite from 'better-sqlite3';
import { CompiledQuery, SqliteDialect, SqliteDriver } from 'kysely';
import type { DatabaseConnection, Driver } from 'kysely';
import { registerSqlite, type SqliteConnections } from '../connections.js';
import { endSnapshot } from './read-snapshot.js';
import type { StatementCache } from './statement-cache.js';

/**
 * Kysely's SQLite dialect on this server's writer connection: its statements go through the
 * statement cache (db/sqlite/statement-cache.ts), write transactions take the write lock up
 * front, the connection is handed out in FIFO order, and each release ends the reader's read
 * snapshot (db/sqlite/read-snapshot.ts). The handle's connections are registered under the
 * adapter (db/connections.ts), for the fast paths that go around Kysely.
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  constructor(
    private readonly connections: SqliteConnections,
    /** False when `writer-queue` is switched off: Kysely's own mutex hands out the writer. */
    private readonly writerQueue: boolean,
  ) {
    super({ database: connections.writer.database });
  }
  override createDriver(): Driver {
    const config = { database: withStatementCache(this.connections.writer) };
    return this.writerQueue
      ? new ImmediateSqliteDriver(config, this.connections)
      : new MutexSqliteDriver(config, this.connections);
  }
  override createAdapter() {
    const adapter = super.createAdapter();
    registerSqlite(adapter, this.connections);
    return adapter;
  }
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
    protected readonly sqlite: SqliteConnections,
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
 * The `writer-queue` fast path switched off (DB_FAST_PATHS_OFF): Kysely's own mutex hands out
 * the writer. A release still ends the reader's snapshot.
 */
class MutexSqliteDriver extends ImmediateSqliteDriver {
  override acquireConnection(): Promise<DatabaseConnection> {
    return SqliteDriver.prototype.acquireConnection.call(this);
  }

  override async releaseConnection(): Promise<void> {
    endSnapshot(this.sqlite);
    return SqliteDriver.prototype.releaseConnection.call(this);
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
