import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sqliteConnectionsOf, type DatabaseHandle, type Db, type Executor } from '../../src/db/database.js';
import { writeTransaction } from '../../src/db/group-commit.js';
import { prepared } from '../../src/db/prepared.js';
import { ProgramsRepository } from '../../src/modules/programs/programs.repository.js';
import { freshDatabase, openMigrated, type TestDatabase } from '../helpers/databases.js';
import { Factory } from '../helpers/factory.js';

/**
 * SQLite group commit (db/group-commit.ts) and the reader connection behind it. SQLite only, on
 * purpose: both are mechanisms of a SQLite file database (on PostgreSQL, and on a `:memory:`
 * SQLite, `writeTransaction` is a plain transaction per call, and there is no reader
 * connection). The observable behaviour of writes on both dialects is covered by the API tests.
 */

/** Lets the current event-loop turn end: a later `writeTransaction` starts a new group. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A promise and the function that resolves it. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

let run = 0;
/** Titles no other test uses. */
const unique = (name: string) => `${name}-${++run}-${Date.now()}`;

// Reads outside a transaction, compiled once: on SQLite they run on the reader connection, in
// its current read snapshot. `setup` keeps the rows in the setup cache (chains is a
// setup table), so both the plain and the kept path are checked for read-your-writes.
const titlesLike = prepared((db, p: { pattern: string }) =>
  db.selectFrom('chains').select('title').where('title', 'like', p.pattern).orderBy('id'),
);
const titlesLikeKept = prepared(
  (db, p: { pattern: string }) =>
    db.selectFrom('chains').select('title').where('title', 'like', p.pattern).orderBy('id'),
  { setup: true },
);

