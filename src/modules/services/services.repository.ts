import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Executor } from '../../db/database.js';
import type { Database } from '../../db/schema.js';
import { nowIso } from '../../lib/time.js';

type ServiceTable = Database['services'];
export type ServiceRow = Selectable<ServiceTable>;
export type ServiceValues = Omit<
  Insertable<ServiceTable>,
  'id' | 'location_id' | 'created_at' | 'updated_at' | 'deleted_at'
>;

/** A team member who provides a service, and the session length it takes. */
export interface ServiceStaffLink {
  staff_id: number;
  seance_length: number;
}

export interface ServiceFilter {
  categoryId?: number;
  /** Only services this team member (live) provides. */
  staffId?: number;
}

/**
 * SQL for a location's services and the team members who provide them. No business rules here.
 * A service is live until it is deleted. The lookups other modules need (a live service of this
 * location by id, several at once) are here.
 */
export class ServicesRepository {
  constructor(private readonly db: Executor) {}

  /** The location's live services matching the filter, in id order. */
  listLive(locationId: number, filter: ServiceFilter = {}): Promise<ServiceRow[]> {
    let query = this.db
      .selectFrom('services')
      .selectAll()
      .where('location_id', '=', locationId)
      .where('deleted_at', 'is', null);
    if (filter.categoryId !== undefined) query = query.where('category_id', '=', filter.categoryId);
    if (filter.staffId !== undefined) {
      const staffId = filter.staffId;
      query = query.where((eb) =>
        eb.exists(
          eb
            .selectFrom('service_staff as ss')
            .innerJoin('staff as m', 'm.id', 'ss.staff_id')
            .select('ss.service_id')
            .whereRef('ss.service_id', '=', 'services.id')
            .where('ss.staff_id', '=', staffId)
            .where('m.deleted_at', 'is', null),
        ),
      );
    }
    return query.orderBy('id').execute();
  }

  /** A live service of this location (a service of another location is not found). */
  liveById(locationId: number, serviceId: number): Promise<ServiceRow | undefined> {
    return this.db
      .selectFrom('services')
      .selectAll()
      .where('id', '=', serviceId)
      .where('location_id', '=', locationId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
  }

  /** The live services of this location among these ids, by id (ids not found are absent). */
  async liveByIds(locationId: number, ids: readonly number[]): Promise<Map<number, ServiceRow>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('services')
      .selectAll()
      .where('id', 'in', [...ids])
      .where('location_id', '=', locationId)
      .where('deleted_at', 'is', null)
      .execute();
    return new Map(rows.map((row) => [row.id, row]));
  }

  /** The live team members of each service, in staff id order. */
  async staffOf(serviceIds: readonly number[]): Promise<Map<number, ServiceStaffLink[]>> {
    const links = new Map<number, ServiceStaffLink[]>(serviceIds.map((id) => [id, []]));
    if (serviceIds.length === 0) return links;
    const rows = await this.db
      .selectFrom('service_staff as ss')
      .innerJoin('staff as m', 'm.id', 'ss.staff_id')
      .select(['ss.service_id', 'ss.staff_id', 'ss.seance_length'])
      .where('ss.service_id', 'in', [...serviceIds])
      .where('m.deleted_at', 'is', null)
      .orderBy('ss.service_id')
      .orderBy('ss.staff_id')
      .execute();
    for (const row of rows) {
      links.get(row.service_id)?.push({ staff_id: row.staff_id, seance_length: row.seance_length });
    }
    return links;
  }

  async insert(locationId: number, values: ServiceValues, id?: number): Promise<number> {
    const now = nowIso();
    const row = await this.db
      .insertInto('services')
      .values({
        ...values,
        ...(id ? { id } : {}),
        location_id: locationId,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async update(serviceId: number, values: Updateable<ServiceTable>): Promise<void> {
    await this.db
      .updateTable('services')
      .set({ ...values, updated_at: nowIso() })
      .where('id', '=', serviceId)
      .execute();
  }

  /** Replaces the service's team members with these. */
  async replaceStaff(serviceId: number, links: readonly ServiceStaffLink[]): Promise<void> {
    await this.db.deleteFrom('service_staff').where('service_id', '=', serviceId).execute();
    for (const link of links) {
      await this.db
        .insertInto('service_staff')
        .values({ service_id: serviceId, staff_id: link.staff_id, seance_length: link.seance_length })
        .execute();
    }
  }

  async softDelete(serviceId: number): Promise<void> {
    const now = nowIso();
    await this.db
      .updateTable('services')
      .set({ deleted_at: now, updated_at: now })
      .where('id', '=', serviceId)
      .execute();
  }

  /** Erases the location's services and their team member links (the location is being erased). */
  async eraseOfLocation(locationId: number): Promise<void> {
    await this.db
      .deleteFrom('service_staff')
      .where('service_id', 'in', (eb) =>
        eb.selectFrom('services').select('id').where('location_id', '=', locationId),
      )
      .execute();
    await this.db.deleteFrom('services').where('location_id', '=', locationId).execute();
  }
}
