import type { Db, Executor } from '../../db/database.js';
import { AppError } from '../../errors.js';
import type { AuthContext, LocationScope } from '../../http/access.js';
import { idField, intField, moneyField } from '../../lib/fields.js';
import { cashbackAccrual, discountedCost, isCashbackType } from '../../lib/loyalty-rules.js';
import { MAX_MAJOR, toMajor, type Minor } from '../../lib/money.js';
import { CardsRepository } from '../cards/cards.repository.js';
import { ProgramsRepository } from '../programs/programs.repository.js';
import { AccountsRepository } from '../accounts/accounts.repository.js';
import { ServicesRepository } from '../services/services.repository.js';
import { accrueToReferrer } from './referral-accrual.js';
import { compensationOf, visitRow } from './visit-ledger-rows.js';
import {
  amountDue,
  NO_MONEY,
  toAppointmentWire,
  toVisitDetailsWire,
  toVisitLoyaltyWithProgramWire,
  toVisitWire,
  type VisitMoney,
} from './visits.mapper.js';
import {
  VisitsRepository,
  type LineRow,
  type LineValues,
  type RecordWithRefs,
  type VisitRow,
} from './visits.repository.js';
import type {
  AppointmentWire,
  ServiceLineInput,
  UpdateVisitInput,
  VisitDetailsWire,
  VisitLoyaltyTransactionWithProgramWire,
  VisitWire,
} from './visits.schemas.js';

/** Ledger row types a visit writes (SPEC §2): 2 program accrual, 4 referral accrual. */
const PROGRAM_ACCRUAL = 2;
const REFERRAL_ACCRUAL = 4;
/** What a close earns and a reopen takes back. */
const ACCRUAL_TYPES = [PROGRAM_ACCRUAL, REFERRAL_ACCRUAL];
const ARRIVED = 1;
const MAX_MINOR = MAX_MAJOR * 100;
const MAX_QUANTITY = 10_000;

/** fast_payment → the type of the default account it pays into (SPEC §6.3). */
const FAST_PAYMENT_ACCOUNT: Readonly<Record<number, 0 | 1>> = { 1: 0, 129: 0, 2: 1, 130: 1 };

const CLOSED_MESSAGE = 'The visit is closed: set attendance away from 1 to reopen it.';

/** The refusal of any change to a closed visit other than its reopening (SPEC §6.3). */
export function closedVisitError(): AppError {
  return AppError.invalid(CLOSED_MESSAGE);
}

/** What a visit needs from the access rules (AuthService): a visit reached through its location. */
export interface VisitAccess {
  /**
   * The partner is connected to the location and the user granted it; read through `executor`
   * (a write's transaction) when given.
   */
  grantsLocation(auth: AuthContext, locationId: number, executor?: Executor): Promise<boolean>;
}

/** Whether two lists of service lines are the same lines, in the same order. */
export function sameLines(current: readonly LineRow[], next: readonly LineValues[]): boolean {
  return (
    current.length === next.length &&
    current.every(
      (line, i) =>
        line.service_id === next[i]!.service_id &&
        line.amount === next[i]!.amount &&
        line.first_cost_minor === next[i]!.first_cost_minor &&
        line.discount_hundredths === next[i]!.discount_hundredths &&
        line.cost_minor === next[i]!.cost_minor,
    )
  );
}

/**
 * Visits (SPEC §6.2 V6, V7, V11; §6.3): reading a visit and its details, paying, changing
 * attendance, and the engine every visit-changing write ends with — `settle` closes a visit that
 * is arrived with nothing due, and closing is what earns (counters and cashback); `reopen` takes
 * it all back by compensating rows (§6.6). Every write that changes a visit locks it first
 * (`VisitsRepository.lockVisit`), so a visit closes, and earns, exactly once.
 */
export class VisitsService {
  constructor(private readonly db: Db) {}

  // --- reads --------------------------------------------------------------------------------

  /**
   * V6 `get_visit`. A visit whose location the caller may not act on is answered exactly like one
   * that does not exist (there is no location in the path to refuse with 403).
   */
  async visit(auth: AuthContext, visitId: number, access: VisitAccess): Promise<VisitWire> {
    await this.reachableVisit(this.db, auth, visitId, access);
    return this.visitWire(this.db, visitId);
  }

