import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle, Executor } from '../../src/db/database.js';
import { prepared } from '../../src/db/prepared.js';
import { DIALECTS, freshDatabase, openMigrated, type TestDatabase } from '../helpers/databases.js';

/**
 * Query templates (db/prepared.ts): a query is built and compiled once per dialect and per
 * length of each list parameter, and each call binds its own values; with `query-templates`
 * switched off, it is built on every call, with the same answers.
 */
for (const kind of DIALECTS) {
  describe(`prepared queries [${kind}]`, () => {
    let database: TestDatabase;
    let handle: DatabaseHandle;
    let untemplated: DatabaseHandle;
    const titles: string[] = [];

    beforeAll(async () => {
      database = await freshDatabase(kind);
      handle = await openMigrated(database.url, { fastPathsOff: [] });
      untemplated = await openMigrated(database.url, { fastPathsOff: ['query-templates'] });
      for (let i = 0; i < 40; i++) {
        const title = `prepared-${i}`;
        await handle.db
          .insertInto('chains')
          .values({ title, created_at: new Date().toISOString() })
          .execute();
        titles.push(title);
      }
    });
    afterAll(async () => {
      await untemplated?.close();
      await handle?.close();
      await database?.drop();
    });

    /** A query counting how often its builder runs. */
    function counted() {
      let builds = 0;
      const query = prepared((db: Executor, p: { titles: string[]; prefix: string }) => {
        builds += 1;
        return db
          .selectFrom('chains')
          .select('title')
          .where('title', 'in', p.titles)
          .where('title', 'like', p.prefix)
          .orderBy('id');
      });
      return { query, builds: () => builds };
    }
    const titlesOf = (rows: readonly { title: string }[]) => rows.map((row) => row.title);

    it('builds once per list length, and each call binds its own values', async () => {
      const { query, builds } = counted();
      expect(titlesOf(await query(handle.db, { titles: titles.slice(0, 2), prefix: 'prepared-%' }))).toEqual(
        titles.slice(0, 2),
      );
      expect(titlesOf(await query(handle.db, { titles: titles.slice(2, 4), prefix: 'prepared-%' }))).toEqual(
        titles.slice(2, 4),
      );
      expect(titlesOf(await query(handle.db, { titles: titles.slice(2, 4), prefix: 'nothing-%' }))).toEqual(
        [],
      );
      expect(builds()).toBe(1);
      expect(titlesOf(await query(handle.db, { titles: titles.slice(0, 3), prefix: '%' }))).toEqual(
        titles.slice(0, 3),
      );
      expect(builds()).toBe(2);
      // Inside a transaction: the same template.
      await handle.db.transaction().execute(async (trx) => {
        expect(titlesOf(await query(trx, { titles: titles.slice(5, 8), prefix: '%' }))).toEqual(
          titles.slice(5, 8),
        );
      });
      expect(builds()).toBe(2);
    });

    it('a list longer than 32 is built per call', async () => {
      const { query, builds } = counted();
      for (let i = 0; i < 2; i++) {
        expect(titlesOf(await query(handle.db, { titles: titles.slice(0, 33), prefix: '%' }))).toEqual(
          titles.slice(0, 33),
        );
      }
      expect(builds()).toBe(2);
    });

    it('with query-templates off, built on every call, with the same answers', async () => {
      const { query, builds } = counted();
      const params = { titles: titles.slice(10, 14), prefix: 'prepared-1%' };
      const expected = titlesOf(await query(handle.db, params));
      expect(expected).toEqual(titles.slice(10, 14));
      expect(titlesOf(await query(untemplated.db, params))).toEqual(expected);
      expect(titlesOf(await query(untemplated.db, params))).toEqual(expected);
      expect(builds()).toBe(3);
    });
  });
}
