import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { list, single } from '../../http/envelope.js';
import { ErrorEnvelope, ListEnvelope, PathId, SingleEnvelope } from '../../http/schemas.js';
import type { Services } from '../../services.js';
import {
  CreateProgramBody,
  IncludeQuery,
  LocationProgramSchema,
  LocationProgramsQuery,
  ProgramDetailSchema,
  UpdateProgramBody,
} from './programs.schemas.js';

const CHAIN_TAG = 'Chain Loyalty Programs';
const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, ErrorEnvelope]));
const READ_ERRORS = errors(401, 403, 404, 406, 422);
const WRITE_ERRORS = errors(400, 401, 403, 404, 406, 409, 413, 415, 422, 503);
const ChainParams = Type.Object({ chain_id: PathId('Chain id') });
const ProgramParams = Type.Object({
  chain_id: PathId('Chain id'),
  loyalty_program_id: PathId('Promotion id'),
});
const INCLUDE =
  '`include` (comma-separated or repeated) adds rules, companies, loyalty_card_types, applicable_items ' +
  '(ids only: no catalogue here), and the notification templates (null: none are stored here).';
const BODY_RULES =
  'Rules: `type` and `loyalty_type_id` are one mapping; a fixed promotion (discount_static, ' +
  'cashback_static_sold, cashback_static_paid) has exactly one rule, the others at least one; a percent ' +
  'value is 0–100, an amount has at most 2 decimals; service_item_type and good_item_type may not both be ' +
  'not_allowed, and custom_allowed needs the allowed ids; usage_limit and visit_multiplicity are for ' +
  'cashback only; company_ids and loyalty_card_type_ids must be live entities of this chain. ' +
  '`item_type_id` follows the item-type enum (0 all, 1 any services, 2 any products, 3 specific services, ' +
  '4 specific services and any products). Notification templates are accepted and not stored.';

/** altegio-reference.md §2: L-19…L-22 and L-24. */
export const programsRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (
  app,
  { services },
) => {
  const { programs, writes } = services;

  app.get(
    '/company/:location_id/loyalty/programs/search',
    {
      config: { auth: 'partnerUser', access: { location: 'location_id' } },
      schema: {
        operationId: 'get_location_loyalty_program_list',
        summary: 'Get a List of Promotions Active in the Location',
        description:
          'Live promotions of the location chain active at the location, in id order; `type` keeps one ' +
          'promotion type. `include=first_transaction_date` adds the date of the first transaction of each ' +
          '(null when none). allowed_usages_amount and current_package_progress are per client: 0 here.',
        tags: ['Loyalty Programs'],
        security: [{ BearerPartnerUser: [] }],
        params: Type.Object({ location_id: PathId('Location id') }),
        querystring: LocationProgramsQuery,
        response: { 200: ListEnvelope(LocationProgramSchema), ...READ_ERRORS },
      },
    },
    async (request) => list(await programs.activeAtLocation(request.scope.location!, request.query)),
  );

  app.post(
    '/chain/:chain_id/loyalty/programs',
    {
      config: { auth: 'partnerUser', access: { chain: 'chain_id' } },
      schema: {
        operationId: 'create_chain_loyalty_program',
        summary: 'Create a Chain Promotion',
        description: `Answers 200 with the promotion (as the reference says). ${BODY_RULES} ${INCLUDE}`,
        tags: [CHAIN_TAG],
        security: [{ BearerPartnerUser: [] }],
        params: ChainParams,
        querystring: IncludeQuery,
        body: CreateProgramBody,
        response: { 200: SingleEnvelope(ProgramDetailSchema), ...WRITE_ERRORS },
      },
    },
    (request, reply) =>
      writes.run(request, reply, async (trx) => ({
        status: 200,
        body: single(await programs.create(trx, request.scope.chain!.id, request.body, request.query)),
      })),
  );

  app.get(
    '/chain/:chain_id/loyalty/programs/:loyalty_program_id',
    {
      config: { auth: 'partnerUser', access: { chain: 'chain_id' } },
      schema: {
        operationId: 'get_chain_loyalty_program',
        summary: 'Get a Chain Promotion',
        description: `A promotion of another chain, or a deleted one, is 404. ${INCLUDE}`,
        tags: [CHAIN_TAG],
        security: [{ BearerPartnerUser: [] }],
        params: ProgramParams,
        querystring: IncludeQuery,
        response: { 200: SingleEnvelope(ProgramDetailSchema), ...READ_ERRORS },
      },
    },
    async (request) =>
      single(await programs.get(request.scope.chain!.id, request.params.loyalty_program_id, request.query)),
  );

  app.put(
    '/chain/:chain_id/loyalty/programs/:loyalty_program_id',
    {
      config: { auth: 'partnerUser', access: { chain: 'chain_id' } },
      schema: {
        operationId: 'update_chain_loyalty_program',
        summary: 'Edit Chain Promotion',
        description:
          'Only the editable fields change (title, company_ids, loyalty_card_type_ids, rules, allowed ids, ' +
          'expiration fields, usage_limit, templates); a list sent replaces the stored one (rules get new ids). ' +
          'The fields fixed at creation (type, value_unit, service_item_type, good_item_type, ' +
          'history_start_date, params_source_type, sold_items_multiplicity, visit_multiplicity) may be sent ' +
          'with their current value; another value is 422. The card operations show the change at once. ' +
          `${BODY_RULES} ${INCLUDE}`,
        tags: [CHAIN_TAG],
        security: [{ BearerPartnerUser: [] }],
        params: ProgramParams,
        querystring: IncludeQuery,
        body: UpdateProgramBody,
        response: { 200: SingleEnvelope(ProgramDetailSchema), ...WRITE_ERRORS },
      },
    },
    (request, reply) =>
      writes.run(request, reply, async (trx) => ({
        status: 200,
        body: single(
          await programs.update(
            trx,
            request.scope.chain!.id,
            request.params.loyalty_program_id,
            request.body ?? {},
            request.query,
          ),
        ),
      })),
  );

  app.delete(
    '/chain/:chain_id/loyalty/programs/:loyalty_program_id',
    {
      config: { auth: 'partnerUser', access: { chain: 'chain_id' } },
      schema: {
        operationId: 'delete_chain_loyalty_program',
        summary: 'Delete Chain Promotion',
        description:
          'Answers 204 with no content. The promotion leaves every card at once; past transactions keep it.',
        tags: [CHAIN_TAG],
        security: [{ BearerPartnerUser: [] }],
        params: ProgramParams,
        querystring: IncludeQuery,
        response: { 204: Type.Null({ description: 'No Content' }), ...WRITE_ERRORS },
      },
    },
    (request, reply) =>
      writes.run(request, reply, async (trx) => {
        await programs.remove(trx, request.scope.chain!.id, request.params.loyalty_program_id);
        return { status: 204 };
      }),
  );
};
