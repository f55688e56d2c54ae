import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { AT_LOCATION, IN_CHAIN, route, mount } from '../../http/route.js';
import { ChainParams, LocationParams, PathId, PhoneText } from '../../http/schemas.js';
import type { WriteRunner } from '../../http/write.js';
import {
  CardBalanceSchema,
  CardTypeSchema,
  IssueCardBody,
  LoyaltyCardSchema,
  ManualTransactionBody,
} from './cards.schemas.js';
import type { CardsService, ClientLocationAccess } from './cards.service.js';

const TAG = 'Loyalty Cards';
const Phone = PhoneText('Client phone, e.g. 13155550175 or +13155550175', '13155550175');
const CARDS = { status: 200, envelope: 'list', schema: LoyaltyCardSchema } as const;
const CARD_TYPES = { status: 200, envelope: 'list', schema: CardTypeSchema } as const;
/** Ops 9 and 10: the balance and its ledger row are one statement on PostgreSQL (the repository). */
const BALANCE = { status: 200, envelope: 'objectMeta', schema: CardBalanceSchema } as const;
const CardParams = Type.Object({ location_id: PathId('Location id'), card_id: PathId('Loyalty card id') });

/** SPEC §3, operations 1–10. Handlers are thin: one service call each. */
export const cardsRoutes: FastifyPluginAsync<{
  cards: CardsService;
  access: ClientLocationAccess;
  writes: WriteRunner;
}> = async (app, { cards, access, writes }) => {
  mount(app, writes, [
    route({
      method: 'GET',
      url: '/loyalty/client_cards/:client_id',
      operationId: 'get_loyalty_card_list_by_client_id',
      summary: 'Get a List of Customer Cards by ID',
      description:
        "The live cards of the client's phone in the client's chain, with the programs active at the " +
        "client's location. A client at a location the partner is not connected to or the user is not " +
        'granted is answered 404, exactly like a client that does not exist.',
      tag: TAG,
      auth: 'partnerUser',
      params: Type.Object({ client_id: PathId('Client id') }),
      answer: CARDS,
      handler: ({ auth, params }) => cards.cardsOfClient(auth, params.client_id, access),
    }),

    route({
      method: 'GET',
      url: '/loyalty/cards/:phone/:chain_id/:location_id',
      operationId: 'get_loyalty_card_list_by_phone',
      summary: 'Get a List of Customer Cards by Phone Number',
      description: "`chain_id` 0 means the location's chain; another chain than the location's is 404.",
      tag: TAG,
      ...AT_LOCATION,
      params: Type.Object({
        phone: Phone,
        chain_id: Type.Integer({ minimum: 0, description: 'Chain id, or 0 for the location chain' }),
        location_id: PathId('Location id'),
      }),
      answer: CARDS,
      handler: ({ scope, params }) => cards.cardsByPhone(scope.location, params.chain_id, params.phone),
    }),

    route({
      method: 'GET',
      url: '/user/loyalty_cards/:chain_id',
      operationId: 'get_user_loyalty_cards',
      summary: 'Get User Loyalty Cards',
      description:
        'Cards in the chain whose phone is the authorised user phone (Decision: needs the user token).',
      tag: TAG,
      auth: 'partnerUser',
      access: { partnerChain: 'chain_id' },
      params: ChainParams,
      answer: CARDS,
      handler: ({ auth, params }) => cards.cardsOfUser(auth, params.chain_id),
    }),

    route({
      method: 'GET',
      url: '/loyalty/card_types/salon/:location_id',
      operationId: 'get_loyalty_card_type_list',
      summary: 'Get a list of card types available at the location',
      tag: TAG,
      ...AT_LOCATION,
      params: LocationParams,
      answer: CARD_TYPES,
      handler: ({ scope }) => cards.issuableTypes(scope.location),
    }),

    route({
      method: 'GET',
      url: '/loyalty/card_types/client/:location_id/:phone',
      operationId: 'get_loyalty_card_type_list_for_client',
      summary: 'Get a List of Card Types Available for Issuance to the Client',
      tag: TAG,
      ...AT_LOCATION,
      params: Type.Object({ location_id: PathId('Location id'), phone: Phone }),
      answer: CARD_TYPES,
      handler: ({ scope, params }) => cards.issuableTypes(scope.location, params.phone),
    }),

    route({
      method: 'GET',
      url: '/chain/:chain_id/loyalty/card_types',
      operationId: 'get_chain_loyalty_card_type_list',
      summary: 'Get a List of Card Types Available at the Chain',
      tag: TAG,
      auth: 'partner',
      access: { partnerChain: 'chain_id' },
      params: ChainParams,
      answer: CARD_TYPES,
      handler: ({ params }) => cards.chainTypes(params.chain_id),
    }),

    route({
      method: 'POST',
      url: '/loyalty/cards/:location_id',
      operationId: 'issue_loyalty_card',
      summary: 'Issue a Loyalty Card',
      tag: TAG,
      ...AT_LOCATION,
      params: LocationParams,
      body: IssueCardBody,
      answer: { status: 200, envelope: 'single', schema: LoyaltyCardSchema },
      handler: ({ scope, body }, trx) => cards.issue(trx, scope.location, body),
    }),

    route({
      method: 'DELETE',
      url: '/loyalty/cards/:location_id/:card_id',
      operationId: 'remove_loyalty_card',
      summary: 'Remove a Loyalty Card',
      description: 'Answers 204 with no content. The card leaves every list; its transactions are kept.',
      tag: TAG,
      ...AT_LOCATION,
      params: CardParams,
      answer: { status: 204 },
      handler: ({ scope, params }, trx) => cards.remove(trx, scope.location.chain_id, params.card_id),
    }),

    route({
      method: 'POST',
      url: '/company/:location_id/loyalty/cards/:card_id/manual_transaction',
      operationId: 'create_loyalty_card_transaction',
      summary: 'Manual withdraw/deposit to loyalty card in location',
      tag: TAG,
      ...AT_LOCATION,
      params: CardParams,
      body: ManualTransactionBody,
      answer: BALANCE,
      write: { commit: 'atomic' },
      handler: ({ auth, scope: { location }, params, body }, executor) =>
        cards.manualTransaction(
          executor,
          auth,
          { chainId: location.chain_id, locationId: location.id },
          params.card_id,
          body ?? {},
        ),
    }),

    route({
      method: 'POST',
      url: '/chain/:chain_id/loyalty/cards/:card_id/manual_transaction',
      operationId: 'create_chain_loyalty_card_transaction',
      summary: 'Manual withdraw/deposit to loyalty card in chain',
      tag: TAG,
      ...IN_CHAIN,
      params: Type.Object({ chain_id: PathId('Chain id'), card_id: PathId('Loyalty card id') }),
      body: ManualTransactionBody,
      answer: BALANCE,
      write: { commit: 'atomic' },
      handler: ({ auth, scope, params, body }, executor) =>
        cards.manualTransaction(
          executor,
          auth,
          { chainId: scope.chain.id, locationId: null },
          params.card_id,
          body ?? {},
        ),
    }),
  ]);
};
