import { sql, type CreateTableBuilder, type Kysely } from 'kysely';
import type { DatabaseKind } from '../../config.js';

type Table = CreateTableBuilder<string, never>;

/**
 * SPEC §6.5: the chain's referral program, and what applying it in a visit (V10) records.
 *
 * - `referral_programs`: at most one live program per chain (a partial unique index: a deleted
 *   one stays, for the rows and visits that name it, and a new one may be made). Two parts, each
 *   a value in hundredths (10 % is 1000, an amount of 100 is 10000) and a unit (1 percent, 2 fixed
 *   amount): the invited client's discount on the first visit at a location, and the referrer's
 *   accrual when that visit closes. A percent is at most 100.
 * - `visit_referrals`: one per visit (`visit_id` unique): the program applied, the referrer's card
 *   and phone as given, the invited client's discount row (null when the discount came to 0; the
 *   visit's type-1 rows naming `referral_program_id` are that discount), and the referrer's part as
 *   it was when applied, so the accrual at close does not move when the program is changed or
 *   deleted in between.
 *
 * Nothing here is setup data (db/setup-tables.ts): the program is read from the database on every
 * use, never kept in memory, so it needs no version triggers.
 */
export function referral(kind: DatabaseKind) {
  const postgres = kind === 'postgres';
  const id = (t: Table): Table =>
    postgres
      ? t.addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity())
      : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  const part = (t: Table, who: 'invited' | 'referrer'): Table =>
    t
      .addColumn(`${who}_value_hundredths`, 'bigint', (c) => c.notNull())
      .addColumn(`${who}_value_unit_id`, 'integer', (c) => c.notNull())
      .addCheckConstraint(
        `referral_programs_${who}_value`,
        sql.raw(
          `${who}_value_unit_id in (1, 2) and ${who}_value_hundredths >= 0 ` +
            `and (${who}_value_unit_id = 2 or ${who}_value_hundredths <= 10000)`,
        ),
      );

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      let programs = id(db.schema.createTable('referral_programs'))
        .addColumn('chain_id', 'integer', (c) => c.notNull().references('chains.id'))
        .addColumn('title', 'text', (c) => c.notNull());
      programs = part(part(programs, 'invited'), 'referrer');
      await programs
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('deleted_at', 'text')
        .execute();
      await db.schema
        .createIndex('referral_programs_one_live')
        .on('referral_programs')
        .column('chain_id')
        .unique()
        .where(sql.ref('deleted_at'), 'is', null)
        .execute();

      await id(db.schema.createTable('visit_referrals'))
        .addColumn('visit_id', 'integer', (c) => c.notNull().unique().references('visits.id'))
        .addColumn('referral_program_id', 'integer', (c) => c.notNull().references('referral_programs.id'))
        .addColumn('referrer_card_id', 'integer', (c) => c.notNull().references('cards.id'))
        .addColumn('referrer_phone', 'text', (c) => c.notNull())
        .addColumn('invited_transaction_id', 'integer', (c) => c.references('transactions.id'))
        .addColumn('referrer_value_hundredths', 'bigint', (c) => c.notNull())
        .addColumn('referrer_value_unit_id', 'integer', (c) =>
          c.notNull().check(sql`referrer_value_unit_id in (1, 2)`),
        )
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  };
}
