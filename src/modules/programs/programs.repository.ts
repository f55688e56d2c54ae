import type { Executor } from '../../db/database.js';
import type { ProgramRow, RuleRow } from '../../db/schema.js';

export interface ProgramWithRules {
  program: ProgramRow;
  rules: RuleRow[];
}

/** Reads of programs (promotions) that the card operations need. */
export class ProgramsRepository {
  constructor(private readonly db: Executor) {}

  /**
   * Live programs linked to each of these card types; with a location, only those active there
   * (SPEC §3: "programs active at the location asked about, all of the chain's otherwise").
   */
  async forCardTypes(typeIds: number[], locationId: number | null): Promise<Map<number, ProgramWithRules[]>> {
    const result = new Map<number, ProgramWithRules[]>();
    if (typeIds.length === 0) return result;
    let query = this.db
      .selectFrom('programs as p')
      .innerJoin('card_type_programs as ctp', 'ctp.program_id', 'p.id')
      .selectAll('p')
      .select('ctp.card_type_id')
      .where('ctp.card_type_id', 'in', typeIds)
      .where('p.deleted_at', 'is', null);
    if (locationId !== null) {
      query = query.where((eb) =>
        eb.exists(
          eb
            .selectFrom('program_locations as pl')
            .select('pl.program_id')
            .whereRef('pl.program_id', '=', 'p.id')
            .where('pl.location_id', '=', locationId),
        ),
      );
    }
    const rows = await query.orderBy('p.id').execute();
    const rules = await this.rulesOf([...new Set(rows.map((r) => r.id))]);
    for (const { card_type_id, ...program } of rows) {
      const list = result.get(card_type_id) ?? [];
      list.push({ program, rules: rules.get(program.id) ?? [] });
      result.set(card_type_id, list);
    }
    return result;
  }

  async rulesOf(programIds: number[]): Promise<Map<number, RuleRow[]>> {
    const result = new Map<number, RuleRow[]>();
    if (programIds.length === 0) return result;
    const rows = await this.db
      .selectFrom('program_rules')
      .selectAll()
      .where('program_id', 'in', programIds)
      .orderBy('id')
      .execute();
    for (const rule of rows) {
      const list = result.get(rule.program_id) ?? [];
      list.push(rule);
      result.set(rule.program_id, list);
    }
    return result;
  }
}
