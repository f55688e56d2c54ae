import { sql, type Kysely } from 'kysely';
import type { Executor } from '../../db/database.js';
import { nowIso } from '../../lib/time.js';
import { ensureLink, insertLink, LINKS } from '../links/links.repository.js';

/** What `list` shows of each entity (the admin CLI's `<entity>:list`); `live`: without the deleted. */
const LISTED = {
  chains: { columns: ['id', 'title'] },
  locations: { columns: ['id', 'chain_id', 'title', 'active'] },
  partners: { columns: ['id', 'name'] },
  users: { columns: ['id', 'login', 'name', 'phone'] },
  clients: { columns: ['id', 'location_id', 'phone', 'name'] },
  card_types: { columns: ['id', 'chain_id', 'title'], live: true },
  programs: { columns: ['id', 'chain_id', 'title', 'loyalty_type_id', 'value_unit_id'], live: true },
  services: {
    columns: ['id', 'location_id', 'title', 'price_min_minor', 'price_max_minor', 'duration'],
    live: true,
    atLocation: true,
  },
  staff: { columns: ['id', 'location_id', 'name', 'specialization', 'fired'], live: true, atLocation: true },
  accounts: { columns: ['id', 'location_id', 'title', 'type', 'is_default'], live: true, atLocation: true },
} satisfies Record<string, Listed>;

interface Listed {
  columns: string[];
  live?: true;
  /** Rows belong to a location (`location_id`): the list may keep one location's. */
  atLocation?: true;
}

export type SetupEntity = keyof typeof LISTED;
/** The entities whose list may keep one location's rows. */
export type LocationEntity = {
  [E in SetupEntity]: (typeof LISTED)[E] extends { atLocation: true } ? E : never;
}[SetupEntity];

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
  'services',
  'staff',
  'accounts',
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

  /**
   * The entity's rows (removed card types, programs, services, team members and accounts left
   * out), in id order; `locationId` keeps one location's rows of an entity that has a location.
   */
  list(entity: SetupEntity, locationId?: number): Promise<Record<string, unknown>[]> {
    const { columns, live }: Listed = LISTED[entity];
    let query = (this.db as unknown as Kysely<any>).selectFrom(entity).select(columns);
    if (live) query = query.where('deleted_at', 'is', null);
    if (locationId !== undefined) query = query.where('location_id', '=', locationId);
    return query.orderBy('id').execute();
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
