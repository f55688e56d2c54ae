import type { Db } from '../../db/database.js';
import { toMajor } from '../../lib/money.js';
import { LedgerRepository } from './ledger.repository.js';

/** A card whose stored balance is not the sum of its transaction rows. */
interface LedgerMismatch {
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

/** A ledger row that breaks SPEC §6.6 (its balance effect, its status, its compensation link). */
interface LedgerRowProblem {
  id: number;
  card_id: number;
  cancels_id: number;
  problem: string;
}

interface LedgerReport {
  cards: number;
  transactions: number;
  mismatches: LedgerMismatch[];
  rows: LedgerRowProblem[];
}

/**
 * The ledger check behind `npm run admin -- verify` (SPEC §3 "Balance rule", §6.6): every card's
 * balance, removed cards included, recomputed from its immutable rows' balance effects; and every
 * row checked on its own — its effect follows from its type, a compensation mirrors the row it
 * cancels.
 */
export class LedgerService {
  constructor(private readonly db: Db) {}

  async verify(): Promise<LedgerReport> {
    const repo = new LedgerRepository(this.db);
    const rows = await repo.mismatches();
    const broken = await repo.brokenRows();
    const totals = await repo.counts();
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
      rows: broken.map((r) => ({
        id: r.id,
        card_id: r.card_id ?? 0,
        cancels_id: r.cancels_id ?? 0,
        problem: r.problem,
      })),
    };
  }
}
