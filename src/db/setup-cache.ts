import { CompiledQuery } from 'kysely';
import {
  nameStatement,
  postgresOf,
  snapshotReader,
  sqliteConnectionsOf,
  type Executor,
  type PostgresConnections,
  type SqliteConnections,
  type StatementCache,
} from './database.js';

/**
 * Setup data in memory, on SQLite: what every request reads and what rarely changes
 * (authentication, access grants, card types, programs and rules; migration 003's
 * SETUP_TABLES). Entries are query rows (`prepared(…, { setup: true })`) and values computed
 * from them (`setupCached`); all are valid while the `setup_version` row, which triggers move
 * in every transaction that changes a setup table, still reads `version`.
 *
 * On SQLite the version is read once per read snapshot of the reader connection
 * (`snapshotReader` in db/database.ts: a new one for the requests that arrive in an event-loop
 * turn, and whenever this process's writer is released). On PostgreSQL, where every statement
 * reads the latest commits, it is read once per turn's arrivals too (see `PostgresSetup` and
 * `renewReadSnapshot`). Either way every request sees each setup change committed before it
 * arrived, by any process, at the cost of at most one version read per request instead of one
 * query per setup read (three for op 2 on PostgreSQL).
 */
export interface SetupCache {
  version: number;
  verified: boolean;
  entries: Map<string, unknown>;
}

/** Past this many entries (e.g. a flood of unknown tokens) the cache starts over. */
const MAX_ENTRIES = 10_000;

export function newSetupCache(): SetupCache {
  return { version: -1, verified: false, entries: new Map() };
}

const VERSION_SQL = 'select version from setup_version where id = 1';

export const readSetupVersion = (connection: StatementCache): number =>
  connection.prepare(VERSION_SQL).pluck().get() as number;

/**
 * PostgreSQL's side of the cache. There is no read snapshot to hang the check on, so an epoch
 * moves instead: when requests arrive (once per event-loop turn, see `renewReadSnapshot`), and
 * when this process's own database work may have changed setup data (a transaction, or a write
 * outside one naming a setup table: `setupMayHaveChanged`). A setup read needs a version read
 * begun in the epoch it found or a later one; the setup reads of one epoch share one version
 * read.
 */
export interface PostgresSetup {
  cache: SetupCache;
  epoch: number;
  /** The latest epoch whose version read the cache reflects. */
  verifiedEpoch: number;
  /** The version read under way, and the epoch it began in. */
  reading: { epoch: number; done: Promise<void> } | null;
}

export function newPostgresSetup(): PostgresSetup {
  return { cache: newSetupCache(), epoch: 0, verifiedEpoch: -1, reading: null };
}

/** A request arrived, or this process changed data: the next setup read verifies the cache. */
export function setupMayHaveChanged(setup: PostgresSetup): void {
  setup.epoch += 1;
}

async function verifiedOnPostgres({ pool, setup }: PostgresConnections): Promise<SetupCache> {
  const needed = setup.epoch;
  while (setup.verifiedEpoch < needed) {
    if (!setup.reading || setup.reading.epoch < needed) {
      nameStatement(VERSION_SQL);
      const epoch = setup.epoch;
      const reading = {
        epoch,
        done: pool.query<{ version: string | number }>(VERSION_SQL).then(
          ({ rows }) => {
            // A read begun earlier that ends later says nothing new.
            if (epoch <= setup.verifiedEpoch) return;
            const version = Number(rows[0]!.version);
            if (version !== setup.cache.version) {
              setup.cache.entries.clear();
              setup.cache.version = version;
            }
            setup.verifiedEpoch = epoch;
          },
          (error: unknown) => {
            if (setup.reading === reading) setup.reading = null;
            throw error;
          },
        ),
      };
      setup.reading = reading;
    }
    await setup.reading.done;
  }
  return setup.cache;
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
  if (!executor.isTransaction) return verifiedOnPostgres(postgres);
  const { rows } = await executor.executeQuery<{ version: string | number }>(CompiledQuery.raw(VERSION_SQL));
  const { cache } = postgres.setup;
  return Number(rows[0]!.version) === cache.version ? cache : null;
}

/** The cache, verified against the reader's current snapshot. */
function verified(cache: SetupCache, reader: StatementCache): SetupCache {
  if (cache.verified) return cache;
  const version = readSetupVersion(reader);
  if (version !== cache.version) {
    cache.entries.clear();
    cache.version = version;
  }
  cache.verified = true;
  return cache;
}

/**
 * The cache when it may serve this executor, else null (then read the database). Inside a
 * transaction the version is read on the writer, so it includes the transaction's own
 * changes: entries serve it only when nobody, the transaction included, changed setup data
 * since they were read.
 */
export function usableSetupCache(sqlite: SqliteConnections, inTransaction: boolean): SetupCache | null {
  if (inTransaction) return readSetupVersion(sqlite.writer) === sqlite.setup.version ? sqlite.setup : null;
  const reader = snapshotReader(sqlite);
  return reader ? verified(sqlite.setup, reader) : null;
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

/** A new read snapshot began: read the version before the next setup read. */
export function reverifySetup(cache: SetupCache): void {
  cache.verified = false;
}
