import type { Executor } from '../../db/database.js';
import { nowIso } from '../../lib/time.js';

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

  byId(chainId: number, typeId: number) {
    return this.db
      .selectFrom('card_types as t')
      .innerJoin('chains as c', 'c.id', 't.chain_id')
      .select(['t.id', 't.title', 't.chain_id', 'c.title as chain_title'])
      .where('t.id', '=', typeId)
      .where('t.chain_id', '=', chainId)
      .where('t.deleted_at', 'is', null)
      .executeTakeFirst();
  }

  async setTitle(typeId: number, title: string): Promise<void> {
    await this.db.updateTable('card_types').set({ title }).where('id', '=', typeId).execute();
  }

  async softDelete(typeId: number): Promise<void> {
    await this.db.updateTable('card_types').set({ deleted_at: nowIso() }).where('id', '=', typeId).execute();
  }

  async replaceLocations(typeId: number, locationIds: number[]): Promise<void> {
    await this.db.deleteFrom('card_type_locations').where('card_type_id', '=', typeId).execute();
    for (const locationId of locationIds) {
      await this.db
        .insertInto('card_type_locations')
        .values({ card_type_id: typeId, location_id: locationId })
        .execute();
    }
  }

  async replacePrograms(typeId: number, programIds: number[]): Promise<void> {
    await this.db.deleteFrom('card_type_programs').where('card_type_id', '=', typeId).execute();
    for (const programId of programIds) {
      await this.db
        .insertInto('card_type_programs')
        .values({ card_type_id: typeId, program_id: programId })
        .execute();
    }
  }

  async locationIdsOf(typeId: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('card_type_locations as tl')
      .innerJoin('locations as l', 'l.id', 'tl.location_id')
      .select('tl.location_id')
      .where('tl.card_type_id', '=', typeId)
      .where('l.deleted_at', 'is', null)
      .orderBy('tl.location_id')
      .execute();
    return rows.map((r) => r.location_id);
  }

  async programIdsOf(typeId: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('card_type_programs as tp')
      .innerJoin('programs as p', 'p.id', 'tp.program_id')
      .select('tp.program_id')
      .where('tp.card_type_id', '=', typeId)
      .where('p.deleted_at', 'is', null)
      .orderBy('tp.program_id')
      .execute();
    return rows.map((r) => r.program_id);
  }
}
