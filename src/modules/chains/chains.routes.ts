import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { list, single } from '../../http/envelope.js';
import { ErrorEnvelope, ListEnvelope, PathId, SingleEnvelope } from '../../http/schemas.js';
import type { Services } from '../../services.js';
import { ChainClientsSchema } from '../clients/clients.schemas.js';
import { ChainClientsQuery, ChainSchema } from './chains.schemas.js';

const TAG = 'Chain Management';
const READ_ERRORS = Object.fromEntries([401, 403, 404, 406, 422].map((c) => [c, ErrorEnvelope]));

/** altegio-reference.md §4, C-1 and C-2. */
export const chainsRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get(
    '/groups',
    {
      config: { auth: 'partner' },
      schema: {
        operationId: 'get_chain_list',
        summary: 'Obtaining chains available to the user',
        description:
          'The chains the partner reaches through a location it is connected to; with the user token, only ' +
          'those the user is granted. `companies` lists the chain locations the partner is connected to. ' +
          'This server has one right per chain, so every `access` flag is 1 for a granted chain (0 when no ' +
          'user token is sent).',
        tags: [TAG],
        security: [{ BearerPartner: [] }, { BearerPartnerUser: [] }],
        response: { 200: ListEnvelope(ChainSchema), ...READ_ERRORS },
      },
    },
    async (request) => list(await services.chains.list(request.auth)),
  );

  app.get(
    '/group/:chain_id/clients',
    {
      config: { auth: 'partnerUser', access: { chain: 'chain_id' } },
      schema: {
        operationId: 'get_chain_client_by_phone_number',
        summary: 'Get a chain client by phone number.',
        description:
          'The clients with this phone at the live locations of the chain. The phone is normalised as the ' +
          'card operations do (422 if it is not a phone); no client gives an empty `clients` list.',
        tags: [TAG],
        security: [{ BearerPartnerUser: [] }],
        params: Type.Object({ chain_id: PathId('Chain id') }),
        querystring: ChainClientsQuery,
        response: { 200: SingleEnvelope(ChainClientsSchema), ...READ_ERRORS },
      },
    },
    async (request) => single(await services.clients.inChain(request.scope.chain!.id, request.query.phone)),
  );
};
