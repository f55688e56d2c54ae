import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { single } from '../../http/envelope.js';
import { ErrorEnvelope, PathId, SingleEnvelope } from '../../http/schemas.js';
import type { Services } from '../../services.js';
import { CardTypeDetailSchema, CreateCardTypeBody, UpdateCardTypeBody } from './card-types.schemas.js';

const TAG = 'Loyalty Card Types (extension)';
const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, ErrorEnvelope]));
const READ_ERRORS = errors(401, 403, 404, 406, 422);
const WRITE_ERRORS = errors(400, 401, 403, 404, 406, 409, 413, 415, 422, 503);
const ChainParams = Type.Object({ chain_id: PathId('Chain id') });
const TypeParams = Type.Object({ chain_id: PathId('Chain id'), card_type_id: PathId('Card type id') });
const EXTENSION =
  'Extension: Altegio v1 has no such operation; it lets a sandbox be set up without the admin CLI. ' +
  'Needs the user granted the chain. ';
const LISTS =
  '`company_ids` (locations where the type may be issued) and `loyalty_program_ids` (promotions linked to ' +
  'it) must name live entities of this chain (422 otherwise); the card operations see changes at once.';

/** Card types of a chain over HTTP (ours; the list is Altegio's op in cards.routes.ts). */
export const cardTypesRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (
  app,
  { services },
) => {
  const { cardTypes, writes } = services;

  app.post(
    '/chain/:chain_id/loyalty/card_types',
    {
      config: { auth: 'partnerUser', access: { chain: 'chain_id' } },
      schema: {
        'x-extension': true,
        operationId: 'create_chain_loyalty_card_type',
        summary: 'Create a card type in the chain',
        description: `${EXTENSION}Answers 201 with the card type. ${LISTS}`,
        tags: [TAG],
        security: [{ BearerPartnerUser: [] }],
        params: ChainParams,
        body: CreateCardTypeBody,
        response: { 201: SingleEnvelope(CardTypeDetailSchema), ...WRITE_ERRORS },
      },
    },
    (request, reply) =>
      writes.run(request, reply, async (trx) => ({
        status: 201,
        body: single(await cardTypes.create(trx, request.scope.chain!.id, request.body)),
      })),
  );

  app.get(
    '/chain/:chain_id/loyalty/card_types/:card_type_id',
    {
      config: { auth: 'partnerUser', access: { chain: 'chain_id' } },
      schema: {
        'x-extension': true,
        operationId: 'get_chain_loyalty_card_type',
        summary: 'Get a card type of the chain',
        description: `${EXTENSION}A card type of another chain, or a deleted one, is 404.`,
        tags: [TAG],
        security: [{ BearerPartnerUser: [] }],
        params: TypeParams,
        response: { 200: SingleEnvelope(CardTypeDetailSchema), ...READ_ERRORS },
      },
    },
    async (request) => single(await cardTypes.get(request.scope.chain!.id, request.params.card_type_id)),
  );

  app.put(
    '/chain/:chain_id/loyalty/card_types/:card_type_id',
    {
      config: { auth: 'partnerUser', access: { chain: 'chain_id' } },
      schema: {
        'x-extension': true,
        operationId: 'update_chain_loyalty_card_type',
        summary: 'Edit a card type of the chain',
        description: `${EXTENSION}Only the fields sent change; a list sent replaces the stored one. ${LISTS}`,
        tags: [TAG],
        security: [{ BearerPartnerUser: [] }],
        params: TypeParams,
        body: UpdateCardTypeBody,
        response: { 200: SingleEnvelope(CardTypeDetailSchema), ...WRITE_ERRORS },
      },
    },
    (request, reply) =>
      writes.run(request, reply, async (trx) => ({
        status: 200,
        body: single(
          await cardTypes.update(
            trx,
            request.scope.chain!.id,
            request.params.card_type_id,
            request.body ?? {},
          ),
        ),
      })),
  );

  app.delete(
    '/chain/:chain_id/loyalty/card_types/:card_type_id',
    {
      config: { auth: 'partnerUser', access: { chain: 'chain_id' } },
      schema: {
        'x-extension': true,
        operationId: 'delete_chain_loyalty_card_type',
        summary: 'Delete a card type of the chain',
        description:
          `${EXTENSION}Answers 204 with no content. The type leaves every card type list and can no longer ` +
          'be issued; cards already issued keep it, with their balances and history.',
        tags: [TAG],
        security: [{ BearerPartnerUser: [] }],
        params: TypeParams,
        response: { 204: Type.Null({ description: 'No Content' }), ...WRITE_ERRORS },
      },
    },
    (request, reply) =>
      writes.run(request, reply, async (trx) => {
        await cardTypes.remove(trx, request.scope.chain!.id, request.params.card_type_id);
        return { status: 204 };
      }),
  );
};
