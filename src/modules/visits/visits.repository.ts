import type { Executor } from '../../db/database.js';
import { nowIso } from '../../lib/time.js';
import * as q from './visits.queries.js';
import { recordsWithRefs, type RecordValues } from './visits.queries.js';

/** A service line as the services hand it over (money in minor units, the discount in hundredths). */
export interface LineValues {
  service_id: number;
  amount: number;
  first_cost_minor: number;
  discount_hundredths: number;
  cost_minor: number;
}

export type { RecordValues } from './visits.queries.js';

/** What an appointment list selects; each field narrows it when given. */
export interface RecordFilter {
  locationId: number;
  staffId?: number;
  clientId?: number;
  createdUserId?: number;
  /** The appointment's own day (Y-m-d), both included. */
  startDate?: string;
  endDate?: string;
  /** ISO instants: created_at >= createdFrom and < createdUntil. */
  createdFrom?: string;
  createdUntil?: string;
  /** ISO instants: updated_at >= changedAfter and <= changedBefore. */
  changedAfter?: string;
  changedBefore?: string;
  withDeleted: boolean;
}

export type RecordWithRefs = Awaited<
  ReturnType<ReturnType<typeof recordsWithRefs>['executeTakeFirstOrThrow']>
>;

/**
 * SQL for visits and what hangs on them: appointments (records) and their service lines, the visit
 * document, money payments, closings, and the visit's loyalty rows. No business rules here.
 */
export class VisitsRepository {
  constructor(private readonly db: Executor) {}

  // --- visits -------------------------------------------------------------------------------

  async insertVisit(values: {
    location_id: number;
    chain_id: number;
    client_id: number;
    attendance: number;
  }): Promise<number> {
    const now = nowIso();
    const [row] = await q.insertVisit(this.db, { ...values, created_at: now, updated_at: now });
    return row!.id;
  }

  /** A live (not deleted) visit. */
  async visit(visitId: number) {
    const [row] = await q.liveVisit(this.db, { visitId });
    return row;
  }

  /**
   * The live visit, locked for the rest of the transaction on PostgreSQL (`FOR UPDATE`): every
   * write that changes a visit takes this first, so concurrent writers of one visit run one after
   * the other and each reads what the one before it committed. SQLite runs one write transaction
   * at a time anyway (BEGIN IMMEDIATE), across processes too.
   */
  async lockVisit(visitId: number) {
    const [row] = await q.lockedVisit(this.db, { visitId });
    return row;
  }

  async setVisit(visitId: number, values: { attendance?: number; comment?: string; client_id?: number }) {
    // update_visit's change (compiled once); any other goes through the query builder.
    if (values.client_id === undefined && values.attendance !== undefined) {
      const { attendance, comment } = values;
      if (comment === undefined) await q.setAttendance(this.db, { visitId, attendance, now: nowIso() });
      else await q.setAttendanceAndComment(this.db, { visitId, attendance, comment, now: nowIso() });
      return;
    }
    await this.db
      .updateTable('visits')
      .set({ ...values, updated_at: nowIso() })
      .where('id', '=', visitId)
      .execute();
  }

  /** The exactly-once guard of a close: only the writer that moves the visit from open wins. */
  async closeVisit(visitId: number): Promise<boolean> {
    return (await q.closeVisit(this.db, { visitId, now: nowIso() })).length === 1;
  }

