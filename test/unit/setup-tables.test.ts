import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.js';
import { SETUP_TABLES_003 } from '../../src/db/migrations/003-setup-version.js';
import { prepared } from '../../src/db/prepared.js';
import { SETUP_TABLES } from '../../src/db/setup-tables.js';
import { DIALECTS, freshDatabase, openMigrated, type TestDatabase } from '../helpers/databases.js';

/**
 * The setup-cache rule, checked in code (db/setup-tables.ts): a table is either in the list,
 * with triggers that move `setup_version` on every change, or its rows are never kept. Each
 * listed table's triggers are looked up in the database's own catalog, and `prepared()` refuses
 * a setup query over any other table when it compiles it.
 */

it('migration 003 created triggers for a subset of the live list (a table is never taken out)', () => {
  expect(SETUP_TABLES.filter((table) => SETUP_TABLES_003.includes(table as never))).toEqual([
    ...SETUP_TABLES_003,
  ]);
});

for (const kind of DIALECTS) {
  describe(`setup tables [${kind}]`, () => {
    let database: TestDatabase;
    let handle: DatabaseHandle;

    beforeAll(async () => {
      database = await freshDatabase(kind);
      handle = await openMigrated(database.url);
    });
    afterAll(async () => {
      await handle?.close();
      await database?.drop();
    });

    /** Per table, the events (insert, update, delete, truncate) whose triggers move setup_version. */
    async function eventsMovingTheVersion(): Promise<Map<string, Set<string>>> {
      const events = new Map<string, Set<string>>();
      const add = (table: string, event: string) => {
        if (!events.has(table)) events.set(table, new Set());
        events.get(table)!.add(event);
      };
      if (kind === 'sqlite') {
        const { rows } = await sql<{ tbl_name: string; sql: string }>`
          select tbl_name, sql from sqlite_master where type = 'trigger'`.execute(handle.db);
        for (const row of rows) {
          const text = row.sql.toLowerCase().replace(/\s+/g, ' ');
          const event = /\bafter (insert|update|delete) on\b/.exec(text)?.[1];
          if (event && /update setup_version set version = version \+ 1/.test(text)) add(row.tbl_name, event);
        }
        return events;
      }
      // tgtype bits: 4 insert, 8 delete, 16 update, 32 truncate (2: before, 64: instead of).
      const { rows } = await sql<{ table: string; tgtype: number; body: string }>`
        select c.relname as table, t.tgtype, p.prosrc as body
        from pg_trigger t
        join pg_class c on c.oid = t.tgrelid
        join pg_namespace n on n.oid = c.relnamespace
        join pg_proc p on p.oid = t.tgfoid
        where not t.tgisinternal and n.nspname = current_schema()`.execute(handle.db);
      for (const row of rows) {
        const after = (row.tgtype & (2 | 64)) === 0;
        if (!after || !/update setup_version set version = version \+ 1/i.test(row.body)) continue;
        for (const [bit, event] of [
          [4, 'insert'],
          [8, 'delete'],
          [16, 'update'],
          [32, 'truncate'],
        ] as const) {
          if (row.tgtype & bit) add(row.table, event);
        }
      }
      return events;
    }

    it('every listed table has triggers moving setup_version on every kind of change', async () => {
      const events = await eventsMovingTheVersion();
      const expected =
        kind === 'sqlite' ? ['delete', 'insert', 'update'] : ['delete', 'insert', 'truncate', 'update'];
      for (const table of SETUP_TABLES) {
        expect({ table, events: [...(events.get(table) ?? [])].sort() }).toEqual({ table, events: expected });
      }
    });

    it('a setup query over setup tables only (joins, subqueries, aliases, WITH) compiles and runs', async () => {
      const access = prepared(
        (db, p: { userId: number }) =>
          db
            .with('granted', (qb) =>
              qb.selectFrom('user_locations').select('location_id').where('user_id', '=', p.userId),
            )
            .selectFrom('locations as l')
            .innerJoin('chains as c', 'c.id', 'l.chain_id')
            .select((eb) => [
              'l.id',
              'c.title',
              eb
                .exists(
                  eb
                    .selectFrom('partner_locations as pl')
                    .select('pl.location_id')
                    .whereRef('pl.location_id', '=', 'l.id'),
                )
                .as('connected'),
            ])
            .where('l.id', 'in', (eb) => eb.selectFrom('granted').select('granted.location_id')),
        { setup: true },
      );
      expect(await access(handle.db, { userId: -1 })).toEqual([]);
      await handle.db.transaction().execute(async (trx) => {
        expect(await access(trx, { userId: -1 })).toEqual([]);
      });
    });

    it('a setup query reading a table that is not listed is refused when compiled, naming the table', async () => {
      const cardsOfType = prepared(
        (db, p: { typeId: number }) =>
          db
            .selectFrom('card_types as t')
            .innerJoin('cards as c', 'c.card_type_id', 't.id')
            .select(['c.id', 't.title'])
            .where('t.id', '=', p.typeId),
        { setup: true },
      );
      const refusal =
        /reads table "cards", which is not a setup table.*SETUP_TABLES \(src\/db\/setup-tables\.ts\).*migration.*or do not mark this query \{ setup: true \}/s;
      await expect(cardsOfType(handle.db, { typeId: -1 })).rejects.toThrow(refusal);
      // Every call, inside a transaction too: nothing was kept.
      await expect(cardsOfType(handle.db, { typeId: -1 })).rejects.toThrow(refusal);
      await expect(
        handle.db.transaction().execute((trx) => cardsOfType(trx, { typeId: -1 })),
      ).rejects.toThrow(refusal);

      // Hidden in a subquery, or behind a WITH, it is found as well.
      const inSubquery = prepared(
        (db, p: { id: number }) =>
          db
            .selectFrom('chains')
            .select('id')
            .where('id', '=', p.id)
            .where((eb) =>
              eb.exists(
                eb
                  .selectFrom('clients')
                  .select('clients.id')
                  .whereRef('clients.location_id', '=', 'chains.id'),
              ),
            ),
        { setup: true },
      );
      await expect(inSubquery(handle.db, { id: -1 })).rejects.toThrow(/reads table "clients"/);
      const behindWith = prepared(
        (db, p: { id: number }) =>
          db
            .with('ledger', (qb) => qb.selectFrom('transactions').select('card_id').where('id', '=', p.id))
            .selectFrom('ledger')
            .selectAll(),
        { setup: true },
      );
      await expect(behindWith(handle.db, { id: -1 })).rejects.toThrow(/reads table "transactions"/);

      // The same query, not marked, runs.
      const plain = prepared((db, p: { typeId: number }) =>
        db
          .selectFrom('card_types as t')
          .innerJoin('cards as c', 'c.card_type_id', 't.id')
          .select(['c.id', 't.title'])
          .where('t.id', '=', p.typeId),
      );
      expect(await plain(handle.db, { typeId: -1 })).toEqual([]);
    });

    it('a setup query that writes is refused, even on setup tables only', async () => {
      const rename = prepared(
        (db, p: { id: number }) =>
          db.updateTable('chains').set({ title: 'x' }).where('id', '=', p.id).returning('id'),
        { setup: true },
      );
      await expect(rename(handle.db, { id: -1 })).rejects.toThrow(/a setup query must be a SELECT/);
    });
  });
}
