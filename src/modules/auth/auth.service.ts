import type { Db, Executor } from '../../db/database.js';
import { setupCached } from '../../db/setup-cache.js';
import type { UserRow } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import {
  hashPassword,
  hashToken,
  newToken,
  sameHash,
  verifyPassword,
  DUMMY_PASSWORD_HASH,
} from '../../lib/secrets.js';
import { isoPlusSeconds, nowIso } from '../../lib/time.js';
import { phoneDigits } from '../../lib/phone.js';
import type {
  AccessRule,
  AuthContext,
  Authorizer,
  AuthScheme,
  ChainScope,
  LocationScope,
  Scope,
} from '../../http/access.js';
import { AuthRepository, type LoginAccount } from './auth.repository.js';

/**
 * SPEC §1: `Bearer <partner>` or `Bearer <partner>, User <user>`; keywords in any case, any
 * spaces around the comma, none needed after it.
 */
const HEADER = /^\s*bearer\s+([^\s,]+)\s*(?:,\s*user\s+([^\s,]+))?\s*$/i;

export function parseAuthorization(
  header: string | undefined,
): { partner: string; user: string | null } | null {
  if (!header) return null;
  const m = HEADER.exec(header);
  if (!m?.[1]) return null;
  return { partner: m[1], user: m[2] ?? null };
}

const MAX_INT32 = 2 ** 31 - 1;

/** A path id: a positive integer (as text), or null. */
function idOf(params: Record<string, unknown>, name: string): number | null {
  const raw = params[name];
  const value = typeof raw === 'string' && /^[1-9]\d{0,14}$/.test(raw) ? Number(raw) : NaN;
  return Number.isSafeInteger(value) ? value : null;
}

/** A rule's kind and the path parameter it names (a route's rule is one object for its lifetime). */
const partsOfRule = new WeakMap<AccessRule, readonly [string, string]>();
function ruleParts(rule: AccessRule): readonly [string, string] {
  let parts = partsOfRule.get(rule);
  if (!parts) {
    const [kind, name] = Object.entries(rule)[0]!;
    partsOfRule.set(rule, (parts = [kind, name]));
  }
  return parts;
}

/**
 * Login throttling (A1), counted in the database so every process sharing it agrees. Within a
 * window of 15 minutes: 5 failed attempts at one account (a user, whichever of its login, email or
 * phone was typed; an unknown login as typed) and the next attempts at it answer 429; 50 failed
 * attempts with one partner token, at any logins, known or not, and every attempt with that token
 * answers 429. The first stops guessing one password through several login forms; the second a
 * spray across many logins, and it caps what one token can do to lock users out (10 users per
 * window). A locked user gets back in when the window has passed (the 429's Retry-After says
 * when), or at once when an admin runs `user:unlock` or `user:set-password`. A successful login
 * forgets the user's failures.
 */
const LOGIN_WINDOW_SECONDS = 15 * 60;
const LOGIN_MAX_FAILURES = 5;
const PARTNER_LOGIN_MAX_FAILURES = 50;

/** Seconds until fewer than `limit` of these attempts (oldest first) are inside the window; 0 when already. */
function secondsUntilBelow(times: readonly string[], limit: number): number {
  if (times.length < limit) return 0;
  const leaving = Date.parse(times[times.length - limit]!);
  return Math.max(1, Math.ceil((leaving + LOGIN_WINDOW_SECONDS * 1000 - Date.now()) / 1000));
}

export class AuthService implements Authorizer {
  private readonly repo: AuthRepository;

  constructor(private readonly db: Db) {
    this.repo = new AuthRepository(db);
  }

  async authenticate(header: string | undefined, scheme: AuthScheme): Promise<AuthContext> {
    const parsed = parseAuthorization(header);
    if (!parsed) throw AppError.unauthorized();
    if (scheme === 'partnerUser' && !parsed.user) throw AppError.unauthorized();
    const partnerHash = hashToken(parsed.partner);
    if (!parsed.user) {
      const partner = await this.repo.findPartnerByTokenHash(partnerHash);
      if (!partner || !sameHash(partner.token_hash, partnerHash)) throw AppError.unauthorized();
      return { partnerId: partner.id, user: null };
    }
    // A user part is checked whenever it is sent, even on partner-only routes. Both tokens are
    // looked up in one query.
    const userHash = hashToken(parsed.user);
    const found = await this.repo.findPartnerAndUserByTokenHashes(partnerHash, userHash);
    return this.authenticated(found, partnerHash, userHash);
  }

