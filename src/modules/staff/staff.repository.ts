import type { Executor } from '../../db/database.js';
import { LocationRows, type LocationRow, type LocationRowValues } from '../../db/location-rows.js';

export type StaffRow = LocationRow<'staff'>;
export type StaffValues = LocationRowValues<'staff'>;

/**
 * SQL for a location's team members. No business rules here. A member is live until it is
 * deleted (a fired member is live: `fired` is a flag the caller reads). The lookups other
 * modules need (a live member of this location by id, which of some ids are live members) are
 * the shared ones of `LocationRows`.
 */
export class StaffRepository extends LocationRows<'staff'> {
  constructor(db: Executor) {
    super(db, 'staff');
  }
}
