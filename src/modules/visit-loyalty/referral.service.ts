import type { Executor } from '../../db/database.js';
import { isUniqueViolation } from '../../db/errors.js';
import type { ReferralProgramRow } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { AuthContext, LocationScope } from '../../http/access.js';
import { phoneField } from '../../lib/fields.js';
import { toMajor } from '../../lib/money.js';
import { discountParts, discountTotal, type DiscountTerms } from '../../lib/visit-loyalty-rules.js';
import { CardsRepository } from '../cards/cards.repository.js';
import { ReferralProgramsRepository } from '../referral-programs/referral-programs.repository.js';
import { VisitReferralsRepository } from '../referral-programs/visit-referrals.repository.js';
import { amountDue, NO_MONEY } from '../visits/visits.mapper.js';
import type { VisitsService } from '../visits/visits.service.js';
import { changeOpenVisit } from './open-visit.js';
import type { ApplyReferralInput } from './referral.schemas.js';
import type { VisitLoyaltyAnswerWire } from './visit-loyalty.schemas.js';

/**
 * The invited client's discount terms (SPEC §6.5): spread over the items like a discount program's
 * (`discountParts`: a percent of each item's cost, or a fixed amount split by cost).
 */
export function invitedTerms(
  program: Pick<ReferralProgramRow, 'invited_value_hundredths' | 'invited_value_unit_id'>,
): DiscountTerms {
  return { valueUnitId: program.invited_value_unit_id, valueHundredths: program.invited_value_hundredths };
}

const alreadyApplied = () =>
  AppError.field('visit_id', 'already has the referral program applied: a visit takes it once');

/**
 * V10 `apply_referral_program` (SPEC §6.5): the chain's referral program applied to a client's
 * first visit at a location. It writes the invited client's discount (type-1 rows with no card,
 * one per service item) and records the referrer's card, whose type-4 accrual the visit's close
 * writes (VisitsService.settle) and its reopen compensates.
 */
export class VisitReferralService {
  constructor(private readonly visits: VisitsService) {}

  async apply(
    executor: Executor,
    auth: AuthContext,
    location: LocationScope,
    chainId: number,
    input: ApplyReferralInput,
  ): Promise<VisitLoyaltyAnswerWire> {
    // Another chain, or one with no live program: the same 404, whatever the other chain has.
    const program =
      chainId === location.chain_id
        ? await new ReferralProgramsRepository(executor).liveOf(chainId)
        : undefined;
    if (!program) throw AppError.notFound('Referral program');

    return changeOpenVisit(executor, auth, location, input, this.visits, async ({ visit, record, repo }) => {
      const referrals = new VisitReferralsRepository(executor);
      if (await referrals.ofVisit(visit.id)) throw alreadyApplied();

      const referrerPhone = phoneField(input.referrer_phone, 'referrer_phone');
      if (referrerPhone === record.client_phone) {
        throw AppError.field(
          'referrer_phone',
          "is the visit client's own phone: a client cannot refer themselves",
        );
      }

      // First visit at the location only: no other visit of this phone there has closed, or has
      // had the program applied (checked under the client's lock, so two visits cannot both pass).
      await referrals.lockClient(record.client_id);
      const other = await referrals.otherVisitOfPhone(location.id, record.client_phone, visit.id);
      if (other) {
        throw AppError.field(
          'visit_id',
          other.referred
            ? `is not eligible: the referral program was already applied to the client's visit ${other.id} at this location`
            : `is not the client's first visit at this location: visit ${other.id} is closed`,
        );
      }

      const [referrer] = await new CardsRepository(executor).cardsByPhone(chainId, referrerPhone);
      if (!referrer) throw AppError.field('referrer_phone', 'holds no loyalty card in this chain');

      const lines = await repo.linesOf([record.id]);
      const costs = lines.map((line) => line.cost_minor);
      const terms = invitedTerms(program);
      const discount = discountTotal(terms, costs);
      const due = amountDue((await repo.moneyOf([visit.id])).get(visit.id) ?? NO_MONEY);
      if (discount > due) {
        throw AppError.invalid(
          `The referral discount (${toMajor(discount)}) is more than the visit's amount due ` +
            `(${toMajor(due)}): a discount may not take it below 0.`,
        );
      }

      const parts = discountParts(terms, costs);
      let firstRowId: number | null = null;
      for (const [i, line] of lines.entries()) {
        if (parts[i]! <= 0) continue;
        const id = await referrals.insertInvitedRow({
          chain_id: visit.chain_id,
          location_id: visit.location_id,
          amount_minor: parts[i]!,
          partner_id: auth.partnerId,
          user_id: auth.user?.id ?? null,
          referral_program_id: program.id,
          visit_id: visit.id,
          record_id: record.id,
          item_id: line.service_id,
        });
        firstRowId ??= id;
      }
      try {
        await referrals.insert({
          visit_id: visit.id,
          referral_program_id: program.id,
          referrer_card_id: referrer.id,
          referrer_phone: referrerPhone,
          invited_transaction_id: firstRowId,
          referrer_value_hundredths: program.referrer_value_hundredths,
          referrer_value_unit_id: program.referrer_value_unit_id,
        });
      } catch (error) {
        // Only reachable if the visit lock were bypassed; the unique index still decides.
        if (isUniqueViolation(error)) throw alreadyApplied();
        throw error;
      }
      return true;
    });
  }
}
