import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { nowIso } from '../../lib/time.js';
import { ensureLink, insertLink, LINKS } from '../links/links.repository.js';

/** What `list` lists (the admin CLI's `<entity>:list`). */
export type SetupEntity =
  'chains' | 'locations' | 'partners' | 'users' | 'clients' | 'card_types' | 'programs';

/** Tables with an identity column (PostgreSQL sequences to move past explicit ids). */
const TABLES_WITH_IDS = [
  'chains',
  'locations',
  'clients',
  'partners',
  'users',
  'user_tokens',
  'card_types',
  'programs',
  'program_rules',
  'cards',
  'transactions',
] as const;

/** SQL for partners, users and their grants as the setup service creates them. No business rules here. */
export class SetupRepository {
  constructor(private readonly db: Executor) {}

  async exists(table: 'chains' | 'partners' | 'locations' | 'users', id: number): Promise<boolean> {
    const row = await this.db.selectFrom(table).select('id').where('id', '=', id).executeTakeFirst();
    return row !== undefined;
  }

  async insertPartner(name: string, tokenHash: string, id?: number): Promise<number> {
    const row = await this.db
      .insertInto('partners')
      .values({ ...(id ? { id } : {}), name, token_hash: tokenHash, created_at: nowIso() })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async setPartnerToken(partnerId: number, tokenHash: string): Promise<void> {
    await this.db
      .updateTable('partners')
      .set({ token_hash: tokenHash })
      .where('id', '=', partnerId)
      .execute();
  }

  /** Whether a user has this login, in any case. */
  async loginTaken(login: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('users')
      .select('id')
      .where(sql<string>`lower(login)`, '=', login.toLowerCase())
      .executeTakeFirst();
    return row !== undefined;
  }

  async insertUser(
    values: { login: string; name: string; phone: string; email: string; password_hash: string },
    id?: number,
  ): Promise<number> {
    const row = await this.db
      .insertInto('users')
      .values({ ...(id ? { id } : {}), ...values, created_at: nowIso() })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** A new user's grants (a repeated id is an error, as for any new row). */
  async insertGrants(userId: number, locationIds: number[], chainIds: number[]): Promise<void> {
    for (const locationId of locationIds) await insertLink(this.db, LINKS.userLocations, userId, locationId);
    for (const chainId of chainIds) await insertLink(this.db, LINKS.userChains, userId, chainId);
  }

  /** Grants the chain; a grant the user already has stays as it is. */
  grantChain(userId: number, chainId: number): Promise<void> {
    return ensureLink(this.db, LINKS.userChains, userId, chainId);
  }

  list(entity: SetupEntity) {
    switch (entity) {
      case 'chains':
        return this.db.selectFrom('chains').select(['id', 'title']).orderBy('id').execute();
      case 'locations':
        return this.db
          .selectFrom('locations')
          .select(['id', 'chain_id', 'title', 'active'])
          .orderBy('id')
          .execute();
      case 'partners':
        return this.db.selectFrom('partners').select(['id', 'name']).orderBy('id').execute();
      case 'users':
        return this.db.selectFrom('users').select(['id', 'login', 'name', 'phone']).orderBy('id').execute();
      case 'clients':
        return this.db
          .selectFrom('clients')
          .select(['id', 'location_id', 'phone', 'name'])
          .orderBy('id')
          .execute();
      case 'card_types':
        return this.db
          .selectFrom('card_types')
          .select(['id', 'chain_id', 'title'])
          .where('deleted_at', 'is', null)
          .orderBy('id')
          .execute();
      case 'programs':
        return this.db
          .selectFrom('programs')
          .select(['id', 'chain_id', 'title', 'loyalty_type_id', 'value_unit_id'])
          .where('deleted_at', 'is', null)
          .orderBy('id')
          .execute();
    }
  }

  /** PostgreSQL: each identity sequence moves past the largest id (rows inserted with explicit ids). */
  async resetSequences(): Promise<void> {
    for (const table of TABLES_WITH_IDS) {
      await sql`select setval(pg_get_serial_sequence(${table}, 'id'), greatest(coalesce((select max(id) from ${sql.table(table)}), 0), 1))`.execute(
        this.db,
      );
    }
  }
}
