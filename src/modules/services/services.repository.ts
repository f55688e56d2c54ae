import type { Executor } from '../../db/database.js';
import { LocationRows, type LocationRow, type LocationRowValues } from '../../db/location-rows.js';

export type ServiceRow = LocationRow<'services'>;
export type ServiceValues = LocationRowValues<'services'>;

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
 * location by id, several at once) are the shared ones of `LocationRows`.
 */
export class ServicesRepository extends LocationRows<'services'> {
  constructor(db: Executor) {
    super(db, 'services');
  }

  /** The location's live services matching the filter, in id order. */
  override listLive(locationId: number, filter: ServiceFilter = {}): Promise<ServiceRow[]> {
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

  /** Erases the location's services and their team member links (the location is being erased). */
  override async eraseOfLocation(locationId: number): Promise<void> {
    await this.db
      .deleteFrom('service_staff')
      .where('service_id', 'in', (eb) =>
        eb.selectFrom('services').select('id').where('location_id', '=', locationId),
      )
      .execute();
    await super.eraseOfLocation(locationId);
  }
}
