import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { IN_CHAIN, mount, route } from '../../http/route.js';
import { ChainParams, PathId } from '../../http/schemas.js';
import type { WriteRunner } from '../../http/write.js';
import { CardTypeDetailSchema, CreateCardTypeBody, UpdateCardTypeBody } from './card-types.schemas.js';
import type { CardTypesService } from './card-types.service.js';

const TAG = 'Loyalty Card Types (extension)';
const TypeParams = Type.Object({ chain_id: PathId('Chain id'), card_type_id: PathId('Card type id') });
const CARD_TYPE = { status: 200, envelope: 'single', schema: CardTypeDetailSchema } as const;
const EXTENSION =
  'Extension: Altegio v1 has no such operation; it lets a sandbox be set up without the admin CLI. ' +
  'Needs the user granted the chain. ';
const LISTS =
  '`company_ids` (locations where the type may be issued) and `loyalty_program_ids` (promotions linked to ' +
  'it) must name live entities of this chain (422 otherwise); the card operations see changes at once.';

/** Card types of a chain over HTTP (ours; the list is Altegio's op in cards.routes.ts). */
export const cardTypesRoutes: FastifyPluginAsync<{
  cardTypes: CardTypesService;
  writes: WriteRunner;
}> = async (app, { cardTypes, writes }) => {
  mount(app, writes, [
    route({
      method: 'POST',
      url: '/chain/:chain_id/loyalty/card_types',
      operationId: 'create_chain_loyalty_card_type',
      summary: 'Create a card type in the chain',
      description: `${EXTENSION}Answers 201 with the card type. ${LISTS}`,
      tag: TAG,
      ...IN_CHAIN,
      extension: true,
      params: ChainParams,
      body: CreateCardTypeBody,
      answer: { ...CARD_TYPE, status: 201 },
      handler: ({ scope, body }, trx) => cardTypes.create(trx, scope.chain.id, body),
    }),

    route({
      method: 'GET',
      url: '/chain/:chain_id/loyalty/card_types/:card_type_id',
      operationId: 'get_chain_loyalty_card_type',
      summary: 'Get a card type of the chain',
      description: `${EXTENSION}A card type of another chain, or a deleted one, is 404.`,
      tag: TAG,
      ...IN_CHAIN,
      extension: true,
      params: TypeParams,
      answer: CARD_TYPE,
      handler: ({ scope, params }) => cardTypes.get(scope.chain.id, params.card_type_id),
    }),

    route({
      method: 'PUT',
      url: '/chain/:chain_id/loyalty/card_types/:card_type_id',
      operationId: 'update_chain_loyalty_card_type',
      summary: 'Edit a card type of the chain',
      description: `${EXTENSION}Only the fields sent change; a list sent replaces the stored one. ${LISTS}`,
      tag: TAG,
      ...IN_CHAIN,
      extension: true,
      params: TypeParams,
      body: UpdateCardTypeBody,
      answer: CARD_TYPE,
      handler: ({ scope, params, body }, trx) =>
        cardTypes.update(trx, scope.chain.id, params.card_type_id, body ?? {}),
    }),

    route({
      method: 'DELETE',
      url: '/chain/:chain_id/loyalty/card_types/:card_type_id',
      operationId: 'delete_chain_loyalty_card_type',
      summary: 'Delete a card type of the chain',
      description:
        `${EXTENSION}Answers 204 with no content. The type leaves every card type list and can no longer ` +
        'be issued; cards already issued keep it, with their balances and history.',
      tag: TAG,
      ...IN_CHAIN,
      extension: true,
      params: TypeParams,
      answer: { status: 204 },
      handler: ({ scope, params }, trx) => cardTypes.remove(trx, scope.chain.id, params.card_type_id),
    }),
  ]);
};