  /** 401 unless both tokens matched; else the partner and the user of a partner-and-user row. */
  private authenticated(
    found: Awaited<ReturnType<AuthRepository['findPartnerAndUserByTokenHashes']>>,
    partnerHash: string,
    userHash: string,
  ): AuthContext {
    if (!found || !sameHash(found.partner_token_hash, partnerHash)) throw AppError.unauthorized();
    const { partner_id, partner_token_hash: _partner, user_token_hash, ...user } = found;
    if (user_token_hash === null || user.id === null || !sameHash(user_token_hash, userHash)) {
      throw AppError.unauthorized();
    }
    // The left-joined user columns are typed nullable; the user exists once its token matched.
    return { partnerId: partner_id, user: user as UserRow };
  }

  /**
   * Authentication, then the route's access rule: what every /api/v1 request starts with. A
   * granted answer depends on setup data only, so it is kept (db/setup-cache.ts) under
   * a hash of the whole header and the id the rule names; refusals are never kept.
   */
  authorize(
    header: string | undefined,
    scheme: AuthScheme,
    rule: AccessRule | undefined,
    params: Record<string, unknown>,
  ): Promise<{ auth: AuthContext; scope: Scope }> {
    if (!header) return Promise.reject(AppError.unauthorized());
    const [kind, name] = rule ? ruleParts(rule) : ['', ''];
    const key = `authorize\0${scheme}\0${kind}\0${String(params[name])}\0${hashToken(header)}`;
    return setupCached(this.db, key, () => this.authorizeNow(header, scheme, rule, params));
  }

  /**
   * `authenticate` followed by `check`, with the same answers; the commonest case (both tokens
   * and a location rule, e.g. ops 2 and 9) takes one query instead of two.
   */
  private async authorizeNow(
    header: string | undefined,
    scheme: AuthScheme,
    rule: AccessRule | undefined,
    params: Record<string, unknown>,
  ): Promise<{ auth: AuthContext; scope: Scope }> {
    const parsed = parseAuthorization(header);
    const locationId = rule && 'location' in rule ? idOf(params, rule.location) : null;
    // Ids beyond a 32-bit column take the two-step path, where bad tokens are answered first.
    if (parsed?.user && locationId !== null && locationId <= MAX_INT32) {
      const partnerHash = hashToken(parsed.partner);
      const userHash = hashToken(parsed.user);
      const found = await this.repo.findPartnerUserAndLocation(partnerHash, userHash, locationId);
      if (!found) throw AppError.unauthorized();
      const { location_id, location_chain_id, location_partner_ok, location_user_ok, ...tokens } = found;
      const auth = this.authenticated(tokens, partnerHash, userHash);
      if (location_id === null || location_chain_id === null || !location_partner_ok || !location_user_ok) {
        throw AppError.forbidden();
      }
      return { auth, scope: { location: { id: location_id, chain_id: location_chain_id } } };
    }
    const auth = await this.authenticate(header, scheme);
    return { auth, scope: rule ? await this.check(auth, rule, params) : {} };
  }

  /** The one access check routes declare (SPEC §2). Unknown and foreign scopes are alike: 403. */
  async check(auth: AuthContext, rule: AccessRule, params: Record<string, unknown>): Promise<Scope> {
    const id = (name: string): number => {
      const value = idOf(params, name);
      if (value === null) throw AppError.forbidden();
      return value;
    };
    if ('location' in rule) {
      return { location: await this.requireLocation(auth, id(rule.location)) };
    }
    if ('chain' in rule) {
      return { chain: await this.requireChain(auth, id(rule.chain), true) };
    }
    return { chain: await this.requireChain(auth, id(rule.partnerChain), false) };
  }

  async requireLocation(auth: AuthContext, locationId: number): Promise<LocationScope> {
    const row = await this.repo.locationAccess(locationId, auth.partnerId, auth.user?.id ?? null);
    if (!row || !row.partner_ok || !row.user_ok) throw AppError.forbidden();
    return { id: row.id, chain_id: row.chain_id };
  }

