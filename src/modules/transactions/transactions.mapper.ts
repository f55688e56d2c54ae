import { TRANSACTION_TYPES } from '../../lib/loyalty-types.js';
import { toMajor } from '../../lib/money.js';
import { renderDate } from '../../lib/time.js';
import type { TransactionListRow } from './transactions.repository.js';
import type { TransactionWire } from './transactions.schemas.js';

/** The one place ledger rows become wire objects. */
export function toTransactionWire(row: TransactionListRow): TransactionWire {
  const typeTitle = TRANSACTION_TYPES[row.type_id] ?? '';
  return {
    id: row.id,
    card_id: row.card_id ?? 0,
    salon_group_id: row.chain_id,
    company_id: row.location_id,
    company: row.location_id === null ? null : { id: row.location_id, title: row.location_title ?? '' },
    type_id: row.type_id,
    type: { id: row.type_id, title: typeTitle },
    amount: toMajor(row.amount_minor),
    title: row.title,
    visit_id: row.visit_id ?? 0,
    program_id: row.program_id ?? row.referral_program_id ?? 0,
    item_id: row.item_id,
    item_record_id: row.record_id ?? 0,
    item_type_id: row.item_type_id,
    is_discount: row.is_discount === 1,
    is_loyalty_withdraw: row.is_loyalty_withdraw === 1,
    goods_transaction_id: 0,
    status_id: row.status_id,
    balance_effect: toMajor(row.balance_effect_minor),
    cancels_id: row.cancels_id ?? 0,
    actor: { partner_id: row.partner_id, user_id: row.user_id, user_name: row.user_name ?? '' },
    created: renderDate(row.created_at),
  };
}
