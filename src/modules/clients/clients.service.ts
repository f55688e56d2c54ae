import type { Db, Executor } from '../../db/database.js';
import { AppError } from '../../errors.js';
import { formatPhone, phoneDigits } from '../../lib/phone.js';
import { idsField, intField, MAX_PAGE, moneyField, pageOf, phoneField } from '../../lib/fields.js';
import { LocationsRepository } from '../locations/locations.repository.js';
import { toClientWire, toSearchRow } from './clients.mapper.js';
import {
  ClientsRepository,
  type ClientCondition,
  type ClientOrderColumn,
  type ClientValues,
} from './clients.repository.js';
import type {
  ChainClientsWire,
  ClientInput,
  ClientListInput,
  ClientSearchInput,
  ClientSearchRowWire,
  ClientWire,
  SEARCH_FIELDS,
} from './clients.schemas.js';

const TEXT_FIELDS = ['surname', 'email', 'comment', 'national_id'] as const;

const ORDER_COLUMNS: Record<NonNullable<ClientSearchInput['order_by']>, ClientOrderColumn> = {
  id: 'id',
  name: 'name',
  phone: 'phone',
  email: 'email',
  discount: 'discount',
  sold_amount: 'spent_minor',
  // No visits are recorded here: these orders fall back to the id.
  first_visit_date: 'id',
  last_visit_date: 'id',
  visits_count: 'id',
};

function birthDate(value: string): string {
  if (value === '') return '';
  const date = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
    throw AppError.field('birth_date', 'must be a date as YYYY-MM-DD');
  }
  return value;
}

function dateTime(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw AppError.field(field, 'must be an ISO-8601 date-time');
  return new Date(time).toISOString();
}

/** Body fields → column values. `name` and `phone` always come (the schema requires them). */
function clientValues(input: ClientInput): ClientValues {
  const values: ClientValues = { name: input.name.trim(), phone: phoneField(input.phone) };
  if (values.name === '') throw AppError.field('name', 'must not be empty');
  for (const field of TEXT_FIELDS) {
    const value = input[field];
    if (value !== undefined) values[field] = value.trim();
  }
  const patronymic = input.middle_name ?? input.patronymic;
  if (patronymic !== undefined) values.patronymic = patronymic.trim();
  if (input.birth_date !== undefined) values.birth_date = birthDate(input.birth_date);
  if (input.card !== undefined) values.card = String(input.card).trim();
  if (input.gender_id !== undefined) values.sex_id = intField(input.gender_id, 'gender_id', 0, 2);
  if (input.importance_id !== undefined) {
    values.importance_id = intField(input.importance_id, 'importance_id', 0, 3);
  }
  if (input.discount !== undefined) values.discount = intField(input.discount, 'discount', 0, 100);
  if (input.sms_check !== undefined) values.sms_check = intField(input.sms_check, 'sms_check', 0, 1);
  if (input.sms_not !== undefined) values.sms_not = intField(input.sms_not, 'sms_not', 0, 1);
  if (input.balance !== undefined) values.balance_minor = moneyField(input.balance, 'balance');
  if (input.spent !== undefined) {
    values.spent_minor = moneyField(input.spent, 'spent');
    if (values.spent_minor < 0) throw AppError.field('spent', 'must not be negative');
  }
  if (input.custom_fields !== undefined) values.custom_fields = JSON.stringify(input.custom_fields);
  return values;
}

function textValue(value: unknown, field: string): string {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || text.trim() === '') throw AppError.field(field, 'must be a non-empty text');
  return text.trim();
}

function codes(value: unknown, field: string, max: number): number[] {
  const list = Array.isArray(value) ? value : [value];
  return [...new Set(list.map((v, i) => intField(v, `${field}.${i}`, 0, max)))];
}

/** CL-13 filters (Altegio's `{type, state: {value}}` model) → conditions. */
function searchConditions(filters: NonNullable<ClientSearchInput['filters']>): ClientCondition[] {
  return filters.map(({ type, state }, i): ClientCondition => {
    const field = `filters.${i}.state.value`;
    switch (type) {
      case 'quick_search':
        return { kind: 'text', value: textValue(state.value, field) };
      case 'name':
        return { kind: 'name', value: textValue(state.value, field) };
      case 'email':
        return { kind: 'email', value: textValue(state.value, field) };
      case 'phone':
        return { kind: 'phone', digits: phoneField(state.value, field), exact: true };
      case 'id':
        return {
          kind: 'ids',
          ids: idsField(Array.isArray(state.value) ? state.value : [state.value], field),
        };
      case 'gender':
        return { kind: 'sex', values: codes(state.value, field, 2) };
      case 'importance':
        return { kind: 'importance', values: codes(state.value, field, 3) };
    }
  });
}

/** The Clients operations (CL-1…CL-5, CL-13) and C-1; the admin CLI adds clients through here too. */
export class ClientsService {
  constructor(private readonly db: Db) {}

