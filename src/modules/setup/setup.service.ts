import { inTransaction, type Db } from '../../db/database.js';
import { AppError } from '../../errors.js';
import { normalizePhone } from '../../lib/phone.js';
import { hashPassword, hashToken, newToken } from '../../lib/secrets.js';
import type { DefaultAccount } from '../accounts/accounts.service.js';
import { AuthRepository } from '../auth/auth.repository.js';
import { CardTypesService } from '../card-types/card-types.service.js';
import { ChainsService } from '../chains/chains.service.js';
import { ClientsService } from '../clients/clients.service.js';
import { LocationsRepository } from '../locations/locations.repository.js';
import { LocationsService } from '../locations/locations.service.js';
import { ProgramsService, type ProgramInput } from '../programs/programs.service.js';
import type { ServiceInput } from '../services/services.schemas.js';
import { ServicesService } from '../services/services.service.js';
import type { TeamMemberInput } from '../staff/staff.schemas.js';
import { StaffService } from '../staff/staff.service.js';
import { SetupRepository, type LocationEntity, type SetupEntity } from './setup.repository.js';

/**
 * Creating and listing the tenancy and catalogue: chains, locations (with their default
 * accounts), partners, users, clients, card types, programs, services and team members. The admin
 * CLI, the demo dataset and the test factories go through here; chains, locations, clients, card
 * types, programs, services and team members are made by the same module services the HTTP
 * operations use, so their rules (references in the chain, phones normalised, one rule for fixed
 * promotions, price_min ≤ price_max…) live in one place.
 */

export class SetupService {
  private readonly chains: ChainsService;
  private readonly locations: LocationsService;
  private readonly clients: ClientsService;
  private readonly cardTypes: CardTypesService;
  private readonly programs: ProgramsService;
  private readonly catalog: ServicesService;
  private readonly staff: StaffService;

  constructor(private readonly db: Db) {
    this.chains = new ChainsService(db);
    this.locations = new LocationsService(db);
    this.clients = new ClientsService(db);
    this.cardTypes = new CardTypesService(db);
    this.programs = new ProgramsService(db);
    this.catalog = new ServicesService(db);
    this.staff = new StaffService(db);
  }

  createChain(title: string, id?: number): Promise<number> {
    return inTransaction(this.db, (trx) => this.chains.create(trx, title, id));
  }

  /** A location and its default accounts (`accounts` names them otherwise, as the demo does). */
  createLocation(
    chainId: number,
    title: string,
    id?: number,
    accounts?: readonly DefaultAccount[],
  ): Promise<number> {
    return inTransaction(this.db, (trx) =>
      this.locations.createInChain(trx, chainId, { title }, id, accounts),
    );
  }

  /** Returns the partner id and its token, which is shown once and stored only as a hash. */
  async createPartner(name: string, options: { id?: number; token?: string } = {}) {
    const token = options.token ?? newToken();
    const id = await new SetupRepository(this.db).insertPartner(name, hashToken(token), options.id);
    return { id, token };
  }

  async connectPartner(partnerId: number, locationId: number): Promise<void> {
    await this.requireRow('partners', partnerId, 'Partner');
    await this.requireRow('locations', locationId, 'Location');
    await new LocationsRepository(this.db).connectPartner(partnerId, locationId);
  }

  async rotatePartnerToken(partnerId: number): Promise<string> {
    await this.requireRow('partners', partnerId, 'Partner');
    const token = newToken();
    await new SetupRepository(this.db).setPartnerToken(partnerId, hashToken(token));
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
    for (const id of input.chainIds ?? []) await this.requireRow('chains', id, 'Chain');
    const login = input.login.trim();
    if (await new SetupRepository(this.db).loginTaken(login))
      throw AppError.field('login', 'is already taken');
    return this.db.transaction().execute(async (trx) => {
      const repo = new SetupRepository(trx);
      const userId = await repo.insertUser(
        {
          login,
          name: input.name ?? '',
          phone,
          email: input.email ?? (input.login.includes('@') ? login : ''),
          password_hash: await hashPassword(input.password),
        },
        input.id,
      );
      await new AuthRepository(trx).addUserToken(userId, hashToken(token));
      await repo.insertGrants(userId, input.locationIds ?? [], input.chainIds ?? []);
      return { id: userId, token };
    });
  }

  async grantUser(userId: number, grant: { locationId?: number; chainId?: number }): Promise<void> {
    await this.requireRow('users', userId, 'User');
    if (grant.locationId) {
      await this.requireRow('locations', grant.locationId, 'Location');
      await new LocationsRepository(this.db).grantUser(userId, grant.locationId);
    }
    if (grant.chainId) {
      await this.requireRow('chains', grant.chainId, 'Chain');
      await new SetupRepository(this.db).grantChain(userId, grant.chainId);
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

  /** A service at a location, by the rules of `create_service`. */
  async createService(locationId: number, input: ServiceInput & { title: string }, id?: number) {
    await this.requireRow('locations', locationId, 'Location');
    const service = await inTransaction(this.db, (trx) => this.catalog.create(trx, locationId, input, id));
    return service.id;
  }

  /** A team member at a location, by the rules of `deprecated_create_team_member`. */
  async createStaff(locationId: number, input: TeamMemberInput & { name: string }, id?: number) {
    await this.requireRow('locations', locationId, 'Location');
    const member = await inTransaction(this.db, (trx) => this.staff.create(trx, locationId, input, id));
    return member.id;
  }

  list(entity: SetupEntity): Promise<Record<string, unknown>[]>;
  list(entity: LocationEntity, locationId?: number): Promise<Record<string, unknown>[]>;
  list(entity: SetupEntity, locationId?: number) {
    return new SetupRepository(this.db).list(entity, locationId);
  }

  /** PostgreSQL identity sequences do not move when rows are inserted with explicit ids. */
  async resetSequences(kind: 'sqlite' | 'postgres'): Promise<void> {
    if (kind === 'postgres') await new SetupRepository(this.db).resetSequences();
  }

  private async requireRow(
    table: 'chains' | 'partners' | 'locations' | 'users',
    id: number,
    what: string,
  ): Promise<void> {
    if (!(await new SetupRepository(this.db).exists(table, id))) throw AppError.notFound(`${what} ${id}`);
  }
}
