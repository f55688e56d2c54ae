import type { Executor } from '../../db/database.js';
import { nowIso } from '../../lib/time.js';
import { partnerReachesChain, userGrantedChain } from '../auth/access-predicates.js';

export type ChainMemberTable = 'locations' | 'card_types' | 'programs';

/** SQL for chains. No business rules here. */
export class ChainsRepository {
  constructor(private readonly db: Executor) {}

  async insert(title: string, id?: number): Promise<number> {
    const row = await this.db
      .insertInto('chains')
      .values({ ...(id ? { id } : {}), title, created_at: nowIso() })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  byId(chainId: number) {
    return this.db.selectFrom('chains').select(['id', 'title']).where('id', '=', chainId).executeTakeFirst();
  }

  /**
   * Chains the partner reaches through a live location it is connected to; with a user, only
   * those of them the user is granted.
   */
  reachable(partnerId: number, userId: number | null) {
    let query = this.db
      .selectFrom('chains as c')
      .select(['c.id', 'c.title'])
      .where((eb) => partnerReachesChain(eb, partnerId));
    if (userId !== null) query = query.where((eb) => userGrantedChain(eb, userId));
    return query.orderBy('c.id').execute();
  }

  async grantedTo(userId: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('user_chains')
      .select('chain_id')
      .where('user_id', '=', userId)
      .orderBy('chain_id')
      .execute();
    return rows.map((r) => r.chain_id);
  }

  /** Which of these ids are live rows of the chain. */
  async liveMembers(table: ChainMemberTable, chainId: number, ids: number[]): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db
      .selectFrom(table)
      .select('id')
      .where('chain_id', '=', chainId)
      .where('id', 'in', ids)
      .where('deleted_at', 'is', null)
      .execute();
    return new Set(rows.map((r) => r.id));
  }
}
