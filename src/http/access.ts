import type { UserRow } from '../db/schema.js';

/**
 * Who is calling and what a route's access rule granted: the contract between the auth hook
 * (`http/auth.ts`), the route kit (`http/route.ts`) and the module that checks tokens and grants
 * (`modules/auth`, wired in by `app.ts`). Types only: services take the caller as a parameter.
 */

/** SPEC §1: the partner token alone, or the partner token and a user token. */
export type AuthScheme = 'partner' | 'partnerUser';

export interface AuthContext {
  partnerId: number;
  user: UserRow | null;
}

/** What a route may require beyond authentication, naming the path parameter that carries the id. */
export type AccessRule<Param extends string = string> =
  | { location: Param }
  | { chain: Param }
  /** The partner must reach the chain; no user grant needed (op 3, op 6). */
  | { partnerChain: Param };

export interface LocationScope {
  id: number;
  chain_id: number;
}

export interface ChainScope {
  id: number;
  title: string;
}

/** What the access rule granted: the location or the chain it named. */
export interface Scope {
  location?: LocationScope;
  chain?: ChainScope;
}

/** The scope a rule guarantees: a location rule gives the location, a chain rule the chain. */
export type ScopeOf<Rule> = Rule extends { location: string }
  ? { location: LocationScope }
  : Rule extends { chain: string } | { partnerChain: string }
    ? { chain: ChainScope }
    : Record<never, never>;

/** What the auth hook needs: authentication, then the route's access rule (SPEC §1, §2). */
export interface Authorizer {
  authorize(
    header: string | undefined,
    scheme: AuthScheme,
    rule: AccessRule | undefined,
    params: Record<string, unknown>,
  ): Promise<{ auth: AuthContext; scope: Scope }>;
}