  /** V6 `get_visit_details`: the record and the visit must be the location's and each other's. */
  async details(location: LocationScope, recordId: number, visitId: number): Promise<VisitDetailsWire> {
    const repo = new VisitsRepository(this.db);
    const record = await repo.recordOfVisit(visitId);
    if (!record || record.id !== recordId || record.location_id !== location.id) {
      throw AppError.notFound('Visit');
    }
    const [lines, payments, loyalty] = await Promise.all([
      repo.linesOf([record.id]),
      repo.payments(visitId),
      repo.liveRows(visitId),
    ]);
    return toVisitDetailsWire(record, lines, payments, loyalty);
  }

  /** V11: the visit's live loyalty transactions, each with its program. */
  async loyaltyTransactions(
    auth: AuthContext,
    visitId: number,
    access: VisitAccess,
  ): Promise<VisitLoyaltyTransactionWithProgramWire[]> {
    await this.reachableVisit(this.db, auth, visitId, access);
    const rows = await new VisitsRepository(this.db).liveRows(visitId);
    return rows.map(toVisitLoyaltyWithProgramWire);
  }

  private async reachableVisit(executor: Executor, auth: AuthContext, visitId: number, access: VisitAccess) {
    const visit = await new VisitsRepository(executor).visit(visitId);
    if (!visit || !(await access.grantsLocation(auth, visit.location_id))) throw AppError.notFound('Visit');
    return visit;
  }

  /**
   * The visit object (V6, and V7's answer): the visit and its record in one read. `knownMoney` is
   * the visit's money when the caller has it exactly as committed so far (not read again).
   */
  async visitWire(executor: Executor, visitId: number, knownMoney?: VisitMoney): Promise<VisitWire> {
    const repo = new VisitsRepository(executor);
    const record = await repo.visitWithRecord(visitId);
    if (!record) throw AppError.notFound('Visit');
    const money = knownMoney ? new Map([[visitId, knownMoney]]) : await repo.moneyOf([visitId]);
    const [appointment] = await this.appointmentWires(executor, [record], money);
    const visit = {
      id: visitId,
      attendance: record.attendance,
      comment: record.visit_comment,
      state: record.state,
    };
    return toVisitWire(visit, appointment!, money.get(visitId) ?? NO_MONEY);
  }

  /**
   * Appointment objects for these records (lines, documents and money read in one go each;
   * the money not again when the caller has just read it).
   */
  async appointmentWires(
    executor: Executor,
    records: readonly RecordWithRefs[],
    knownMoney?: Map<number, VisitMoney>,
  ): Promise<AppointmentWire[]> {
    if (records.length === 0) return [];
    const repo = new VisitsRepository(executor);
    const visitIds = records.map((r) => r.visit_id);
    const [lines, documents, money] = await Promise.all([
      repo.linesOf(records.map((r) => r.id)),
      repo.documentsOf(visitIds),
      knownMoney ?? repo.moneyOf(visitIds),
    ]);
    return records.map((record) =>
      toAppointmentWire(
        record,
        lines.filter((l) => l.record_id === record.id),
        documents.filter((d) => d.visit_id === record.visit_id),
        money.get(record.visit_id) ?? NO_MONEY,
      ),
    );
  }

  // --- V7 -----------------------------------------------------------------------------------

