import type { Db } from '../../db/database.js';
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
import { AuthRepository } from './auth.repository.js';

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

const LOGIN_WINDOW_SECONDS = 15 * 60;
const LOGIN_MAX_FAILURES = 5;

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

  /** Whether the partner reaches this location (an entity elsewhere is answered as not found). */
  async partnerReachesLocation(auth: AuthContext, locationId: number): Promise<boolean> {
    const row = await this.repo.locationAccess(locationId, auth.partnerId, auth.user?.id ?? null);
    return Boolean(row?.partner_ok);
  }

  async requireChain(auth: AuthContext, chainId: number, userGrant: boolean): Promise<ChainScope> {
    const row = await this.repo.chainAccess(chainId, auth.partnerId, auth.user?.id ?? null);
    if (!row || !row.partner_ok || (userGrant && !row.user_ok)) throw AppError.forbidden();
    return { id: row.id, title: row.title };
  }

  /** A1: exchanges login and password for the user's token. Throttled per login, in the database. */
  async login(login: string, password: string): Promise<{ user: UserRow; token: string }> {
    const key = login.trim().toLowerCase();
    const windowStart = isoPlusSeconds(-LOGIN_WINDOW_SECONDS);
    const failures = await this.repo.recentFailures(key, windowStart);
    if (failures.length >= LOGIN_MAX_FAILURES) {
      const oldest = Date.parse(failures[failures.length - LOGIN_MAX_FAILURES] ?? failures[0] ?? nowIso());
      const retryAfter = Math.max(1, Math.ceil((oldest + LOGIN_WINDOW_SECONDS * 1000 - Date.now()) / 1000));
      throw new AppError(
        'too_many_requests',
        `Too many failed login attempts. Retry in ${retryAfter} seconds.`,
        undefined,
        retryAfter,
      );
    }
    const digits = /^\+?[\d\s\-()]{7,}$/.test(key) ? phoneDigits(key) : null;
    const user = await this.repo.findUserByLogin(key, digits);
    // Verify against a dummy hash for unknown logins so both failures take the same time.
    const ok = await verifyPassword(password, user?.password_hash ?? DUMMY_PASSWORD_HASH);
    if (!user || !ok) {
      await this.repo.recordFailure(key, nowIso());
      await this.repo.clearFailures(key, windowStart);
      throw new AppError('unauthorized', 'Incorrect login or password.');
    }
    await this.repo.clearFailures(key);
    return { user, token: await this.issueUserToken(user.id) };
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

  async changePassword(userId: number, password: string): Promise<string> {
    await this.repo.setPassword(userId, await hashPassword(password));
    return this.rotateUserToken(userId);
  }
}
