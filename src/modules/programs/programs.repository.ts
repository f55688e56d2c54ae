import type { Insertable, Updateable } from 'kysely';
import type { Executor } from '../../db/database.js';
import { prepared } from '../../db/prepared.js';
import { setupCached } from '../../db/setup-cache.js';
import type { ProgramRow, ProgramTable, RuleRow } from '../../db/schema.js';
import { nowIso } from '../../lib/time.js';
import { LINKS, liveLinkedIds, replaceLinks } from '../links/links.repository.js';

export interface ProgramWithRules {
  program: ProgramRow;
  rules: readonly RuleRow[];
}

type ProgramValues = Omit<Insertable<ProgramTable>, 'id' | 'created_at' | 'deleted_at'>;

export interface RuleValues {
  id?: number;
  parameter: number;
  value_hundredths: number;
  service_id: number;
}

export interface ProgramItems {
  services: number[];
  goods: number[];
  goodCategories: number[];
}

// Every card answer carries its type's programs (ops 1–3, 7, 9, 10), so these are compiled once
// (see db/prepared.ts): one query for programs active at a location, one for all of the chain's.
// `forCardTypes`, their only caller, keeps its result in the setup cache; the rules' rows are
// kept too, as the programs service reads them on its own.
const programsOfTypesQuery = (db: Executor, typeIds: number[], locationId: number | null) => {
  const query = db
    .selectFrom('programs as p')
    .innerJoin('card_type_programs as ctp', 'ctp.program_id', 'p.id')
    .selectAll('p')
    .select('ctp.card_type_id')
    .where('ctp.card_type_id', 'in', typeIds)
    .where('p.deleted_at', 'is', null);
  return (
    locationId === null
      ? query
      : query.where((eb) =>
          eb.exists(
            eb
              .selectFrom('program_locations as pl')
              .select('pl.program_id')
              .whereRef('pl.program_id', '=', 'p.id')
              .where('pl.location_id', '=', locationId),
          ),
        )
  ).orderBy('p.id');
};
const programsOfTypesAt = prepared((db, p: { typeIds: number[]; locationId: number }) =>
  programsOfTypesQuery(db, p.typeIds, p.locationId),
);
const programsOfTypes = prepared((db, p: { typeIds: number[] }) => programsOfTypesQuery(db, p.typeIds, null));
const rulesOfPrograms = prepared(
  (db, p: { programIds: number[] }) =>
    db.selectFrom('program_rules').selectAll().where('program_id', 'in', p.programIds).orderBy('id'),
  { setup: true },
);

/** SQL for programs (promotions), their rules, locations, card types and items. No business rules here. */
export class ProgramsRepository {
  constructor(private readonly db: Executor) {}

  /**
   * Live programs linked to each of these card types; with a location, only those active there
   * (SPEC §3: "programs active at the location asked about, all of the chain's otherwise").
   * Kept while the setup data is unchanged (db/setup-cache.ts): every card answer needs it.
   */
  forCardTypes(
    typeIds: number[],
    locationId: number | null,
  ): Promise<ReadonlyMap<number, readonly ProgramWithRules[]>> {
    if (typeIds.length === 0) return Promise.resolve(new Map());
    return setupCached(this.db, `programs\0${typeIds.join(',')}\0${locationId}`, async () => {
      const result = new Map<number, ProgramWithRules[]>();
      const rows =
        locationId === null
          ? await programsOfTypes(this.db, { typeIds })
          : await programsOfTypesAt(this.db, { typeIds, locationId });
      const rules = await this.rulesOf([...new Set(rows.map((r) => r.id))]);
      for (const { card_type_id, ...program } of rows) {
        const list = result.get(card_type_id) ?? [];
        list.push({ program, rules: rules.get(program.id) ?? [] });
        result.set(card_type_id, list);
      }
      return result;
    });
  }

  async rulesOf(programIds: number[]): Promise<Map<number, RuleRow[]>> {
    const result = new Map<number, RuleRow[]>();
    if (programIds.length === 0) return result;
    const rows = await rulesOfPrograms(this.db, { programIds });
    for (const rule of rows) {
      const list = result.get(rule.program_id) ?? [];
      list.push(rule);
      result.set(rule.program_id, list);
    }
    return result;
  }

