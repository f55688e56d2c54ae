import type { SqliteConnections } from '../connections.js';
import { setupMayHaveChanged } from '../freshness.js';
import type { StatementCache } from './statement-cache.js';

/**
 * SQLite read snapshots on the reader connection. Reads outside a transaction run on a second,
 * query-only connection (db/connections.ts), inside one read transaction shared by every read
 * until it ends, rather than paying SQLite's lock round (an `fcntl` and an `fstat` to take it,
 * an `fcntl` to release it) per statement.
 *
 * The rule it relies on: a snapshot that began before a commit does not show it, so it must end
 * before any request that arrived after that commit reads. It ends:
 * - when requests arrive (`renewReadSnapshot`, db/arrivals.ts, called by the HTTP layer);
 * - when this process's writer is released (db/sqlite/dialect.ts), so this process reads its
 *   own writes at once;
 * - at the end of the event-loop turn, when nothing else ended it.
 * So every request reads every commit made before it arrived, by any process. Switched off by
 * `read-snapshots` in DB_FAST_PATHS_OFF: each statement on the reader then reads in a snapshot
 * of its own (SQLite's implicit transaction), and every setup read verifies the version first.
 * The reader connection itself stays: reads outside a transaction must never wait for the
 * writer, which a transaction of this process may hold while it reads outside.
 */

/**
 * The reader, inside its current read snapshot (begun here when there is none; with
 * `read-snapshots` off, in none); null when there is no reader connection. Each new snapshot
 * moves the setup data's freshness signal (db/freshness.ts): the next setup read verifies the
 * version in it.
 */
export function snapshotReader(sqlite: SqliteConnections): StatementCache | null {
  const { reader } = sqlite;
  if (reader && !reader.database.inTransaction) {
    if (!sqlite.shareSnapshots) {
      if (sqlite.setup) setupMayHaveChanged(sqlite.setup);
      return reader;
    }
    reader.prepare('begin').run();
    if (sqlite.setup) setupMayHaveChanged(sqlite.setup);
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

/** Ends the reader's current snapshot, if any: the next read begins a new one. */
export function endSnapshot({ reader }: SqliteConnections): void {
  if (reader?.database.open && reader.database.inTransaction) reader.prepare('commit').run();
}