  /** The guard of a reopen: only the writer that moves the visit from closed wins. */
  async reopenVisit(visitId: number): Promise<boolean> {
    const result = await this.db
      .updateTable('visits')
      .set({ state: 'open', updated_at: nowIso() })
      .where('id', '=', visitId)
      .where('state', '=', 'closed')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async softDeleteVisit(visitId: number, recordId: number): Promise<void> {
    const now = nowIso();
    await this.db
      .updateTable('records')
      .set({ deleted_at: now, updated_at: now })
      .where('id', '=', recordId)
      .execute();
    await this.db
      .updateTable('visits')
      .set({ deleted_at: now, updated_at: now })
      .where('id', '=', visitId)
      .execute();
  }

  // --- records ------------------------------------------------------------------------------

  async insertRecord(
    values: RecordValues & {
      location_id: number;
      visit_id: number;
      partner_id: number;
      created_user_id: number | null;
    },
  ): Promise<number> {
    const now = nowIso();
    const [row] = await q.insertRecord(this.db, { ...values, created_at: now, updated_at: now });
    return row!.id;
  }

  async updateRecord(recordId: number, values: Partial<RecordValues>): Promise<void> {
    if (Object.keys(values).length === 0) {
      await q.touchRecord(this.db, { recordId, now: nowIso() });
      return;
    }
    await this.db
      .updateTable('records')
      .set({ ...values, updated_at: nowIso() })
      .where('id', '=', recordId)
      .execute();
  }

  /** The record of the location with this id, with its references; deleted ones only when asked. */
  async recordAt(locationId: number, recordId: number, withDeleted = false) {
    if (!withDeleted) return (await q.recordAt(this.db, { locationId, recordId }))[0];
    return recordsWithRefs(this.db)
      .where('r.location_id', '=', locationId)
      .where('r.id', '=', recordId)
      .$if(!withDeleted, (qb) => qb.where('r.deleted_at', 'is', null))
      .executeTakeFirst();
  }

  /** The live record of a visit (one appointment, one visit: SPEC §6.1). */
  async recordOfVisit(visitId: number) {
    const [row] = await q.recordOfVisit(this.db, { visitId });
    return row;
  }

  /** The live record of a live visit with the visit's comment (the visit answer, one read). */
  async visitWithRecord(visitId: number) {
    const [row] = await q.visitWithRecord(this.db, { visitId });
    return row;
  }

  private filtered(filter: RecordFilter) {
    let query = recordsWithRefs(this.db).where('r.location_id', '=', filter.locationId);
    if (!filter.withDeleted) query = query.where('r.deleted_at', 'is', null);
    if (filter.staffId !== undefined) query = query.where('r.staff_id', '=', filter.staffId);
    if (filter.clientId !== undefined) query = query.where('r.client_id', '=', filter.clientId);
    if (filter.createdUserId !== undefined) {
      query = query.where('r.created_user_id', '=', filter.createdUserId);
    }
    if (filter.startDate !== undefined) query = query.where('r.local_date', '>=', filter.startDate);
    if (filter.endDate !== undefined) query = query.where('r.local_date', '<=', filter.endDate);
    if (filter.createdFrom !== undefined) query = query.where('r.created_at', '>=', filter.createdFrom);
    if (filter.createdUntil !== undefined) query = query.where('r.created_at', '<', filter.createdUntil);
    if (filter.changedAfter !== undefined) query = query.where('r.updated_at', '>=', filter.changedAfter);
    if (filter.changedBefore !== undefined) query = query.where('r.updated_at', '<=', filter.changedBefore);
    return query;
  }

  /** A page of the location's appointments, by start time, then id. */
  records(filter: RecordFilter, limit: number, offset: number) {
    return this.filtered(filter).orderBy('r.starts_at').orderBy('r.id').limit(limit).offset(offset).execute();
  }

  async countRecords(filter: RecordFilter): Promise<number> {
    const row = await this.filtered(filter)
      .clearSelect()
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .executeTakeFirstOrThrow();
    return Number(row.total);
  }

  // --- service lines ------------------------------------------------------------------------

  /** In one statement, in their order (`position` 0, 1, …). */
  async insertLines(recordId: number, lines: readonly LineValues[]): Promise<void> {
    if (lines.length === 0) return;
    await q.insertLines(this.db, {
      record_id: recordId,
      service_id: lines.map((l) => l.service_id),
      amount: lines.map((l) => l.amount),
      first_cost_minor: lines.map((l) => l.first_cost_minor),
      discount_hundredths: lines.map((l) => l.discount_hundredths),
      cost_minor: lines.map((l) => l.cost_minor),
      position: lines.map((_l, position) => position),
    });
  }

  /** Service lines are the appointment's own data, not the ledger: a replace rewrites them. */
  async replaceLines(recordId: number, lines: readonly LineValues[]): Promise<void> {
    await this.db.deleteFrom('record_services').where('record_id', '=', recordId).execute();
    await this.insertLines(recordId, lines);
  }

  /** The lines of these records, with their service titles, in their order. */
  linesOf(recordIds: readonly number[]) {
    if (recordIds.length === 0) return Promise.resolve([]);
    return q.linesOf(this.db, { recordIds: [...recordIds] });
  }

  // --- documents ----------------------------------------------------------------------------

  async insertDocument(values: {
    location_id: number;
    type_id: number;
    visit_id: number;
    record_id: number;
    user_id: number | null;
  }): Promise<number> {
    const [row] = await q.insertDocument(this.db, { ...values, created_at: nowIso() });
    return row!.id;
  }

  documentsOf(visitIds: readonly number[]) {
    if (visitIds.length === 0) return Promise.resolve([]);
    return q.documentsOf(this.db, { visitIds: [...visitIds] });
  }

  // --- money --------------------------------------------------------------------------------

  /**
   * Per visit: Σ line cost, Σ line first cost (sold), Σ live money payments (paid) and Σ of the
   * due-lowering loyalty rows (discounts and card withdrawals). Summing every row of those types,
   * compensations included, is the sum of the live ones: a compensation is its original negated.
   */
  async moneyOf(visitIds: readonly number[]) {
    const totals = new Map<
      number,
      { cost_minor: number; sold_minor: number; paid_minor: number; loyalty_minor: number }
    >();
    if (visitIds.length === 0) return totals;
    for (const id of visitIds)
      totals.set(id, { cost_minor: 0, sold_minor: 0, paid_minor: 0, loyalty_minor: 0 });
    if (visitIds.length === 1) {
      // One visit (every visit write and answer): its four sums in one statement.
      const [row] = await q.moneyOfVisit(this.db, { visitId: visitIds[0]! });
      const t = totals.get(visitIds[0]!)!;
      t.cost_minor = Number(row?.cost ?? 0);
      t.sold_minor = Number(row?.sold ?? 0);
      t.paid_minor = Number(row?.paid ?? 0);
      t.loyalty_minor = Number(row?.loyalty ?? 0);
      return totals;
    }
    const ids = [...visitIds];
    const lines = await q.lineTotals(this.db, { visitIds: ids });
    for (const row of lines) {
      const t = totals.get(row.visit_id)!;
      t.cost_minor = Number(row.cost);
      t.sold_minor = Number(row.sold);
    }
    const paid = await q.paidTotals(this.db, { visitIds: ids });
    for (const row of paid) totals.get(row.visit_id)!.paid_minor = Number(row.paid);
    const loyalty = await q.loyaltyTotals(this.db, { visitIds: ids });
    for (const row of loyalty) totals.get(row.visit_id!)!.loyalty_minor = Number(row.total);
    return totals;
  }

  // --- payments -----------------------------------------------------------------------------

  async insertPayment(values: Omit<q.PaymentInsert, 'created_at'>): Promise<number> {
    const [row] = await q.insertPayment(this.db, { ...values, created_at: nowIso() });
    return row!.id;
  }

  /** The visit's live money payments among `ids`. */
  async livePaymentIds(visitId: number, ids: readonly number[]): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('payments')
      .select('id')
      .where('visit_id', '=', visitId)
      .where('id', 'in', ids)
      .where('deleted_at', 'is', null)
      .execute();
    return new Set(rows.map((r) => r.id));
  }