  async insert(values: ProgramValues, id?: number): Promise<number> {
    const row = await this.db
      .insertInto('programs')
      .values({ ...values, ...(id ? { id } : {}), created_at: nowIso() })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  byId(chainId: number, programId: number): Promise<ProgramRow | undefined> {
    return this.db
      .selectFrom('programs')
      .selectAll()
      .where('id', '=', programId)
      .where('chain_id', '=', chainId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
  }

  async update(programId: number, values: Updateable<ProgramTable>): Promise<void> {
    if (Object.keys(values).length === 0) return;
    await this.db.updateTable('programs').set(values).where('id', '=', programId).execute();
  }

  async softDelete(programId: number): Promise<void> {
    await this.db.updateTable('programs').set({ deleted_at: nowIso() }).where('id', '=', programId).execute();
  }

  /** Live programs of the chain active at the location, optionally of one loyalty type. */
  activeAt(chainId: number, locationId: number, loyaltyTypeId?: number): Promise<ProgramRow[]> {
    let query = this.db
      .selectFrom('programs as p')
      .selectAll('p')
      .where('p.chain_id', '=', chainId)
      .where('p.deleted_at', 'is', null)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('program_locations as pl')
            .select('pl.program_id')
            .whereRef('pl.program_id', '=', 'p.id')
            .where('pl.location_id', '=', locationId),
        ),
      );
    if (loyaltyTypeId !== undefined) query = query.where('p.loyalty_type_id', '=', loyaltyTypeId);
    return query.orderBy('p.id').execute();
  }

  async replaceRules(programId: number, rules: RuleValues[]): Promise<void> {
    await this.db.deleteFrom('program_rules').where('program_id', '=', programId).execute();
    for (const { id, ...rule } of rules) {
      await this.db
        .insertInto('program_rules')
        .values({ ...rule, ...(id ? { id } : {}), program_id: programId })
        .execute();
    }
  }

  replaceLocations(programId: number, locationIds: number[]): Promise<void> {
    return replaceLinks(this.db, LINKS.programLocations, programId, locationIds);
  }

  replaceCardTypes(programId: number, cardTypeIds: number[]): Promise<void> {
    return replaceLinks(this.db, LINKS.programCardTypes, programId, cardTypeIds);
  }

  async replaceItems(programId: number, items: ProgramItems): Promise<void> {
    await this.db.deleteFrom('program_items').where('program_id', '=', programId).execute();
    const rows = [
      ...items.services.map((item_id) => ({ item_id, is_service: 1, is_category: 0 })),
      ...items.goods.map((item_id) => ({ item_id, is_service: 0, is_category: 0 })),
      ...items.goodCategories.map((item_id) => ({ item_id, is_service: 0, is_category: 1 })),
    ];
    for (const row of rows) {
      await this.db
        .insertInto('program_items')
        .values({ ...row, program_id: programId })
        .execute();
    }
  }

  async itemsOf(programId: number): Promise<ProgramItems> {
    const rows = await this.db
      .selectFrom('program_items')
      .selectAll()
      .where('program_id', '=', programId)
      .orderBy('is_service', 'desc')
      .orderBy('is_category')
      .orderBy('item_id')
      .execute();
    return {
      services: rows.filter((r) => r.is_service === 1).map((r) => r.item_id),
      goods: rows.filter((r) => r.is_service === 0 && r.is_category === 0).map((r) => r.item_id),
      goodCategories: rows.filter((r) => r.is_service === 0 && r.is_category === 1).map((r) => r.item_id),
    };
  }

  /** Live locations the program is active at. */
  locationIdsOf(programId: number): Promise<number[]> {
    return liveLinkedIds(this.db, LINKS.programLocations, programId);
  }

  /** Live card types the program is linked to. */
  cardTypesOf(programId: number) {
    return this.db
      .selectFrom('card_type_programs as ctp')
      .innerJoin('card_types as t', 't.id', 'ctp.card_type_id')
      .select(['t.id', 't.title'])
      .where('ctp.program_id', '=', programId)
      .where('t.deleted_at', 'is', null)
      .orderBy('t.id')
      .execute();
  }

  /** The date of each program's first loyalty transaction, for those that have one. */
  async firstTransactionDates(programIds: number[]): Promise<Map<number, string>> {
    if (programIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('transactions')
      .select((eb) => ['program_id', eb.fn.min('created_at').as('first')])
      .where('program_id', 'in', programIds)
      .groupBy('program_id')
      .execute();
    return new Map(rows.map((r) => [r.program_id!, r.first]));
  }
}
