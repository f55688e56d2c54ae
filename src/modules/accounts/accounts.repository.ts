import type { Selectable } from 'kysely';
import type { Executor } from '../../db/database.js';
import type { Database } from '../../db/schema.js';
import { nowIso } from '../../lib/time.js';

export type AccountRow = Selectable<Database['accounts']>;

/** 0 cash, 1 non-cash (Altegio's account `type`). */
export type AccountType = 0 | 1;

/** One account to create: its type and title, and an id when it must have that one (demo data). */
export interface AccountValues {
  type: AccountType;
  title: string;
  comment?: string;
  isDefault: boolean;
  id?: number;
}

/**
 * SQL for a location's accounts (checkouts). No business rules here. The lookups the visit code
 * pays into (`liveById`, `defaultOf`) are here so that every module finds accounts alike.
 */
export class AccountsRepository {
  constructor(private readonly db: Executor) {}

  /** The location's live accounts, in id order. */
  listLive(locationId: number): Promise<AccountRow[]> {
    return this.db
      .selectFrom('accounts')
      .selectAll()
      .where('location_id', '=', locationId)
      .where('deleted_at', 'is', null)
      .orderBy('id')
      .execute();
  }

  /** A live account of this location (an account of another location is not found). */
  liveById(locationId: number, accountId: number): Promise<AccountRow | undefined> {
    return this.db
      .selectFrom('accounts')
      .selectAll()
      .where('id', '=', accountId)
      .where('location_id', '=', locationId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
  }

  /** The location's default account of this type (every location has one of each). */
  defaultOf(locationId: number, type: AccountType): Promise<AccountRow | undefined> {
    return this.db
      .selectFrom('accounts')
      .selectAll()
      .where('location_id', '=', locationId)
      .where('type', '=', type)
      .where('is_default', '=', 1)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
  }

  async insert(locationId: number, values: AccountValues): Promise<number> {
    const now = nowIso();
    const row = await this.db
      .insertInto('accounts')
      .values({
        ...(values.id ? { id: values.id } : {}),
        location_id: locationId,
        title: values.title,
        type: values.type,
        comment: values.comment ?? '',
        is_default: values.isDefault ? 1 : 0,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** Erases the location's accounts (the location itself is being erased: nothing refers to them). */
  async eraseOfLocation(locationId: number): Promise<void> {
    await this.db.deleteFrom('accounts').where('location_id', '=', locationId).execute();
  }
}
