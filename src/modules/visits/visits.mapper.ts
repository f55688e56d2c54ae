import { TRANSACTION_TYPES } from '../../lib/loyalty-types.js';
import { toMajor, type Minor } from '../../lib/money.js';
import { formatPhone } from '../../lib/phone.js';
import { renderDate } from '../../lib/time.js';
import { utcWallClock, wallClock } from './appointment-time.js';
import type {
  DocumentRow,
  LineRow,
  LiveLedgerRow,
  PaymentRow,
  RecordWithRefs,
  VisitRow,
} from './visits.repository.js';
import type {
  AppointmentWire,
  VisitDetailsWire,
  VisitLoyaltyTransactionWire,
  VisitLoyaltyTransactionWithProgramWire,
  VisitWire,
} from './visits.schemas.js';

/** The one place visit-side rows become wire objects (appointments, visits, their details). */

/** A visit's money, in minor units (VisitsRepository.moneyOf). */
export interface VisitMoney {
  cost_minor: Minor;
  sold_minor: Minor;
  paid_minor: Minor;
  /** Σ live discounts and card withdrawals. */
  loyalty_minor: Minor;
}

export const NO_MONEY: VisitMoney = { cost_minor: 0, sold_minor: 0, paid_minor: 0, loyalty_minor: 0 };

/** SPEC §6.3: Σ cost − live discounts − live card withdrawals − live money payments, never below 0. */
export function amountDue(money: VisitMoney): Minor {
  return Math.max(0, money.cost_minor - money.loyalty_minor - money.paid_minor);
}

const VISIT_DOCUMENT_TITLE = 'Visit';
const SERVICES_EXPENSE = { id: 5, title: 'Provision of services' };

function toDocumentWire(doc: DocumentRow) {
  return {
    id: doc.id,
    type_id: doc.type_id,
    type_title: VISIT_DOCUMENT_TITLE,
    visit_id: doc.visit_id ?? 0,
    record_id: doc.record_id ?? 0,
    number: doc.id,
    storage_id: 0,
    user_id: doc.user_id ?? 0,
    company_id: doc.location_id,
    comment: doc.comment,
    date_created: utcWallClock(doc.created_at),
    category_id: 0,
  };
}

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function toAppointmentWire(
  record: RecordWithRefs,
  lines: readonly LineRow[],
  documents: readonly DocumentRow[],
  money: VisitMoney,
): AppointmentWire {
  const due = amountDue(money);
  const attendance = record.attendance;
  return {
    id: record.id,
    company_id: record.location_id,
    staff_id: record.staff_id,
    services: lines.map((line) => ({
      id: line.service_id,
      title: line.title,
      cost: toMajor(line.cost_minor),
      // A whole cent per unit, rounded half-up, when the total does not divide evenly.
      cost_per_unit: toMajor(Math.floor((2 * line.first_cost_minor + line.amount) / (2 * line.amount))),
      manual_cost: toMajor(line.cost_minor),
      first_cost: toMajor(line.first_cost_minor),
      discount: line.discount_hundredths / 100,
      amount: line.amount,
    })),
    goods_transactions: [],
    staff: {
      id: record.staff_id,
      name: record.staff_name,
      specialization: record.staff_specialization,
      position: record.staff_position_id === null ? [] : { id: record.staff_position_id, title: '' },
      avatar: record.staff_avatar,
      avatar_big: record.staff_avatar_big,
    },
    client: {
      id: record.client_id,
      name: record.client_name,
      phone: formatPhone(record.client_phone),
      email: record.client_email,
      card: '',
    },
    clients_count: 1,
    date: wallClock(record.datetime),
    datetime: record.datetime,
    create_date: renderDate(record.created_at),
    comment: record.comment,
    online: false,
    visit_attendance: attendance,
    attendance,
    confirmed: attendance === 1 || attendance === 2 ? 1 : 0,
    seance_length: record.seance_length,
    length: record.seance_length,
    technical_break_duration: record.technical_break_duration,
    sms_remain_hours: record.sms_remain_hours,
    email_remain_hours: record.email_remain_hours,
    api_id: record.api_id,
    custom_color: record.custom_color,
    record_labels: parseJson<string[]>(record.record_labels, []),
    custom_fields: parseJson<Record<string, unknown>>(record.custom_fields, {}),
    visit_id: record.visit_id,
    created_user_id: record.created_user_id ?? 0,
    deleted: record.deleted_at !== null,
    paid_full: due === 0 ? 1 : 0,
    payment_status: due === 0 ? 2 : money.cost_minor - due > 0 ? 1 : 0,
    prepaid: false,
    prepaid_confirmed: false,
    last_change_date: renderDate(record.updated_at),
    activity_id: 0,
    documents: documents.filter((d) => d.record_id === record.id).map(toDocumentWire),
  };
}

