import type { Insertable, Updateable } from 'kysely';
import type { Executor } from '../../db/database.js';
import type { Database, ReferralProgramRow } from '../../db/schema.js';
import { nowIso } from '../../lib/time.js';

type ReferralProgramTable = Database['referral_programs'];
export type ReferralProgramValues = Omit<
  Insertable<ReferralProgramTable>,
  'id' | 'chain_id' | 'created_at' | 'updated_at' | 'deleted_at'
>;
export type ReferralProgramChanges = Omit<
  Updateable<ReferralProgramTable>,
  'id' | 'chain_id' | 'created_at' | 'updated_at' | 'deleted_at'
>;

/**
 * SQL for the chain's referral program. No business rules here; the database itself keeps one
 * live program per chain (a unique index: the second insert fails).
 */
export class ReferralProgramsRepository {
  constructor(private readonly db: Executor) {}

  /** The chain's live program, if it has one. */
  liveOf(chainId: number): Promise<ReferralProgramRow | undefined> {
    return this.db
      .selectFrom('referral_programs')
      .selectAll()
      .where('chain_id', '=', chainId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
  }

  async insert(chainId: number, values: ReferralProgramValues): Promise<ReferralProgramRow> {
    const now = nowIso();
    return this.db
      .insertInto('referral_programs')
      .values({ ...values, chain_id: chainId, created_at: now, updated_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /**
   * The chain's live program, taken for a change: an UPDATE, so on PostgreSQL the row stays locked
   * until the transaction ends and a concurrent change waits, then reads what this one wrote.
   */
  takeLive(chainId: number): Promise<ReferralProgramRow | undefined> {
    return this.db
      .updateTable('referral_programs')
      .set({ updated_at: nowIso() })
      .where('chain_id', '=', chainId)
      .where('deleted_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
  }

  async update(id: number, changes: ReferralProgramChanges): Promise<void> {
    if (Object.keys(changes).length === 0) return;
    await this.db.updateTable('referral_programs').set(changes).where('id', '=', id).execute();
  }

  /** Soft-deletes the chain's live program; whether there was one. */
  async removeLive(chainId: number): Promise<boolean> {
    const now = nowIso();
    const removed = await this.db
      .updateTable('referral_programs')
      .set({ deleted_at: now, updated_at: now })
      .where('chain_id', '=', chainId)
      .where('deleted_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    return removed !== undefined;
  }
}
