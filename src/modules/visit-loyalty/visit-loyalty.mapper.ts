import { toVisitDetailsWire } from '../visits/visits.mapper.js';
import type { LineRow, LiveLedgerRow, PaymentRow, RecordWithRefs } from '../visits/visits.repository.js';
import type { VisitLoyaltyAnswerWire } from './visit-loyalty.schemas.js';

/**
 * The answer of every `/visit/loyalty/*` write (SPEC §6.2 V8–V10): the visit details' items, live
 * money payments, live loyalty transactions and fiscal block (the same objects V6 shows, so the two
 * never disagree), in the key order of Altegio's examples.
 */
export function toVisitLoyaltyAnswer(
  record: RecordWithRefs,
  lines: readonly LineRow[],
  payments: readonly PaymentRow[],
  loyalty: readonly LiveLedgerRow[],
): VisitLoyaltyAnswerWire {
  const details = toVisitDetailsWire(record, lines, payments, loyalty);
  return {
    payment_transactions: details.payment_transactions,
    loyalty_transactions: details.loyalty_transactions,
    kkm_transaction_details_container: details.kkm_transaction_details_container,
    items: details.items,
  };
}
