import type { Executor } from '../../db/database.js';
import { AppError } from '../../errors.js';
import type { AuthContext, LocationScope } from '../../http/access.js';
import { moneyField } from '../../lib/fields.js';
import { reachedValue } from '../../lib/loyalty-rules.js';
import { loyaltyTypeById } from '../../lib/loyalty-types.js';
import { toMajor, type Minor } from '../../lib/money.js';
import { discountParts, discountTotal, withdrawalParts } from '../../lib/visit-loyalty-rules.js';
import { CardsRepository, type LedgerRowValues } from '../cards/cards.repository.js';
import { ProgramsRepository } from '../programs/programs.repository.js';
import { amountDue, NO_MONEY } from '../visits/visits.mapper.js';
import type { LineRow, LiveLedgerRow } from '../visits/visits.repository.js';
import { compensationOf, visitRow } from '../visits/visit-ledger-rows.js';
import type { VisitsService } from '../visits/visits.service.js';
import { changeOpenVisit, type OpenVisit } from './open-visit.js';
import { VisitLoyaltyRepository, type VisitCardRow } from './visit-loyalty.repository.js';
import type {
  CardWithdrawalInput,
  VisitLoyaltyAnswerWire,
  VisitTargetInput,
} from './visit-loyalty.schemas.js';

/** Ledger row types (SPEC §2): 1 promotion discount, 3 card withdrawal. */
const PROMOTION_DISCOUNT = 1;
const CARD_WITHDRAWAL = 3;
/** Loyalty-transaction `item_type_id` of a service item. */
const SERVICE_ITEM = 1;
/** The package discount (type 13) is a later wave (SPEC §6.4). */
const PACKAGE_DISCOUNT = 13;

/**
 * Loyalty inside an open visit (SPEC §6.4, V8 and V9): a discount program's discount and paying
 * part of the visit from the card balance, and their cancellation by compensating rows (§6.6).
 * Each runs in the shared frame (`changeOpenVisit`): the visit locked, checked open, settled after.
 */
export class VisitLoyaltyService {
  constructor(private readonly visits: VisitsService) {}

  /**
   * V8 `apply_discount_promotion`. One type-1 row per service item (`is_discount`, the item's
   * service id, the program and the card), the discount the card has reached now under the
   * program: a percent of each item's cost, or a fixed amount split by cost. Discounts do not move
   * the balance. At most one discount program per visit; the discount may not exceed the amount
   * due (422, nothing written).
   */
  async applyDiscount(
    executor: Executor,
    auth: AuthContext,
    location: LocationScope,
    cardId: number,
    programId: number,
    target: VisitTargetInput,
  ): Promise<VisitLoyaltyAnswerWire> {
    const lookup = new VisitLoyaltyRepository(executor);
    if (!(await lookup.card(location.chain_id, cardId))) throw AppError.notFound('Loyalty card');
    const program = await lookup.program(location.chain_id, programId);
    if (!program) throw AppError.notFound('Loyalty program');

    return changeOpenVisit(executor, auth, location, target, this.visits, async (open) => {
      const card = await this.lockedCardOfClient(open, cardId);
      const type = loyaltyTypeById(program.loyalty_type_id);
      if (program.loyalty_type_id === PACKAGE_DISCOUNT) {
        throw AppError.field('program_id', 'is a package discount (type 13): not supported in a visit yet');
      }
      if (!type.is_discount) {
        throw AppError.field('program_id', `is a cashback program (type ${type.id}), not a discount`);
      }
      const linked = (await new ProgramsRepository(executor).forCardTypes([card.card_type_id], location.id))
        .get(card.card_type_id)
        ?.find((p) => p.program.id === programId);
      if (!linked) {
        throw AppError.field('program_id', "is not a program of the card's type active at this location");
      }
      const applied = (await open.repo.liveRows(open.visit.id, [PROMOTION_DISCOUNT])).find(
        (row) => row.program_id !== null,
      );
      if (applied) {
        throw AppError.invalid(
          `The visit already has a discount program applied: program ${applied.program_id} ` +
            `(card ${applied.card_id ?? 0}). A visit takes one discount program: cancel that one first.`,
          { program_id: [`program ${applied.program_id} is already applied to this visit`] },
        );
      }
      const value = reachedValue(linked.program, linked.rules, card);
      if (value === null || value <= 0) {
        throw AppError.field(
          'program_id',
          'gives this card no discount yet: it has reached none of its rules',
        );
      }
      const terms = { valueUnitId: linked.program.value_unit_id, valueHundredths: value };
      const lines = await open.repo.linesOf([open.record.id]);
      const costs = lines.map((line) => line.cost_minor);
      const total = discountTotal(terms, costs);
      const due = await this.amountDueOf(open);
      if (total > due) {
        throw AppError.invalid(
          `The discount (${toMajor(total)}) is more than the amount due (${toMajor(due)}): ` +
            'a discount may not take the visit below 0.',
          { program_id: [`the discount exceeds the amount due (${toMajor(due)})`] },
        );
      }
      return writeItemRows(open, auth, card.id, discountParts(terms, costs), lines, (part) => ({
        type_id: PROMOTION_DISCOUNT,
        amount_minor: part,
        balance_effect_minor: 0,
        program_id: programId,
        is_discount: 1,
      }));
    });
  }

