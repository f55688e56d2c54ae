import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrator.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../helpers/databases.js';

/**
 * Migration 005 on a database that already holds a ledger: every row keeps its values and gets
 * its balance effect, the ledger stays immutable, ids continue, and existing locations get their
 * default accounts.
 */
for (const kind of DIALECTS) {
  describe(`migration 005 over existing data [${kind}]`, () => {
    let test: TestDatabase;
    let handle: DatabaseHandle;
    const now = '2024-01-01T00:00:00.000Z';

    beforeAll(async () => {
      test = await freshDatabase(kind);
      handle = createDatabase(test.url, { poolSize: 2 });
      await migrate(handle.db, handle.kind, '003-setup-version');
      const { db } = handle;
      await db.insertInto('chains').values({ id: 1, title: 'Chain', created_at: now }).execute();
      await db
        .insertInto('locations')
        .values({ id: 10, chain_id: 1, title: 'Place', created_at: now })
        .execute();
      await db
        .insertInto('card_types')
        .values({ id: 5, chain_id: 1, title: 'Type', created_at: now })
        .execute();
      await db
        .insertInto('cards')
        .values({
          id: 7,
          chain_id: 1,
          card_type_id: 5,
          phone: '15550001',
          balance_minor: 250,
          created_at: now,
        })
        .execute();
      // Rows as wave 1 wrote them (no balance effect column yet).
      for (const amount of [300, -50]) {
        await sql`insert into transactions (card_id, chain_id, location_id, type_id, amount_minor, title, created_at)
          values (7, 1, 10, ${amount > 0 ? 5 : 6}, ${amount}, 'manual', ${now})`.execute(db);
      }
      expect(await migrate(handle.db, handle.kind)).toContain('005-visits');
    });

    afterAll(async () => {
      await handle?.close();
      await test?.drop();
    });

    it('keeps every row and gives it its balance effect', async () => {
      const rows = await handle.db
        .selectFrom('transactions')
        .select([
          'id',
          'card_id',
          'amount_minor',
          'balance_effect_minor',
          'item_id',
          'is_discount',
          'cancels_id',
        ])
        .orderBy('id')
        .execute();
      expect(
        rows.map((r) => ({
          ...r,
          amount_minor: Number(r.amount_minor),
          balance_effect_minor: Number(r.balance_effect_minor),
        })),
      ).toEqual([
        {
          id: 1,
          card_id: 7,
          amount_minor: 300,
          balance_effect_minor: 300,
          item_id: 0,
          is_discount: 0,
          cancels_id: null,
        },
        {
          id: 2,
          card_id: 7,
          amount_minor: -50,
          balance_effect_minor: -50,
          item_id: 0,
          is_discount: 0,
          cancels_id: null,
        },
      ]);
    });

    it('keeps the ledger immutable', async () => {
      await expect(
        handle.db.updateTable('transactions').set({ title: 'changed' }).where('id', '=', 1).execute(),
      ).rejects.toThrow(/immutable/);
      await expect(handle.db.deleteFrom('transactions').where('id', '=', 1).execute()).rejects.toThrow(
        /immutable/,
      );
    });

    it('continues the ids and takes a row without a card', async () => {
      const row = await handle.db
        .insertInto('transactions')
        .values({
          card_id: null,
          chain_id: 1,
          type_id: 1,
          amount_minor: 100,
          balance_effect_minor: 0,
          created_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      expect(row.id).toBe(3);
    });

    it('compensates a row at most once', async () => {
      const compensate = () =>
        handle.db
          .insertInto('transactions')
          .values({
            card_id: 7,
            chain_id: 1,
            type_id: 5,
            amount_minor: -300,
            balance_effect_minor: -300,
            status_id: 2,
            cancels_id: 1,
            created_at: now,
          })
          .execute();
      await compensate();
      await expect(compensate()).rejects.toThrow();
    });

    it('gives existing locations their default cash and non-cash accounts', async () => {
      const accounts = await handle.db
        .selectFrom('accounts')
        .select(['location_id', 'type', 'is_default'])
        .orderBy('type')
        .execute();
      expect(accounts).toEqual([
        { location_id: 10, type: 0, is_default: 1 },
        { location_id: 10, type: 1, is_default: 1 },
      ]);
    });
  });
}
