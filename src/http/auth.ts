import type { FastifyInstance } from 'fastify';
import type {
  AccessRule,
  AuthContext,
  AuthScheme,
  AuthService,
  Scope,
} from '../modules/auth/auth.service.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Every route under /api/v1 declares its scheme; routes without one are public. */
    auth?: AuthScheme;
    access?: AccessRule;
    /**
     * `false` for a write whose answer must never be stored (it carries a secret): its
     * Idempotency-Key is not honoured, and the OpenAPI document does not offer one.
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
export function registerAuth(app: FastifyInstance, auth: AuthService): void {
  app.decorateRequest('auth', null as unknown as AuthContext);
  app.decorateRequest('scope', null as unknown as Scope);
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/v1/') && !route.config?.auth) {
      throw new Error(`route ${route.method} ${route.url} declares no auth scheme`);
    }
  });
  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config;
    if (!config.auth) return;
    const { auth: context, scope } = await auth.authorize(
      request.headers.authorization,
      config.auth,
      config.access,
      request.params as Record<string, unknown>,
    );
    request.auth = context;
    request.scope = scope;
  });
}
