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

  /**
   * Rows that break SPEC §6.6, each with what is wrong (the first rule it breaks): a balance effect
   * its type does not give (a discount moves nothing, a card withdrawal moves −amount, every other
   * row its amount), a status other than 1 recorded / 2 compensation, a compensation that points at
   * nothing or at a row it does not mirror (another status, type or card, amounts not negated), a
   * recorded row that points at one. In id order.
   */
  brokenRows() {
    const problem = sql<string>`case
      when t.balance_effect_minor <> case t.type_id when 1 then 0 when 3 then -t.amount_minor else t.amount_minor end
        then 'balance effect does not follow from the type and amount'
      when t.status_id not in (1, 2) then 'unknown status'
      when t.status_id = 1 and t.cancels_id is not null then 'a recorded row names a row it cancels'
      when t.status_id = 2 and t.cancels_id is null then 'a compensation cancels nothing'
      when t.status_id = 1 then null
      when o.id is null then 'a compensation of a row that does not exist'
      when o.status_id <> 1 then 'a compensation of a compensation'
      when o.type_id <> t.type_id or coalesce(o.card_id, 0) <> coalesce(t.card_id, 0)
        then 'a compensation of a row of another type or card'
      when o.amount_minor <> -t.amount_minor or o.balance_effect_minor <> -t.balance_effect_minor
        then 'a compensation whose amounts are not the negated amounts of the row it cancels'
      end`;
    return this.db
      .selectFrom('transactions as t')
      .leftJoin('transactions as o', 'o.id', 't.cancels_id')
      .select(['t.id', 't.card_id', 't.cancels_id', problem.as('problem')])
      .where(sql<boolean>`(${problem}) is not null`)
      .orderBy('t.id')
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
