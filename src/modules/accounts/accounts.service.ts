import type { Db, Executor } from '../../db/database.js';
import { toAccountWire } from './accounts.mapper.js';
import { AccountsRepository, type AccountType } from './accounts.repository.js';
import type { AccountWire } from './accounts.schemas.js';

/** A default account to create instead of the usual one of its type (the demo's 701 and 702). */
export interface DefaultAccount {
  type: AccountType;
  title: string;
  id?: number;
}

/**
 * SPEC §6.1: each location has one default account of each type. Migration 005 gave the
 * locations that existed then theirs, with these titles; a new location gets them here.
 */
const DEFAULT_ACCOUNTS: readonly DefaultAccount[] = [
  { type: 0, title: 'Cash' },
  { type: 1, title: 'Non-cash' },
];

/**
 * Creates a new location's default cash and non-cash accounts, inside the transaction that
 * creates the location (every way a location is made goes through `LocationsService.createInChain`).
 * `named` replaces the usual account of a type (its title, its id).
 */
export async function createDefaultAccounts(
  executor: Executor,
  locationId: number,
  named: readonly DefaultAccount[] = [],
): Promise<void> {
  const repo = new AccountsRepository(executor);
  for (const usual of DEFAULT_ACCOUNTS) {
    const { type, title, id } = named.find((a) => a.type === usual.type) ?? usual;
    await repo.insert(locationId, { type, title, comment: '', is_default: 1 }, id);
  }
}

/** The Accounts operation (V3). */
export class AccountsService {
  constructor(private readonly db: Db) {}

  /** V3. The location's live accounts, in id order. */
  async list(locationId: number): Promise<AccountWire[]> {
    return (await new AccountsRepository(this.db).listLive(locationId)).map(toAccountWire);
  }
}
