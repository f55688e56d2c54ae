import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { list, single } from '../../http/envelope.js';
import { ErrorEnvelope, ListEnvelope, PathId, SingleEnvelope } from '../../http/schemas.js';
import type { Services } from '../../services.js';
import {
  ClientBody,
  ClientListQuery,
  ClientSchema,
  ClientSearchBody,
  ClientSearchRow,
} from './clients.schemas.js';

const TAG = 'Clients';
const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, ErrorEnvelope]));
const READ_ERRORS = errors(401, 403, 404, 406, 422);
const WRITE_ERRORS = errors(400, 401, 403, 404, 406, 409, 413, 415, 422, 503);
const LocationParams = Type.Object({ location_id: PathId('Location id') });
const ClientParams = Type.Object({ location_id: PathId('Location id'), client_id: PathId('Client id') });
const PHONES =
  'Phones are normalised exactly as the loyalty card operations do (digits only, 7–15 of them; ' +
  '`13155550175`, `"13155550175"` and `"+13155550175"` are one phone) and shown as +digits. ' +
  'A location has at most one live client per phone (422 otherwise): the client the card operations find.';

/** altegio-reference.md §6: CL-1…CL-5 and CL-13. */
export const clientsRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  const { clients, writes } = services;

  app.post(
    '/clients/:location_id',
    {
      config: { auth: 'partnerUser', access: { location: 'location_id' } },
      schema: {
        operationId: 'create_client',
        summary: 'Adding a Client',
        description: `Answers 201 with the client. ${PHONES} \`categories\` is accepted and ignored (no tag catalogue).`,
        tags: [TAG],
        security: [{ BearerPartnerUser: [] }],
        params: LocationParams,
        body: ClientBody,
        response: { 201: SingleEnvelope(ClientSchema), ...WRITE_ERRORS },
      },
    },
    (request, reply) =>
      writes.run(request, reply, async (trx) => ({
        status: 201,
        body: single(await clients.create(trx, request.scope.location!.id, request.body)),
      })),
  );

  app.get(
    '/client/:location_id/:client_id',
    {
      config: { auth: 'partnerUser', access: { location: 'location_id' } },
      schema: {
        operationId: 'get_client',
        summary: 'Get a client',
        description: 'A client of another location is 404, as if it did not exist.',
        tags: [TAG],
        security: [{ BearerPartnerUser: [] }],
        params: ClientParams,
        response: { 200: SingleEnvelope(ClientSchema), ...READ_ERRORS },
      },
    },
    async (request) => single(await clients.get(request.scope.location!.id, request.params.client_id)),
  );

  app.put(
    '/client/:location_id/:client_id',
    {
      config: { auth: 'partnerUser', access: { location: 'location_id' } },
      schema: {
        operationId: 'update_client',
        summary: 'Edit client',
        description:
          `\`name\` and \`phone\` are required (as in the reference); other fields change only when sent. ${PHONES} ` +
          'A new phone does not move loyalty cards: cards belong to the phone they were issued to.',
        tags: [TAG],
        security: [{ BearerPartnerUser: [] }],
        params: ClientParams,
        body: ClientBody,
        response: { 200: SingleEnvelope(ClientSchema), ...WRITE_ERRORS },
      },
    },
    (request, reply) =>
      writes.run(request, reply, async (trx) => ({
        status: 200,
        body: single(
          await clients.update(trx, request.scope.location!.id, request.params.client_id, request.body),
        ),
      })),
  );

  app.delete(
    '/client/:location_id/:client_id',
    {
      config: { auth: 'partnerUser', access: { location: 'location_id' } },
      schema: {
        operationId: 'delete_client',
        summary: 'Delete client',
        description:
          'Answers 204 with no content. The client leaves every list; the loyalty cards of its phone and ' +
          'their history stay (a card operation on that phone at this location adds the client again).',
        tags: [TAG],
        security: [{ BearerPartnerUser: [] }],
        params: ClientParams,
        response: { 204: Type.Null({ description: 'No Content' }), ...WRITE_ERRORS },
      },
    },
    (request, reply) =>
      writes.run(request, reply, async (trx) => {
        await clients.remove(trx, request.scope.location!.id, request.params.client_id);
        return { status: 204 };
      }),
  );

  app.get(
    '/clients/:location_id',
    {
      config: { auth: 'partnerUser', access: { location: 'location_id' } },
      schema: {
        operationId: 'deprecated_get_client_list',
        summary: 'Deprecated. Get full client profiles in a location',
        description:
          'Full client profiles in ascending id order, `page` from 1 and `count` 1–300 (20 by default); ' +
          '`meta.total_count` (and `meta.count`) is the number of matching clients before paging. `phone` ' +
          'matches a part of the number (its digits), `fullname` a part of the name, surname or patronymic, ' +
          '`email` a part of the email, `card` a part of the number of a live loyalty card of the client. ' +
          'paid_min/paid_max are not supported (no visits are recorded here).',
        deprecated: true,
        tags: [TAG],
        security: [{ BearerPartnerUser: [] }],
        params: LocationParams,
        querystring: ClientListQuery,
        response: { 200: ListEnvelope(ClientSchema), ...READ_ERRORS },
      },
    },
    async (request) => {
      const { data, total } = await clients.list(request.scope.location!, request.query);
      return list(data, total, { total_count: total });
    },
  );

  app.post(
    '/company/:location_id/clients/search',
    {
      config: { auth: 'partnerUser', access: { location: 'location_id' } },
      schema: {
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
        tags: [TAG],
        security: [{ BearerPartnerUser: [] }],
        params: LocationParams,
        body: ClientSearchBody,
        response: { 200: ListEnvelope(ClientSearchRow), ...WRITE_ERRORS },
      },
    },
    (request, reply) =>
      writes.run(request, reply, async (trx) => {
        const { data, total } = await clients.search(trx, request.scope.location!.id, request.body ?? {});
        return { status: 200, body: list(data, total, { total_count: total }) };
      }),
  );
};
