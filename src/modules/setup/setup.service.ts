import { sql } from 'kysely';
import { inTransaction, type Db, type Executor } from '../../db/database.js';
import { AppError } from '../../errors.js';
import { normalizePhone } from '../../lib/phone.js';
import { hashPassword, hashToken, newToken } from '../../lib/secrets.js';
import { nowIso } from '../../lib/time.js';
import { CardTypesService } from '../card-types/card-types.service.js';
import { ChainsService } from '../chains/chains.service.js';
import { ClientsService } from '../clients/clients.service.js';
import { LocationsRepository } from '../locations/locations.repository.js';
import { LocationsService } from '../locations/locations.service.js';
import { ProgramsService, type ProgramInput } from '../programs/programs.service.js';

/**
 * Creating and listing the tenancy and catalogue: chains, locations, partners, users, clients,
 * card types and programs. The admin CLI, the demo dataset and the test factories go through
 * here; chains, locations, clients, card types and programs are made by the same module
 * services the HTTP operations use, so their rules (references in the chain, phones
 * normalised, one rule for fixed promotions…) live in one place.
 */
export type { ProgramInput } from '../programs/programs.service.js';

export class SetupService {
  private readonly chains: ChainsService;
  private readonly locations: LocationsService;
  private readonly clients: ClientsService;
  private readonly cardTypes: CardTypesService;
  private readonly programs: ProgramsService;

  constructor(private readonly db: Db) {
    this.chains = new ChainsService(db);
    this.locations = new LocationsService(db);
    this.clients = new ClientsService(db);
    this.cardTypes = new CardTypesService(db);
    this.programs = new ProgramsService(db);
  }

  createChain(title: string, id?: number): Promise<number> {
    return inTransaction(this.db, (trx) => this.chains.create(trx, title, id));
  }

  createLocation(chainId: number, title: string, id?: number): Promise<number> {
    return inTransaction(this.db, (trx) => this.locations.createInChain(trx, chainId, { title }, id));
  }

  /** Returns the partner id and its token, which is shown once and stored only as a hash. */
  async createPartner(name: string, options: { id?: number; token?: string } = {}) {
    const token = options.token ?? newToken();
    const row = await this.db
      .insertInto('partners')
      .values({
        ...(options.id ? { id: options.id } : {}),
        name,
        token_hash: hashToken(token),
        created_at: nowIso(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id: row.id, token };
  }

  async connectPartner(partnerId: number, locationId: number): Promise<void> {
    await this.requireRow('partners', partnerId, 'Partner');
    await this.requireRow('locations', locationId, 'Location');
    await new LocationsRepository(this.db).connectPartner(partnerId, locationId);
  }

  async rotatePartnerToken(partnerId: number): Promise<string> {
    await this.requireRow('partners', partnerId, 'Partner');
    const token = newToken();
    await this.db
      .updateTable('partners')
      .set({ token_hash: hashToken(token) })
      .where('id', '=', partnerId)
      .execute();
    return token;
  }

  async createUser(input: {
    id?: number;
    login: string;
    password: string;
    name?: string;
    phone?: string;
    email?: string;
    locationIds?: number[];
    chainIds?: number[];
    token?: string;
  }) {
    const phone = input.phone ? normalizePhone(input.phone) : '';
    const token = input.token ?? newToken();
    for (const id of input.locationIds ?? []) await this.requireRow('locations', id, 'Location');
    for (const id of input.chainIds ?? []) await this.requireChain(this.db, id);
    const taken = await this.db
      .selectFrom('users')
      .select('id')
      .where(sql<string>`lower(login)`, '=', input.login.trim().toLowerCase())
      .executeTakeFirst();
    if (taken) throw AppError.field('login', 'is already taken');
    return this.db.transaction().execute(async (trx) => {
      const user = await trx
        .insertInto('users')
        .values({
          ...(input.id ? { id: input.id } : {}),
          login: input.login.trim(),
          name: input.name ?? '',
          phone,
          email: input.email ?? (input.login.includes('@') ? input.login.trim() : ''),
          password_hash: await hashPassword(input.password),
          created_at: nowIso(),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('user_tokens')
        .values({ user_id: user.id, token_hash: hashToken(token), created_at: nowIso() })
        .execute();
      for (const locationId of input.locationIds ?? []) {
        await trx
          .insertInto('user_locations')
          .values({ user_id: user.id, location_id: locationId })
          .execute();
      }
      for (const chainId of input.chainIds ?? []) {
        await trx.insertInto('user_chains').values({ user_id: user.id, chain_id: chainId }).execute();
      }
      return { id: user.id, token };
    });
  }

  async grantUser(userId: number, grant: { locationId?: number; chainId?: number }): Promise<void> {
    await this.requireRow('users', userId, 'User');
    if (grant.locationId) {
      await this.requireRow('locations', grant.locationId, 'Location');
      await new LocationsRepository(this.db).grantUser(userId, grant.locationId);
    }
    if (grant.chainId) {
      await this.requireChain(this.db, grant.chainId);
      await this.db
        .insertInto('user_chains')
        .values({ user_id: userId, chain_id: grant.chainId })
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
  }

  createClient(locationId: number, phone: string, name: string, id?: number): Promise<number> {
    return inTransaction(this.db, (trx) => this.clients.add(trx, locationId, { phone, name }, id));
  }

  createCardType(input: {
    id?: number;
    chainId: number;
    title: string;
    locationIds?: number[];
    programIds?: number[];
  }): Promise<number> {
    return inTransaction(this.db, (trx) =>
      this.cardTypes.createFromDraft(
        trx,
        {
          chainId: input.chainId,
          title: input.title,
          locationIds: input.locationIds ?? [],
          programIds: input.programIds ?? [],
        },
        input.id,
      ),
    );
  }

  createProgram(input: ProgramInput): Promise<number> {
    return inTransaction(this.db, (trx) => this.programs.createFromInput(trx, input));
  }

  async list(entity: 'chains' | 'locations' | 'partners' | 'users' | 'clients' | 'card_types' | 'programs') {
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

  /** PostgreSQL identity sequences do not move when rows are inserted with explicit ids. */
  async resetSequences(kind: 'sqlite' | 'postgres'): Promise<void> {
    if (kind !== 'postgres') return;
    const tables = [
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
    ];
    for (const table of tables) {
      await sql`select setval(pg_get_serial_sequence(${table}, 'id'), greatest(coalesce((select max(id) from ${sql.table(table)}), 0), 1))`.execute(
        this.db,
      );
    }
  }

  private async requireChain(executor: Executor, chainId: number): Promise<void> {
    const row = await executor.selectFrom('chains').select('id').where('id', '=', chainId).executeTakeFirst();
    if (!row) throw AppError.notFound(`Chain ${chainId}`);
  }

  private async requireRow(
    table: 'partners' | 'locations' | 'users',
    id: number,
    what: string,
  ): Promise<void> {
    const row = await this.db.selectFrom(table).select('id').where('id', '=', id).executeTakeFirst();
    if (!row) throw AppError.notFound(`${what} ${id}`);
  }
}