export function toVisitWire(
  visit: Pick<VisitRow, 'id' | 'attendance' | 'comment' | 'state'>,
  appointment: AppointmentWire,
  money: VisitMoney,
): VisitWire {
  return {
    id: visit.id,
    attendance: visit.attendance,
    datetime: appointment.datetime,
    comment: visit.comment,
    records: [appointment],
    state: visit.state,
    amount_due: toMajor(amountDue(money)),
    paid_amount: toMajor(money.paid_minor),
    sold_amount: toMajor(money.sold_minor),
  };
}

function toVisitLoyaltyWire(row: LiveLedgerRow): VisitLoyaltyTransactionWire {
  return {
    id: row.id,
    status_id: row.status_id,
    amount: toMajor(row.amount_minor),
    type_id: row.type_id,
    program_id: row.program_id ?? row.referral_program_id ?? 0,
    card_id: row.card_id ?? 0,
    salon_group_id: row.chain_id,
    item_id: row.item_id,
    item_type_id: row.item_type_id,
    item_record_id: row.record_id ?? 0,
    goods_transaction_id: 0,
    is_discount: row.is_discount === 1,
    is_loyalty_withdraw: row.is_loyalty_withdraw === 1,
    type: { id: row.type_id, title: TRANSACTION_TYPES[row.type_id] ?? '' },
  };
}

/** V11: the row with the program that made it (null for none, e.g. a card withdrawal). */
export function toVisitLoyaltyWithProgramWire(row: LiveLedgerRow): VisitLoyaltyTransactionWithProgramWire {
  return Object.assign(toVisitLoyaltyWire(row), {
    program:
      row.program_id === null || row.program_title === null
        ? referralProgramOf(row)
        : {
            id: row.program_id,
            title: row.program_title,
            group_id: row.program_chain_id ?? row.chain_id,
            loyalty_type_id: row.program_loyalty_type_id ?? 0,
            item_type_id: row.program_item_type_id ?? 0,
            value: row.program_value ?? 0,
            value_unit_id: row.program_value_unit_id ?? 0,
          },
  });
}

/** Ledger type 4: the referrer's accrual; the referral program's other rows are the invited discount. */
const REFERRAL_ACCRUAL = 4;

/**
 * The referral program as V11 shows it beside one of its rows (design notes §7): the part the row
 * comes from, as the program is now — the referrer's accrual as a cashback promotion
 * (`loyalty_type_id` 6), the invited client's discount as a discount promotion (1).
 */
function referralProgramOf(row: LiveLedgerRow): VisitLoyaltyTransactionWithProgramWire['program'] {
  if (row.referral_program_id === null || row.referral_title === null) return null;
  const referrer = row.type_id === REFERRAL_ACCRUAL;
  return {
    id: row.referral_program_id,
    title: row.referral_title,
    group_id: row.referral_chain_id ?? row.chain_id,
    loyalty_type_id: referrer ? 6 : 1,
    item_type_id: 0,
    value: toMajor(
      (referrer ? row.referral_referrer_value_hundredths : row.referral_invited_value_hundredths) ?? 0,
    ),
    value_unit_id: (referrer ? row.referral_referrer_value_unit_id : row.referral_invited_value_unit_id) ?? 0,
  };
}

export function toVisitDetailsWire(
  record: RecordWithRefs,
  lines: readonly LineRow[],
  payments: readonly PaymentRow[],
  loyalty: readonly LiveLedgerRow[],
): VisitDetailsWire {
  return {
    items: lines.map((line) => ({
      id: 0,
      item_id: line.service_id,
      item_type_id: 1,
      record_id: record.id,
      item_title: line.title,
      amount: line.amount,
      first_cost: toMajor(line.first_cost_minor),
      manual_cost: toMajor(line.cost_minor),
      discount: line.discount_hundredths / 100,
      cost: toMajor(line.cost_minor),
      master_id: record.staff_id,
      good_id: 0,
      service_id: line.service_id,
      event_id: 0,
      is_service: true,
      is_event: false,
      is_good: false,
    })),
    payment_transactions: payments.map((p) => ({
      id: p.id,
      document_id: p.document_id ?? 0,
      date: utcWallClock(p.created_at),
      type_id: 5,
      expense_id: SERVICES_EXPENSE.id,
      account_id: p.account_id,
      amount: toMajor(p.amount_minor),
      client_id: p.client_id ?? 0,
      master_id: p.staff_id ?? 0,
      supplier_id: 0,
      comment: p.comment,
      item_id: 0,
      target_type_id: 1,
      record_id: p.record_id,
      goods_transaction_id: 0,
      expense: SERVICES_EXPENSE,
      account: { id: p.account_id, title: p.account_title },
      client: {
        id: p.client_id ?? 0,
        name: p.client_name ?? '',
        phone: formatPhone(p.client_phone),
      },
      master: p.staff_id === null ? [] : { id: p.staff_id, name: p.staff_name ?? '' },
      supplier: [],
    })),
    loyalty_transactions: loyalty.map(toVisitLoyaltyWire),
    kkm_transaction_details_container: { last_operation_type: 0, transactions: [] },
  };
}
