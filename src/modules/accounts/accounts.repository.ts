import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { LocationRows, type LocationRow } from '../../db/location-rows.js';
import { prepared } from '../../db/prepared.js';

export type AccountRow = LocationRow<'accounts'>;

/** 0 cash, 1 non-cash (Altegio's account `type`). */
export type AccountType = 0 | 1;

/** The default account a fast payment pays into (update_visit), compiled once. */
const defaultAccount = prepared((db, p: { locationId: number; type: number }) =>
  db
    .selectFrom('accounts')
    .selectAll()
    .where('location_id', '=', p.locationId)
    .where('type', '=', p.type)
    // A literal, not a bound parameter: SQLite plans the partial index accounts_one_default
    // (WHERE is_default = 1) on the value, so a parameter there re-prepared the statement on
    // every run (5× the cost of the read).
    .where('is_default', '=', sql.lit(1))
    .where('deleted_at', 'is', null),
);

/**
 * SQL for a location's accounts (checkouts). No business rules here. The lookups the visit code
 * pays into (`liveById`, `defaultOf`) are here so that every module finds accounts alike.
 */
export class AccountsRepository extends LocationRows<'accounts'> {
  constructor(db: Executor) {
    super(db, 'accounts');
  }

  /** The location's default account of this type (every location has one of each). */
  defaultOf(locationId: number, type: AccountType): Promise<AccountRow | undefined> {
    return defaultAccount(this.db, { locationId, type }).then((rows) => rows[0]);
  }
}
