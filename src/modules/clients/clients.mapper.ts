import type { ClientRow } from '../../db/schema.js';
import { toMajor } from '../../lib/money.js';
import { formatPhone } from '../../lib/phone.js';
import { renderDate } from '../../lib/time.js';
import type { ClientSearchRowWire, ClientWire, SEARCH_FIELDS } from './clients.schemas.js';

/** The one place client rows become wire objects. */

const SEX = ['Unknown', 'Male', 'Female'];
const IMPORTANCE = ['No importance', 'Bronze', 'Silver', 'Gold'];

function customFields(json: string): Record<string, unknown> {
  try {
    const value = JSON.parse(json) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

export function toClientWire(row: ClientRow): ClientWire {
  return {
    id: row.id,
    name: row.name,
    surname: row.surname,
    patronymic: row.patronymic,
    middle_name: row.patronymic,
    display_name: [row.name, row.surname].filter(Boolean).join(' '),
    phone: formatPhone(row.phone),
    email: row.email,
    card: row.card,
    birth_date: row.birth_date,
    comment: row.comment,
    discount: row.discount,
    importance_id: row.importance_id,
    importance: IMPORTANCE[row.importance_id] ?? '',
    sex_id: row.sex_id,
    sex: SEX[row.sex_id] ?? '',
    gender_id: row.sex_id,
    sms_check: row.sms_check,
    sms_not: row.sms_not,
    spent: toMajor(row.spent_minor),
    paid: 0,
    balance: toMajor(row.balance_minor),
    visits: 0,
    national_id: row.national_id,
    categories: [],
    custom_fields: customFields(row.custom_fields),
    last_change_date: renderDate(row.updated_at),
  };
}

/** CL-13: `id` and the requested fields only. Visits are not recorded here, so their figures are empty. */
export function toSearchRow(row: ClientRow, fields: ReadonlySet<(typeof SEARCH_FIELDS)[number]>) {
  const all: Required<ClientSearchRowWire> = {
    id: row.id,
    name: row.name,
    surname: row.surname,
    patronymic: row.patronymic,
    phone: formatPhone(row.phone),
    email: row.email,
    discount: row.discount,
    first_visit_date: '',
    last_visit_date: '',
    sold_amount: toMajor(row.spent_minor),
    visits_count: 0,
    tips_count: 0,
    deposit_balance: toMajor(row.balance_minor),
    reserved_deposit_balance: 0,
  };
  const result: ClientSearchRowWire = { id: row.id };
  for (const field of fields) (result as Record<string, unknown>)[field] = all[field];
  return result;
}
