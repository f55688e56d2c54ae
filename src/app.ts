import { Socket } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { sql } from 'kysely';
import { DEFAULT_TIMEOUTS, type Config } from './config.js';
import { renewReadSnapshot } from './db/database.js';
import { isDatabaseUnreachable } from './db/errors.js';
import { registerAuth } from './http/auth.js';
import { registerMetrics } from './http/metrics.js';
import { logAvailability } from './http/database-outage.js';
import { registerErrorHandling, UNREACHABLE_RETRY_AFTER } from './http/error-handler.js';
import {
  answerExpectations,
  clientErrorHandler,
  frameworkErrors,
  httpTimeouts,
  requestRefusal,
  type Timeouts,
} from './http/protocol-errors.js';
import { registerNegotiation } from './http/negotiation.js';
import { registerOpenApi } from './http/openapi.js';
import { requestLogger } from './http/request-logger.js';
import { MAX_PARAM_LENGTH } from './http/unrouted.js';
import { validatorCompiler } from './http/validation.js';
import { accountsRoutes } from './modules/accounts/accounts.routes.js';
import { authRoutes } from './modules/auth/auth.routes.js';
import { cardsRoutes } from './modules/cards/cards.routes.js';
import { cardTypesRoutes } from './modules/card-types/card-types.routes.js';
import { chainsRoutes } from './modules/chains/chains.routes.js';
import { clientsRoutes } from './modules/clients/clients.routes.js';
import { locationsRoutes } from './modules/locations/locations.routes.js';
import { programsRoutes } from './modules/programs/programs.routes.js';
import { referralProgramsRoutes } from './modules/referral-programs/referral-programs.routes.js';
import { servicesRoutes } from './modules/services/services.routes.js';
import { staffRoutes } from './modules/staff/staff.routes.js';
import { transactionsRoutes } from './modules/transactions/transactions.routes.js';
import { recordsRoutes } from './modules/records/records.routes.js';
import { visitsRoutes } from './modules/visits/visits.routes.js';
import { visitLoyaltyRoutes } from './modules/visit-loyalty/visit-loyalty.routes.js';
import { visitReferralRoutes } from './modules/visit-loyalty/referral.routes.js';
import type { Services } from './services.js';

/** buildApp's options (exported with it: this file is the package's entry point, `exports` "."). */
export interface AppOptions {
  services: Services;
  /** The timeouts default to DEFAULT_TIMEOUTS. */
  config: Pick<Config, 'bodyLimit' | 'logLevel'> & Partial<Timeouts>;
  /** Pass `false` to silence logs (tests). */
  logger?: boolean;
}

/** Builds the application: plugins, error handling, modules. Never listens. */
export async function buildApp({ services, config, logger = true }: AppOptions): Promise<FastifyInstance> {
  const timeouts: Timeouts = {
    headersTimeout: config.headersTimeout ?? DEFAULT_TIMEOUTS.headersTimeout,
    requestTimeout: config.requestTimeout ?? DEFAULT_TIMEOUTS.requestTimeout,
    keepAliveTimeout: config.keepAliveTimeout ?? DEFAULT_TIMEOUTS.keepAliveTimeout,
  };
  const app = Fastify({
    logger: logger
      ? {
          level: config.logLevel,
          redact: ['req.headers.authorization', 'req.headers.cookie', 'req.body.password'],
        }
      : false,
    bodyLimit: config.bodyLimit,
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    childLoggerFactory: requestLogger,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    // Answered in the envelope instead (`requestRefusal`).
    return503OnClosing: false,
    // A client that stalls while sending a request, or idles on a kept-alive connection, does
    // not hold it for long: 408 in the envelope where an answer is possible (http/protocol-errors.ts).
    http: httpTimeouts(timeouts),
    requestTimeout: timeouts.requestTimeout,
    keepAliveTimeout: timeouts.keepAliveTimeout,
    clientErrorHandler: clientErrorHandler(timeouts),
    frameworkErrors,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  answerExpectations(app.server);
  const refusal = requestRefusal(app);
  app.addHook('onRequest', (request, reply, done) => {
    // A request arrived: its reads must see every commit made before now (db/database.ts).
    renewReadSnapshot(services.database.db, request.raw.socket instanceof Socket);
    // Every answer names its request (kept by error answers too). Set here rather than in an
    // onSend hook: any onSend hook puts every answer through Fastify's slower send path.
    reply.header('X-Request-Id', request.id);
    const refused = refusal(request);
    if (refused) done(refused);
    else done();
  });
  const { availability } = services.database;
  registerErrorHandling(app, availability);
  logAvailability(app, availability);
  registerNegotiation(app);
  registerAuth(app, services.auth);
  registerMetrics(app);
  await registerOpenApi(app);

  app.get('/health', async (request, reply) => {
    try {
      await sql`select 1`.execute(services.database.db);
      availability.reached();
      return { success: true, data: { status: 'ok', database: services.database.kind }, meta: [] };
    } catch (error) {
      if (isDatabaseUnreachable(error)) availability.lost(error);
      else request.log.error({ err: error }, 'health check failed');
      return reply
        .code(503)
        .header('Retry-After', String(UNREACHABLE_RETRY_AFTER))
        .send({
          success: false,
          data: { status: 'unavailable', database: services.database.kind },
          meta: { message: 'Database unavailable.' },
        });
    }
  });

  await app.register(
    async (api) => {
      const { auth, cards, locations, chains, clients, programs, cardTypes, transactions, writes } = services;
      const { catalog, staff, accounts } = services;
      await api.register(authRoutes, { auth, writes });
      await api.register(cardsRoutes, { cards, access: auth, writes });
      await api.register(locationsRoutes, { locations, writes });
      await api.register(chainsRoutes, { chains, clients });
      await api.register(clientsRoutes, { clients, writes });
      await api.register(programsRoutes, { programs, writes });
      await api.register(referralProgramsRoutes, { referralPrograms: services.referralPrograms, writes });
      await api.register(cardTypesRoutes, { cardTypes, writes });
      await api.register(transactionsRoutes, { transactions });
      await api.register(servicesRoutes, { services: catalog, writes });
      await api.register(staffRoutes, { staff, writes });
      await api.register(accountsRoutes, { accounts });
      await api.register(recordsRoutes, { records: services.records, writes });
      await api.register(visitsRoutes, { visits: services.visits, access: auth, writes });
      await api.register(visitLoyaltyRoutes, { visitLoyalty: services.visitLoyalty, writes });
      await api.register(visitReferralRoutes, { visitReferrals: services.visitReferrals, writes });
    },
    { prefix: '/api/v1' },
  );

  return app;
}
