import type { Db, Executor } from '../../db/database.js';
import { AppError } from '../../errors.js';
import type { AuthContext, LocationScope } from '../../http/access.js';
import type { ListPage } from '../../http/route.js';
import { DAY_MS, dayStart, idField, intField, pageOf, phoneField } from '../../lib/fields.js';
import { ClientsRepository } from '../clients/clients.repository.js';
import { parseAppointmentTime } from '../visits/appointment-time.js';
import { VisitReferralsRepository } from '../referral-programs/visit-referrals.repository.js';
import { StaffRepository } from '../staff/staff.repository.js';
import {
  VisitsRepository,
  type LineValues,
  type RecordFilter,
  type RecordValues,
  type RecordWithRefs,
} from '../visits/visits.repository.js';
import type { AppointmentWire } from '../visits/visits.schemas.js';
import type { VisitMoney } from '../visits/visits.mapper.js';
import { closedVisitError, sameLines, type VisitsService } from '../visits/visits.service.js';
import type { AppointmentInput, AppointmentListInput } from './records.schemas.js';

/** Document type 7: the visit document every appointment carries (altegio-visits.md §0.10). */
const VISIT_DOCUMENT = 7;
/** An instant as ISO UTC: a day alone is its start, a time without an offset is UTC. */
function instantField(text: string, field: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return new Date(dayStart(text, field)).toISOString();
  const withZone = /(?:Z|z|[+-]\d{2}:?\d{2})$/.test(text) ? text : `${text}Z`;
  const parsed = parseAppointmentTime(withZone.replace(' ', 'T'));
  if (!parsed) throw AppError.field(field, 'must be a real date and time (ISO 8601)');
  return parsed.startsAt;
}

const flag = (value: boolean | number | undefined, fallback: number): number =>
  value === undefined ? fallback : value === true || value === 1 ? 1 : 0;

/**
 * Appointments (SPEC §6.2 V4, V5). One appointment is one visit (§6.1 Decision): creating one
 * creates its visit, its service lines and its visit document together; every change ends with the
 * visit engine's `settle` (VisitsService), so an appointment created or replaced arrived with
 * nothing due closes — and earns — at once.
 */
export class RecordsService {
  constructor(
    private readonly db: Db,
    private readonly visits: VisitsService,
  ) {}

  /** V5 `get_appointment_list`: by start time, then id; `meta.count` is the total before paging. */
  async list(location: LocationScope, query: AppointmentListInput): Promise<ListPage<AppointmentWire>> {
    const filter: RecordFilter = {
      locationId: location.id,
      staffId: query.staff_id,
      clientId: query.client_id,
      createdUserId: query.created_user_id,
      withDeleted: query.with_deleted === 1,
    };
    if (query.start_date !== undefined) {
      dayStart(query.start_date, 'start_date');
      filter.startDate = query.start_date;
    }
    if (query.end_date !== undefined) {
      dayStart(query.end_date, 'end_date');
      filter.endDate = query.end_date;
    }
    if (query.c_start_date !== undefined) {
      filter.createdFrom = new Date(dayStart(query.c_start_date, 'c_start_date')).toISOString();
    }
    if (query.c_end_date !== undefined) {
      filter.createdUntil = new Date(dayStart(query.c_end_date, 'c_end_date') + DAY_MS).toISOString();
    }
    if (query.changed_after !== undefined)
      filter.changedAfter = instantField(query.changed_after, 'changed_after');
    if (query.changed_before !== undefined) {
      filter.changedBefore = instantField(query.changed_before, 'changed_before');
    }
    const count = query.count ?? 300;
    const { limit, offset } = pageOf(query.page, count);
    const repo = new VisitsRepository(this.db);
    const [rows, total] = await Promise.all([repo.records(filter, limit, offset), repo.countRecords(filter)]);
    return { data: await this.visits.appointmentWires(this.db, rows), total };
  }

  /** V5 `get_appointment`. A deleted appointment, or one of another location, is 404. */
  async get(location: LocationScope, recordId: number): Promise<AppointmentWire> {
    return this.wire(this.db, location.id, recordId);
  }

