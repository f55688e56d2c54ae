import { sql } from 'kysely';
import type { Db, Executor } from '../../db/database.js';
import { AppError } from '../../errors.js';
import { loyaltyTypeById } from '../../lib/loyalty-types.js';
import { normalizePhone } from '../../lib/phone.js';
import { hashPassword, hashToken, newToken } from '../../lib/secrets.js';
import { nowIso } from '../../lib/time.js';

/**
 * Creating and listing the tenancy and catalogue: chains, locations, partners, users, clients,
 * card types and programs. The admin CLI and the demo dataset both go through here, so the
 * rules (references exist, phones normalised, secrets hashed) live in one place.
 */
export interface ProgramInput {
  id?: number;
  chainId: number;
  title: string;
  loyaltyTypeId: number;
  valueUnitId?: number;
  itemTypeId?: number;
  value?: number;
  /** Rules as {parameter, value}; value in currency units or percent (2 decimals at most). */
  rules?: { id?: number; parameter: number; value: number }[];
  locationIds?: number[];
  cardTypeIds?: number[];
}

export class SetupService {
  constructor(private readonly db: Db) {}

  async createChain(title: string, id?: number): Promise<number> {
    const row = await this.db
      .insertInto('chains')
      .values({ ...(id ? { id } : {}), title, created_at: nowIso() })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async createLocation(chainId: number, title: string, id?: number): Promise<number> {
    await this.requireChain(this.db, chainId);
    const row = await this.db
      .insertInto('locations')
      .values({ ...(id ? { id } : {}), chain_id: chainId, title, created_at: nowIso() })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
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
    await this.db
      .insertInto('partner_locations')
      .values({ partner_id: partnerId, location_id: locationId })
      .onConflict((oc) => oc.doNothing())
      .execute();
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
      await this.db
        .insertInto('user_locations')
        .values({ user_id: userId, location_id: grant.locationId })
        .onConflict((oc) => oc.doNothing())
        .execute();
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

  async createClient(locationId: number, phone: string, name: string, id?: number): Promise<number> {
    await this.requireRow('locations', locationId, 'Location');
    const now = nowIso();
    const row = await this.db
      .insertInto('clients')
      .values({
        ...(id ? { id } : {}),
        location_id: locationId,
        phone: normalizePhone(phone),
        name,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async createCardType(input: {
    id?: number;
    chainId: number;
    title: string;
    locationIds?: number[];
    programIds?: number[];
  }): Promise<number> {
    await this.requireChain(this.db, input.chainId);
    await this.requireInChain('locations', input.locationIds ?? [], input.chainId, 'Location');
    await this.requireInChain('programs', input.programIds ?? [], input.chainId, 'Program');
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('card_types')
        .values({
          ...(input.id ? { id: input.id } : {}),
          chain_id: input.chainId,
          title: input.title,
          created_at: nowIso(),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      for (const locationId of input.locationIds ?? []) {
        await trx
          .insertInto('card_type_locations')
          .values({ card_type_id: row.id, location_id: locationId })
          .execute();
      }
      for (const programId of input.programIds ?? []) {
        await trx
          .insertInto('card_type_programs')
          .values({ card_type_id: row.id, program_id: programId })
          .execute();
      }
      return row.id;
    });
  }

  async createProgram(input: ProgramInput): Promise<number> {
    loyaltyTypeById(input.loyaltyTypeId);
    await this.requireChain(this.db, input.chainId);
    await this.requireInChain('locations', input.locationIds ?? [], input.chainId, 'Location');
    await this.requireInChain('card_types', input.cardTypeIds ?? [], input.chainId, 'Card type');
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('programs')
        .values({
          ...(input.id ? { id: input.id } : {}),
          chain_id: input.chainId,
          title: input.title,
          loyalty_type_id: input.loyaltyTypeId,
          value_unit_id: input.valueUnitId ?? 1,
          item_type_id: input.itemTypeId ?? 0,
          value: input.value ?? 0,
          created_at: nowIso(),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      for (const rule of input.rules ?? []) {
        await trx
          .insertInto('program_rules')
          .values({
            ...(rule.id ? { id: rule.id } : {}),
            program_id: row.id,
            parameter: rule.parameter,
            value_hundredths: Math.round(rule.value * 100),
          })
          .execute();
      }
      for (const locationId of input.locationIds ?? []) {
        await trx
          .insertInto('program_locations')
          .values({ program_id: row.id, location_id: locationId })
          .execute();
      }
      for (const typeId of input.cardTypeIds ?? []) {
        await trx
          .insertInto('card_type_programs')
          .values({ card_type_id: typeId, program_id: row.id })
          .execute();
      }
      return row.id;
    });
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

  private async requireInChain(
    table: 'locations' | 'programs' | 'card_types',
    ids: number[],
    chainId: number,
    what: string,
  ): Promise<void> {
    for (const id of ids) {
      const row = await this.db.selectFrom(table).select('chain_id').where('id', '=', id).executeTakeFirst();
      if (!row || row.chain_id !== chainId)
        throw AppError.invalid(`${what} ${id} is not in chain ${chainId}.`);
    }
  }
}
