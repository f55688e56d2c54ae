import type { Executor } from '../../db/database.js';
import type { TransactionRow } from '../../db/schema.js';

/** What a history query selects; each field narrows it when given. */
export interface TransactionFilter {
  chainId: number;
  cardId?: number;
  /** ISO instants: created_at >= from and created_at < until. */
  from?: string;
  until?: string;
  typeIds?: number[];
  locationIds?: number[];
  visitIds?: number[];
  /**
   * Live rows only (SPEC §6.6): recorded (status 1) and named by no compensation. Altegio's chain
   * list shows these; the card history (ours) shows every row, compensations included.
   */
  liveOnly?: boolean;
}

export type TransactionListRow = TransactionRow & {
  location_title: string | null;
  user_name: string | null;
};

/** SQL for reading the ledger. Rows are never changed here (nor anywhere: a trigger forbids it). */
export class TransactionsRepository {
  constructor(private readonly db: Executor) {}

  private filtered(filter: TransactionFilter) {
    let query = this.db.selectFrom('transactions as t').where('t.chain_id', '=', filter.chainId);
    if (filter.cardId !== undefined) query = query.where('t.card_id', '=', filter.cardId);
    if (filter.from !== undefined) query = query.where('t.created_at', '>=', filter.from);
    if (filter.until !== undefined) query = query.where('t.created_at', '<', filter.until);
    if (filter.typeIds?.length) query = query.where('t.type_id', 'in', filter.typeIds);
    if (filter.locationIds?.length) query = query.where('t.location_id', 'in', filter.locationIds);
    if (filter.visitIds?.length) query = query.where('t.visit_id', 'in', filter.visitIds);
    if (filter.liveOnly) {
      query = query
        .where('t.status_id', '=', 1)
        .where((eb) =>
          eb.not(
            eb.exists(
              eb.selectFrom('transactions as c').select('c.id').whereRef('c.cancels_id', '=', 't.id'),
            ),
          ),
        );
    }
    return query;
  }

  /**
   * Newest first. One card's history follows insertion order (its index is card_id, id); the
   * chain list follows the recorded time, then id.
   */
  list(filter: TransactionFilter, limit: number, offset: number): Promise<TransactionListRow[]> {
    let query = this.filtered(filter)
      .leftJoin('locations as l', 'l.id', 't.location_id')
      .leftJoin('users as u', 'u.id', 't.user_id')
      .select([
        't.id',
        't.card_id',
        't.chain_id',
        't.location_id',
        'l.title as location_title',
        't.type_id',
        't.amount_minor',
        't.title',
        't.partner_id',
        't.user_id',
        'u.name as user_name',
        't.program_id',
        't.visit_id',
        't.record_id',
        't.item_id',
        't.item_type_id',
        't.is_discount',
        't.is_loyalty_withdraw',
        't.referral_program_id',
        't.balance_effect_minor',
        't.cancels_id',
        't.status_id',
        't.created_at',
      ]);
    query =
      filter.cardId !== undefined
        ? query.orderBy('t.id', 'desc')
        : query.orderBy('t.created_at', 'desc').orderBy('t.id', 'desc');
    return query.limit(limit).offset(offset).execute();
  }

  async count(filter: TransactionFilter): Promise<number> {
    const row = await this.filtered(filter)
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .executeTakeFirstOrThrow();
    return Number(row.total);
  }

  /** The card if it belongs to the chain, removed or not: a removed card keeps its history. */
  cardInChain(chainId: number, cardId: number) {
    return this.db
      .selectFrom('cards')
      .select(['id', 'removed_at'])
      .where('id', '=', cardId)
      .where('chain_id', '=', chainId)
      .executeTakeFirst();
  }
}
