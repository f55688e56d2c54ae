import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { nowIso } from '../../lib/time.js';

export class AuthRepository {
  constructor(private readonly db: Executor) {}

  findPartnerByTokenHash(tokenHash: string) {
    return this.db
      .selectFrom('partners')
      .select(['id', 'name', 'token_hash'])
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
  }

  findUserByTokenHash(tokenHash: string) {
    return this.db
      .selectFrom('user_tokens as t')
      .innerJoin('users as u', 'u.id', 't.user_id')
      .selectAll('u')
      .select('t.token_hash')
      .where('t.token_hash', '=', tokenHash)
      .executeTakeFirst();
  }

  findUserByLogin(login: string, phoneDigits: string | null) {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb(sql<string>`lower(login)`, '=', login.toLowerCase()),
          ...(phoneDigits ? [eb('phone', '=', phoneDigits), eb('login', '=', phoneDigits)] : []),
        ]),
      )
      .orderBy('id')
      .executeTakeFirst();
  }

  addUserToken(userId: number, tokenHash: string) {
    return this.db
      .insertInto('user_tokens')
      .values({ user_id: userId, token_hash: tokenHash, created_at: nowIso() })
      .execute();
  }

  revokeUserTokens(userId: number) {
    return this.db.deleteFrom('user_tokens').where('user_id', '=', userId).execute();
  }

  setPassword(userId: number, passwordHash: string) {
    return this.db
      .updateTable('users')
      .set({ password_hash: passwordHash })
      .where('id', '=', userId)
      .execute();
  }

  async recentFailures(login: string, sinceIso: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('login_failures')
      .select('created_at')
      .where('login', '=', login)
      .where('created_at', '>', sinceIso)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => r.created_at);
  }

  recordFailure(login: string, at: string) {
    return this.db.insertInto('login_failures').values({ login, created_at: at }).execute();
  }

  clearFailures(login: string, olderThanIso?: string) {
    let query = this.db.deleteFrom('login_failures').where('login', '=', login);
    if (olderThanIso) query = query.where('created_at', '<=', olderThanIso);
    return query.execute();
  }

  /** Location with whether this partner is connected to it and this user granted it. */
  locationAccess(locationId: number, partnerId: number, userId: number | null) {
    return this.db
      .selectFrom('locations as l')
      .select((eb) => [
        'l.id',
        'l.chain_id',
        eb
          .exists(
            eb
              .selectFrom('partner_locations as pl')
              .select('pl.location_id')
              .whereRef('pl.location_id', '=', 'l.id')
              .where('pl.partner_id', '=', partnerId),
          )
          .as('partner_ok'),
        eb
          .exists(
            eb
              .selectFrom('user_locations as ul')
              .select('ul.location_id')
              .whereRef('ul.location_id', '=', 'l.id')
              .where('ul.user_id', '=', userId ?? -1),
          )
          .as('user_ok'),
      ])
      .where('l.id', '=', locationId)
      .where('l.deleted_at', 'is', null)
      .executeTakeFirst();
  }

  /** Whether the partner reaches the chain (through a live location of it) and the user is granted it. */
  chainAccess(chainId: number, partnerId: number, userId: number | null) {
    return this.db
      .selectFrom('chains as c')
      .select((eb) => [
        'c.id',
        'c.title',
        eb
          .exists(
            eb
              .selectFrom('partner_locations as pl')
              .innerJoin('locations as l', 'l.id', 'pl.location_id')
              .select('pl.location_id')
              .whereRef('l.chain_id', '=', 'c.id')
              .where('l.deleted_at', 'is', null)
              .where('pl.partner_id', '=', partnerId),
          )
          .as('partner_ok'),
        eb
          .exists(
            eb
              .selectFrom('user_chains as uc')
              .select('uc.chain_id')
              .whereRef('uc.chain_id', '=', 'c.id')
              .where('uc.user_id', '=', userId ?? -1),
          )
          .as('user_ok'),
      ])
      .where('c.id', '=', chainId)
      .executeTakeFirst();
  }
}