  /** V4 `create_appointment`: the client is found by phone at the location, or created. */
  async create(
    executor: Executor,
    auth: AuthContext,
    location: LocationScope,
    input: AppointmentInput,
  ): Promise<AppointmentWire> {
    const parsed = await this.parse(executor, location, input, null);
    const clientId = await this.clientOf(executor, location.id, input.client);
    const repo = new VisitsRepository(executor);
    const visitId = await repo.insertVisit({
      location_id: location.id,
      chain_id: location.chain_id,
      client_id: clientId,
      attendance: parsed.attendance ?? 0,
    });
    const recordId = await repo.insertRecord({
      ...parsed.record,
      client_id: clientId,
      location_id: location.id,
      visit_id: visitId,
      partner_id: auth.partnerId,
      created_user_id: auth.user?.id ?? null,
    });
    await repo.insertLines(recordId, parsed.lines);
    await repo.insertDocument({
      location_id: location.id,
      type_id: VISIT_DOCUMENT,
      visit_id: visitId,
      record_id: recordId,
      user_id: auth.user?.id ?? null,
    });
    await this.visits.settleCreated(executor, visitId, parsed.attendance ?? 0, auth);
    // A new visit's money is its lines (no payment nor loyalty row yet; a close writes accruals only).
    const money: VisitMoney = {
      cost_minor: parsed.lines.reduce((sum, line) => sum + line.cost_minor, 0),
      sold_minor: parsed.lines.reduce((sum, line) => sum + line.first_cost_minor, 0),
      paid_minor: 0,
      loyalty_minor: 0,
    };
    return this.wire(executor, location.id, recordId, money);
  }

  /**
   * V5 `update_appointment`: the required fields replace the current ones; optional fields not
   * sent keep their values. Refused (422) once the visit is closed, when the services or the client
   * would change while the visit has live loyalty transactions, the client when the referral
   * program was applied to the visit, and when the new cost would be below what is already paid.
   */
  async replace(
    executor: Executor,
    auth: AuthContext,
    location: LocationScope,
    recordId: number,
    input: AppointmentInput,
  ): Promise<AppointmentWire> {
    const { repo, record, visit } = await this.lockedRecord(executor, location.id, recordId);
    if (visit.state === 'closed') throw closedVisitError();
    const parsed = await this.parse(executor, location, input, record);
    const clientId = await this.clientOf(executor, location.id, input.client);
    const linesChange = !sameLines(await repo.linesOf([record.id]), parsed.lines);
    if ((linesChange || clientId !== record.client_id) && (await repo.liveRows(visit.id)).length > 0) {
      throw AppError.field(
        'services',
        'cannot change, nor can the client, while the visit has loyalty transactions: cancel them first',
      );
    }
    // The referral program invited this visit's client (even when its discount came to 0).
    if (clientId !== record.client_id && (await new VisitReferralsRepository(executor).ofVisit(visit.id))) {
      throw AppError.field(
        'client',
        'cannot change: the referral program was applied to this visit for its client',
      );
    }
    const money = (await repo.moneyOf([visit.id])).get(visit.id)!;
    const cost = parsed.lines.reduce((sum, line) => sum + line.cost_minor, 0);
    if (cost - money.loyalty_minor - money.paid_minor < 0) {
      throw AppError.field('services', 'would cost less than what the visit has already been paid');
    }
    await repo.updateRecord(record.id, { ...parsed.record, client_id: clientId });
    if (linesChange) await repo.replaceLines(record.id, parsed.lines);
    await repo.setVisit(visit.id, {
      client_id: clientId,
      ...(parsed.attendance === undefined ? {} : { attendance: parsed.attendance }),
    });
    await this.visits.settle(executor, visit.id, auth);
    return this.wire(executor, location.id, recordId);
  }

  /**
   * V5 `delete_appointment`: the appointment and its visit leave every list (soft delete). Refused
   * (422) when the visit is closed, has live money payments or live loyalty transactions.
   */
  async remove(executor: Executor, location: LocationScope, recordId: number): Promise<void> {
    const { repo, record, visit } = await this.lockedRecord(executor, location.id, recordId);
    if (visit.state === 'closed') throw closedVisitError();
    const money = (await repo.moneyOf([visit.id])).get(visit.id)!;
    if (money.paid_minor > 0) {
      throw AppError.invalid(
        'The appointment has money payments: remove them first (update_visit deleted_transaction_ids).',
      );
    }
    if ((await repo.liveRows(visit.id)).length > 0) {
      throw AppError.invalid('The appointment has loyalty transactions: cancel them first.');
    }
    await repo.softDeleteVisit(visit.id, record.id);
  }

