import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import type { AccessRule, AuthContext, AuthScheme, Authorizer, Scope } from './access.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Every route under /api/v1 declares its scheme; routes without one are public. */
    auth?: AuthScheme;
    access?: AccessRule;
    /**
     * `false` for a write whose answer must never be stored (it carries a secret): the OpenAPI
     * document offers no Idempotency-Key (the write runner has the same flag in its plan).
     * Set by the route kit (http/route.ts), like `auth` and `access`.
     */
    idempotency?: false;
  }
  interface FastifyRequest {
    auth: AuthContext;
    scope: Scope;
  }
}

/**
 * Authentication and the declared access rule run before the body is validated, so a caller
 * without rights learns nothing from validation messages.
 */
export function registerAuth(app: FastifyInstance, auth: Authorizer): void {
  app.decorateRequest('auth', null as unknown as AuthContext);
  app.decorateRequest('scope', null as unknown as Scope);
  app.addHook('onRoute', (route) => {
    const config = route.config;
    if (!config?.auth) {
      if (route.url.startsWith('/api/v1/'))
        throw new Error(`route ${route.method} ${route.url} declares no auth scheme`);
      return;
    }
    // A hook of this route only, with its rule at hand: no per-request lookup of the route's config.
    const { auth: scheme, access } = config;
    const authorize: onRequestHookHandler = (request, _reply, done) => {
      auth
        .authorize(request.headers.authorization, scheme, access, request.params as Record<string, unknown>)
        .then(({ auth: context, scope }) => {
          request.auth = context;
          request.scope = scope;
          done();
        }, done);
    };
    route.onRequest = [route.onRequest ?? [], authorize].flat();
  });
}
