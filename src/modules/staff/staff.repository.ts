import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Executor } from '../../db/database.js';
import type { Database } from '../../db/schema.js';
import { nowIso } from '../../lib/time.js';

type StaffTable = Database['staff'];
export type StaffRow = Selectable<StaffTable>;
export type StaffValues = Omit<
  Insertable<StaffTable>,
  'id' | 'location_id' | 'created_at' | 'updated_at' | 'deleted_at'
>;

/**
 * SQL for a location's team members. No business rules here. A member is live until it is
 * deleted (a fired member is live: `fired` is a flag the caller reads). The lookups other
 * modules need (a live member of this location by id) are here.
 */
export class StaffRepository {
  constructor(private readonly db: Executor) {}

  /** The location's live team members, in id order. */
  listLive(locationId: number): Promise<StaffRow[]> {
    return this.db
      .selectFrom('staff')
      .selectAll()
      .where('location_id', '=', locationId)
      .where('deleted_at', 'is', null)
      .orderBy('id')
      .execute();
  }

  /** A live team member of this location (a member of another location is not found). */
  liveById(locationId: number, staffId: number): Promise<StaffRow | undefined> {
    return this.db
      .selectFrom('staff')
      .selectAll()
      .where('id', '=', staffId)
      .where('location_id', '=', locationId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
  }

  /** Which of these ids are live team members of this location. */
  async liveIds(locationId: number, ids: readonly number[]): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('staff')
      .select('id')
      .where('id', 'in', [...ids])
      .where('location_id', '=', locationId)
      .where('deleted_at', 'is', null)
      .execute();
    return new Set(rows.map((r) => r.id));
  }

  async insert(locationId: number, values: StaffValues, id?: number): Promise<number> {
    const now = nowIso();
    const row = await this.db
      .insertInto('staff')
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

  async update(staffId: number, values: Updateable<StaffTable>): Promise<void> {
    await this.db
      .updateTable('staff')
      .set({ ...values, updated_at: nowIso() })
      .where('id', '=', staffId)
      .execute();
  }

  async softDelete(staffId: number): Promise<void> {
    const now = nowIso();
    await this.db
      .updateTable('staff')
      .set({ deleted_at: now, updated_at: now })
      .where('id', '=', staffId)
      .execute();
  }

  /** Erases the location's team members (the location itself is being erased). */
  async eraseOfLocation(locationId: number): Promise<void> {
    await this.db.deleteFrom('staff').where('location_id', '=', locationId).execute();
  }
}
