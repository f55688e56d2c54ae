import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { list, single } from '../../http/envelope.js';
import { ErrorEnvelope, ListEnvelope, PathId, SingleEnvelope } from '../../http/schemas.js';
import type { Services } from '../../services.js';
import {
  CreateLocationBody,
  LocationGetQuery,
  LocationListQuery,
  LocationSchema,
  UpdateLocationBody,
} from './locations.schemas.js';

const TAG = 'Locations';
const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, ErrorEnvelope]));
const READ_ERRORS = errors(401, 403, 404, 406, 422);
const WRITE_ERRORS = errors(400, 401, 403, 404, 406, 409, 413, 415, 422, 503);
const LocationParams = Type.Object({ location_id: PathId('Location id') });

/** altegio-reference.md §5, LOC-1…LOC-5. */
export const locationsRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (
  app,
  { services },
) => {
  const { locations, writes } = services;

  app.get(
    '/companies',
    {
      config: { auth: 'partner' },
      schema: {
        operationId: 'get_location_list',
        summary: 'Get a list of locations',
        description:
          'The locations the partner is connected to, in id order. `my=1` narrows them to the locations ' +
          'the user is granted and needs the user token (401 without it). Deactivated (deleted) locations ' +
          'are hidden unless `show_deleted=1`. Paging: `page` from 1, `count` up to 1000 (default 1000); ' +
          '`meta.count` is the number of matching locations before paging. Parameters this server has no ' +
          'data for (forBooking, include, showBookforms, hide_record_type_*, business_group_id) are ignored.',
        tags: [TAG],
        security: [{ BearerPartner: [] }, { BearerPartnerUser: [] }],
        querystring: LocationListQuery,
        response: { 200: ListEnvelope(LocationSchema), ...READ_ERRORS },
      },
    },
    async (request) => {
      const { data, total } = await locations.list(request.auth, request.query);
      return list(data, total);
    },
  );

  app.get(
    '/company/:location_id',
    {
      config: { auth: 'partner' },
      schema: {
        operationId: 'get_location',
        summary: 'Get location',
        description:
          'A location the partner is not connected to, or a deleted one, is 404. `my=1` adds `access` ' +
          '(the user rights; this server has one right per location, so every flag is 1) and needs the user ' +
          'token and its grant of the location (403 otherwise).',
        tags: [TAG],
        security: [{ BearerPartner: [] }, { BearerPartnerUser: [] }],
        params: LocationParams,
        querystring: LocationGetQuery,
        response: { 200: SingleEnvelope(LocationSchema), ...READ_ERRORS },
      },
    },
    async (request) => single(await locations.get(request.auth, request.params.location_id, request.query)),
  );

  app.post(
    '/companies',
    {
      config: { auth: 'partnerUser' },
      schema: {
        operationId: 'create_location',
        summary: 'Create a location',
        description:
          'Answers 201 with the new location. Decisions where the reference is silent: the chain of the new ' +
          'location is `group_id` (or `main_group_id`), which must be a chain the user is granted (422 ' +
          'otherwise, whether it exists or not); it may be left out when the user is granted exactly one ' +
          'chain. `title` is required. The calling partner is connected to the new location and the ' +
          'calling user granted it. The fields of the change operation (city, country, phones, social, ' +
          'description, zip…) are accepted too; `coordinate_lot` (sic) and `coordinate_lon` both set the ' +
          'longitude.',
        tags: [TAG],
        security: [{ BearerPartnerUser: [] }],
        body: CreateLocationBody,
        response: { 201: SingleEnvelope(LocationSchema), ...WRITE_ERRORS },
      },
    },
    (request, reply) =>
      writes.run(request, reply, async (trx) => ({
        status: 201,
        body: single(await locations.create(trx, request.auth, request.body ?? {})),
      })),
  );

  app.put(
    '/company/:location_id',
    {
      config: { auth: 'partnerUser', access: { location: 'location_id' } },
      schema: {
        operationId: 'update_location',
        summary: 'Change location',
        description:
          'Only the fields sent change; `social` changes only the networks it names. City and country ids ' +
          'and names are stored as given (this server keeps no city catalogue). Phones are normalised to ' +
          'digits (7–15) and shown as +digits.',
        tags: [TAG],
        security: [{ BearerPartnerUser: [] }],
        params: LocationParams,
        body: UpdateLocationBody,
        response: { 200: SingleEnvelope(LocationSchema), ...WRITE_ERRORS },
      },
    },
    (request, reply) =>
      writes.run(request, reply, async (trx) => ({
        status: 200,
        body: single(await locations.update(trx, request.scope.location!.id, request.body ?? {})),
      })),
  );

  app.delete(
    '/company/:location_id',
    {
      config: { auth: 'partnerUser', access: { location: 'location_id' } },
      schema: {
        operationId: 'delete_location',
        summary: 'Delete location',
        description:
          'Answers 202 with no content. A location that clients, cards or transactions refer to is ' +
          'deactivated, never erased: it leaves every list (`show_deleted=1` shows it with `active` 0) and ' +
          'every operation on it answers 403; its cards, clients and history stay. A location nothing ' +
          'refers to is erased.',
        tags: [TAG],
        security: [{ BearerPartnerUser: [] }],
        params: LocationParams,
        response: { 202: Type.Null({ description: 'Accepted' }), ...WRITE_ERRORS },
      },
    },
    (request, reply) =>
      writes.run(request, reply, async (trx) => {
        await locations.remove(trx, request.scope.location!.id);
        return { status: 202 };
      }),
  );
};