  /**
   * V8 `cancel_discount_promotion`: every live discount row of this card and program in the visit
   * gets its compensating row (§6.6); none: 422. A card removed or a program deleted since is still
   * cancelled (the rows are there).
   */
  async cancelDiscount(
    executor: Executor,
    auth: AuthContext,
    location: LocationScope,
    cardId: number,
    programId: number,
    target: VisitTargetInput,
  ): Promise<VisitLoyaltyAnswerWire> {
    const lookup = new VisitLoyaltyRepository(executor);
    if (!(await lookup.card(location.chain_id, cardId, { removedToo: true }))) {
      throw AppError.notFound('Loyalty card');
    }
    if (!(await lookup.program(location.chain_id, programId, { deletedToo: true }))) {
      throw AppError.notFound('Loyalty program');
    }
    return changeOpenVisit(executor, auth, location, target, this.visits, async (open) => {
      const rows = (await open.repo.liveRows(open.visit.id, [PROMOTION_DISCOUNT])).filter(
        (row) => row.card_id === cardId && row.program_id === programId,
      );
      if (rows.length === 0) {
        throw AppError.field('program_id', 'has no discount applied to this visit with this card');
      }
      return compensate(executor, auth, rows);
    });
  }

  /**
   * V9 `apply_loyalty_card_deduction`: `amount` capped at the card balance and at the amount due,
   * split over the items by cost, one type-3 row per item (`is_loyalty_withdraw`), each lowering
   * the balance through the guarded update. The card's balance is read under its lock, so two
   * visits withdrawing from one card at once, in any number of processes, never overdraw it nor
   * lose an update. 0 (asked, or left after the caps) writes nothing.
   */
  async applyWithdrawal(
    executor: Executor,
    auth: AuthContext,
    location: LocationScope,
    cardId: number,
    input: CardWithdrawalInput,
  ): Promise<VisitLoyaltyAnswerWire> {
    const asked = moneyField(input.amount, 'amount');
    if (asked < 0) throw AppError.field('amount', 'must not be negative');
    const lookup = new VisitLoyaltyRepository(executor);
    if (!(await lookup.card(location.chain_id, cardId))) throw AppError.notFound('Loyalty card');

    return changeOpenVisit(executor, auth, location, input, this.visits, async (open) => {
      const card = await this.lockedCardOfClient(open, cardId);
      const lines = await open.repo.linesOf([open.record.id]);
      const { parts } = withdrawalParts(
        asked,
        card.balance_minor,
        await this.amountDueOf(open),
        lines.map((line) => line.cost_minor),
      );
      return writeItemRows(open, auth, card.id, parts, lines, (part) => ({
        type_id: CARD_WITHDRAWAL,
        amount_minor: part,
        balance_effect_minor: -part,
        program_id: null,
        is_loyalty_withdraw: 1,
      }));
    });
  }