  /** A money payment is not a card balance: removing one from an open visit marks it deleted. */
  async deletePayments(visitId: number, ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('payments')
      .set({ deleted_at: nowIso() })
      .where('visit_id', '=', visitId)
      .where('id', 'in', ids)
      .where('deleted_at', 'is', null)
      .execute();
  }

  /** The visit's live money payments with their account, client and team member. */
  payments(visitId: number) {
    return this.db
      .selectFrom('payments as p')
      .innerJoin('accounts as a', 'a.id', 'p.account_id')
      .leftJoin('clients as c', 'c.id', 'p.client_id')
      .leftJoin('staff as s', 's.id', 'p.staff_id')
      .selectAll('p')
      .select([
        'a.title as account_title',
        'c.name as client_name',
        'c.phone as client_phone',
        's.name as staff_name',
      ])
      .where('p.visit_id', '=', visitId)
      .where('p.deleted_at', 'is', null)
      .orderBy('p.id')
      .execute();
  }

  // --- closings -----------------------------------------------------------------------------

  async insertClosing(values: {
    visit_id: number;
    card_id: number;
    visits: number;
    sold_minor: number;
    paid_minor: number;
  }): Promise<void> {
    await q.insertClosing(this.db, { ...values, created_at: nowIso() });
  }

  /** What the visit's closes added to cards and no reopen has taken back yet, in card order. */
  unreversedClosings(visitId: number) {
    return this.db
      .selectFrom('visit_closings')
      .selectAll()
      .where('visit_id', '=', visitId)
      .where('reversed_at', 'is', null)
      .orderBy('card_id')
      .orderBy('id')
      .execute();
  }

