import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { list, single } from '../../http/envelope.js';
import type { WriteOptions } from '../../http/write.js';
import {
  ErrorEnvelope,
  ListEnvelope,
  ObjectMetaEnvelope,
  PathId,
  PhoneText,
  SingleEnvelope,
} from '../../http/schemas.js';
import type { Services } from '../../services.js';
import {
  CardBalanceSchema,
  CardTypeSchema,
  IssueCardBody,
  LoyaltyCardSchema,
  ManualTransactionBody,
} from './cards.schemas.js';
import type { CardsService, TransactionPlace } from './cards.service.js';

const TAG = 'Loyalty Cards';
const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, ErrorEnvelope]));
const READ_ERRORS = errors(401, 403, 404, 406, 422);
const WRITE_ERRORS = errors(400, 401, 403, 404, 406, 409, 413, 415, 422, 503);
/** Ops 9 and 10: the balance and its ledger row are written atomically by the repository. */
const MANUAL_TRANSACTION: WriteOptions = { atomic: true };
const Phone = PhoneText('Client phone, e.g. 13155550175 or +13155550175', '13155550175');

/** SPEC §3, operations 1–10. Handlers are thin: one service call each. */
export const cardsRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  const { cards, auth, writes } = services;

  /** Ops 9 and 10: one manual transaction, at a location or at chain level. */
  const manualTransaction = (
    request: FastifyRequest,
    reply: FastifyReply,
    place: TransactionPlace,
    cardId: number,
    input: Parameters<CardsService['manualTransaction']>[4],
  ) =>
    writes.run(
      request,
      reply,
      async (executor) => ({
        status: 200,
        body: single(await cards.manualTransaction(executor, request.auth, place, cardId, input), {}),
      }),
      MANUAL_TRANSACTION,
    );

  app.get(
    '/loyalty/client_cards/:client_id',
    {
      config: { auth: 'partnerUser' },
      schema: {
        operationId: 'get_loyalty_card_list_by_client_id',
        summary: 'Get a List of Customer Cards by ID',
        description:
          "The live cards of the client's phone in the client's chain, with the programs active at the " +
          "client's location. A client at a location the partner is not connected to or the user is not " +
          'granted is answered 404, exactly like a client that does not exist.',
        tags: [TAG],
        security: [{ BearerPartnerUser: [] }],
        params: Type.Object({ client_id: PathId('Client id') }),
        response: { 200: ListEnvelope(LoyaltyCardSchema), ...READ_ERRORS },
      },
    },
    async (request) => {
      const data = await services.cards.cardsOfClient(request.auth, request.params.client_id, {
        grants: (a, id) => auth.grantsLocation(a, id),
      });
      return list(data);
    },
  );

  app.get(
    '/loyalty/cards/:phone/:chain_id/:location_id',
    {
      config: { auth: 'partnerUser', access: { location: 'location_id' } },
      schema: {
        operationId: 'get_loyalty_card_list_by_phone',
        summary: 'Get a List of Customer Cards by Phone Number',
        description: "`chain_id` 0 means the location's chain; another chain than the location's is 404.",
        tags: [TAG],
        security: [{ BearerPartnerUser: [] }],
        params: Type.Object({
          phone: Phone,
          chain_id: Type.Integer({ minimum: 0, description: 'Chain id, or 0 for the location chain' }),
          location_id: PathId('Location id'),
        }),
        response: { 200: ListEnvelope(LoyaltyCardSchema), ...READ_ERRORS },
      },
    },
    async (request) => {
      const { phone, chain_id } = request.params;
      return list(await cards.cardsByPhone(request.scope.location!, chain_id, phone));
    },
  );

  app.get(
    '/user/loyalty_cards/:chain_id',
    {
      config: { auth: 'partnerUser', access: { partnerChain: 'chain_id' } },
      schema: {
        operationId: 'get_user_loyalty_cards',
        summary: 'Get User Loyalty Cards',
        description:
          'Cards in the chain whose phone is the authorised user phone (Decision: needs the user token).',
        tags: [TAG],
        security: [{ BearerPartnerUser: [] }],
        params: Type.Object({ chain_id: PathId('Chain id') }),
        response: { 200: ListEnvelope(LoyaltyCardSchema), ...READ_ERRORS },
      },
    },
    async (request) => list(await cards.cardsOfUser(request.auth, request.params.chain_id)),
  );

  app.get(
    '/loyalty/card_types/salon/:location_id',
    {
      config: { auth: 'partnerUser', access: { location: 'location_id' } },
      schema: {
        operationId: 'get_loyalty_card_type_list',
        summary: 'Get a list of card types available at the location',
        tags: [TAG],
        security: [{ BearerPartnerUser: [] }],
        params: Type.Object({ location_id: PathId('Location id') }),
        response: { 200: ListEnvelope(CardTypeSchema), ...READ_ERRORS },
      },
    },
    async (request) => list(await cards.issuableTypes(request.scope.location!)),
  );

  app.get(
    '/loyalty/card_types/client/:location_id/:phone',
    {
      config: { auth: 'partnerUser', access: { location: 'location_id' } },
      schema: {
        operationId: 'get_loyalty_card_type_list_for_client',
        summary: 'Get a List of Card Types Available for Issuance to the Client',
        tags: [TAG],
        security: [{ BearerPartnerUser: [] }],
        params: Type.Object({ location_id: PathId('Location id'), phone: Phone }),
        response: { 200: ListEnvelope(CardTypeSchema), ...READ_ERRORS },
      },
    },
    async (request) => list(await cards.issuableTypes(request.scope.location!, request.params.phone)),
  );

  app.get(
    '/chain/:chain_id/loyalty/card_types',
    {
      config: { auth: 'partner', access: { partnerChain: 'chain_id' } },
      schema: {
        operationId: 'get_chain_loyalty_card_type_list',
        summary: 'Get a List of Card Types Available at the Chain',
        tags: [TAG],
        security: [{ BearerPartner: [] }],
        params: Type.Object({ chain_id: PathId('Chain id') }),
        response: { 200: ListEnvelope(CardTypeSchema), ...READ_ERRORS },
      },
    },
    async (request) => list(await cards.chainTypes(request.params.chain_id)),
  );

  app.post(
    '/loyalty/cards/:location_id',
    {
      config: { auth: 'partnerUser', access: { location: 'location_id' } },
      schema: {
        operationId: 'issue_loyalty_card',
        summary: 'Issue a Loyalty Card',
        tags: [TAG],
        security: [{ BearerPartnerUser: [] }],
        params: Type.Object({ location_id: PathId('Location id') }),
        body: IssueCardBody,
        response: { 200: SingleEnvelope(LoyaltyCardSchema), ...WRITE_ERRORS },
      },
    },
    (request, reply) =>
      writes.run(request, reply, async (trx) => ({
        status: 200,
        body: single(await cards.issue(trx, request.scope.location!, request.body)),
      })),
  );

  app.delete(
    '/loyalty/cards/:location_id/:card_id',
    {
      config: { auth: 'partnerUser', access: { location: 'location_id' } },
      schema: {
        operationId: 'remove_loyalty_card',
        summary: 'Remove a Loyalty Card',
        description: 'Answers 204 with no content. The card leaves every list; its transactions are kept.',
        tags: [TAG],
        security: [{ BearerPartnerUser: [] }],
        params: Type.Object({ location_id: PathId('Location id'), card_id: PathId('Loyalty card id') }),
        response: { 204: Type.Null({ description: 'No Content' }), ...WRITE_ERRORS },
      },
    },
    (request, reply) =>
      writes.run(request, reply, async (trx) => {
        await cards.remove(trx, request.scope.location!.chain_id, request.params.card_id);
        return { status: 204 };
      }),
  );

  app.post(
    '/company/:location_id/loyalty/cards/:card_id/manual_transaction',
    {
      config: { auth: 'partnerUser', access: { location: 'location_id' } },
      schema: {
        operationId: 'create_loyalty_card_transaction',
        summary: 'Manual withdraw/deposit to loyalty card in location',
        tags: [TAG],
        security: [{ BearerPartnerUser: [] }],
        params: Type.Object({ location_id: PathId('Location id'), card_id: PathId('Loyalty card id') }),
        body: ManualTransactionBody,
        response: { 200: ObjectMetaEnvelope(CardBalanceSchema), ...WRITE_ERRORS },
      },
    },
    (request, reply) => {
      const location = request.scope.location!;
      const place = { chainId: location.chain_id, locationId: location.id };
      return manualTransaction(request, reply, place, request.params.card_id, request.body ?? {});
    },
  );

  app.post(
    '/chain/:chain_id/loyalty/cards/:card_id/manual_transaction',
    {
      config: { auth: 'partnerUser', access: { chain: 'chain_id' } },
      schema: {
        operationId: 'create_chain_loyalty_card_transaction',
        summary: 'Manual withdraw/deposit to loyalty card in chain',
        tags: [TAG],
        security: [{ BearerPartnerUser: [] }],
        params: Type.Object({ chain_id: PathId('Chain id'), card_id: PathId('Loyalty card id') }),
        body: ManualTransactionBody,
        response: { 200: ObjectMetaEnvelope(CardBalanceSchema), ...WRITE_ERRORS },
      },
    },
    (request, reply) =>
      manualTransaction(
        request,
        reply,
        { chainId: request.scope.chain!.id, locationId: null },
        request.params.card_id,
        request.body ?? {},
      ),
  );
};
