import { sql } from 'kysely';
import { postgresOf, type Executor } from '../../db/database.js';
import { prepared } from '../../db/prepared.js';

/**
 * The visit engine's hot queries, compiled once (db/prepared.ts): every appointment creation,
 * every update_visit and every close runs these, and building and compiling them with Kysely on
 * each call cost more than running them (bench scenario V). VisitsRepository calls them; the
 * builders must not branch on parameter values (see `prepared`).
 */

/** Loyalty row types that lower a visit's amount due: 1 promotion discount, 3 card withdrawal. */
const DUE_LOWERING_TYPES = [1, 3];

/** A record with its visit, team member and client: what an appointment object is made of. */
export const recordsWithRefs = (db: Executor) =>
  db
    .selectFrom('records as r')
    .innerJoin('visits as v', 'v.id', 'r.visit_id')
    .innerJoin('staff as s', 's.id', 'r.staff_id')
    .innerJoin('clients as c', 'c.id', 'r.client_id')
    .selectAll('r')
    .select([
      'v.attendance',
      'v.state',
      's.name as staff_name',
      's.specialization as staff_specialization',
      's.position_id as staff_position_id',
      's.avatar as staff_avatar',
      's.avatar_big as staff_avatar_big',
      'c.name as client_name',
      'c.phone as client_phone',
      'c.email as client_email',
    ]);

export const liveVisit = prepared((db, p: { visitId: number }) =>
  db.selectFrom('visits').selectAll().where('id', '=', p.visitId).where('deleted_at', 'is', null),
);

/** The live visit, `FOR UPDATE` on PostgreSQL (VisitsRepository.lockVisit). */
export const lockedVisit = prepared((db, p: { visitId: number }) => {
  const query = db
    .selectFrom('visits')
    .selectAll()
    .where('id', '=', p.visitId)
    .where('deleted_at', 'is', null);
  // The dialect, not a parameter: a template is kept per dialect.
  return postgresOf(db) ? query.forUpdate() : query;
});

export const insertVisit = prepared(
  (
    db,
    p: {
      location_id: number;
      chain_id: number;
      client_id: number;
      attendance: number;
      created_at: string;
      updated_at: string;
    },
  ) =>
    db
      .insertInto('visits')
      .values({
        location_id: p.location_id,
        chain_id: p.chain_id,
        client_id: p.client_id,
        attendance: p.attendance,
        created_at: p.created_at,
        updated_at: p.updated_at,
      })
      .returning('id'),
);

export const setAttendanceAndComment = prepared(
  (db, p: { visitId: number; attendance: number; comment: string; now: string }) =>
    db
      .updateTable('visits')
      .set({ attendance: p.attendance, comment: p.comment, updated_at: p.now })
      .where('id', '=', p.visitId),
);

export const setAttendance = prepared((db, p: { visitId: number; attendance: number; now: string }) =>
  db.updateTable('visits').set({ attendance: p.attendance, updated_at: p.now }).where('id', '=', p.visitId),
);

/** The close's guard: a row comes back only for the writer that moved the visit from open. */
export const closeVisit = prepared((db, p: { visitId: number; now: string }) =>
  db
    .updateTable('visits')
    .set({ state: 'closed', closes: sql<number>`closes + 1`, closed_at: p.now, updated_at: p.now })
    .where('id', '=', p.visitId)
    .where('state', '=', 'open')
    .returning('id'),
);

/** The record columns an insert writes, in one list (the builder names each column). */
const RECORD_COLUMNS = [
  'staff_id',
  'client_id',
  'datetime',
  'starts_at',
  'local_date',
  'seance_length',
  'technical_break_duration',
  'comment',
  'api_id',
  'save_if_busy',
  'send_sms',
  'sms_remain_hours',
  'email_remain_hours',
  'custom_color',
  'record_labels',
  'custom_fields',
  'location_id',
  'visit_id',
  'partner_id',
  'created_user_id',
  'created_at',
  'updated_at',
] as const;

