import type { Updateable } from 'kysely';
import type { Db, Executor } from '../../db/database.js';
import type { LocationTable } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { parseId } from '../../lib/ids.js';
import type { AuthContext } from '../../http/access.js';
import { intField, pageOf, phoneField } from '../../lib/fields.js';
import { AccountsRepository } from '../accounts/accounts.repository.js';
import { createDefaultAccounts, type DefaultAccount } from '../accounts/accounts.service.js';
import { ChainsRepository } from '../chains/chains.repository.js';
import { ServicesRepository } from '../services/services.repository.js';
import { StaffRepository } from '../staff/staff.repository.js';
import { accessWire, toLocationWire } from './locations.mapper.js';
import { LocationsRepository, type LocationValues } from './locations.repository.js';
import type {
  CreateLocationInput,
  LocationGetInput,
  LocationListInput,
  LocationWire,
  UpdateLocationInput,
} from './locations.schemas.js';

const TEXT_FIELDS = [
  'title',
  'public_title',
  'short_descr',
  'description',
  'address',
  'city',
  'country',
  'site',
  'zip',
  'email',
] as const;

function coordinate(value: unknown, field: string, limit: number): number {
  const number = typeof value === 'string' ? Number(value.trim()) : value;
  if (typeof number !== 'number' || !Number.isFinite(number) || Math.abs(number) > limit) {
    throw AppError.field(field, `must be a number between -${limit} and ${limit}`);
  }
  return number;
}

/** Body fields → column values; only the fields sent. */
function locationValues(input: UpdateLocationInput, currentSocial = '{}'): Updateable<LocationTable> {
  const values: Updateable<LocationTable> = {};
  for (const field of TEXT_FIELDS) {
    const value = input[field];
    if (value !== undefined) values[field] = value.trim();
  }
  if (values.title === '') throw AppError.field('title', 'must not be empty');
  if (input.city_id !== undefined) values.city_id = intField(input.city_id, 'city_id');
  if (input.country_id !== undefined) values.country_id = intField(input.country_id, 'country_id');
  if (input.business_type_id !== undefined) {
    values.business_type_id = intField(input.business_type_id, 'business_type_id');
  }
  if (input.coordinate_lat !== undefined) {
    values.coordinate_lat = coordinate(input.coordinate_lat, 'coordinate_lat', 90);
  }
  const longitude = input.coordinate_lon ?? input.coordinate_lot;
  if (longitude !== undefined) {
    values.coordinate_lon = coordinate(
      longitude,
      input.coordinate_lon === undefined ? 'coordinate_lot' : 'coordinate_lon',
      180,
    );
  }
  if (input.phones !== undefined) {
    const phones = input.phones.map((p, i) => phoneField(p, `phones.${i}`));
    values.phones = JSON.stringify(phones);
    values.phone = phones[0] ?? '';
  }
  if (input.social !== undefined) {
    // A change names only the networks it changes; the others keep their links.
    const social = { ...(JSON.parse(currentSocial) as Record<string, string>) };
    for (const [network, link] of Object.entries(input.social)) {
      if (typeof link === 'string') social[network] = link.trim();
    }
    values.social = JSON.stringify(social);
  }
  return values;
}

/** The Locations operations (LOC-1…LOC-5) and the location creation the admin CLI uses. */
export class LocationsService {
  constructor(private readonly db: Db) {}

  /** LOC-1. The partner's locations; `my=1` narrows to those the user is granted. */
  async list(auth: AuthContext, query: LocationListInput): Promise<{ data: LocationWire[]; total: number }> {
    if (query.my === 1 && !auth.user) throw AppError.unauthorized();
    const size = query.count ?? 1000;
    const { rows, total } = await new LocationsRepository(this.db).list(
      {
        partnerId: auth.partnerId,
        grantedTo: query.my === 1 ? auth.user!.id : undefined,
        id: query.id,
        chainIds: query.group_id === undefined ? undefined : [query.group_id],
        cityId: query.city_id,
        businessTypeId: query.business_type_id,
        minId: query.min_id,
        includeDeleted: query.show_deleted === 1 && query.active !== 1,
      },
      pageOf(query.page, size),
    );
    return { data: rows.map((row) => toLocationWire(row, { showGroups: query.show_groups === 1 })), total };
  }