  /**
   * V7 `update_visit`. In this order: removed payments, service lines, new payments, fast
   * payment, attendance and comment, then `settle`. A closed visit accepts only its reopening
   * (attendance away from 1, with a comment); a request that changes nothing answers it unchanged.
   * Every check runs before anything the request would leave behind is committed: a refusal is
   * thrown inside the write transaction, which rolls back whole.
   */
  async update(
    executor: Executor,
    auth: AuthContext,
    visitId: number,
    recordId: number,
    input: UpdateVisitInput,
    access: VisitAccess,
  ): Promise<VisitWire> {
    const repo = new VisitsRepository(executor);
    const visit = await repo.lockVisit(visitId);
    if (!visit || !(await access.grantsLocation(auth, visit.location_id, executor))) {
      throw AppError.notFound('Visit');
    }
    const record = await repo.recordOfVisit(visitId);
    if (!record || record.id !== recordId) throw AppError.notFound('Appointment');

    const attendance = intField(input.attendance, 'attendance', -1, 2);
    const fastAccount = fastPaymentAccount(input.fast_payment);
    const deletions = (input.deleted_transaction_ids ?? []).map((id, i) =>
      idField(id, `deleted_transaction_ids.${i}`),
    );
    const payments = (input.new_transactions ?? []).map((p, i) => ({
      amount: positiveAmount(p.amount, `new_transactions.${i}.amount`),
      accountId: idField(p.account_id, `new_transactions.${i}.account_id`),
    }));
    const lines = input.services?.length
      ? await this.parseLines(executor, visit.location_id, input.services, 'services')
      : null;
    const linesChange = lines !== null && !sameLines(await repo.linesOf([record.id]), lines);

    if (visit.state === 'closed') {
      if (deletions.length > 0 || payments.length > 0 || linesChange) throw closedVisitError();
      if (attendance === ARRIVED) {
        if (input.comment !== visit.comment) throw closedVisitError();
        return this.visitWire(executor, visitId);
      }
      await this.reopen(executor, visit, auth);
      await repo.setVisit(visitId, { attendance, comment: input.comment });
      await repo.updateRecord(record.id, {});
      return this.visitWire(executor, visitId);
    }

    if (deletions.length > 0) {
      const live = await repo.livePaymentIds(visitId, [...new Set(deletions)]);
      const missing = deletions.findIndex((id) => !live.has(id));
      if (missing >= 0) {
        throw AppError.field(`deleted_transaction_ids.${missing}`, 'is not a money payment of this visit');
      }
      await repo.deletePayments(visitId, [...new Set(deletions)]);
    }
    if (lines !== null && linesChange) {
      if ((await repo.liveRows(visitId)).length > 0) {
        throw AppError.field(
          'services',
          'cannot change while the visit has loyalty transactions: cancel them first',
        );
      }
      await repo.replaceLines(record.id, lines);
    }
    let money = await this.moneyOf(repo, visitId);
    if (money.cost_minor - money.loyalty_minor - money.paid_minor < 0) {
      throw AppError.field('services', 'would cost less than what the visit has already been paid');
    }
    if (payments.length > 0) {
      const accounts = new AccountsRepository(executor);
      const known = new Set<number>();
      for (const id of new Set(payments.map((p) => p.accountId))) {
        if (await accounts.liveById(visit.location_id, id)) known.add(id);
      }
      const unknown = payments.findIndex((p) => !known.has(p.accountId));
      if (unknown >= 0) {
        throw AppError.field(`new_transactions.${unknown}.account_id`, 'is not an account of this location');
      }
      const total = payments.reduce((sum, p) => sum + p.amount, 0);
      const due = amountDue(money);
      if (total > due) {
        throw AppError.field('new_transactions', `exceed the amount due (${toMajor(due)})`);
      }
      for (const p of payments) await this.pay(repo, auth, visit, record, p.accountId, p.amount);
      money = await this.moneyOf(repo, visitId);
    }
    const due = amountDue(money);
    if (fastAccount !== null && due > 0) {
      const account = await new AccountsRepository(executor).defaultOf(visit.location_id, fastAccount);
      if (!account) {
        throw AppError.field(
          'fast_payment',
          `cannot pay: the location has no default ${fastAccount === 0 ? 'cash' : 'non-cash'} account`,
        );
      }
      await this.pay(repo, auth, visit, record, account.id, due);
      // The payment just written is the amount due: the sums as they now stand, exactly.
      money = { ...money, paid_minor: money.paid_minor + due };
    }
    await repo.setVisit(visitId, { attendance, comment: input.comment });
    await repo.updateRecord(record.id, {});
    // The visit as this write leaves it (open, locked, its record unchanged): settle need not read
    // it again. A close writes accruals only (types 2 and 4), which no money sum counts.
    const now = {
      ...visit,
      attendance,
      comment: input.comment,
    };
    await this.settle(executor, visitId, auth, { visit: now, record, money });
    return this.visitWire(executor, visitId, money);
  }

  private async moneyOf(repo: VisitsRepository, visitId: number): Promise<VisitMoney> {
    return (await repo.moneyOf([visitId])).get(visitId) ?? NO_MONEY;
  }

