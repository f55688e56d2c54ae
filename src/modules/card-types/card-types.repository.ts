import type { Executor } from '../../db/database.js';
import { nowIso } from '../../lib/time.js';
import { LINKS, liveLinkedIds, replaceLinks } from '../links/links.repository.js';

/** SQL for card types and their issuable locations and linked programs. No business rules here. */
export class CardTypesRepository {
  constructor(private readonly db: Executor) {}

  async insert(chainId: number, title: string, id?: number): Promise<number> {
    const row = await this.db
      .insertInto('card_types')
      .values({ ...(id ? { id } : {}), chain_id: chainId, title, created_at: nowIso() })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** Live card types with their chain's title. */
  private live() {
    return this.db
      .selectFrom('card_types as t')
      .innerJoin('chains as c', 'c.id', 't.chain_id')
      .select(['t.id', 't.title', 't.chain_id', 'c.title as chain_title'])
      .where('t.deleted_at', 'is', null);
  }

  byId(chainId: number, typeId: number) {
    return this.live().where('t.id', '=', typeId).where('t.chain_id', '=', chainId).executeTakeFirst();
  }

  /** The chain's live card types, in id order; with a location, only those issuable there. */
  ofChain(chainId: number, issuableAt: number | null) {
    let query = this.live().where('t.chain_id', '=', chainId);
    if (issuableAt !== null) {
      query = query.where((eb) =>
        eb.exists(
          eb
            .selectFrom('card_type_locations as tl')
            .select('tl.card_type_id')
            .whereRef('tl.card_type_id', '=', 't.id')
            .where('tl.location_id', '=', issuableAt),
        ),
      );
    }
    return query.orderBy('t.id').execute();
  }

  async setTitle(typeId: number, title: string): Promise<void> {
    await this.db.updateTable('card_types').set({ title }).where('id', '=', typeId).execute();
  }

  async softDelete(typeId: number): Promise<void> {
    await this.db.updateTable('card_types').set({ deleted_at: nowIso() }).where('id', '=', typeId).execute();
  }

  replaceLocations(typeId: number, locationIds: number[]): Promise<void> {
    return replaceLinks(this.db, LINKS.cardTypeLocations, typeId, locationIds);
  }

  replacePrograms(typeId: number, programIds: number[]): Promise<void> {
    return replaceLinks(this.db, LINKS.cardTypePrograms, typeId, programIds);
  }

  /** Live locations the type is issued at. */
  locationIdsOf(typeId: number): Promise<number[]> {
    return liveLinkedIds(this.db, LINKS.cardTypeLocations, typeId);
  }

  /** Live programs the type carries. */
  programIdsOf(typeId: number): Promise<number[]> {
    return liveLinkedIds(this.db, LINKS.cardTypePrograms, typeId);
  }
}
