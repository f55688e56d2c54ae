import SQLite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StatementCache } from '../../src/db/database.js';

/**
 * `StatementCache.all` (db/sqlite/statement-cache.ts): better-sqlite3's raw rows turned into objects by a
 * function compiled per statement. SQLite only, on purpose: it is a mechanism of the SQLite
 * driver (PostgreSQL rows come from pg). What it must keep is better-sqlite3's own answer, which
 * each case compares with.
 */
describe('StatementCache.all', () => {
  let database: SQLite.Database;
  let cache: StatementCache;

  beforeEach(() => {
    database = new SQLite(':memory:');
    database.exec(`
      create table a (id integer primary key, title text, amount integer, removed_at text);
      create table b (id integer primary key, a_id integer, title text);
      insert into a values (1, 'one', 100, null), (2, 'two', -5, '2026-01-01');
      insert into b values (10, 1, 'b-one'), (11, 1, 'b-two');
    `);
    cache = new StatementCache(database);
  });
  afterEach(() => database.close());

  /** better-sqlite3's own rows for the same query. */
  const own = (source: string, parameters: unknown[] = []) =>
    database.prepare(source).all(...parameters) as Record<string, unknown>[];

  it('gives the same rows as better-sqlite3: keys in order, values and types, nulls', () => {
    const source = 'select * from a where id >= ? order by id';
    const rows = cache.all(source, [1]);
    expect(rows).toEqual(own(source, [1]));
    expect(rows.map((row) => Object.keys(row))).toEqual([
      ['id', 'title', 'amount', 'removed_at'],
      ['id', 'title', 'amount', 'removed_at'],
    ]);
    expect(rows[0]!.removed_at).toBeNull();
    expect(Object.getPrototypeOf(rows[0])).toBe(Object.prototype);
  });

  it('keeps the last value of a repeated column name, as better-sqlite3 does', () => {
    const source = 'select a.*, b.* from a join b on b.a_id = a.id order by b.id';
    const rows = cache.all(source, []);
    expect(rows).toEqual(own(source));
    expect(rows[0]).toMatchObject({ id: 10, title: 'b-one', a_id: 1, amount: 100 });
  });

  it('takes column names that are not identifiers, quotes and all', () => {
    const source = `select id as "the id", title as "it's ""quoted""", amount as "1" from a where id = ?`;
    expect(cache.all(source, [1])).toEqual([{ 'the id': 1, [`it's "quoted"`]: 'one', '1': 100 }]);
  });

  it('treats a column named __proto__ as better-sqlite3 does', () => {
    for (const value of [`'text'`, `x'00'`, 'null']) {
      const source = `select id, ${value} as "__proto__" from a where id = 1`;
      const [row] = cache.all(source, []);
      const [expected] = own(source);
      expect(Object.keys(row!)).toEqual(Object.keys(expected!));
      expect(String(Object.getPrototypeOf(row))).toBe(String(Object.getPrototypeOf(expected)));
    }
  });

  it('runs a statement that returns no rows and answers []', () => {
    expect(cache.all('update a set amount = amount + ? where id = ?', [1, 1])).toEqual([]);
    expect(own('select amount from a where id = 1')).toEqual([{ amount: 101 }]);
  });

  it('returns rows of a write with RETURNING', () => {
    const rows = cache.all('update a set amount = amount + ? where id = ? returning id, amount', [5, 2]);
    expect(rows).toEqual([{ id: 2, amount: 0 }]);
  });

  it('leaves `prepare` (Kysely’s path) with statements that still return objects', () => {
    const source = 'select id, title from a where id = ?';
    cache.all(source, [1]);
    expect(cache.prepare(source).all(1)).toEqual([{ id: 1, title: 'one' }]);
    expect(cache.all(source, [1])).toEqual([{ id: 1, title: 'one' }]);
  });
});
