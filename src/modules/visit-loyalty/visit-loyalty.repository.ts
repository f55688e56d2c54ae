import { postgresOf, type Executor } from '../../db/database.js';

/** What a loyalty change in a visit reads of a card: its owner, its balance and its figures. */
const CARD_COLUMNS = [
  'id',
  'chain_id',
  'card_type_id',
  'phone',
  'balance_minor',
  'visits_count',
  'sold_minor',
  'paid_minor',
  'removed_at',
] as const;

/**
 * SQL of the loyalty operations inside a visit (SPEC §6.4): the cards and programs they name. The
 * visit's own rows are VisitsRepository's, the balance update CardsRepository's. No rules here.
 */
export class VisitLoyaltyRepository {
  constructor(private readonly db: Executor) {}

  /** The chain's card with this id, live, or removed too when asked (a cancel undoes what it did). */
  card(chainId: number, cardId: number, options: { removedToo?: boolean } = {}) {
    return this.db
      .selectFrom('cards')
      .select(CARD_COLUMNS)
      .where('id', '=', cardId)
      .where('chain_id', '=', chainId)
      .$if(!options.removedToo, (qb) => qb.where('removed_at', 'is', null))
      .executeTakeFirst();
  }

  /**
   * The live cards of a phone in the chain, in id order, locked for the rest of the transaction on
   * PostgreSQL (`FOR UPDATE`; SQLite runs one write transaction at a time). A withdrawal reads the
   * balance it caps at under this lock, so a concurrent withdrawal from another visit waits and then
   * reads what this one left. Every card of the phone is locked, in the order a close (which may
   * follow in the same transaction) updates them, so two visits of one client never wait on each
   * other's cards in opposite orders.
   */
  lockCardsOfPhone(chainId: number, phone: string) {
    const query = this.db
      .selectFrom('cards')
      .select(CARD_COLUMNS)
      .where('chain_id', '=', chainId)
      .where('phone', '=', phone)
      .where('removed_at', 'is', null)
      .orderBy('id');
    return (postgresOf(this.db) ? query.forUpdate() : query).execute();
  }

  /** The chain's program with this id, live, or deleted too when asked (a cancel). */
  program(chainId: number, programId: number, options: { deletedToo?: boolean } = {}) {
    return this.db
      .selectFrom('programs')
      .select(['id', 'chain_id', 'title', 'loyalty_type_id'])
      .where('id', '=', programId)
      .where('chain_id', '=', chainId)
      .$if(!options.deletedToo, (qb) => qb.where('deleted_at', 'is', null))
      .executeTakeFirst();
  }
}

export type VisitCardRow = NonNullable<Awaited<ReturnType<VisitLoyaltyRepository['card']>>>;
