import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { AT_LOCATION, mount, route } from '../../http/route.js';
import { LocationParams, PathId } from '../../http/schemas.js';
import type { WriteRunner } from '../../http/write.js';
import { CreateServiceBody, ServiceListQuery, ServiceSchema, UpdateServiceBody } from './services.schemas.js';
import type { ServicesService } from './services.service.js';

const TAG = 'Services';
const ServiceParams = Type.Object({ location_id: PathId('Location id'), service_id: PathId('Service id') });
const SERVICE = { status: 200, envelope: 'single', schema: ServiceSchema } as const;
const NOT_HERE = 'A service of another location, or a deleted one, is 404 (as if it did not exist).';
const BODY =
  'Prices are amounts with at most 2 decimals, not negative, `price_min` ≤ `price_max` (else 422); ' +
  '`discount` is a percent 0–100; `duration` and `seance_length` are seconds (0–86400); ' +
  '`technical_break_duration` is a multiple of 300 up to 3600, or null; `category_id` is stored as given ' +
  '(no category catalogue here). `staff[].id` must be live team members of this location, each once ' +
  '(else 422 naming `staff.N.id`); a missing `seance_length` is the service duration. Fields this server ' +
  'keeps no data for (is_multi, tax_variant, vat_id, date_from, date_to, seance_search_*, step, ' +
  'is_need_limit_date, image_group_id…) and other unknown fields are ignored.';
const CHANGE =
  'Answers 200 with the service. Decision: PUT and PATCH both change only the fields sent (Altegio marks ' +
  "14 fields required for PATCH and calls PUT a replacement, yet Altegio's own client reads and merges " +
  'before a PUT); any subset is accepted, an empty body changes nothing. A `staff` list sent replaces ' +
  `the stored one. ${BODY} ${NOT_HERE}`;

/** SPEC §6.2 V1 (altegio-services-staff.md §1). */
export const servicesRoutes: FastifyPluginAsync<{ services: ServicesService; writes: WriteRunner }> = async (
  app,
  { services, writes },
) => {
  /** One service, on the path Altegio documents now and on its older path. */
  const getService = (path: {
    url: string;
    operationId: string;
    summary: string;
    description: string;
    deprecated?: true;
  }) =>
    route({
      method: 'GET',
      ...path,
      description: `${path.description} ${NOT_HERE}`,
      tag: TAG,
      ...AT_LOCATION,
      params: ServiceParams,
      answer: SERVICE,
      handler: ({ scope, params }) => services.get(scope.location.id, params.service_id),
    });
  /** PUT and PATCH change a service alike (see CHANGE). */
  const updateService = (method: 'PUT' | 'PATCH', operationId: string, summary: string) =>
    route({
      method,
      url: '/services/:location_id/:service_id',
      operationId,
      summary,
      description: CHANGE,
      tag: TAG,
      ...AT_LOCATION,
      params: ServiceParams,
      body: UpdateServiceBody,
      answer: SERVICE,
      handler: ({ scope, params, body }, trx) =>
        services.update(trx, scope.location.id, params.service_id, body ?? {}),
    });

  mount(app, writes, [
    route({
      method: 'GET',
      url: '/services/:location_id',
      operationId: 'get_service_list',
      summary: 'Get a list of services',
      description:
        "The location's services (deleted ones left out), in id order, each with its live team members. " +
        '`category_id` keeps one category; `staff_id` keeps the services that team member provides.',
      tag: TAG,
      ...AT_LOCATION,
      params: LocationParams,
      querystring: ServiceListQuery,
      answer: { status: 200, envelope: 'list', schema: ServiceSchema },
      handler: ({ scope, query }) => services.list(scope.location.id, query),
    }),

    route({
      method: 'POST',
      url: '/services/:location_id',
      operationId: 'create_service',
      summary: 'Create a service',
      description:
        'Answers 201 with the service. Decision: `title` is required (Altegio lists no required field); a ' +
        'price left out takes the other price (0 when both are), `booking_title` defaults to the title, ' +
        `\`duration\` to 3600, \`active\` to 1. ${BODY}`,
      tag: TAG,
      ...AT_LOCATION,
      params: LocationParams,
      body: CreateServiceBody,
      answer: { ...SERVICE, status: 201 },
      handler: ({ scope, body }, trx) => services.create(trx, scope.location.id, body),
    }),

    getService({
      url: '/company/:location_id/services/:service_id',
      operationId: 'get_service',
      summary: 'Get a service',
      description:
        "One service, as an object (with `duration`, which Altegio's schema for this operation omits).",
    }),

    getService({
      url: '/services/:location_id/:service_id',
      operationId: 'deprecated_get_service_list_by_id',
      summary: 'Get a service (deprecated path)',
      description: 'The same as `get_service`, on the older path Altegio still documents.',
      deprecated: true,
    }),

    updateService('PUT', 'deprecated_update_service_by_id', 'Update a service'),
    updateService('PATCH', 'patch_service', 'Update a service (partial)'),

    route({
      method: 'DELETE',
      url: '/services/:location_id/:service_id',
      operationId: 'delete_service',
      summary: 'Delete a service',
      description:
        'Answers 204 with no content. A soft delete: the service leaves every list, cannot be booked and ' +
        `is 404 from then on; appointments that hold it keep their lines. ${NOT_HERE}`,
      tag: TAG,
      ...AT_LOCATION,
      params: ServiceParams,
      answer: { status: 204 },
      handler: ({ scope, params }, trx) => services.remove(trx, scope.location.id, params.service_id),
    }),
  ]);
};