  private async pay(
    repo: VisitsRepository,
    auth: AuthContext,
    visit: VisitRow,
    record: RecordWithRefs,
    accountId: number,
    amount: Minor,
  ): Promise<void> {
    const [document] = await repo.documentsOf([visit.id]);
    await repo.insertPayment({
      visit_id: visit.id,
      record_id: record.id,
      location_id: visit.location_id,
      account_id: accountId,
      document_id: document?.id ?? null,
      client_id: record.client_id,
      staff_id: record.staff_id,
      amount_minor: amount,
      partner_id: auth.partnerId,
      user_id: auth.user?.id ?? null,
    });
  }

  // --- service lines ------------------------------------------------------------------------

  /**
   * SPEC §6.2 V4: service lines as stored. Each `id` must be a live service of the location;
   * `amount` is a quantity (default 1), a missing `first_cost` is price_min × amount, a missing
   * `discount` 0, a missing `cost` first_cost × (1 − discount/100) rounded half-up; a given `cost`
   * must equal that. `field` names the list in refusals (`services.1.cost`).
   */
  async parseLines(
    executor: Executor,
    locationId: number,
    inputs: readonly ServiceLineInput[],
    field: string,
  ): Promise<LineValues[]> {
    const ids = inputs.map((line, i) => idField(line.id, `${field}.${i}.id`));
    const services = await new ServicesRepository(executor).liveByIds(locationId, [...new Set(ids)]);
    let total = 0;
    const lines = inputs.map((line, i): LineValues => {
      const at = `${field}.${i}`;
      const service = services.get(ids[i]!);
      if (!service) throw AppError.field(`${at}.id`, 'is not a service of this location');
      const amount = line.amount === undefined ? 1 : intField(line.amount, `${at}.amount`, 1, MAX_QUANTITY);
      const firstCost =
        line.first_cost === undefined
          ? service.price_min_minor * amount
          : moneyField(line.first_cost, `${at}.first_cost`);
      if (firstCost < 0 || firstCost > MAX_MINOR) {
        throw AppError.field(`${at}.first_cost`, `must be between 0 and ${MAX_MAJOR}`);
      }
      const discount = line.discount === undefined ? 0 : moneyField(line.discount, `${at}.discount`);
      if (discount < 0 || discount > 10_000)
        throw AppError.field(`${at}.discount`, 'must be between 0 and 100');
      const cost = discountedCost(firstCost, discount);
      if (line.cost !== undefined && moneyField(line.cost, `${at}.cost`) !== cost) {
        throw AppError.field(
          `${at}.cost`,
          `must equal first_cost × (1 − discount/100) rounded half-up to cents: ${toMajor(cost)}`,
        );
      }
      total += firstCost;
      return {
        service_id: service.id,
        amount,
        first_cost_minor: firstCost,
        discount_hundredths: discount,
        cost_minor: cost,
      };
    });
    if (total > MAX_MINOR) throw AppError.field(field, `must total at most ${MAX_MAJOR}`);
    return lines;
  }

  // --- the engine ---------------------------------------------------------------------------