/** The record columns an appointment's create or replace sets. */
// Type aliases, not interfaces: prepared() needs them assignable to Record<string, unknown>.
export type RecordValues = {
  staff_id: number;
  client_id: number;
  datetime: string;
  starts_at: string;
  local_date: string;
  seance_length: number;
  technical_break_duration: number | null;
  comment: string;
  api_id: string;
  save_if_busy: number;
  send_sms: number;
  sms_remain_hours: number | null;
  email_remain_hours: number | null;
  custom_color: string;
  record_labels: string;
  custom_fields: string;
};

export type RecordInsert = RecordValues & {
  location_id: number;
  visit_id: number;
  partner_id: number;
  created_user_id: number | null;
  created_at: string;
  updated_at: string;
};

export const insertRecord = prepared((db, p: RecordInsert) => {
  const values = {} as Record<string, unknown>;
  for (const column of RECORD_COLUMNS) values[column] = p[column];
  return db
    .insertInto('records')
    .values(values as RecordInsert)
    .returning('id');
});

/** An update of a record that changes only its `updated_at` (`updateRecord(id, {})`). */
export const touchRecord = prepared((db, p: { recordId: number; now: string }) =>
  db.updateTable('records').set({ updated_at: p.now }).where('id', '=', p.recordId),
);

export const recordAt = prepared((db, p: { locationId: number; recordId: number }) =>
  recordsWithRefs(db)
    .where('r.location_id', '=', p.locationId)
    .where('r.id', '=', p.recordId)
    .where('r.deleted_at', 'is', null),
);

export const recordOfVisit = prepared((db, p: { visitId: number }) =>
  recordsWithRefs(db).where('r.visit_id', '=', p.visitId).where('r.deleted_at', 'is', null),
);

/**
 * A visit's live record with the visit's own comment (`attendance` and `state` are the visit's
 * already): the visit answer's visit and appointment in one read, both live.
 */
export const visitWithRecord = prepared((db, p: { visitId: number }) =>
  recordsWithRefs(db)
    .select('v.comment as visit_comment')
    .where('r.visit_id', '=', p.visitId)
    .where('r.deleted_at', 'is', null)
    .where('v.deleted_at', 'is', null),
);

/** Service lines as columns (one list per column, one item per line), inserted in one statement. */
export const insertLines = prepared(
  (
    db,
    p: {
      record_id: number;
      service_id: number[];
      amount: number[];
      first_cost_minor: number[];
      discount_hundredths: number[];
      cost_minor: number[];
      position: number[];
    },
  ) =>
    db.insertInto('record_services').values(
      p.service_id.map((serviceId, i) => ({
        service_id: serviceId,
        amount: p.amount[i]!,
        first_cost_minor: p.first_cost_minor[i]!,
        discount_hundredths: p.discount_hundredths[i]!,
        cost_minor: p.cost_minor[i]!,
        record_id: p.record_id,
        position: p.position[i]!,
      })),
    ),
);

export const linesOf = prepared((db, p: { recordIds: number[] }) =>
  db
    .selectFrom('record_services as rs')
    .innerJoin('services as sv', 'sv.id', 'rs.service_id')
    .selectAll('rs')
    .select('sv.title')
    .where('rs.record_id', 'in', p.recordIds)
    .orderBy('rs.record_id')
    .orderBy('rs.position')
    .orderBy('rs.id'),
);

export const insertDocument = prepared(
  (
    db,
    p: {
      location_id: number;
      type_id: number;
      visit_id: number;
      record_id: number;
      user_id: number | null;
      created_at: string;
    },
  ) =>
    db
      .insertInto('documents')
      .values({
        location_id: p.location_id,
        type_id: p.type_id,
        visit_id: p.visit_id,
        record_id: p.record_id,
        user_id: p.user_id,
        created_at: p.created_at,
      })
      .returning('id'),
);

export const documentsOf = prepared((db, p: { visitIds: number[] }) =>
  db.selectFrom('documents').selectAll().where('visit_id', 'in', p.visitIds).orderBy('id'),
);