  /** CL-5. One live client per phone per location, so the card operations find this one. */
  async create(executor: Executor, locationId: number, input: ClientInput, id?: number): Promise<ClientWire> {
    const clientId = await this.add(executor, locationId, input, id);
    return this.wire(executor, locationId, clientId);
  }

  async add(executor: Executor, locationId: number, input: ClientInput, id?: number): Promise<number> {
    if (!(await new LocationsRepository(executor).byId(locationId))) {
      throw AppError.notFound(`Location ${locationId}`);
    }
    const values = clientValues(input);
    const repo = new ClientsRepository(executor);
    if (await repo.byPhone(locationId, values.phone)) {
      throw AppError.field('phone', 'already belongs to a client of this location');
    }
    return repo.insert(locationId, values, id);
  }

  /** CL-1. A client of another location (or chain) does not exist here. */
  async get(locationId: number, clientId: number): Promise<ClientWire> {
    return this.wire(this.db, locationId, clientId);
  }

  /** CL-2. The fields sent change; a new phone must not belong to another client here. */
  async update(executor: Executor, locationId: number, clientId: number, input: ClientInput) {
    const repo = new ClientsRepository(executor);
    if (!(await repo.liveById(locationId, clientId))) throw AppError.notFound('Client');
    const values = clientValues(input);
    const holder = await repo.byPhone(locationId, values.phone);
    if (holder && holder.id !== clientId) {
      throw AppError.field('phone', 'already belongs to another client of this location');
    }
    await repo.update(clientId, values);
    return this.wire(executor, locationId, clientId);
  }

  /** CL-3. The client leaves every list; the loyalty cards of its phone stay. */
  async remove(executor: Executor, locationId: number, clientId: number): Promise<void> {
    const repo = new ClientsRepository(executor);
    if (!(await repo.liveById(locationId, clientId))) throw AppError.notFound('Client');
    await repo.softDelete(clientId);
  }

  /** CL-4 (deprecated in Altegio, kept for older integrations). */
  async list(
    location: { id: number; chain_id: number },
    query: ClientListInput,
  ): Promise<{ data: ClientWire[]; total: number }> {
    const conditions: ClientCondition[] = [];
    if (query.phone !== undefined) {
      const digits = phoneDigits(query.phone);
      if (!digits) throw AppError.field('phone', 'must contain digits');
      conditions.push({ kind: 'phone', digits, exact: false });
    }
    if (query.fullname?.trim()) conditions.push({ kind: 'name', value: query.fullname.trim() });
    if (query.email?.trim()) conditions.push({ kind: 'email', value: query.email.trim() });
    if (query.card?.trim())
      conditions.push({ kind: 'card', value: query.card.trim(), chainId: location.chain_id });
    const ids = [...(query.id ?? []), ...(query['id[]'] ?? [])];
    if (ids.length > 0) conditions.push({ kind: 'ids', ids });
    const after = dateTime(query.changed_after, 'changed_after');
    const before = dateTime(query.changed_before, 'changed_before');
    if (after || before) conditions.push({ kind: 'changed', after, before });
    const { rows, total } = await new ClientsRepository(this.db).search(location.id, conditions, {
      combine: 'AND',
      orderBy: 'id',
      direction: 'asc',
      ...pageOf(query.page, query.count ?? 20),
    });
    return { data: rows.map(toClientWire), total };
  }

  /** CL-13. Rows carry `id` and the requested `fields` only. */
  async search(
    executor: Executor,
    locationId: number,
    input: ClientSearchInput,
  ): Promise<{ data: ClientSearchRowWire[]; total: number }> {
    const page = input.page === undefined ? 1 : intField(input.page, 'page', 1, MAX_PAGE);
    const size = input.page_size === undefined ? 25 : intField(input.page_size, 'page_size', 1, 200);
    const fields = new Set<(typeof SEARCH_FIELDS)[number]>(input.fields ?? []);
    const { rows, total } = await new ClientsRepository(executor).search(
      locationId,
      searchConditions(input.filters ?? []),
      {
        combine: input.operation ?? 'AND',
        orderBy: ORDER_COLUMNS[input.order_by ?? 'id'],
        direction: input.order_by_direction === 'DESC' ? 'desc' : 'asc',
        ...pageOf(page, size),
      },
    );
    return { data: rows.map((row) => toSearchRow(row, fields)), total };
  }

  /** C-1. The chain's clients with this phone, at any of its live locations. */
  async inChain(chainId: number, rawPhone: string): Promise<ChainClientsWire> {
    const phone = phoneField(rawPhone);
    const rows = await new ClientsRepository(this.db).inChainByPhone(chainId, phone);
    return {
      phone: formatPhone(phone),
      salon_group_id: chainId,
      clients: rows.map((r) => ({ id: r.id, company_id: r.location_id, name: r.name, email: r.email })),
    };
  }

  private async wire(executor: Executor, locationId: number, clientId: number): Promise<ClientWire> {
    const row = await new ClientsRepository(executor).liveById(locationId, clientId);
    if (!row) throw AppError.notFound('Client');
    return toClientWire(row);
  }
}
