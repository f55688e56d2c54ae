import type pg from 'pg';
import { nameStatement } from './postgres/named-statements.js';
import type { StatementCache } from './sqlite/statement-cache.js';

/**
 * Is the setup data kept in memory still what the database holds? Answered here, for both
 * dialects, with one signal and one check.
 *
 * The rule it relies on: the one-row `setup_version` counter moves in every transaction that
 * changes a setup table (triggers on every table of db/setup-tables.ts), whoever writes: this
 * server, another process, the admin CLI, a SQL console. Kept data read under version v is
 * valid as long as the counter reads v.
 *
 * The signal: `epoch`, a counter that moves whenever reads from now on may see commits the kept
 * data does not reflect (`setupMayHaveChanged`). Each dialect feeds it where that happens:
 * - SQLite: when the reader connection begins a read snapshot (db/sqlite/read-snapshot.ts). A
 *   snapshot ends when requests arrive (db/arrivals.ts), when this process's writer is released,
 *   and at the end of the event-loop turn.
 * - PostgreSQL, where every statement reads the latest commits: when requests arrive
 *   (db/arrivals.ts), when one of the handle's connections is released (this process's own work
 *   may have changed setup data; db/postgres/dialect.ts), and after a write outside a
 *   transaction that names a setup table (db/prepared.ts).
 *
 * The check: the kept data reflects the version read of `verifiedEpoch`. A setup read needs a
 * version read begun in the epoch it found, or a later one; `settle` then keeps the entries
 * (same version) or drops them (another one). So every request sees each setup change committed
 * before it arrived, at the cost of at most one version read per epoch (per event-loop turn's
 * arrivals under load) instead of a query per setup read.
 *
 * Inside a transaction neither applies: the version is read on the transaction's own connection
 * (it includes the transaction's own changes), and the entries serve it only when it reads the
 * version they were kept under (`servesTransaction`).
 */
export interface SetupCache {
  /** The `setup_version` the entries were read under (-1: none read yet). */
  version: number;
  /** Query rows (`prepared(…, { setup: true })`) and values computed from them (`setupCached`). */
  entries: Map<string, unknown>;
  /** The freshness signal: moves whenever reads may see commits the entries do not reflect. */
  epoch: number;
  /** The latest epoch whose version read the entries reflect. */
  verifiedEpoch: number;
  /** PostgreSQL: the version read under way, and the epoch it began in. */
  reading: { epoch: number; done: Promise<void> } | null;
}

export function newSetupCache(): SetupCache {
  return { version: -1, entries: new Map(), epoch: 0, verifiedEpoch: -1, reading: null };
}

/** Reads from now on may see newer commits: the next setup read verifies the version first. */
export function setupMayHaveChanged(cache: SetupCache): void {
  cache.epoch += 1;
}

/**
 * A version read begun in `epoch` found `version`: the one place where kept entries are kept
 * (same version) or dropped. A read begun earlier that ends later says nothing new.
 */
function settle(cache: SetupCache, epoch: number, version: number): void {
  if (epoch <= cache.verifiedEpoch) return;
  if (version !== cache.version) {
    cache.entries.clear();
    cache.version = version;
  }
  cache.verifiedEpoch = epoch;
}

/** Entries kept under another version than the transaction reads must not serve it. */
export const servesTransaction = (cache: SetupCache, version: number): boolean => version === cache.version;

export const SETUP_VERSION_SQL = 'select version from setup_version where id = 1';

/** The version as this SQLite connection sees it (in its current transaction, if any). */
export const readSetupVersion = (connection: StatementCache): number =>
  connection.prepare(SETUP_VERSION_SQL).pluck().get() as number;

/**
 * SQLite: the cache, verified against the reader's current read snapshot (which the caller has
 * begun): one version read per snapshot.
 */
export function verifiedOnSqlite(cache: SetupCache, reader: StatementCache): SetupCache {
  if (cache.verifiedEpoch >= cache.epoch) return cache;
  settle(cache, cache.epoch, readSetupVersion(reader));
  return cache;
}

/**
 * PostgreSQL: the cache, verified by a version read begun in the current epoch or later. The
 * setup reads of one epoch share one version read; a read that fails fails its readers, and
 * the next setup read tries again.
 */
export async function verifiedOnPostgres(cache: SetupCache, pool: pg.Pool): Promise<SetupCache> {
  const needed = cache.epoch;
  while (cache.verifiedEpoch < needed) {
    if (!cache.reading || cache.reading.epoch < needed) {
      nameStatement(SETUP_VERSION_SQL);
      const epoch = cache.epoch;
      const reading = {
        epoch,
        done: pool.query<{ version: string | number }>(SETUP_VERSION_SQL).then(
          ({ rows }) => settle(cache, epoch, Number(rows[0]!.version)),
          (error: unknown) => {
            if (cache.reading === reading) cache.reading = null;
            throw error;
          },
        ),
      };
      cache.reading = reading;
    }
    await cache.reading.done;
  }
  return cache;
}
