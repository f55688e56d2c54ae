import type { Transaction } from 'kysely';
import { sqliteConnectionsOf, type Db, type SqliteConnections } from './connections.js';
import type { Database } from './schema.js';

/**
 * Write transactions (`writeTransaction`): on a SQLite file, the writes of one event-loop turn
 * share one database transaction (`GroupCommit` below); elsewhere each has its own. The rule it
 * relies on: a write is answered only once the shared COMMIT succeeded, and runs exactly as if
 * it had been committed alone, in arrival order. Switched off by `group-commit` in
 * DB_FAST_PATHS_OFF.
 */

type Work = (trx: Transaction<Database>) => Promise<unknown>;

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

interface Pending {
  work: Work;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** A group waits for no more than this many writes. */
const MAX_GROUP = 64;

/**
 * SQLite group commit. A SQLite database has one writer at a time, and this process has one
 * writer connection, so writes run one after another whatever we do; what each of them pays on
 * its own is BEGIN IMMEDIATE's locks and COMMIT's WAL frames (the ledger's and the indexes' last
 * pages again and again). Writes submitted in the same event-loop turn therefore share one
 * database transaction, each inside a savepoint of its own:
 * - a write that fails is rolled back to its savepoint alone, and fails alone (when its error
 *   made SQLite end the whole transaction, the other writes of the group run again, first in
 *   the next group);
 * - a write is reported done only once the shared COMMIT has succeeded; if BEGIN or COMMIT
 *   fails, every write of the group fails with that error (the caller's retry policy applies,
 *   as for a transaction of its own);
 * - the writes of a group run in arrival order and each sees the ones before it, exactly as
 *   if each had been a transaction of its own, committed in that order.
 */
class GroupCommit {
  private readonly queue: Pending[] = [];
  private scheduled = false;
  private running = false;

  constructor(
    private readonly db: Db,
    private readonly sqlite: SqliteConnections,
  ) {}

  submit<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.running || this.queue.length === 0) return;
    this.scheduled = true;
    // The end of this turn: every write that arrived in it joins the group.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.running = true;
    const group = this.queue.splice(0, MAX_GROUP);
    const outcomes: Outcome[] = [];
    const writer = this.sqlite.writer;
    const run = (sql: string) => writer.prepare(sql).run();
    // A write whose error made SQLite end the whole transaction (e.g. RAISE(ROLLBACK)).
    let aborted = -1;
    try {
      await this.db.transaction().execute(async (trx) => {
        for (const { work } of group) {
          run('savepoint write');
          try {
            outcomes.push({ ok: true, value: await work(trx) });
            run('release write');
          } catch (error) {
            outcomes.push({ ok: false, error });
            if (!writer.database.inTransaction) {
              aborted = outcomes.length - 1;
              throw error;
            }
            run('rollback to write');
            run('release write');
          }
        }
      });
      group.forEach((pending, i) => settle(pending, outcomes[i]!));
    } catch (error) {
      if (aborted >= 0) {
        // That write fails alone; nothing of the others was committed: they run again, first.
        settle(group[aborted]!, outcomes[aborted]!);
        this.queue.unshift(...group.filter((_pending, i) => i !== aborted));
      } else {
        // BEGIN or COMMIT failed: nothing of the group was committed. A write that had failed on
        // its own reports its own error, every other one the group's.
        group.forEach((pending, i) => {
          const outcome = outcomes[i];
          pending.reject(outcome && !outcome.ok ? outcome.error : error);
        });
      }
    } finally {
      this.running = false;
      this.schedule();
    }
  }
}

function settle(pending: Pending, outcome: Outcome): void {
  if (outcome.ok) pending.resolve(outcome.value);
  else pending.reject(outcome.error);
}

const groups = new WeakMap<SqliteConnections, GroupCommit>();

/**
 * Whether `writeTransaction` groups the writes of a turn on this database: a SQLite file (with
 * its reader connection), unless `group-commit` is switched off (DB_FAST_PATHS_OFF).
 */
export function groupsCommits(db: Db): boolean {
  return Boolean(sqliteConnectionsOf(db)?.groupCommit);
}

/**
 * Runs `work` in a write transaction: on a SQLite file, in the group commit above; otherwise
 * (PostgreSQL, where concurrent transactions run on connections of their own) in a transaction
 * of its own.
 */
export function writeTransaction<T>(db: Db, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  const sqlite = sqliteConnectionsOf(db);
  if (!sqlite?.groupCommit) return db.transaction().execute(work);
  let group = groups.get(sqlite);
  if (!group) groups.set(sqlite, (group = new GroupCommit(db, sqlite)));
  return group.submit(work);
}
