import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { AT_LOCATION, IN_CHAIN, mount, route } from '../../http/route.js';
import { ChainParams, LocationParams, PathId } from '../../http/schemas.js';
import type { WriteRunner } from '../../http/write.js';
import {
  CreateProgramBody,
  IncludeQuery,
  LocationProgramSchema,
  LocationProgramsQuery,
  ProgramDetailSchema,
  UpdateProgramBody,
} from './programs.schemas.js';
import type { ProgramsService } from './programs.service.js';

const CHAIN_TAG = 'Chain Loyalty Programs';
const ProgramParams = Type.Object({
  chain_id: PathId('Chain id'),
  loyalty_program_id: PathId('Promotion id'),
});
const PROGRAM = { status: 200, envelope: 'single', schema: ProgramDetailSchema } as const;
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
export const programsRoutes: FastifyPluginAsync<{ programs: ProgramsService; writes: WriteRunner }> = async (
  app,
  { programs, writes },
) => {
  mount(app, writes, [
    route({
      method: 'GET',
      url: '/company/:location_id/loyalty/programs/search',
      operationId: 'get_location_loyalty_program_list',
      summary: 'Get a List of Promotions Active in the Location',
      description:
        'Live promotions of the location chain active at the location, in id order; `type` keeps one ' +
        'promotion type. `include=first_transaction_date` adds the date of the first transaction of each ' +
        '(null when none). allowed_usages_amount and current_package_progress are per client: 0 here.',
      tag: 'Loyalty Programs',
      ...AT_LOCATION,
      params: LocationParams,
      querystring: LocationProgramsQuery,
      answer: { status: 200, envelope: 'list', schema: LocationProgramSchema },
      handler: ({ scope, query }) => programs.activeAtLocation(scope.location, query),
    }),

    route({
      method: 'POST',
      url: '/chain/:chain_id/loyalty/programs',
      operationId: 'create_chain_loyalty_program',
      summary: 'Create a Chain Promotion',
      description: `Answers 200 with the promotion (as the reference says). ${BODY_RULES} ${INCLUDE}`,
      tag: CHAIN_TAG,
      ...IN_CHAIN,
      params: ChainParams,
      querystring: IncludeQuery,
      body: CreateProgramBody,
      answer: PROGRAM,
      handler: ({ scope, body, query }, trx) => programs.create(trx, scope.chain.id, body, query),
    }),

    route({
      method: 'GET',
      url: '/chain/:chain_id/loyalty/programs/:loyalty_program_id',
      operationId: 'get_chain_loyalty_program',
      summary: 'Get a Chain Promotion',
      description: `A promotion of another chain, or a deleted one, is 404. ${INCLUDE}`,
      tag: CHAIN_TAG,
      ...IN_CHAIN,
      params: ProgramParams,
      querystring: IncludeQuery,
      answer: PROGRAM,
      handler: ({ scope, params, query }) => programs.get(scope.chain.id, params.loyalty_program_id, query),
    }),

    route({
      method: 'PUT',
      url: '/chain/:chain_id/loyalty/programs/:loyalty_program_id',
      operationId: 'update_chain_loyalty_program',
      summary: 'Edit Chain Promotion',
      description:
        'Only the editable fields change (title, company_ids, loyalty_card_type_ids, rules, allowed ids, ' +
        'expiration fields, usage_limit, templates); a list sent replaces the stored one (rules get new ids). ' +
        'The fields fixed at creation (type, value_unit, service_item_type, good_item_type, ' +
        'history_start_date, params_source_type, sold_items_multiplicity, visit_multiplicity) may be sent ' +
        'with their current value; another value is 422. The card operations show the change at once. ' +
        `${BODY_RULES} ${INCLUDE}`,
      tag: CHAIN_TAG,
      ...IN_CHAIN,
      params: ProgramParams,
      querystring: IncludeQuery,
      body: UpdateProgramBody,
      answer: PROGRAM,
      handler: ({ scope, params, body, query }, trx) =>
        programs.update(trx, scope.chain.id, params.loyalty_program_id, body ?? {}, query),
    }),

    route({
      method: 'DELETE',
      url: '/chain/:chain_id/loyalty/programs/:loyalty_program_id',
      operationId: 'delete_chain_loyalty_program',
      summary: 'Delete Chain Promotion',
      description:
        'Answers 204 with no content. The promotion leaves every card at once; past transactions keep it.',
      tag: CHAIN_TAG,
      ...IN_CHAIN,
      params: ProgramParams,
      querystring: IncludeQuery,
      answer: { status: 204 },
      handler: ({ scope, params }, trx) => programs.remove(trx, scope.chain.id, params.loyalty_program_id),
    }),
  ]);
};
