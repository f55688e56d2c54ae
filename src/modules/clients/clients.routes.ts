import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { AT_LOCATION, mount, route, type ListPage } from '../../http/route.js';
import { LocationParams, PathId } from '../../http/schemas.js';
import type { WriteRunner } from '../../http/write.js';
import {
  ClientBody,
  ClientListQuery,
  ClientSchema,
  ClientSearchBody,
  ClientSearchRow,
} from './clients.schemas.js';
import type { ClientsService } from './clients.service.js';

const TAG = 'Clients';
const ClientParams = Type.Object({ location_id: PathId('Location id'), client_id: PathId('Client id') });
const CLIENT = { status: 200, envelope: 'single', schema: ClientSchema } as const;
const PHONES =
  'Phones are normalised exactly as the loyalty card operations do (digits only, 7–15 of them; ' +
  '`13155550175`, `"13155550175"` and `"+13155550175"` are one phone) and shown as +digits. ' +
  'A location has at most one live client per phone (422 otherwise): the client the card operations find.';

/** altegio-reference.md §6: CL-1…CL-5 and CL-13. */
export const clientsRoutes: FastifyPluginAsync<{ clients: ClientsService; writes: WriteRunner }> = async (
  app,
  { clients, writes },
) => {
  mount(app, writes, [
    route({
      method: 'POST',
      url: '/clients/:location_id',
      operationId: 'create_client',
      summary: 'Adding a Client',
      description: `Answers 201 with the client. ${PHONES} \`categories\` is accepted and ignored (no tag catalogue).`,
      tag: TAG,
      ...AT_LOCATION,
      params: LocationParams,
      body: ClientBody,
      answer: { ...CLIENT, status: 201 },
      handler: ({ scope, body }, trx) => clients.create(trx, scope.location.id, body),
    }),

    route({
      method: 'GET',
      url: '/client/:location_id/:client_id',
      operationId: 'get_client',
      summary: 'Get a client',
      description: 'A client of another location is 404, as if it did not exist.',
      tag: TAG,
      ...AT_LOCATION,
      params: ClientParams,
      answer: CLIENT,
      handler: ({ scope, params }) => clients.get(scope.location.id, params.client_id),
    }),

    route({
      method: 'PUT',
      url: '/client/:location_id/:client_id',
      operationId: 'update_client',
      summary: 'Edit client',
      description:
        `\`name\` and \`phone\` are required (as in the reference); other fields change only when sent. ${PHONES} ` +
        'A new phone does not move loyalty cards: cards belong to the phone they were issued to.',
      tag: TAG,
      ...AT_LOCATION,
      params: ClientParams,
      body: ClientBody,
      answer: CLIENT,
      handler: ({ scope, params, body }, trx) =>
        clients.update(trx, scope.location.id, params.client_id, body),
    }),

    route({
      method: 'DELETE',
      url: '/client/:location_id/:client_id',
      operationId: 'delete_client',
      summary: 'Delete client',
      description:
        'Answers 204 with no content. The client leaves every list; the loyalty cards of its phone and ' +
        'their history stay (a card operation on that phone at this location adds the client again).',
      tag: TAG,
      ...AT_LOCATION,
      params: ClientParams,
      answer: { status: 204 },
      handler: ({ scope, params }, trx) => clients.remove(trx, scope.location.id, params.client_id),
    }),

    route({
      method: 'GET',
      url: '/clients/:location_id',
      operationId: 'deprecated_get_client_list',
      summary: 'Deprecated. Get full client profiles in a location',
      description:
        'Full client profiles in ascending id order, `page` from 1 and `count` 1–300 (20 by default); ' +
        '`meta.total_count` (and `meta.count`) is the number of matching clients before paging. `phone` ' +
        'matches a part of the number (its digits), `fullname` a part of the name, surname or patronymic, ' +
        '`email` a part of the email, `card` a part of the number of a live loyalty card of the client. ' +
        'paid_min/paid_max are not supported (no visits are recorded here).',
      deprecated: true,
      tag: TAG,
      ...AT_LOCATION,
      params: LocationParams,
      querystring: ClientListQuery,
      answer: { status: 200, envelope: 'list', schema: ClientSchema },
      handler: async ({ scope, query }) => withTotalCount(await clients.list(scope.location, query)),
    }),

    route({
      method: 'POST',
      url: '/company/:location_id/clients/search',
      operationId: 'get_client_list',
      summary: 'Get a list of clients',
      description:
        "Filters are Altegio's `{type, state: {value}}` objects combined by `operation` (AND by default). " +
        'Types: `quick_search` (a part of the name, surname, patronymic or email, or of the phone digits), ' +
        '`name` (a part of the name, surname or patronymic), `phone` (the whole phone, normalised), `email` ' +
        '(a part of it), `id` (a list of ids), `gender` and `importance` (lists of codes). Rows carry `id` ' +
        'and the requested `fields` only; visit figures are empty (no visits are recorded here). ' +
        '`page` from 1, `page_size` 1–200 (25 by default); `meta.total_count` (and `meta.count`) is the ' +
        'number of matching clients before paging.',
      tag: TAG,
      ...AT_LOCATION,
      params: LocationParams,
      body: ClientSearchBody,
      answer: { status: 200, envelope: 'list', schema: ClientSearchRow },
      handler: async ({ scope, body }, trx) =>
        withTotalCount(await clients.search(trx, scope.location.id, body ?? {})),
    }),
  ]);
};

/** The client lists also name their total `meta.total_count`, as Altegio's do. */
function withTotalCount<T>(page: { data: T[]; total: number }): ListPage<T> {
  return { data: page.data, total: page.total, meta: { total_count: page.total } };
}
