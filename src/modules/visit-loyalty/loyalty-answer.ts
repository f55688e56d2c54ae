import { Type, type Static } from '@sinclair/typebox';
import type { Executor } from '../../db/database.js';
import { toVisitDetailsWire } from '../visits/visits.mapper.js';
import { VisitsRepository } from '../visits/visits.repository.js';
import { VisitDetailsSchema } from '../visits/visits.schemas.js';

/**
 * The raw answer of the loyalty operations inside a visit (SPEC §6.2 V8–V10; Altegio's "VLA",
 * altegio-visits.md A.3): `{payment_transactions, loyalty_transactions,
 * kkm_transaction_details_container, items}` with no envelope — the visit's details (V6) after the
 * change. Shared by every `/visit/loyalty/*` write.
 */
const details = VisitDetailsSchema.properties;

export const VisitLoyaltyApplicationSchema = Type.Object(
  {
    payment_transactions: details.payment_transactions,
    loyalty_transactions: Type.Array(details.loyalty_transactions.items, {
      description:
        "The visit's live loyalty transactions after the change: all of them, not only the ones this " +
        'request wrote (a close it caused adds its accruals)',
    }),
    kkm_transaction_details_container: details.kkm_transaction_details_container,
    items: Type.Array(details.items.items, {
      description: "The visit's service items, unchanged by loyalty (discounts are loyalty transactions)",
    }),
  },
  { $id: 'VisitLoyaltyApplication', title: 'VisitLoyaltyApplication' },
);

export type VisitLoyaltyApplicationWire = Static<typeof VisitLoyaltyApplicationSchema>;

/** The answer for a visit, read through `executor` (the write's transaction, after the change). */
export async function visitLoyaltyAnswer(
  executor: Executor,
  visitId: number,
): Promise<VisitLoyaltyApplicationWire> {
  const repo = new VisitsRepository(executor);
  const record = await repo.recordOfVisit(visitId);
  if (!record) throw new Error(`visit ${visitId} has no live appointment`);
  const lines = await repo.linesOf([record.id]);
  const payments = await repo.payments(visitId);
  const loyalty = await repo.liveRows(visitId);
  const wire = toVisitDetailsWire(record, lines, payments, loyalty);
  return {
    payment_transactions: wire.payment_transactions,
    loyalty_transactions: wire.loyalty_transactions,
    kkm_transaction_details_container: wire.kkm_transaction_details_container,
    items: wire.items,
  };
}
