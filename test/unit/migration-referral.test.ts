import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrator.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../helpers/databases.js';

/**
 * Migration 006: the database itself keeps what the referral program's rules say, so no code
 * path (the HTTP operations, the admin CLI, V10 later) can store a program or an application the
 * rules forbid.
 */
for (const kind of DIALECTS) {
  describe(`migration 006: referral programs and visit referrals [${kind}]`, () => {
    let test: TestDatabase;
    let handle: DatabaseHandle;
    const now = '2024-01-01T00:00:00.000Z';
    const program = (changes: Record<string, unknown> = {}) => ({
      chain_id: 1,
      title: 'Referral',
      invited_value_hundredths: 1000,
      invited_value_unit_id: 1,
      referrer_value_hundredths: 10000,
      referrer_value_unit_id: 2,
      created_at: now,
      updated_at: now,
      ...changes,
    });
    const insertProgram = (changes: Record<string, unknown> = {}) =>
      handle.db
        .insertInto('referral_programs')
        .values(program(changes))
        .returning('id')
        .executeTakeFirstOrThrow();

    beforeAll(async () => {
      test = await freshDatabase(kind);
      handle = createDatabase(test.url, { poolSize: 2 });
      expect(await migrate(handle.db, handle.kind)).toContain('006-referral');
      const { db } = handle;
      await db.insertInto('chains').values({ id: 1, title: 'Chain', created_at: now }).execute();
      await db
        .insertInto('locations')
        .values({ id: 10, chain_id: 1, title: 'Place', created_at: now })
        .execute();
      await db
        .insertInto('clients')
        .values({
          id: 20,
          location_id: 10,
          phone: '15550001',
          name: 'Invited',
          created_at: now,
          updated_at: now,
        })
        .execute();
      await db
        .insertInto('card_types')
        .values({ id: 5, chain_id: 1, title: 'Type', created_at: now })
        .execute();
      await db
        .insertInto('cards')
        .values({ id: 7, chain_id: 1, card_type_id: 5, phone: '15550002', created_at: now })
        .execute();
      await db
        .insertInto('visits')
        .values({ id: 30, location_id: 10, chain_id: 1, client_id: 20, created_at: now, updated_at: now })
        .execute();
    });

    afterAll(async () => {
      await handle?.close();
      await test?.drop();
    });

    it('keeps one live program per chain; a deleted one makes room for the next', async () => {
      const first = await insertProgram();
      await expect(insertProgram()).rejects.toThrow();
      await handle.db
        .updateTable('referral_programs')
        .set({ deleted_at: now })
        .where('id', '=', first.id)
        .execute();
      const second = await insertProgram({ title: 'Next' });
      expect(second.id).toBeGreaterThan(first.id);
      await handle.db
        .updateTable('referral_programs')
        .set({ deleted_at: now })
        .where('id', '=', second.id)
        .execute();
    });

    it('refuses a unit other than 1 and 2, a negative value and a percent over 100', async () => {
      for (const bad of [
        { invited_value_unit_id: 3 },
        { referrer_value_unit_id: 0 },
        { invited_value_hundredths: -1 },
        { referrer_value_hundredths: -100 },
        { invited_value_hundredths: 10001 },
        { referrer_value_unit_id: 1, referrer_value_hundredths: 10001 },
      ]) {
        await expect(insertProgram(bad), JSON.stringify(bad)).rejects.toThrow();
      }
      // At the bounds: 100 % and any non-negative amount.
      const ok = await insertProgram({ invited_value_hundredths: 10000, referrer_value_hundredths: 1e14 });
      await handle.db
        .updateTable('referral_programs')
        .set({ deleted_at: now })
        .where('id', '=', ok.id)
        .execute();
    });

    it('records at most one application per visit, naming a stored program and card', async () => {
      const { id } = await insertProgram({ title: 'Applied' });
      const apply = (changes: Record<string, unknown> = {}) =>
        handle.db
          .insertInto('visit_referrals')
          .values({
            visit_id: 30,
            referral_program_id: id,
            referrer_card_id: 7,
            referrer_phone: '15550002',
            invited_transaction_id: null,
            referrer_value_hundredths: 10000,
            referrer_value_unit_id: 2,
            created_at: now,
            ...changes,
          })
          .execute();
      await expect(apply({ referrer_value_unit_id: 3 })).rejects.toThrow();
      await expect(apply({ referral_program_id: 999 })).rejects.toThrow();
      await apply();
      await expect(apply()).rejects.toThrow();
      const rows = await handle.db
        .selectFrom('visit_referrals')
        .select(['visit_id', 'referral_program_id'])
        .execute();
      expect(rows).toEqual([{ visit_id: 30, referral_program_id: id }]);
    });
  });
}
