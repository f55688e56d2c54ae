import type { Updateable } from 'kysely';
import type { Db, Executor } from '../../db/database.js';
import type { Database } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { intField, phoneField } from '../../lib/fields.js';
import { hasLink, LINKS } from '../links/links.repository.js';
import { toTeamMemberByIdWire, toTeamMemberWire } from './staff.mapper.js';
import { StaffRepository, type StaffValues } from './staff.repository.js';
import type {
  QuickTeamMemberInput,
  TeamMemberByIdWire,
  TeamMemberInput,
  TeamMemberWire,
} from './staff.schemas.js';

type StaffChanges = Updateable<Database['staff']>;

const NOT_FOUND = 'Team member';

const flag = (value: boolean) => (value ? 1 : 0);

/** The optional phones of the quick create: null or "" is none. */
function optionalPhone(value: unknown, field: string): string {
  return value === null || value === undefined || value === '' ? '' : phoneField(value, field);
}

/**
 * The body of `deprecated_create_team_member` / `update_team_member` → column values, only the
 * fields sent. `user_id` must name a user granted this location (0 unlinks).
 */
async function memberValues(
  executor: Executor,
  locationId: number,
  input: TeamMemberInput,
): Promise<StaffChanges> {
  const values: StaffChanges = {};
  if (input.name !== undefined) values.name = input.name.trim();
  if (input.specialization !== undefined) values.specialization = input.specialization.trim();
  if (input.information !== undefined) values.information = input.information;
  if (input.api_id !== undefined) values.api_id = String(input.api_id).trim();
  if (input.weight !== undefined) values.weight = intField(input.weight, 'weight');
  if (input.fired !== undefined) values.fired = intField(input.fired, 'fired', 0, 1);
  if (input.hidden !== undefined) values.hidden = intField(input.hidden, 'hidden', 0, 1);
  if (input.is_paid_staff !== undefined) values.is_paid_staff = flag(input.is_paid_staff);
  if (input.is_included_in_payment_policy !== undefined) {
    values.is_included_in_payment_policy = flag(input.is_included_in_payment_policy);
  }
  if (input.has_access_timetable !== undefined) {
    values.has_access_timetable = flag(input.has_access_timetable);
  }
  if (input.user_id !== undefined) {
    const userId = intField(input.user_id, 'user_id');
    // An unknown user and a user of another tenant are refused alike.
    if (userId !== 0 && !(await hasLink(executor, LINKS.userLocations, userId, locationId))) {
      throw AppError.field('user_id', 'must be a user granted this location, or 0');
    }
    values.user_id = userId === 0 ? null : userId;
  }
  return values;
}

/** The team member operations (V2); the admin CLI and the demo create members through here too. */
export class StaffService {
  constructor(private readonly db: Db) {}

  /** `get_team_member_list`: the location's team members, in id order. */
  async list(locationId: number): Promise<TeamMemberWire[]> {
    return (await new StaffRepository(this.db).listLive(locationId)).map(toTeamMemberWire);
  }

  /** `get_team_member`: one object; a member of another location, or a deleted one, is 404. */
  async get(locationId: number, staffId: number): Promise<TeamMemberWire> {
    return toTeamMemberWire(await this.live(this.db, locationId, staffId));
  }

  /** `get_team_member_by_id`: the same member as an array of one, with Altegio's string fields. */
  async getAsList(locationId: number, staffId: number): Promise<TeamMemberByIdWire[]> {
    return [toTeamMemberByIdWire(await this.live(this.db, locationId, staffId))];
  }

  /**
   * `create_team_member_quick`. Altegio lists seven required fields; here `name` and
   * `specialization` are required and the rest optional. No position catalogue exists, so
   * `position_id` may only be null or 0.
   */
  async createQuick(
    executor: Executor,
    locationId: number,
    input: QuickTeamMemberInput,
  ): Promise<TeamMemberWire> {
    const position = input.position_id ?? null;
    if (position !== null && intField(position, 'position_id') !== 0) {
      throw AppError.field('position_id', 'must be null or 0: this server keeps no positions');
    }
    const values: StaffValues = {
      name: input.name.trim(),
      specialization: input.specialization.trim(),
      phone_number: optionalPhone(input.phone_number, 'phone_number'),
      user_phone: optionalPhone(input.user_phone, 'user_phone'),
      user_email: (input.user_email ?? '').trim(),
      is_paid_staff: flag(input.is_paid_staff ?? false),
    };
    const id = await new StaffRepository(executor).insert(locationId, values);
    return toTeamMemberWire(await this.live(executor, locationId, id));
  }

  /** `deprecated_create_team_member` (and the admin CLI, the demo: `id` fixed there). */
  async create(
    executor: Executor,
    locationId: number,
    input: TeamMemberInput & { name: string },
    id?: number,
  ): Promise<TeamMemberWire> {
    const values = await memberValues(executor, locationId, input);
    if (!values.name) throw AppError.field('name', 'must be a non-blank string');
    const staffId = await new StaffRepository(executor).insert(
      locationId,
      { ...values, name: values.name } as StaffValues,
      id,
    );
    return toTeamMemberWire(await this.live(executor, locationId, staffId));
  }

  /** `update_team_member`: only the fields sent change (Altegio's body has no required field). */
  async update(
    executor: Executor,
    locationId: number,
    staffId: number,
    input: TeamMemberInput,
  ): Promise<TeamMemberWire> {
    await this.live(executor, locationId, staffId);
    const values = await memberValues(executor, locationId, input);
    if (values.name === '') throw AppError.field('name', 'must be a non-blank string');
    await new StaffRepository(executor).update(staffId, values);
    return toTeamMemberWire(await this.live(executor, locationId, staffId));
  }

  /**
   * `delete_team_member`: a soft delete. The member leaves every list and the services' `staff`,
   * and cannot be booked; appointments that name it keep it.
   */
  async remove(executor: Executor, locationId: number, staffId: number): Promise<void> {
    await this.live(executor, locationId, staffId);
    await new StaffRepository(executor).softDelete(staffId);
  }

  private async live(executor: Executor, locationId: number, staffId: number) {
    const row = await new StaffRepository(executor).liveById(locationId, staffId);
    if (!row) throw AppError.notFound(NOT_FOUND);
    return row;
  }
}