  async markClosingReversed(closingId: number): Promise<void> {
    await this.db
      .updateTable('visit_closings')
      .set({ reversed_at: nowIso() })
      .where('id', '=', closingId)
      .where('reversed_at', 'is', null)
      .execute();
  }

  // --- the visit's ledger rows --------------------------------------------------------------

  /**
   * The visit's live ledger rows (SPEC §6.6: recorded, and no compensation names them), of the
   * given types or all, in id order, with the program each came from (or the referral program).
   */
  liveRows(visitId: number, typeIds?: readonly number[]) {
    return this.db
      .selectFrom('transactions as t')
      .leftJoin('programs as p', 'p.id', 't.program_id')
      .leftJoin('referral_programs as rp', 'rp.id', 't.referral_program_id')
      .selectAll('t')
      .select([
        'p.title as program_title',
        'p.chain_id as program_chain_id',
        'p.loyalty_type_id as program_loyalty_type_id',
        'p.item_type_id as program_item_type_id',
        'p.value as program_value',
        'p.value_unit_id as program_value_unit_id',
        'rp.title as referral_title',
        'rp.chain_id as referral_chain_id',
        'rp.invited_value_hundredths as referral_invited_value_hundredths',
        'rp.invited_value_unit_id as referral_invited_value_unit_id',
        'rp.referrer_value_hundredths as referral_referrer_value_hundredths',
        'rp.referrer_value_unit_id as referral_referrer_value_unit_id',
      ])
      .where('t.visit_id', '=', visitId)
      .where('t.status_id', '=', 1)
      .where((eb) =>
        eb.not(
          eb.exists(eb.selectFrom('transactions as c').select('c.id').whereRef('c.cancels_id', '=', 't.id')),
        ),
      )
      .$if(typeIds !== undefined, (qb) => qb.where('t.type_id', 'in', typeIds!))
      .orderBy('t.id')
      .execute();
  }
}

export type LiveLedgerRow = Awaited<ReturnType<VisitsRepository['liveRows']>>[number];
export type PaymentRow = Awaited<ReturnType<VisitsRepository['payments']>>[number];
export type LineRow = Awaited<ReturnType<VisitsRepository['linesOf']>>[number];
export type DocumentRow = Awaited<ReturnType<VisitsRepository['documentsOf']>>[number];
export type VisitRow = NonNullable<Awaited<ReturnType<VisitsRepository['visit']>>>;
