import type { Updateable } from 'kysely';
import type { Db, Executor } from '../../db/database.js';
import type { Database } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { idField, intField, moneyField } from '../../lib/fields.js';
import { StaffRepository } from '../staff/staff.repository.js';
import { toServiceWire } from './services.mapper.js';
import {
  ServicesRepository,
  type ServiceRow,
  type ServiceStaffLink,
  type ServiceValues,
} from './services.repository.js';
import {
  MAX_DURATION,
  type ServiceInput,
  type ServiceListInput,
  type ServiceWire,
} from './services.schemas.js';

type ServiceChanges = Updateable<Database['services']>;

const NOT_FOUND = 'Service';
const DEFAULT_DURATION = 3600;

/** Body fields → column values, only the fields sent (a PUT and a PATCH change only those). */
function serviceValues(input: ServiceInput): ServiceChanges {
  const values: ServiceChanges = {};
  if (input.title !== undefined) {
    values.title = input.title.trim();
    if (values.title === '') throw AppError.field('title', 'must be a non-blank string');
  }
  if (input.booking_title !== undefined) values.booking_title = input.booking_title.trim();
  if (input.category_id !== undefined) values.category_id = intField(input.category_id, 'category_id');
  for (const field of ['price_min', 'price_max'] as const) {
    const value = input[field];
    if (value === undefined) continue;
    const minor = moneyField(value, field);
    if (minor < 0) throw AppError.field(field, 'must not be negative');
    values[`${field}_minor`] = minor;
  }
  if (input.discount !== undefined) {
    const hundredths = moneyField(input.discount, 'discount');
    if (hundredths < 0 || hundredths > 100_00) throw AppError.field('discount', 'must be from 0 to 100');
    values.discount_hundredths = hundredths;
  }
  if (input.duration !== undefined) values.duration = intField(input.duration, 'duration', 0, MAX_DURATION);
  if (input.active !== undefined) values.active = intField(input.active, 'active', 0, 1);
  if (input.api_id !== undefined) values.api_id = String(input.api_id).trim();
  if (input.comment !== undefined) values.comment = input.comment;
  if (input.weight !== undefined) values.weight = intField(input.weight, 'weight');
  if (input.technical_break_duration !== undefined) {
    const raw = input.technical_break_duration;
    const seconds = raw === null ? null : intField(raw, 'technical_break_duration', 0, 3600);
    if (seconds !== null && seconds % 300 !== 0) {
      throw AppError.field('technical_break_duration', 'must be a multiple of 300 from 0 to 3600, or null');
    }
    values.technical_break_duration = seconds;
  }
  return values;
}

/** `price_min` ≤ `price_max`, named after the field the request sent. */
function checkPrices(min: number, max: number, input: ServiceInput): void {
  if (min <= max) return;
  const field = input.price_max !== undefined ? 'price_max' : 'price_min';
  throw AppError.field(
    field,
    field === 'price_max' ? 'must not be below price_min' : 'must not exceed price_max',
  );
}

/**
 * The service operations (V1); the admin CLI and the demo create services through here too, so
 * the rules live in one place.
 */
export class ServicesService {
  constructor(private readonly db: Db) {}

  /** `get_service_list`: the location's live services, in id order, filtered by category or member. */
  async list(locationId: number, query: ServiceListInput): Promise<ServiceWire[]> {
    const repo = new ServicesRepository(this.db);
    const rows = await repo.listLive(locationId, { categoryId: query.category_id, staffId: query.staff_id });
    const staff = await repo.staffOf(rows.map((r) => r.id));
    return rows.map((row) => toServiceWire(row, staff.get(row.id) ?? []));
  }

  /** `get_service`: a service of another location, or a deleted one, is 404. */
  get(locationId: number, serviceId: number): Promise<ServiceWire> {
    return this.wire(this.db, locationId, serviceId);
  }

