import {
  postgresOf,
  sqliteConnectionsOf,
  type Executor,
  type PostgresConnections,
  type SqliteConnections,
} from './connections.js';
import { setupMayHaveChanged } from './freshness.js';
import { endSnapshot } from './sqlite/read-snapshot.js';

/**
 * A request arrived: reads from now on must see every commit made until now. On SQLite the
 * reader's snapshot ends (db/sqlite/read-snapshot.ts); on PostgreSQL (where every statement reads
 * the latest commits) the setup data kept in memory must be verified again (db/freshness.ts).
 *
 * Requests read from the network in one event-loop turn (`fromNetwork`) arrive at once: Node
 * reads sockets, and emits their requests, in the turn's I/O poll phase, and the poll found them
 * all, so every commit made before any of them arrived was made before the first of them is
 * handled. That is the rule this relies on. Only the turn's first such arrival renews; the others
 * share its snapshot (SQLite) or its version read (PostgreSQL). Any other arrival (an injected
 * request) renews, and so does every arrival when `arrival-sharing` is switched off
 * (DB_FAST_PATHS_OFF). Local commits still end the snapshot at once (see the drivers'
 * `releaseConnection`), so a request always reads this process's own writes.
 */
export function renewReadSnapshot(executor: Executor, fromNetwork = false): void {
  const sqlite = sqliteConnectionsOf(executor);
  const postgres = sqlite ? undefined : postgresOf(executor);
  const handle = sqlite ?? postgres;
  if (!handle) return;
  if (fromNetwork && handle.shareArrivals) {
    if (renewedThisTurn.has(handle)) return;
    renewedThisTurn.add(handle);
    setImmediate(() => renewedThisTurn.delete(handle));
  }
  if (sqlite) endSnapshot(sqlite);
  else if (postgres?.setup) setupMayHaveChanged(postgres.setup);
}

/** Database handles a network arrival renewed in the current event-loop turn (until its check phase). */
const renewedThisTurn = new WeakSet<SqliteConnections | PostgresConnections>();
