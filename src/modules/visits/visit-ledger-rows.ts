import type { AuthContext } from '../../http/access.js';
import type { LedgerRowValues } from '../cards/cards.repository.js';
import type { LiveLedgerRow, VisitRow } from './visits.repository.js';

/**
 * The ledger rows a visit writes (SPEC §6.1 loyalty transaction, §6.6 compensation), built in one
 * place for the close, the reopen, the referrer's accrual and the loyalty changes inside a visit.
 */

/** The columns every ledger row a visit writes shares (SPEC §6.1 loyalty transaction). */
export function visitRow(
  visit: VisitRow,
  recordId: number,
  auth: AuthContext,
): Omit<LedgerRowValues, 'card_id' | 'type_id' | 'amount_minor' | 'balance_effect_minor' | 'program_id'> {
  return {
    chain_id: visit.chain_id,
    location_id: visit.location_id,
    title: '',
    partner_id: auth.partnerId,
    user_id: auth.user?.id ?? null,
    referral_program_id: null,
    visit_id: visit.id,
    record_id: recordId,
    item_id: 0,
    item_type_id: 0,
    is_discount: 0,
    is_loyalty_withdraw: 0,
    status_id: 1,
    cancels_id: null,
  };
}

/** SPEC §6.6: same type and place, amounts negated, status 2, pointing at the row it cancels. */
export function compensationOf(row: LiveLedgerRow, auth: AuthContext): LedgerRowValues {
  return {
    card_id: row.card_id!,
    chain_id: row.chain_id,
    location_id: row.location_id,
    type_id: row.type_id,
    amount_minor: -row.amount_minor,
    balance_effect_minor: -row.balance_effect_minor,
    title: row.title,
    partner_id: auth.partnerId,
    user_id: auth.user?.id ?? null,
    program_id: row.program_id,
    referral_program_id: row.referral_program_id,
    visit_id: row.visit_id,
    record_id: row.record_id,
    item_id: row.item_id,
    item_type_id: row.item_type_id,
    is_discount: row.is_discount,
    is_loyalty_withdraw: row.is_loyalty_withdraw,
    status_id: 2,
    cancels_id: row.id,
  };
}
