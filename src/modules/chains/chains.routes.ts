import type { FastifyPluginAsync } from 'fastify';
import { IN_CHAIN, mount, route } from '../../http/route.js';
import { ChainParams } from '../../http/schemas.js';
import type { ClientsService } from '../clients/clients.service.js';
import { ChainClientsSchema } from '../clients/clients.schemas.js';
import { ChainClientsQuery, ChainSchema } from './chains.schemas.js';
import type { ChainsService } from './chains.service.js';

const TAG = 'Chain Management';

/** altegio-reference.md §4, C-1 and C-2. */
export const chainsRoutes: FastifyPluginAsync<{ chains: ChainsService; clients: ClientsService }> = async (
  app,
  { chains, clients },
) => {
  mount(app, null, [
    route({
      method: 'GET',
      url: '/groups',
      operationId: 'get_chain_list',
      summary: 'Obtaining chains available to the user',
      description:
        'The chains the partner reaches through a location it is connected to; with the user token, only ' +
        'those the user is granted. `companies` lists the chain locations the partner is connected to. ' +
        'This server has one right per chain, so every `access` flag is 1 for a granted chain (0 when no ' +
        'user token is sent).',
      tag: TAG,
      auth: 'partner',
      answer: { status: 200, envelope: 'list', schema: ChainSchema },
      handler: ({ auth }) => chains.list(auth),
    }),

    route({
      method: 'GET',
      url: '/group/:chain_id/clients',
      operationId: 'get_chain_client_by_phone_number',
      summary: 'Get a chain client by phone number.',
      description:
        'The clients with this phone at the live locations of the chain. The phone is normalised as the ' +
        'card operations do (422 if it is not a phone); no client gives an empty `clients` list.',
      tag: TAG,
      ...IN_CHAIN,
      params: ChainParams,
      querystring: ChainClientsQuery,
      answer: { status: 200, envelope: 'single', schema: ChainClientsSchema },
      handler: ({ scope, query }) => clients.inChain(scope.chain.id, query.phone),
    }),
  ]);
};