  /** The live record and its visit, the visit locked (VisitsRepository.lockVisit). */
  private async lockedRecord(executor: Executor, locationId: number, recordId: number) {
    const repo = new VisitsRepository(executor);
    const found = await repo.recordAt(locationId, recordId);
    const visit = found && (await repo.lockVisit(found.visit_id));
    // Read again under the lock: what it says now is what this write changes.
    const record = visit && (await repo.recordAt(locationId, recordId));
    if (!visit || !record) throw AppError.notFound('Appointment');
    return { repo, record, visit };
  }

  private async wire(
    executor: Executor,
    locationId: number,
    recordId: number,
    knownMoney?: VisitMoney,
  ): Promise<AppointmentWire> {
    const record = await new VisitsRepository(executor).recordAt(locationId, recordId);
    if (!record) throw AppError.notFound('Appointment');
    const money = knownMoney && new Map([[record.visit_id, knownMoney]]);
    const [wire] = await this.visits.appointmentWires(executor, [record], money);
    return wire!;
  }

  private async clientOf(executor: Executor, locationId: number, client: AppointmentInput['client']) {
    const phone = phoneField(client.phone, 'client.phone');
    const clients = new ClientsRepository(executor);
    return (
      (await clients.byPhone(locationId, phone))?.id ??
      (await clients.insert(locationId, {
        phone,
        name: client.name?.trim() ?? '',
        email: client.email?.trim() ?? '',
      }))
    );
  }

  /**
   * The body as stored. `current` is the record a replace changes: optional fields not sent keep
   * its values (a create takes the defaults).
   */
  private async parse(
    executor: Executor,
    location: LocationScope,
    input: AppointmentInput,
    current: RecordWithRefs | null,
  ): Promise<{ record: Omit<RecordValues, 'client_id'>; lines: LineValues[]; attendance?: number }> {
    const staffId = idField(input.staff_id, 'staff_id');
    if (!(await new StaffRepository(executor).liveById(location.id, staffId))) {
      throw AppError.field('staff_id', 'is not a team member of this location');
    }
    const lines = await this.visits.parseLines(executor, location.id, input.services, 'services');
    const time = parseAppointmentTime(input.datetime);
    if (!time) throw AppError.field('datetime', 'must be a real date and time with an offset');
    const hours = (value: unknown, field: string, fallback: number | null) =>
      value === undefined ? fallback : intField(value, field, 0, 10_000);
    const record: Omit<RecordValues, 'client_id'> = {
      staff_id: staffId,
      datetime: time.datetime,
      starts_at: time.startsAt,
      local_date: time.localDate,
      seance_length: intField(input.seance_length, 'seance_length', 0, 86_400),
      technical_break_duration:
        input.technical_break_duration === undefined
          ? (current?.technical_break_duration ?? null)
          : input.technical_break_duration,
      comment: input.comment ?? current?.comment ?? '',
      api_id: input.api_id === undefined ? (current?.api_id ?? '') : String(input.api_id),
      save_if_busy: flag(input.save_if_busy, current?.save_if_busy ?? 0),
      send_sms: flag(input.send_sms, current?.send_sms ?? 0),
      sms_remain_hours: hours(input.sms_remain_hours, 'sms_remain_hours', current?.sms_remain_hours ?? null),
      email_remain_hours: hours(
        input.email_remain_hours,
        'email_remain_hours',
        current?.email_remain_hours ?? null,
      ),
      custom_color: input.custom_color ?? current?.custom_color ?? '',
      record_labels:
        input.record_labels === undefined
          ? (current?.record_labels ?? '[]')
          : JSON.stringify(input.record_labels.map(String)),
      custom_fields:
        input.custom_fields === undefined
          ? (current?.custom_fields ?? '{}')
          : JSON.stringify(input.custom_fields),
    };
    return {
      record,
      lines,
      ...(input.attendance === undefined
        ? {}
        : { attendance: intField(input.attendance, 'attendance', -1, 2) }),
    };
  }
}
