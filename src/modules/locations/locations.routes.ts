import type { FastifyPluginAsync } from 'fastify';
import { AT_LOCATION, mount, route } from '../../http/route.js';
import { LocationParams } from '../../http/schemas.js';
import type { WriteRunner } from '../../http/write.js';
import {
  CreateLocationBody,
  LocationGetQuery,
  LocationListQuery,
  LocationSchema,
  UpdateLocationBody,
} from './locations.schemas.js';
import type { LocationsService } from './locations.service.js';

const TAG = 'Locations';
const LOCATION = { status: 200, envelope: 'single', schema: LocationSchema } as const;

/** altegio-reference.md §5, LOC-1…LOC-5. */
export const locationsRoutes: FastifyPluginAsync<{
  locations: LocationsService;
  writes: WriteRunner;
}> = async (app, { locations, writes }) => {
  mount(app, writes, [
    route({
      method: 'GET',
      url: '/companies',
      operationId: 'get_location_list',
      summary: 'Get a list of locations',
      description:
        'The locations the partner is connected to, in id order. `my=1` narrows them to the locations ' +
        'the user is granted and needs the user token (401 without it). Deactivated (deleted) locations ' +
        'are hidden unless `show_deleted=1`. Paging: `page` from 1, `count` up to 1000 (default 1000); ' +
        '`meta.count` is the number of matching locations before paging. Parameters this server has no ' +
        'data for (forBooking, include, showBookforms, hide_record_type_*, business_group_id) are ignored.',
      tag: TAG,
      auth: 'partner',
      querystring: LocationListQuery,
      answer: { status: 200, envelope: 'list', schema: LocationSchema },
      handler: ({ auth, query }) => locations.list(auth, query),
    }),

    route({
      method: 'GET',
      url: '/company/:location_id',
      operationId: 'get_location',
      summary: 'Get location',
      description:
        'A location the partner is not connected to, or a deleted one, is 404. `my=1` adds `access` ' +
        '(the user rights; this server has one right per location, so every flag is 1) and needs the user ' +
        'token and its grant of the location (403 otherwise).',
      tag: TAG,
      auth: 'partner',
      params: LocationParams,
      querystring: LocationGetQuery,
      answer: LOCATION,
      handler: ({ auth, params, query }) => locations.get(auth, params.location_id, query),
    }),

    route({
      method: 'POST',
      url: '/companies',
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
      tag: TAG,
      auth: 'partnerUser',
      body: CreateLocationBody,
      answer: { ...LOCATION, status: 201 },
      handler: ({ auth, body }, trx) => locations.create(trx, auth, body ?? {}),
    }),

    route({
      method: 'PUT',
      url: '/company/:location_id',
      operationId: 'update_location',
      summary: 'Change location',
      description:
        'Only the fields sent change; `social` changes only the networks it names. City and country ids ' +
        'and names are stored as given (this server keeps no city catalogue). Phones are normalised to ' +
        'digits (7–15) and shown as +digits.',
      tag: TAG,
      ...AT_LOCATION,
      params: LocationParams,
      body: UpdateLocationBody,
      answer: LOCATION,
      handler: ({ scope, body }, trx) => locations.update(trx, scope.location.id, body ?? {}),
    }),

    route({
      method: 'DELETE',
      url: '/company/:location_id',
      operationId: 'delete_location',
      summary: 'Delete location',
      description:
        'Answers 202 with no content. A location that clients, cards or transactions refer to is ' +
        'deactivated, never erased: it leaves every list (`show_deleted=1` shows it with `active` 0) and ' +
        'every operation on it answers 403; its cards, clients and history stay. A location nothing ' +
        'refers to is erased.',
      tag: TAG,
      ...AT_LOCATION,
      params: LocationParams,
      answer: { status: 202 },
      handler: ({ scope }, trx) => locations.remove(trx, scope.location.id),
    }),
  ]);
};