  /**
   * `create_service`. Only `title` is required; a price left out takes the other one's value (0
   * when both are), `booking_title` the title, `duration` 3600 s.
   */
  async create(
    executor: Executor,
    locationId: number,
    input: ServiceInput & { title: string },
    id?: number,
  ): Promise<ServiceWire> {
    const values = serviceValues(input);
    const min = values.price_min_minor ?? values.price_max_minor ?? 0;
    const max = values.price_max_minor ?? min;
    checkPrices(min, max, input);
    const duration = values.duration ?? DEFAULT_DURATION;
    const links = input.staff ? await this.links(executor, locationId, input.staff, duration) : [];
    const repo = new ServicesRepository(executor);
    const serviceId = await repo.insert(
      locationId,
      {
        ...values,
        title: values.title!,
        booking_title: values.booking_title || values.title!,
        price_min_minor: min,
        price_max_minor: max,
        duration,
      } satisfies ServiceValues,
      id,
    );
    await repo.replaceStaff(serviceId, links);
    return this.wire(executor, locationId, serviceId);
  }

  /**
   * `deprecated_update_service_by_id` (PUT) and `patch_service` (PATCH): both change only the
   * fields sent. A `staff` list sent replaces the stored one.
   */
  async update(
    executor: Executor,
    locationId: number,
    serviceId: number,
    input: ServiceInput,
  ): Promise<ServiceWire> {
    const current = await this.live(executor, locationId, serviceId);
    const values = serviceValues(input);
    checkPrices(
      values.price_min_minor ?? current.price_min_minor,
      values.price_max_minor ?? current.price_max_minor,
      input,
    );
    const repo = new ServicesRepository(executor);
    if (input.staff) {
      const duration = values.duration ?? current.duration;
      await repo.replaceStaff(serviceId, await this.links(executor, locationId, input.staff, duration));
    }
    await repo.update(serviceId, values);
    return this.wire(executor, locationId, serviceId);
  }

  /**
   * `delete_service`: a soft delete. The service leaves every list and cannot be booked;
   * appointments that hold it keep their lines.
   */
  async remove(executor: Executor, locationId: number, serviceId: number): Promise<void> {
    await this.live(executor, locationId, serviceId);
    await new ServicesRepository(executor).softDelete(serviceId);
  }

  /** `staff[]` → links: live team members of this location, each once. */
  private async links(
    executor: Executor,
    locationId: number,
    staff: NonNullable<ServiceInput['staff']>,
    duration: number,
  ): Promise<ServiceStaffLink[]> {
    const links = staff.map((member, i) => ({
      staff_id: idField(member.id, `staff.${i}.id`),
      seance_length:
        member.seance_length === undefined
          ? duration
          : intField(member.seance_length, `staff.${i}.seance_length`, 0, MAX_DURATION),
    }));
    const live = await new StaffRepository(executor).liveIds(
      locationId,
      links.map((l) => l.staff_id),
    );
    const seen = new Set<number>();
    links.forEach((link, i) => {
      // An unknown id, a deleted member and another location's member are refused alike.
      if (!live.has(link.staff_id)) {
        throw AppError.field(`staff.${i}.id`, 'must be a team member of this location');
      }
      if (seen.has(link.staff_id)) throw AppError.field(`staff.${i}.id`, 'is listed twice');
      seen.add(link.staff_id);
    });
    return links;
  }

  private async live(executor: Executor, locationId: number, serviceId: number): Promise<ServiceRow> {
    const row = await new ServicesRepository(executor).liveById(locationId, serviceId);
    if (!row) throw AppError.notFound(NOT_FOUND);
    return row;
  }

  private async wire(executor: Executor, locationId: number, serviceId: number): Promise<ServiceWire> {
    const repo = new ServicesRepository(executor);
    const row = await this.live(executor, locationId, serviceId);
    const staff = await repo.staffOf([serviceId]);
    return toServiceWire(row, staff.get(serviceId) ?? []);
  }
}