  /**
   * V9 `cancel_loyalty_card_withdrawal`: every live withdrawal of this card in the visit gets its
   * compensating row, which gives the amount back to the balance (a card removed since gets it too,
   * so its balance stays the sum of its rows); none: 422.
   */
  async cancelWithdrawal(
    executor: Executor,
    auth: AuthContext,
    location: LocationScope,
    cardId: number,
    target: VisitTargetInput,
  ): Promise<VisitLoyaltyAnswerWire> {
    const lookup = new VisitLoyaltyRepository(executor);
    if (!(await lookup.card(location.chain_id, cardId, { removedToo: true }))) {
      throw AppError.notFound('Loyalty card');
    }
    return changeOpenVisit(executor, auth, location, target, this.visits, async (open) => {
      const rows = (await open.repo.liveRows(open.visit.id, [CARD_WITHDRAWAL])).filter(
        (row) => row.card_id === cardId,
      );
      if (rows.length === 0) throw AppError.field('card_id', 'has no withdrawal in this visit');
      return compensate(executor, auth, rows);
    });
  }

  /**
   * The card, live and held by the visit client's phone (SPEC §6.4: "a card can be used only by
   * its owner"), read under the lock of every live card of that phone (VisitLoyaltyRepository).
   */
  private async lockedCardOfClient(open: OpenVisit, cardId: number): Promise<VisitCardRow> {
    const lookup = new VisitLoyaltyRepository(open.executor);
    const card = await lookup.card(open.visit.chain_id, cardId);
    if (!card) throw AppError.notFound('Loyalty card');
    if (card.phone !== open.record.client_phone) {
      throw AppError.field(
        'card_id',
        "is not a card of this visit's client (a card is used by its holder only)",
      );
    }
    const locked = (await lookup.lockCardsOfPhone(open.visit.chain_id, card.phone)).find(
      (c) => c.id === cardId,
    );
    // Removed between the two reads (the lock waited for the removal to commit).
    if (!locked) throw AppError.notFound('Loyalty card');
    return locked;
  }

  private async amountDueOf(open: OpenVisit): Promise<Minor> {
    return amountDue((await open.repo.moneyOf([open.visit.id])).get(open.visit.id) ?? NO_MONEY);
  }
}

/** What sets one item's row apart: its type, amounts, program and flag. */
type ItemRowKind = Pick<LedgerRowValues, 'type_id' | 'amount_minor' | 'balance_effect_minor' | 'program_id'> &
  Partial<Pick<LedgerRowValues, 'is_discount' | 'is_loyalty_withdraw'>>;

/**
 * One ledger row per item with a part above 0 (SPEC §6.4), bound to the item (`item_id` its
 * service, `item_type_id` 1, the appointment and the visit), each through the guarded balance
 * update. Whether any row was written.
 */
async function writeItemRows(
  open: OpenVisit,
  auth: AuthContext,
  cardId: number,
  parts: readonly Minor[],
  lines: readonly LineRow[],
  kind: (part: Minor) => ItemRowKind,
): Promise<boolean> {
  const cards = new CardsRepository(open.executor);
  let wrote = false;
  for (const [i, part] of parts.entries()) {
    if (part === 0) continue;
    const written = await cards.applyLedgerRow({
      ...visitRow(open.visit, open.record.id, auth),
      card_id: cardId,
      item_id: lines[i]!.service_id,
      item_type_id: SERVICE_ITEM,
      ...kind(part),
    });
    // The card is locked by this request (VisitLoyaltyRepository.lockCardsOfPhone): its balance
    // cannot have moved since the cap was read, nor the card been removed.
    if (!written) throw new Error(`a visit row refused on card ${cardId}, which this request has locked`);
    wrote = true;
  }
  return wrote;
}

/**
 * SPEC §6.6: a compensating row for each, through the guarded balance update (a withdrawal's
 * compensation gives the amount back; a removed card's balance follows its rows too).
 */
async function compensate(
  executor: Executor,
  auth: AuthContext,
  rows: readonly LiveLedgerRow[],
): Promise<boolean> {
  const cards = new CardsRepository(executor);
  for (const row of rows) {
    const written = await cards.applyLedgerRow(compensationOf(row, auth), { removedToo: true });
    if (!written) throw new Error(`compensation of row ${row.id} refused: it gives back, it cannot overdraw`);
  }
  return rows.length > 0;
}