describe('group commit (SQLite only)', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let db: Db;
  /** Statements run on the writer connection since the last `statements.length = 0`. */
  const statements: string[] = [];

  beforeAll(async () => {
    database = await freshDatabase('sqlite');
    handle = await openMigrated(database.url);
    db = handle.db;
    const writer = sqliteConnectionsOf(db)!.writer;
    const prepare = writer.prepare.bind(writer);
    // Every statement on the writer (Kysely's and the group commit's own) goes through here.
    writer.prepare = (source: string) => {
      statements.push(source.trim().toLowerCase());
      return prepare(source);
    };
  });
  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });
  afterEach(() => {
    statements.length = 0;
  });

  const insertChain = (executor: Executor, title: string) =>
    executor.insertInto('chains').values({ title, created_at: new Date().toISOString() }).execute();
  /** Committed titles, read on the reader connection. */
  const committed = async (prefix: string) =>
    (await titlesLike(db, { pattern: `${prefix}%` })).map((r) => r.title);
  const count = (statement: string) => statements.filter((s) => s === statement).length;

  it('writes of one turn share one transaction; a failing one is rolled back and rejects alone', async () => {
    const prefix = unique('group');
    const failure = new Error('the middle write fails');
    let seenByThird: string[] = [];
    let seenOutsideByThird: string[] = [];
    const results = await Promise.allSettled([
      writeTransaction(db, async (trx) => {
        await insertChain(trx, `${prefix}-a`);
        return 'a';
      }),
      writeTransaction(db, async (trx) => {
        await insertChain(trx, `${prefix}-b`);
        throw failure;
      }),
      writeTransaction(db, async (trx) => {
        seenByThird = (
          await trx.selectFrom('chains').select('title').where('title', 'like', `${prefix}%`).execute()
        ).map((r) => r.title);
        // Not committed yet: the first write is in the same, still open, transaction.
        seenOutsideByThird = await committed(prefix);
        await insertChain(trx, `${prefix}-c`);
        return 'c';
      }),
    ]);
    expect(results).toEqual([
      { status: 'fulfilled', value: 'a' },
      { status: 'rejected', reason: failure },
      { status: 'fulfilled', value: 'c' },
    ]);
    expect(seenByThird).toEqual([`${prefix}-a`]);
    expect(seenOutsideByThird).toEqual([]);
    expect(await committed(prefix)).toEqual([`${prefix}-a`, `${prefix}-c`]);
    expect(count('begin immediate')).toBe(1);
    expect(count('commit')).toBe(1);
    expect(count('savepoint write')).toBe(3);
    expect(count('rollback to write')).toBe(1);

    // A write of a later turn is a group (a transaction) of its own, run after the first
    // committed: it sees the first group's rows as committed data.
    statements.length = 0;
    let seenOutsideByFourth: string[] = [];
    const first = writeTransaction(db, (trx) => insertChain(trx, `${prefix}-d`));
    await nextTurn();
    const fourth = writeTransaction(db, async (trx) => {
      seenOutsideByFourth = await committed(prefix);
      await insertChain(trx, `${prefix}-e`);
    });
    await Promise.all([first, fourth]);
    expect(seenOutsideByFourth).toEqual([`${prefix}-a`, `${prefix}-c`, `${prefix}-d`]);
    expect(count('begin immediate')).toBe(2);
    expect(count('commit')).toBe(2);
    expect(await committed(prefix)).toEqual([`${prefix}-a`, `${prefix}-c`, `${prefix}-d`, `${prefix}-e`]);
  });

  it('a write is reported done only after the shared COMMIT', async () => {
    const prefix = unique('held');
    const held = gate();
    const started = gate();
    let done = false;
    const write = writeTransaction(db, async (trx) => {
      await insertChain(trx, `${prefix}-a`);
      started.open();
      await held.promise;
      return 'done';
    });
    const sibling = writeTransaction(db, (trx) => insertChain(trx, `${prefix}-b`));
    void Promise.all([write, sibling]).then(() => (done = true));

    await started.promise;
    // The group is open: its rows are invisible outside, and nothing has resolved.
    expect(await committed(prefix)).toEqual([]);
    expect(await titlesLikeKept(db, { pattern: `${prefix}%` })).toEqual([]);
    await nextTurn();
    await nextTurn();
    expect(done).toBe(false);
    expect(await committed(prefix)).toEqual([]);
    expect(count('commit')).toBe(0);

    held.open();
    expect(await write).toBe('done');
    await sibling;
    expect(count('commit')).toBe(1);
    expect(await committed(prefix)).toEqual([`${prefix}-a`, `${prefix}-b`]);
    expect((await titlesLikeKept(db, { pattern: `${prefix}%` })).map((r) => r.title)).toEqual([
      `${prefix}-a`,
      `${prefix}-b`,
    ]);
  });

  it('writes run in submission order, within a group and across groups, each seeing those before it', async () => {
    const prefix = unique('order');
    const order: number[] = [];
    const seen: number[] = [];
    const write = (i: number) =>
      writeTransaction(db, async (trx) => {
        order.push(i);
        const rows = await trx
          .selectFrom('chains')
          .select('id')
          .where('title', 'like', `${prefix}%`)
          .execute();
        seen.push(rows.length);
        await insertChain(trx, `${prefix}-${i}`);
        return i;
      });
    const firstTurn = [1, 2, 3, 4, 5].map(write);
    await nextTurn();
    const secondTurn = [6, 7, 8].map(write);
    expect(await Promise.all([...firstTurn, ...secondTurn])).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(order).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(await committed(prefix)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((i) => `${prefix}-${i}`));
  });

  it('a database error in one write leaves the group and later groups unaffected', async () => {
    const prefix = unique('constraint');
    const { id } = await db
      .insertInto('chains')
      .values({ title: `${prefix}-existing`, created_at: new Date().toISOString() })
      .returning('id')
      .executeTakeFirstOrThrow();
    const results = await Promise.allSettled([
      writeTransaction(db, (trx) => insertChain(trx, `${prefix}-before`)),
      writeTransaction(db, async (trx) => {
        await insertChain(trx, `${prefix}-lost`);
        // A primary-key violation: the statement fails, the transaction stays usable.
        await trx
          .insertInto('chains')
          .values({ id, title: `${prefix}-duplicate`, created_at: new Date().toISOString() })
          .execute();
      }),
      writeTransaction(db, (trx) => insertChain(trx, `${prefix}-after`)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({
      code: expect.stringMatching(/^SQLITE_CONSTRAINT/),
    });
    expect(await committed(prefix)).toEqual([`${prefix}-existing`, `${prefix}-before`, `${prefix}-after`]);

    // Later groups, and plain transactions, are unaffected.
    await writeTransaction(db, (trx) => insertChain(trx, `${prefix}-later`));
    await db.transaction().execute((trx) => insertChain(trx, `${prefix}-plain`));
    await insertChain(db, `${prefix}-autocommit`);
    expect(await committed(prefix)).toEqual([
      `${prefix}-existing`,
      `${prefix}-before`,
      `${prefix}-after`,
      `${prefix}-later`,
      `${prefix}-plain`,
      `${prefix}-autocommit`,
    ]);
    expect(sqliteConnectionsOf(db)!.writer.database.inTransaction).toBe(false);
  });

  it('a write that makes SQLite roll the whole transaction back fails alone; the others run again', async () => {
    const prefix = unique('broken');
    const writer = sqliteConnectionsOf(db)!.writer.database;
    // RAISE(ROLLBACK) ends the transaction itself, as SQLite may on some errors (SQLITE_FULL,
    // SQLITE_IOERR…). A temporary trigger: it exists on the writer connection only.
    writer.exec(`create temp trigger boom before insert on chains when new.title = '${prefix}-boom'
      begin select raise(rollback, 'boom'); end`);
    try {
      const begins = count('begin immediate');
      const results = await Promise.allSettled([
        writeTransaction(db, (trx) => insertChain(trx, `${prefix}-a`)),
        writeTransaction(db, (trx) => insertChain(trx, `${prefix}-boom`)),
        writeTransaction(db, (trx) => insertChain(trx, `${prefix}-c`)),
      ]);
      // The culprit fails with its own error; the two others ran again in a second group.
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(String((results[1] as PromiseRejectedResult).reason)).toContain('boom');
      expect(count('begin immediate') - begins).toBe(2);
      expect(await committed(prefix)).toEqual([`${prefix}-a`, `${prefix}-c`]);
      expect(writer.inTransaction).toBe(false);
    } finally {
      writer.exec('drop trigger boom');
    }

    await writeTransaction(db, (trx) => insertChain(trx, `${prefix}-next`));
    expect(await committed(prefix)).toEqual([`${prefix}-a`, `${prefix}-c`, `${prefix}-next`]);
  });

  it('read-your-writes: once a write resolved, a read in the same turn sees it (plain and kept rows)', async () => {
    const prefix = unique('ryw');
    const pattern = `${prefix}%`;
    // Reads in this turn: the reader's snapshot is open, and the kept rows stored.
    expect(await titlesLike(db, { pattern })).toEqual([]);
    expect(await titlesLikeKept(db, { pattern })).toEqual([]);

    await writeTransaction(db, async (trx) => {
      await insertChain(trx, `${prefix}-a`);
      // In the group's own turn, before its COMMIT: a snapshot of that turn is opened here.
      expect(await titlesLike(db, { pattern })).toEqual([]);
      expect(await titlesLikeKept(db, { pattern })).toEqual([]);
    });
    // No yielding to setImmediate between the resolution and these reads.
    expect((await titlesLike(db, { pattern })).map((r) => r.title)).toEqual([`${prefix}-a`]);
    expect((await titlesLikeKept(db, { pattern })).map((r) => r.title)).toEqual([`${prefix}-a`]);

    // The same for a plain transaction and for a write outside one.
    await db.transaction().execute((trx) => insertChain(trx, `${prefix}-b`));
    expect((await titlesLikeKept(db, { pattern })).map((r) => r.title)).toEqual([
      `${prefix}-a`,
      `${prefix}-b`,
    ]);
    await insertChain(db, `${prefix}-c`);
    expect((await titlesLike(db, { pattern })).map((r) => r.title)).toEqual([
      `${prefix}-a`,
      `${prefix}-b`,
      `${prefix}-c`,
    ]);
  });

  it('setup data in a group: a later write reads an earlier one’s change; a rolled-back change is never read', async () => {
    const w = await new Factory(handle).world({ programs: true });
    const read = (executor: Executor) =>
      new ProgramsRepository(executor)
        .forCardTypes([w.cardTypeId], w.locationId)
        .then((programs) => (programs.get(w.cardTypeId) ?? []).map((p) => p.program.title));
    expect(await read(db)).toEqual(['Cumulative 5/10']);
    expect(await read(db)).toEqual(['Cumulative 5/10']);

    const failure = new Error('rolled back');
    const seen: Record<string, string[]> = {};
    const rename = (title: string) => (trx: Executor) =>
      trx.updateTable('programs').set({ title }).where('id', '=', w.programId!).execute();
    const results = await Promise.allSettled([
      writeTransaction(db, async (trx) => {
        await rename('Rolled back')(trx);
        seen.failing = await read(trx);
        throw failure;
      }),
      writeTransaction(db, async (trx) => {
        seen.afterRollback = await read(trx);
        await rename('Renamed')(trx);
        seen.afterRename = await read(trx);
      }),
      writeTransaction(db, async (trx) => {
        seen.next = await read(trx);
        seen.outside = await read(db);
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(seen).toEqual({
      failing: ['Rolled back'],
      afterRollback: ['Cumulative 5/10'],
      afterRename: ['Renamed'],
      next: ['Renamed'],
      outside: ['Cumulative 5/10'],
    });
    expect(await read(db)).toEqual(['Renamed']);
  });
});
