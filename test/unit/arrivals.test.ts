import Database from 'better-sqlite3';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresOf, renewReadSnapshot, type DatabaseHandle } from '../../src/db/database.js';
import { prepared } from '../../src/db/prepared.js';
import { DIALECTS, freshDatabase, openMigrated, type TestDatabase } from '../helpers/databases.js';

/**
 * Requests read from the network in one event-loop turn arrive at once (`renewReadSnapshot` in
 * db/arrivals.ts): the turn's first arrival renews what reads see, the others share it, and the
 * next turn's first arrival renews again; an injected request always renews. What a request observes across turns and processes is
 * covered by test/api/setup-cache.test.ts and the process tests, on both dialects.
 */

/** Lets the current event-loop turn end. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

let run = 0;
const unique = (name: string) => `${name}-${++run}-${Date.now()}`;

const titlesLike = prepared((db, p: { pattern: string }) =>
  db.selectFrom('chains').select('title').where('title', 'like', p.pattern).orderBy('id'),
);

describe.runIf(DIALECTS.includes('sqlite'))('arrivals on SQLite', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  /** Another process's connection: its writes commit synchronously, within the turn. */
  let other: Database.Database;

  beforeAll(async () => {
    database = await freshDatabase('sqlite');
    handle = await openMigrated(database.url);
    other = new Database(fileURLToPath(new URL(database.url.replace(/^file:/, 'file://'))));
  });
  afterAll(async () => {
    other?.close();
    await handle?.close();
    await database?.drop();
  });

  const insertElsewhere = (title: string) =>
    other
      .prepare('insert into chains (title, created_at) values (?, ?)')
      .run(title, new Date().toISOString());
  const titles = async (prefix: string) =>
    (await titlesLike(handle.db, { pattern: `${prefix}%` })).map((r) => r.title);

  it("a turn's first arrival sees every commit made before it; later arrivals of the turn share its snapshot", async () => {
    const prefix = unique('arrival');
    await nextTurn();
    insertElsewhere(`${prefix}-1`);
    renewReadSnapshot(handle.db, true); // the turn's first arrival
    expect(await titles(prefix)).toEqual([`${prefix}-1`]);

    insertElsewhere(`${prefix}-2`);
    renewReadSnapshot(handle.db, true); // another arrival of the same turn
    expect(await titles(prefix)).toEqual([`${prefix}-1`]);

    renewReadSnapshot(handle.db); // an injected request, not read from the network: it renews
    expect(await titles(prefix)).toEqual([`${prefix}-1`, `${prefix}-2`]);

    insertElsewhere(`${prefix}-3`);
    await nextTurn();
    renewReadSnapshot(handle.db, true); // the next turn's first arrival
    expect(await titles(prefix)).toEqual([`${prefix}-1`, `${prefix}-2`, `${prefix}-3`]);
  });

  it("this process's own writes are read at once, whatever turn the request arrived in", async () => {
    const prefix = unique('own');
    await nextTurn();
    renewReadSnapshot(handle.db, true);
    expect(await titles(prefix)).toEqual([]);
    await handle.db
      .insertInto('chains')
      .values({ title: `${prefix}-a`, created_at: new Date().toISOString() })
      .execute();
    renewReadSnapshot(handle.db, true);
    expect(await titles(prefix)).toEqual([`${prefix}-a`]);
  });
});

describe.runIf(DIALECTS.includes('postgres'))('arrivals on PostgreSQL', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;

  beforeAll(async () => {
    database = await freshDatabase('postgres');
    handle = await openMigrated(database.url);
  });
  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });

  it('the arrivals of one turn begin one epoch of the setup check; the next turn begins another', async () => {
    const setup = postgresOf(handle.db)!.setup!;
    await nextTurn();
    const before = setup.epoch;
    renewReadSnapshot(handle.db, true);
    renewReadSnapshot(handle.db, true);
    renewReadSnapshot(handle.db, true);
    expect(setup.epoch).toBe(before + 1);
    renewReadSnapshot(handle.db); // an injected request renews
    expect(setup.epoch).toBe(before + 2);
    await nextTurn();
    renewReadSnapshot(handle.db, true);
    expect(setup.epoch).toBe(before + 3);
  });
});
