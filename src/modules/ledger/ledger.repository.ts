import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';

/** SQL for the ledger check: cards whose balance is not the sum of their rows. No business rules here. */
export class LedgerRepository {
  constructor(private readonly db: Executor) {}

  /** Every card, removed ones too, whose stored balance differs from its rows' sum, in id order. */
  mismatches() {
    const sums = this.db
      .selectFrom('transactions')
      .select((eb) => [
        'card_id',
        eb.fn.sum<number>('balance_effect_minor').as('total'),
        eb.fn.countAll<number>().as('rows'),
      ])
      .groupBy('card_id')
      .as('s');
    return this.db
      .selectFrom('cards as c')
      .leftJoin(sums, 's.card_id', 'c.id')
      .select([
        'c.id',
        'c.chain_id',
        'c.number',
        'c.removed_at',
        'c.balance_minor',
        sql<number>`coalesce(s.total, 0)`.as('total'),
        sql<number>`coalesce(s.rows, 0)`.as('rows'),
      ])
      .where(sql<boolean>`c.balance_minor <> coalesce(s.total, 0)`)
      .orderBy('c.id')
      .execute();
  }

  /** How many cards and transaction rows there are. */
  counts() {
    return this.db
      .selectFrom('cards')
      .select((eb) => [
        eb.fn.countAll<number>().as('cards'),
        eb
          .selectFrom('transactions')
          .select((e) => e.fn.countAll<number>().as('n'))
          .as('transactions'),
      ])
      .executeTakeFirstOrThrow();
  }
}