  /**
   * Whether the caller may act on this location: the partner connected to it and the user granted
   * it, as `requireLocation` demands (an entity found elsewhere is answered as not found). A write
   * that checks it inside its transaction passes the transaction: a second connection taken from
   * the pool while the transaction holds one could wait for ever once the pool is spent.
   */
  async grantsLocation(auth: AuthContext, locationId: number, executor?: Executor): Promise<boolean> {
    const repo = executor ? new AuthRepository(executor) : this.repo;
    const row = await repo.locationAccess(locationId, auth.partnerId, auth.user?.id ?? null);
    return Boolean(row?.partner_ok && row.user_ok);
  }

  async requireChain(auth: AuthContext, chainId: number, userGrant: boolean): Promise<ChainScope> {
    const row = await this.repo.chainAccess(chainId, auth.partnerId, auth.user?.id ?? null);
    if (!row || !row.partner_ok || (userGrant && !row.user_ok)) throw AppError.forbidden();
    return { id: row.id, title: row.title };
  }

  /**
   * A1: exchanges login and password for the user's token, for the partner whose token sent
   * them. Throttled per account and per partner (see LOGIN_MAX_FAILURES).
   */
  async login(partnerId: number, login: string, password: string): Promise<{ user: UserRow; token: string }> {
    const key = login.trim().toLowerCase();
    const digits = /^\+?[\d\s\-()]{7,}$/.test(key) ? phoneDigits(key) : null;
    const user = await this.repo.findUserByLogin(key, digits);
    const account: LoginAccount = user ? { userId: user.id } : { login: key };
    // The attempt is recorded before anything is counted, so concurrent guesses at one account
    // see each other: however many are sent at once, at most 5 reach the password check.
    const attempt = await this.repo.recordAttempt({ login: key, userId: user?.id ?? null, at: nowIso() });
    const windowStart = isoPlusSeconds(-LOGIN_WINDOW_SECONDS);
    const retryAfter = Math.max(
      secondsUntilBelow(await this.repo.attemptTimes(account, windowStart, attempt), LOGIN_MAX_FAILURES),
      secondsUntilBelow(
        await this.repo.partnerFailureTimes(partnerId, windowStart),
        PARTNER_LOGIN_MAX_FAILURES,
      ),
    );
    if (retryAfter > 0) {
      // A refused attempt is no guess: it does not prolong the lock.
      await this.repo.deleteAttempt(attempt);
      throw new AppError(
        'too_many_requests',
        `Too many failed login attempts. Retry in ${retryAfter} seconds.`,
        undefined,
        retryAfter,
      );
    }
    // Verify against a dummy hash for unknown logins so both failures take the same time.
    const ok = await verifyPassword(password, user?.password_hash ?? DUMMY_PASSWORD_HASH);
    if (!user || !ok) {
      await this.repo.markFailed(attempt, partnerId);
      await this.repo.pruneFailures(partnerId, account, windowStart);
      throw new AppError('unauthorized', 'Incorrect login or password.');
    }
    await this.repo.clearUserFailures(user);
    return { user, token: await this.issueUserToken(user.id) };
  }

  /** Forgets a user's failed logins (`user:unlock`), so a throttled user can log in at once; how many. */
  async unlockUser(userId: number): Promise<number> {
    const user = await this.repo.findUserById(userId);
    if (!user) throw AppError.notFound('User');
    return this.repo.clearUserFailures(user);
  }

  /** A new token for the user, next to the ones it has; returned once, stored hashed. */
  async issueUserToken(userId: number): Promise<string> {
    const token = newToken();
    await this.repo.addUserToken(userId, hashToken(token));
    return token;
  }

  /** Revokes every token of the user and issues one new one (password change, or on request). */
  async rotateUserToken(userId: number): Promise<string> {
    await this.repo.revokeUserTokens(userId);
    return this.issueUserToken(userId);
  }

  /** A new password (the admin's reset): revokes the user's tokens and forgets its failed logins. */
  async changePassword(userId: number, password: string): Promise<string> {
    await this.repo.setPassword(userId, await hashPassword(password));
    const user = await this.repo.findUserById(userId);
    if (user) await this.repo.clearUserFailures(user);
    return this.rotateUserToken(userId);
  }
}
