import type { Executor } from '../../db/database.js';
import type { AuthContext } from '../../http/access.js';
import { percentOf } from '../../lib/loyalty-rules.js';
import type { Minor } from '../../lib/money.js';
import { CardsRepository } from '../cards/cards.repository.js';
import { VisitReferralsRepository } from '../referral-programs/visit-referrals.repository.js';
import { visitRow } from './visit-ledger-rows.js';
import type { VisitRow } from './visits.repository.js';

/** Ledger type 4: referral program accrual (SPEC §2). */
const REFERRAL_ACCRUAL = 4;
const PERCENT = 1;

/**
 * What the referrer earns when a visit the referral program was applied to closes (SPEC §6.5):
 * a percent of the visit's money paid (half-up to the minor unit), or the fixed amount, as the
 * program's referrer part was when it was applied (`visit_referrals`, so a later change of the
 * program does not move it).
 */
export function referrerAccrualAmount(
  part: { referrer_value_hundredths: number; referrer_value_unit_id: number },
  paidMinor: Minor,
): Minor {
  return part.referrer_value_unit_id === PERCENT
    ? percentOf(paidMinor, part.referrer_value_hundredths)
    : part.referrer_value_hundredths;
}

/**
 * Part of the close (VisitsService.settle, in its transaction, the visit locked): the referrer's
 * type-4 accrual, on the card recorded when the program was applied, through the cards' guarded
 * balance update (`item_id` 0, `item_type_id` 0, with the visit, its appointment and the referral
 * program). Nothing when the program was not applied, when the amount is 0, or when the
 * referrer's card has been removed since. A reopen compensates it like any accrual of the visit.
 */
export async function accrueToReferrer(
  executor: Executor,
  visit: VisitRow,
  recordId: number,
  paidMinor: Minor,
  auth: AuthContext,
): Promise<void> {
  const referral = await new VisitReferralsRepository(executor).ofVisit(visit.id);
  if (!referral) return;
  const amount = referrerAccrualAmount(referral, paidMinor);
  if (amount <= 0) return;
  // Undefined only for a card removed since (an accrual cannot take a balance below 0): it earns nothing.
  await new CardsRepository(executor).applyLedgerRow({
    ...visitRow(visit, recordId, auth),
    card_id: referral.referrer_card_id,
    type_id: REFERRAL_ACCRUAL,
    amount_minor: amount,
    balance_effect_minor: amount,
    program_id: null,
    referral_program_id: referral.referral_program_id,
  });
}
