import type { FastifyPluginAsync } from 'fastify';
import { AT_LOCATION, mount, route } from '../../http/route.js';
import { LocationParams } from '../../http/schemas.js';
import { AccountSchema } from './accounts.schemas.js';
import type { AccountsService } from './accounts.service.js';

const TAG = 'Accounts';

/** SPEC §6.2 V3 (altegio-services-staff.md §3). */
export const accountsRoutes: FastifyPluginAsync<{ accounts: AccountsService }> = async (
  app,
  { accounts },
) => {
  mount(app, null, [
    route({
      method: 'GET',
      url: '/accounts/:location_id',
      operationId: 'get_account_list',
      summary: 'Get a list of accounts',
      description:
        'The location accounts (checkouts), in id order. Every location has a default cash account ' +
        '(`type` 0) and a default non-cash account (`type` 1), created with the location ("Cash" and ' +
        '"Non-cash"); `fast_payment` of a visit pays into them. Accounts cannot be created or changed ' +
        'over the API (Altegio documents no such operation).',
      tag: TAG,
      ...AT_LOCATION,
      params: LocationParams,
      answer: { status: 200, envelope: 'list', schema: AccountSchema },
      handler: ({ scope }) => accounts.list(scope.location.id),
    }),
  ]);
};