  /** LOC-3. A location the partner is not connected to does not exist for it. */
  async get(auth: AuthContext, locationId: number, query: LocationGetInput): Promise<LocationWire> {
    const repo = new LocationsRepository(this.db);
    const row = await repo.byId(locationId);
    if (!row || !(await repo.isConnected(auth.partnerId, locationId))) throw AppError.notFound('Location');
    let access;
    if (query.my === 1) {
      if (!auth.user) throw AppError.unauthorized();
      if (!(await repo.isGranted(auth.user.id, locationId))) throw AppError.forbidden();
      access = accessWire(true);
    }
    return toLocationWire(row, { access, showGroups: query.show_groups === 1 });
  }

  /**
   * LOC-2. The new location joins a chain the user is granted (named by `group_id`, or the
   * user's only chain); the calling partner is connected to it and the user granted it.
   */
  async create(executor: Executor, auth: AuthContext, input: CreateLocationInput): Promise<LocationWire> {
    const user = auth.user;
    if (!user) throw AppError.unauthorized();
    const chainId = await this.chainForNewLocation(executor, user.id, input);
    const locationId = await this.createInChain(executor, chainId, input);
    const repo = new LocationsRepository(executor);
    await repo.connectPartner(auth.partnerId, locationId);
    await repo.grantUser(user.id, locationId);
    return this.wire(executor, locationId);
  }

  /**
   * A location in a chain, from the body fields, with its default cash and non-cash accounts
   * (SPEC §6.1; `accounts` names them otherwise, as the demo does); shared by LOC-2, the admin CLI
   * and the demo dataset.
   */
  async createInChain(
    executor: Executor,
    chainId: number,
    input: UpdateLocationInput,
    id?: number,
    accounts?: readonly DefaultAccount[],
  ): Promise<number> {
    if (!input.title?.trim()) throw AppError.field('title', 'is required');
    if (!(await new ChainsRepository(executor).byId(chainId))) throw AppError.notFound(`Chain ${chainId}`);
    const values = { ...locationValues(input), title: input.title.trim() } as LocationValues;
    const locationId = await new LocationsRepository(executor).insert(chainId, values, id);
    await createDefaultAccounts(executor, locationId, accounts);
    return locationId;
  }

  /** LOC-4. Only the fields sent change. */
  async update(executor: Executor, locationId: number, input: UpdateLocationInput): Promise<LocationWire> {
    const repo = new LocationsRepository(executor);
    const current = await repo.byId(locationId);
    if (!current) throw AppError.notFound('Location');
    await repo.update(locationId, locationValues(input, current.social));
    return this.wire(executor, locationId);
  }

  /**
   * LOC-5. A location that clients, cards, transactions or visits refer to is deactivated (it
   * leaves every list and every access check, its history stays); an unused one is erased, with
   * its services, team members and accounts.
   */
  async remove(executor: Executor, locationId: number): Promise<'erased' | 'deactivated'> {
    const repo = new LocationsRepository(executor);
    if (!(await repo.byId(locationId))) throw AppError.notFound('Location');
    if (await repo.hasHistory(locationId)) {
      await repo.deactivate(locationId);
      return 'deactivated';
    }
    // Its catalogue and accounts are the location's own setup: they go with it.
    await new ServicesRepository(executor).eraseOfLocation(locationId);
    await new StaffRepository(executor).eraseOfLocation(locationId);
    await new AccountsRepository(executor).eraseOfLocation(locationId);
    await repo.erase(locationId);
    return 'erased';
  }

  private async chainForNewLocation(
    executor: Executor,
    userId: number,
    input: CreateLocationInput,
  ): Promise<number> {
    const granted = await new ChainsRepository(executor).grantedTo(userId);
    const named = input.group_id ?? input.main_group_id;
    if (named === undefined) {
      if (granted.length === 1) return granted[0]!;
      throw AppError.field('group_id', 'is required: name the chain of the new location');
    }
    const chainId = parseId(named);
    const other = input.group_id !== undefined ? input.main_group_id : undefined;
    if (other !== undefined && parseId(other) !== chainId) {
      throw AppError.field('main_group_id', 'must equal group_id');
    }
    // An unknown chain and another tenant's chain get the same answer.
    if (chainId === null || !granted.includes(chainId)) {
      throw AppError.field('group_id', 'must be a chain you are granted');
    }
    return chainId;
  }

  private async wire(executor: Executor, locationId: number): Promise<LocationWire> {
    const row = await new LocationsRepository(executor).byId(locationId);
    if (!row) throw new Error('location vanished');
    return toLocationWire(row);
  }
}