export const lineTotals = prepared((db, p: { visitIds: number[] }) =>
  db
    .selectFrom('records as r')
    .innerJoin('record_services as rs', 'rs.record_id', 'r.id')
    .select((eb) => [
      'r.visit_id',
      eb.fn.sum<number>('rs.cost_minor').as('cost'),
      eb.fn.sum<number>('rs.first_cost_minor').as('sold'),
    ])
    .where('r.visit_id', 'in', p.visitIds)
    .groupBy('r.visit_id'),
);

export const paidTotals = prepared((db, p: { visitIds: number[] }) =>
  db
    .selectFrom('payments')
    .select((eb) => ['visit_id', eb.fn.sum<number>('amount_minor').as('paid')])
    .where('visit_id', 'in', p.visitIds)
    .where('deleted_at', 'is', null)
    .groupBy('visit_id'),
);

export const loyaltyTotals = prepared((db, p: { visitIds: number[] }) =>
  db
    .selectFrom('transactions')
    .select((eb) => ['visit_id', eb.fn.sum<number>('amount_minor').as('total')])
    .where('visit_id', 'in', p.visitIds)
    .where('type_id', 'in', DUE_LOWERING_TYPES)
    .groupBy('visit_id'),
);

/** A money payment as stored (a type alias: prepared() needs it assignable to a record). */
export type PaymentInsert = {
  visit_id: number;
  record_id: number;
  location_id: number;
  account_id: number;
  document_id: number | null;
  client_id: number;
  staff_id: number;
  amount_minor: number;
  partner_id: number;
  user_id: number | null;
  created_at: string;
};

export const insertPayment = prepared((db, p: PaymentInsert) =>
  db
    .insertInto('payments')
    .values({
      visit_id: p.visit_id,
      record_id: p.record_id,
      location_id: p.location_id,
      account_id: p.account_id,
      document_id: p.document_id,
      client_id: p.client_id,
      staff_id: p.staff_id,
      amount_minor: p.amount_minor,
      partner_id: p.partner_id,
      user_id: p.user_id,
      created_at: p.created_at,
    })
    .returning('id'),
);

export const insertClosing = prepared(
  (
    db,
    p: {
      visit_id: number;
      card_id: number;
      visits: number;
      sold_minor: number;
      paid_minor: number;
      created_at: string;
    },
  ) =>
    db.insertInto('visit_closings').values({
      visit_id: p.visit_id,
      card_id: p.card_id,
      visits: p.visits,
      sold_minor: p.sold_minor,
      paid_minor: p.paid_minor,
      created_at: p.created_at,
    }),
);

/** One visit's money sums (VisitsRepository.moneyOf for one visit) in one statement. */
export const moneyOfVisit = prepared((db, p: { visitId: number }) =>
  db.selectNoFrom((eb) => [
    eb
      .selectFrom('records as r')
      .innerJoin('record_services as rs', 'rs.record_id', 'r.id')
      .select((inner) => inner.fn.sum<number>('rs.cost_minor').as('cost'))
      .where('r.visit_id', '=', p.visitId)
      .as('cost'),
    eb
      .selectFrom('records as r')
      .innerJoin('record_services as rs', 'rs.record_id', 'r.id')
      .select((inner) => inner.fn.sum<number>('rs.first_cost_minor').as('sold'))
      .where('r.visit_id', '=', p.visitId)
      .as('sold'),
    eb
      .selectFrom('payments')
      .select((inner) => inner.fn.sum<number>('amount_minor').as('paid'))
      .where('visit_id', '=', p.visitId)
      .where('deleted_at', 'is', null)
      .as('paid'),
    eb
      .selectFrom('transactions')
      .select((inner) => inner.fn.sum<number>('amount_minor').as('total'))
      .where('visit_id', '=', p.visitId)
      .where('type_id', 'in', DUE_LOWERING_TYPES)
      .as('loyalty'),
  ]),
);
