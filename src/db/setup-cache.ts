import { CompiledQuery } from 'kysely';
import {
  postgresOf,
  sqliteConnectionsOf,
  type Executor,
  type PostgresConnections,
  type SqliteConnections,
} from './connections.js';
import {
  readSetupVersion,
  servesTransaction,
  SETUP_VERSION_SQL,
  verifiedOnPostgres,
  verifiedOnSqlite,
  type SetupCache,
} from './freshness.js';
import { snapshotReader } from './sqlite/read-snapshot.js';

/**
 * Setup data in memory: what every request reads and what rarely changes (authentication,
 * access grants, card types, programs and rules: the tables of db/setup-tables.ts). Entries are
 * query rows (`prepared(…, { setup: true })`, db/prepared.ts) and values computed from them
 * (`setupCached`), kept per SQL and values, or per key, and shared, frozen, by every later
 * caller.
 *
 * The rule it relies on: an entry was read or computed under the `setup_version` the cache holds,
 * and is served only while db/freshness.ts says that version is still current. Whatever moved
 * the version in between (a change by anyone) empties the cache. Switched off by `setup-cache`
 * in DB_FAST_PATHS_OFF: every setup read then reads the database (values are still frozen).
 */

/** Past this many entries (e.g. a flood of unknown tokens) the cache starts over. */
const MAX_ENTRIES = 10_000;

/**
 * SQLite: the cache when it may serve this executor, else null (then read the database).
 * Outside a transaction it is verified in the reader's current snapshot. Inside one the version
 * is read on the writer, so it includes the transaction's own changes: entries serve it only
 * when nobody, the transaction included, changed setup data since they were read.
 */
export function usableSetupCache(sqlite: SqliteConnections, inTransaction: boolean): SetupCache | null {
  const cache = sqlite.setup;
  if (!cache) return null;
  if (inTransaction) return servesTransaction(cache, readSetupVersion(sqlite.writer)) ? cache : null;
  const reader = snapshotReader(sqlite);
  return reader ? verifiedOnSqlite(cache, reader) : null;
}

/**
 * PostgreSQL's counterpart of `usableSetupCache`. Inside a transaction the version is read on
 * the transaction's connection: entries serve it only when it reads the version they were kept
 * under.
 */
export async function usablePostgresSetupCache(
  executor: Executor,
  postgres: PostgresConnections,
): Promise<SetupCache | null> {
  const cache = postgres.setup;
  if (!cache) return null;
  if (!executor.isTransaction) return verifiedOnPostgres(cache, postgres.pool);
  const { rows } = await executor.executeQuery<{ version: string | number }>(
    CompiledQuery.raw(SETUP_VERSION_SQL),
  );
  return servesTransaction(cache, Number(rows[0]!.version)) ? cache : null;
}

/** Stores an entry read or computed while the cache was at `version` (else it is dropped). */
export function keep(cache: SetupCache, version: number, key: string, value: unknown): void {
  if (cache.version !== version) return;
  if (cache.entries.size >= MAX_ENTRIES) cache.entries.clear();
  cache.entries.set(key, value);
}

/**
 * A value computed from setup data only (by `compute`, which must read nothing else), kept
 * under `key` as long as the setup data is unchanged. The value is shared by every later
 * caller, so it is frozen, deeply (a Map's entries too: type it ReadonlyMap), on every dialect.
 */
export async function setupCached<T>(executor: Executor, key: string, compute: () => Promise<T>): Promise<T> {
  const sqlite = sqliteConnectionsOf(executor);
  const postgres = sqlite ? undefined : postgresOf(executor);
  const cache = sqlite
    ? usableSetupCache(sqlite, executor.isTransaction)
    : postgres && (await usablePostgresSetupCache(executor, postgres));
  if (!cache) return deepFreeze(await compute());
  if (cache.entries.has(key)) return cache.entries.get(key) as T;
  const version = cache.version;
  const value = deepFreeze(await compute());
  keep(cache, version, key, value);
  return value;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    const inner = value instanceof Map ? value.values() : Object.values(value);
    for (const item of inner) deepFreeze(item);
  }
  return value;
}
