import { sql, type ExpressionBuilder } from 'kysely';
import type { Executor } from '../../db/database.js';
import { prepared } from '../../db/prepared.js';
import type { Database } from '../../db/schema.js';
import { nowIso } from '../../lib/time.js';
import { partnerConnected, partnerReachesChain, userGranted, userGrantedChain } from './access-predicates.js';

// Every authenticated request runs these, so they are compiled once, and they read setup data
// only, so SQLite keeps their rows until the setup data changes (see db/prepared.ts).
const SETUP = { setup: true };
const partnerByTokenHash = prepared(
  (db, p: { tokenHash: string }) =>
    db.selectFrom('partners').select(['id', 'name', 'token_hash']).where('token_hash', '=', p.tokenHash),
  SETUP,
);

/**
 * Both tokens of a `Bearer <partner>, User <user>` header in one round trip: the partner row,
 * and the user of the user token when there is one (null columns when the token is unknown).
 */
const partnerAndUser = (db: Executor, partnerHash: string, userHash: string) =>
  db
    .selectFrom('partners as p')
    .leftJoin('user_tokens as t', (join) => join.on('t.token_hash', '=', userHash))
    .leftJoin('users as u', 'u.id', 't.user_id')
    .selectAll('u')
    .select(['p.id as partner_id', 'p.token_hash as partner_token_hash', 't.token_hash as user_token_hash'])
    .where('p.token_hash', '=', partnerHash);

const partnerAndUserByTokenHashes = prepared(
  (db, p: { partnerHash: string; userHash: string }) => partnerAndUser(db, p.partnerHash, p.userHash),
  SETUP,
);

const locationAccess = prepared(
  (db, p: { locationId: number; partnerId: number; userId: number }) =>
    db
      .selectFrom('locations as l')
      .select((eb) => [
        'l.id',
        'l.chain_id',
        partnerConnected(eb, p.partnerId).as('partner_ok'),
        userGranted(eb, p.userId).as('user_ok'),
      ])
      .where('l.id', '=', p.locationId)
      .where('l.deleted_at', 'is', null),
  SETUP,
);

/**
 * A PartnerUser request to a location operation in one round trip: both tokens (as in
 * `partnerAndUser`) and the location with the partner's and the user's access to it
 * (as in `locationAccess`; null columns when the location does not exist). Its only caller,
 * `AuthService.authorize`, keeps what it grants in the setup cache, so the rows are not kept.
 */
const partnerUserAndLocation = prepared(
  (db, p: { partnerHash: string; userHash: string; locationId: number }) =>
    partnerAndUser(db, p.partnerHash, p.userHash)
      .leftJoin('locations as l', (join) => join.on('l.id', '=', p.locationId).on('l.deleted_at', 'is', null))
      .select((eb) => [
        'l.id as location_id',
        'l.chain_id as location_chain_id',
        partnerConnected(eb, eb.ref('p.id')).as('location_partner_ok'),
        userGranted(eb, eb.ref('u.id')).as('location_user_ok'),
      ]),
);

const chainAccess = prepared(
  (db, p: { chainId: number; partnerId: number; userId: number }) =>
    db
      .selectFrom('chains as c')
      .select((eb) => [
        'c.id',
        'c.title',
        partnerReachesChain(eb, p.partnerId).as('partner_ok'),
        userGrantedChain(eb, p.userId).as('user_ok'),
      ])
      .where('c.id', '=', p.chainId),
  SETUP,
);

/** Whose failures a login attempt counts with: a known user, whatever form was typed, or an unknown login as typed. */
export type LoginAccount = { userId: number } | { login: string };

const ofAccount = (account: LoginAccount) => (eb: ExpressionBuilder<Database, 'login_failures'>) =>
  'userId' in account ? eb('user_id', '=', account.userId) : eb('login', '=', account.login);

export class AuthRepository {
  constructor(private readonly db: Executor) {}

  async findPartnerByTokenHash(tokenHash: string) {
    return (await partnerByTokenHash(this.db, { tokenHash }))[0];
  }

  async findPartnerAndUserByTokenHashes(partnerHash: string, userHash: string) {
    return (await partnerAndUserByTokenHashes(this.db, { partnerHash, userHash }))[0];
  }

  async findPartnerUserAndLocation(partnerHash: string, userHash: string, locationId: number) {
    return (await partnerUserAndLocation(this.db, { partnerHash, userHash, locationId }))[0];
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

  findUserById(userId: number) {
    return this.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
  }

  /** A login attempt still being checked (no partner yet); its row id. */
  async recordAttempt(attempt: { login: string; userId: number | null; at: string }): Promise<number> {
    const row = await this.db
      .insertInto('login_failures')
      .values({ login: attempt.login, user_id: attempt.userId, partner_id: null, created_at: attempt.at })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /**
   * When the failed and running attempts at one account (a user, or an unknown login as typed)
   * since `sinceIso` were made, oldest first, leaving out attempt `exceptId`.
   */
  async attemptTimes(account: LoginAccount, sinceIso: string, exceptId: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('login_failures')
      .select('created_at')
      .where(ofAccount(account))
      .where('created_at', '>', sinceIso)
      .where('id', '!=', exceptId)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => r.created_at);
  }

  /** When the failed attempts sent with this partner's token since `sinceIso` were made, oldest first. */
  async partnerFailureTimes(partnerId: number, sinceIso: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('login_failures')
      .select('created_at')
      .where('partner_id', '=', partnerId)
      .where('created_at', '>', sinceIso)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => r.created_at);
  }

  /** The attempt failed: from now on it counts against the partner too. */
  markFailed(attemptId: number, partnerId: number) {
    return this.db
      .updateTable('login_failures')
      .set({ partner_id: partnerId })
      .where('id', '=', attemptId)
      .execute();
  }

  deleteAttempt(attemptId: number) {
    return this.db.deleteFrom('login_failures').where('id', '=', attemptId).execute();
  }

  /** Drops the rows of this partner and of this account that no window counts any more. */
  pruneFailures(partnerId: number, account: LoginAccount, olderThanIso: string) {
    return this.db
      .deleteFrom('login_failures')
      .where('created_at', '<=', olderThanIso)
      .where((eb) => eb.or([eb('partner_id', '=', partnerId), ofAccount(account)(eb)]))
      .execute();
  }

  /** Forgets a user's failed attempts, under any form of the login; how many there were. */
  async clearUserFailures(user: {
    id: number;
    login: string;
    email: string;
    phone: string;
  }): Promise<number> {
    const forms = [user.login, user.email, user.phone].map((f) => f.trim().toLowerCase()).filter(Boolean);
    const result = await this.db
      .deleteFrom('login_failures')
      .where((eb) => eb.or([eb('user_id', '=', user.id), eb('login', 'in', forms)]))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Location with whether this partner is connected to it and this user granted it. */
  async locationAccess(locationId: number, partnerId: number, userId: number | null) {
    return (await locationAccess(this.db, { locationId, partnerId, userId: userId ?? -1 }))[0];
  }

  /** Whether the partner reaches the chain (through a live location of it) and the user is granted it. */
  async chainAccess(chainId: number, partnerId: number, userId: number | null) {
    return (await chainAccess(this.db, { chainId, partnerId, userId: userId ?? -1 }))[0];
  }
}
