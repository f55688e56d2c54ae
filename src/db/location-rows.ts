import type { Generated, Insertable, Kysely, Selectable, Updateable } from 'kysely';
import { nowIso } from '../lib/time.js';
import type { Executor } from './connections.js';
import { prepared } from './prepared.js';
import type { Database } from './schema.js';

/** The columns of a row a location owns, stamped when written and deleted softly. */
interface LocationOwned {
  id: Generated<number>;
  location_id: number;
  created_at: string;
  updated_at: string;
  /** Set when deleted: the row stays (what refers to it keeps it) but is no longer live. */
  deleted_at: string | null;
}

/** The tables of location-owned rows (`services`, `staff`, `accounts`, `clients`, …). */
export type LocationRowTable = {
  [T in keyof Database]: Database[T] extends LocationOwned ? T : never;
}[keyof Database];

export type LocationRow<T extends LocationRowTable> = Selectable<Database[T]>;

/** A new row's own values: the owner, the stamps and the id (see `insert`) are the helper's. */
export type LocationRowValues<T extends LocationRowTable> = Omit<
  Insertable<Database[T]>,
  keyof LocationOwned
>;

/** Any one of those tables, as the queries below see it (they touch only the shared columns). */
type AnyLocationTable = Kysely<Record<string, LocationOwned>>;

/** A live row of a location by id, and among ids: compiled once per table (db/prepared.ts). */
function liveQueries(table: string) {
  const live = (db: Executor, locationId: number) =>
    (db as unknown as AnyLocationTable)
      .selectFrom(table)
      .selectAll()
      .where('location_id', '=', locationId)
      .where('deleted_at', 'is', null);
  return {
    byId: prepared((db, p: { locationId: number; id: number }) =>
      live(db, p.locationId).where('id', '=', p.id),
    ),
    byIds: prepared((db, p: { locationId: number; ids: number[] }) =>
      live(db, p.locationId).where('id', 'in', p.ids),
    ),
  };
}

const LIVE_QUERIES = new Map<string, ReturnType<typeof liveQueries>>();

/**
 * The SQL every table of location-owned rows needs, written once: a row is live until it is
 * deleted, and a row of another location is not found (as if it did not exist). A feature's
 * repository extends this with the table's name and adds its own queries. No business rules.
 */
export class LocationRows<T extends LocationRowTable> {
  readonly #rows: AnyLocationTable;
  readonly #table: string;

  constructor(
    protected readonly db: Executor,
    table: T,
  ) {
    this.#rows = db as unknown as AnyLocationTable;
    this.#table = table;
  }

  get #queries() {
    let queries = LIVE_QUERIES.get(this.#table);
    if (!queries) LIVE_QUERIES.set(this.#table, (queries = liveQueries(this.#table)));
    return queries;
  }

  #live(locationId: number) {
    return this.#rows
      .selectFrom(this.#table)
      .where('location_id', '=', locationId)
      .where('deleted_at', 'is', null);
  }

  /** The location's live rows, in id order. */
  listLive(locationId: number): Promise<LocationRow<T>[]> {
    return this.#live(locationId).selectAll().orderBy('id').execute() as Promise<LocationRow<T>[]>;
  }

  /** A live row of this location. */
  liveById(locationId: number, id: number): Promise<LocationRow<T> | undefined> {
    return this.#queries
      .byId(this.db, { locationId, id })
      .then((rows) => rows[0] as LocationRow<T> | undefined);
  }

  /** The live rows of this location among these ids, by id (ids not found are absent). */
  async liveByIds(locationId: number, ids: readonly number[]): Promise<Map<number, LocationRow<T>>> {
    if (ids.length === 0) return new Map();
    const rows = await this.#queries.byIds(this.db, { locationId, ids: [...ids] });
    return new Map(rows.map((row) => [row.id, row as LocationRow<T>]));
  }

  /** Which of these ids are live rows of this location. */
  async liveIds(locationId: number, ids: readonly number[]): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    const rows = await this.#live(locationId)
      .select('id')
      .where('id', 'in', [...ids])
      .execute();
    return new Set(rows.map((row) => row.id));
  }

  /** A new row of the location, stamped; `id` when it must have that one (demo data). */
  async insert(locationId: number, values: LocationRowValues<T>, id?: number): Promise<number> {
    const now = nowIso();
    const row = await this.#rows
      .insertInto(this.#table)
      .values({
        ...(values as object),
        ...(id ? { id } : {}),
        location_id: locationId,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async update(id: number, values: Updateable<Database[T]>): Promise<void> {
    await this.#rows
      .updateTable(this.#table)
      .set({ ...(values as object), updated_at: nowIso() })
      .where('id', '=', id)
      .execute();
  }

  async softDelete(id: number): Promise<void> {
    const now = nowIso();
    await this.#rows
      .updateTable(this.#table)
      .set({ deleted_at: now, updated_at: now })
      .where('id', '=', id)
      .execute();
  }

  /** Erases the location's rows, deleted ones too (the location itself is being erased). */
  async eraseOfLocation(locationId: number): Promise<void> {
    await this.#rows.deleteFrom(this.#table).where('location_id', '=', locationId).execute();
  }
}