  /**
   * SPEC §6.3: what every visit-changing write ends with (in its transaction, the visit locked).
   * An open visit that is arrived (attendance 1) with nothing due closes, once: the guarded state
   * change lets one writer through, and that writer earns — for each live card of the client's
   * phone in the chain, in card order: the counters (visits + 1, sold + Σ first_cost, paid + Σ
   * money payments) with a closing row recording them, then one accrual row per cashback program
   * (types 5–12) of the card's type active at the location, computed on the card's figures before
   * this visit (lib/loyalty-rules.ts); then the referrer's accrual when the referral program was
   * applied to the visit (SPEC §6.5, referral-accrual.ts).
   */
  async settle(
    executor: Executor,
    visitId: number,
    auth: AuthContext,
    known?: { visit: VisitRow; record: RecordWithRefs; money: VisitMoney },
  ): Promise<void> {
    const repo = new VisitsRepository(executor);
    const visit = known ? known.visit : await repo.visit(visitId);
    if (!visit || visit.state !== 'open' || visit.attendance !== ARRIVED) return;
    const money = known ? known.money : await this.moneyOf(repo, visitId);
    if (amountDue(money) !== 0) return;
    const record = known ? known.record : await repo.recordOfVisit(visitId);
    if (!record || !(await repo.closeVisit(visitId))) return;

    const cards = new CardsRepository(executor);
    const held = await cards.cardsByPhone(visit.chain_id, record.client_phone);
    const programs = await new ProgramsRepository(executor).forCardTypes(
      [...new Set(held.map((c) => c.card_type_id))],
      visit.location_id,
    );
    const delta = { visits: 1, sold_minor: money.sold_minor, paid_minor: money.paid_minor };
    for (const card of held) {
      // Live only: a card removed since it was listed (and locked by this update from now on) earns nothing.
      const after = await cards.moveCounters(card.id, delta);
      if (!after) continue;
      await repo.insertClosing({ visit_id: visitId, card_id: card.id, ...delta });
      const before = {
        visits_count: after.visits_count - delta.visits,
        sold_minor: after.sold_minor - delta.sold_minor,
        paid_minor: after.paid_minor - delta.paid_minor,
      };
      for (const { program, rules } of programs.get(card.card_type_id) ?? []) {
        if (!isCashbackType(program.loyalty_type_id)) continue;
        const amount = cashbackAccrual(program, rules, before, money);
        if (amount <= 0) continue;
        const written = await cards.applyLedgerRow({
          ...visitRow(visit, record.id, auth),
          card_id: card.id,
          type_id: PROGRAM_ACCRUAL,
          amount_minor: amount,
          balance_effect_minor: amount,
          program_id: program.id,
        });
        if (!written) throw new Error(`accrual refused on card ${card.id}, which the close had just locked`);
      }
    }
    await accrueToReferrer(executor, visit, record.id, money.paid_minor, auth);
  }

  /**
   * `settle` for a visit this write has just created, open, with this attendance: only an arrived
   * one can close, so any other is not read again.
   */
  async settleCreated(executor: Executor, visitId: number, attendance: number, auth: AuthContext) {
    if (attendance === ARRIVED) await this.settle(executor, visitId, auth);
  }

  /**
   * SPEC §6.3, §6.6: reopens a closed visit (locked by the caller). Every live accrual of the visit
   * (types 2 and 4) gets its compensating row through the guarded balance update, card by card; a
   * card the reversal would take below zero (the cashback was spent) refuses the whole request
   * with 422 and, the transaction rolling back, nothing changes. Then what each close added to the
   * counters is taken back. Closing again later earns again, with new rows.
   */
  async reopen(executor: Executor, visit: VisitRow, auth: AuthContext): Promise<void> {
    const repo = new VisitsRepository(executor);
    if (!(await repo.reopenVisit(visit.id))) return;
    const cards = new CardsRepository(executor);
    const accruals = (await repo.liveRows(visit.id, ACCRUAL_TYPES)).sort(
      (a, b) => (a.card_id ?? 0) - (b.card_id ?? 0) || a.id - b.id,
    );
    for (const row of accruals) {
      if (row.card_id === null) continue;
      const written = await cards.applyLedgerRow(compensationOf(row, auth), { removedToo: true });
      if (!written) {
        throw AppError.invalid(
          `The visit cannot be reopened: loyalty card ${row.card_id} has already spent the ` +
            `${toMajor(row.amount_minor)} this visit earned it (a reopen would take its balance below 0).`,
          {
            attendance: [`loyalty card ${row.card_id} has already spent what this visit earned it`],
          },
        );
      }
    }
    for (const closing of await repo.unreversedClosings(visit.id)) {
      await cards.moveCounters(
        closing.card_id,
        { visits: -closing.visits, sold_minor: -closing.sold_minor, paid_minor: -closing.paid_minor },
        { removedToo: true },
      );
      await repo.markClosingReversed(closing.id);
    }
  }
}

function fastPaymentAccount(value: unknown): 0 | 1 | null {
  if (value === undefined) return null;
  const code = intField(value, 'fast_payment', 0, 130);
  if (code === 0) return null;
  const type = FAST_PAYMENT_ACCOUNT[code];
  if (type === undefined) throw AppError.field('fast_payment', 'must be 0, 1, 2, 129 or 130');
  return type;
}

function positiveAmount(value: unknown, field: string): Minor {
  const amount = moneyField(value, field);
  if (amount <= 0) throw AppError.field(field, 'must be above 0');
  return amount;
}
