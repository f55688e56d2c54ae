import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import { toMajor } from '../../lib/money.js';

/** A card whose stored balance is not the sum of its transaction rows. */
export interface LedgerMismatch {
  card_id: number;
  chain_id: number;
  number: string | null;
  removed: boolean;
  /** As stored on the card, in currency units. */
  balance: number;
  /** The sum of the card's transaction rows, in currency units. */
  ledger: number;
  /** balance − ledger. */
  difference: number;
  rows: number;
}

export interface LedgerReport {
  cards: number;
  transactions: number;
  mismatches: LedgerMismatch[];
}

/**
 * The ledger check behind `npm run admin -- verify` (SPEC §3 "Balance rule"): every card's
 * balance, removed cards included, recomputed from its immutable transaction rows.
 */
export class LedgerService {
  constructor(private readonly db: Db) {}

  async verify(): Promise<LedgerReport> {
    const sums = this.db
      .selectFrom('transactions')
      .select((eb) => [
        'card_id',
        eb.fn.sum<number>('balance_effect_minor').as('total'),
        eb.fn.countAll<number>().as('rows'),
      ])
      .groupBy('card_id')
      .as('s');
    const rows = await this.db
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
    const totals = await this.db
      .selectFrom('cards')
      .select((eb) => [
        eb.fn.countAll<number>().as('cards'),
        eb
          .selectFrom('transactions')
          .select((e) => e.fn.countAll<number>().as('n'))
          .as('transactions'),
      ])
      .executeTakeFirstOrThrow();
    return {
      cards: Number(totals.cards),
      transactions: Number(totals.transactions),
      mismatches: rows.map((r) => ({
        card_id: r.id,
        chain_id: r.chain_id,
        number: r.number,
        removed: r.removed_at !== null,
        balance: toMajor(Number(r.balance_minor)),
        ledger: toMajor(Number(r.total)),
        difference: toMajor(Number(r.balance_minor) - Number(r.total)),
        rows: Number(r.rows),
      })),
    };
  }
}
