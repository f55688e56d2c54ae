import type { Insertable, Updateable } from 'kysely';
import type { Executor } from '../../db/database.js';
import type { LocationRow, LocationTable } from '../../db/schema.js';
import { nowIso } from '../../lib/time.js';
import { partnerConnected, userGranted } from '../auth/access-predicates.js';
import { ensureLink, hasLink, LINKS } from '../links/links.repository.js';

export interface LocationWithChain extends LocationRow {
  chain_title: string;
}

interface LocationFilter {
  /** Only locations this partner is connected to. */
  partnerId: number;
  /** Only locations this user is granted (`my=1`). */
  grantedTo?: number;
  id?: number;
  chainIds?: number[];
  cityId?: number;
  businessTypeId?: number;
  minId?: number;
  includeDeleted?: boolean;
}

export type LocationValues = Omit<Insertable<LocationTable>, 'id' | 'chain_id' | 'created_at' | 'deleted_at'>;

/** SQL for locations and who may act on them. No business rules here. */
export class LocationsRepository {
  constructor(private readonly db: Executor) {}

  private withChain() {
    return this.db
      .selectFrom('locations as l')
      .innerJoin('chains as c', 'c.id', 'l.chain_id')
      .selectAll('l')
      .select('c.title as chain_title');
  }

  byId(locationId: number): Promise<LocationWithChain | undefined> {
    return this.withChain()
      .where('l.id', '=', locationId)
      .where('l.deleted_at', 'is', null)
      .executeTakeFirst();
  }

  /** Live locations with these ids, in id order. */
  byIds(ids: number[]): Promise<LocationWithChain[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.withChain()
      .where('l.id', 'in', ids)
      .where('l.deleted_at', 'is', null)
      .orderBy('l.id')
      .execute();
  }

  /** Matching locations in id order, one page of them when `page` is given, and how many match. */
  async list(
    filter: LocationFilter,
    page?: { limit: number; offset: number },
  ): Promise<{ rows: LocationWithChain[]; total: number }> {
    let base = this.db
      .selectFrom('locations as l')
      .innerJoin('chains as c', 'c.id', 'l.chain_id')
      .where((eb) => partnerConnected(eb, filter.partnerId));
    if (filter.grantedTo !== undefined) {
      const userId = filter.grantedTo;
      base = base.where((eb) => userGranted(eb, userId));
    }
    if (!filter.includeDeleted) base = base.where('l.deleted_at', 'is', null);
    if (filter.id !== undefined) base = base.where('l.id', '=', filter.id);
    if (filter.chainIds !== undefined) {
      if (filter.chainIds.length === 0) return { rows: [], total: 0 };
      base = base.where('l.chain_id', 'in', filter.chainIds);
    }
    if (filter.cityId !== undefined) base = base.where('l.city_id', '=', filter.cityId);
    if (filter.businessTypeId !== undefined)
      base = base.where('l.business_type_id', '=', filter.businessTypeId);
    if (filter.minId !== undefined) base = base.where('l.id', '>=', filter.minId);

    const { total } = await base
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .executeTakeFirstOrThrow();
    let rows = base.selectAll('l').select('c.title as chain_title').orderBy('l.id');
    if (page) rows = rows.limit(page.limit).offset(page.offset);
    return { rows: await rows.execute(), total: Number(total) };
  }

  async insert(chainId: number, values: LocationValues, id?: number): Promise<number> {
    const row = await this.db
      .insertInto('locations')
      .values({ ...values, ...(id ? { id } : {}), chain_id: chainId, created_at: nowIso() })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async update(locationId: number, values: Updateable<LocationTable>): Promise<void> {
    if (Object.keys(values).length === 0) return;
    await this.db.updateTable('locations').set(values).where('id', '=', locationId).execute();
  }

  /** Whether anything that must outlive the location refers to it. */
  async hasHistory(locationId: number): Promise<boolean> {
    const [client, card, transaction, visit] = await Promise.all([
      this.db
        .selectFrom('clients')
        .select('id')
        .where('location_id', '=', locationId)
        .limit(1)
        .executeTakeFirst(),
      this.db
        .selectFrom('cards')
        .select('id')
        .where('issued_location_id', '=', locationId)
        .limit(1)
        .executeTakeFirst(),
      this.db
        .selectFrom('transactions')
        .select('id')
        .where('location_id', '=', locationId)
        .limit(1)
        .executeTakeFirst(),
      this.db
        .selectFrom('visits')
        .select('id')
        .where('location_id', '=', locationId)
        .limit(1)
        .executeTakeFirst(),
    ]);
    return Boolean(client ?? card ?? transaction ?? visit);
  }

  /** Erases the row; partner, user, card type and program links go with it (cascade). */
  async erase(locationId: number): Promise<void> {
    await this.db.deleteFrom('locations').where('id', '=', locationId).execute();
  }

  async deactivate(locationId: number): Promise<void> {
    await this.db
      .updateTable('locations')
      .set({ deleted_at: nowIso(), active: 0 })
      .where('id', '=', locationId)
      .execute();
  }

  connectPartner(partnerId: number, locationId: number): Promise<void> {
    return ensureLink(this.db, LINKS.partnerLocations, partnerId, locationId);
  }

  grantUser(userId: number, locationId: number): Promise<void> {
    return ensureLink(this.db, LINKS.userLocations, userId, locationId);
  }

  isConnected(partnerId: number, locationId: number): Promise<boolean> {
    return hasLink(this.db, LINKS.partnerLocations, partnerId, locationId);
  }

  isGranted(userId: number, locationId: number): Promise<boolean> {
    return hasLink(this.db, LINKS.userLocations, userId, locationId);
  }
}
