import type { Executor } from '../../db/database.js';

/**
 * The catalogue reads appointments and visits need: a location's live services, team members and
 * accounts. Small and read-only on purpose: the catalogue's own modules (services, staff,
 * accounts: SPEC §6.2 V1–V3) are another branch's; once they land, these functions move into
 * their repositories (same names). No business rules here.
 */
export class CatalogueRepository {
  constructor(private readonly db: Executor) {}

  /** The location's live services among `ids`, with the price a line defaults to. */
  liveServicesOfLocation(locationId: number, ids: readonly number[]) {
    if (ids.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('services')
      .select(['id', 'title', 'price_min_minor'])
      .where('location_id', '=', locationId)
      .where('id', 'in', ids)
      .where('deleted_at', 'is', null)
      .execute();
  }

  /** The location's live team member with this id, if any. */
  liveStaffOfLocation(locationId: number, staffId: number) {
    return this.db
      .selectFrom('staff')
      .select(['id', 'name'])
      .where('location_id', '=', locationId)
      .where('id', '=', staffId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
  }

  /** The location's live accounts among `ids`. */
  liveAccountsOfLocation(locationId: number, ids: readonly number[]) {
    if (ids.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('accounts')
      .select(['id', 'title', 'type'])
      .where('location_id', '=', locationId)
      .where('id', 'in', ids)
      .where('deleted_at', 'is', null)
      .execute();
  }

  /** The location's default live account of a type (0 cash, 1 non-cash), if it has one. */
  defaultAccountOfLocation(locationId: number, type: 0 | 1) {
    return this.db
      .selectFrom('accounts')
      .select(['id', 'title', 'type'])
      .where('location_id', '=', locationId)
      .where('type', '=', type)
      .where('is_default', '=', 1)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
  }
}
