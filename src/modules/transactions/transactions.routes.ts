import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { list } from '../../http/envelope.js';
import { ErrorEnvelope, ListEnvelope, PathId } from '../../http/schemas.js';
import type { Services } from '../../services.js';
import { CardTransactionsQuery, ChainTransactionsQuery, TransactionSchema } from './transactions.schemas.js';

const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, ErrorEnvelope]));
const READ_ERRORS = errors(401, 403, 404, 406, 422);
const ARRAY_PARAMS = ['types', 'company_ids', 'visit_ids'];

/**
 * Array query parameters arrive as `types[]=5&types[]=6` (PHP style, as Altegio documents
 * them), `types=5&types=6`, or `types[0]=5&types[1]=6` (indexed, as some clients write them).
 * All are folded into `types[]` before validation, so one schema checks them.
 */
async function foldArrayParams(request: FastifyRequest): Promise<void> {
  const query = request.query as Record<string, unknown>;
  for (const name of ARRAY_PARAMS) {
    const values: unknown[] = [];
    for (const key of Object.keys(query)) {
      if (key === `${name}[]` || key === name || new RegExp(`^${name}\\[\\d+\\]$`).test(key)) {
        const value = query[key];
        values.push(...(Array.isArray(value) ? value : [value]));
        if (key !== `${name}[]`) delete query[key];
      }
    }
    if (values.length > 0) query[`${name}[]`] = values;
  }
}

const PAGING =
  'Paged with `page` (from 1) and `count` (1 to 1000, default 100); `meta.count` is the number of ' +
  'matching transactions before paging. Newest first.';

/** SPEC §4: the card history (ours) and the chain transaction list (Altegio L-23). */
export const transactionsRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (
  app,
  { services },
) => {
  const { transactions } = services;

  app.get(
    '/loyalty/cards/:location_id/:card_id/transactions',
    {
      config: { auth: 'partnerUser', access: { location: 'location_id' } },
      schema: {
        operationId: 'get_loyalty_card_transaction_list',
        summary: 'Get the transaction history of a loyalty card',
        description:
          'Extension (not in Altegio): every transaction of the card, wherever in the chain it was ' +
          'recorded, as the `Transaction` objects of the chain list. ' +
          PAGING +
          ' The card must belong to the location chain (else 404); a removed card keeps its history ' +
          'and it stays readable here.',
        'x-extension': true,
        tags: ['Loyalty Cards'],
        security: [{ BearerPartnerUser: [] }],
        params: Type.Object({ location_id: PathId('Location id'), card_id: PathId('Loyalty card id') }),
        querystring: CardTransactionsQuery,
        response: { 200: ListEnvelope(TransactionSchema), ...READ_ERRORS },
      },
    },
    async (request) => {
      const { data, total } = await transactions.cardHistory(
        request.scope.location!.chain_id,
        request.params.card_id,
        request.query,
      );
      return list(data, total);
    },
  );

  app.get(
    '/chain/:chain_id/loyalty/transactions',
    {
      config: { auth: 'partnerUser', access: { chain: 'chain_id' } },
      preValidation: foldArrayParams,
      schema: {
        operationId: 'get_chain_loyalty_transaction_list',
        summary: 'Get a List of Chain Loyalty Transactions',
        description:
          'Loyalty transactions of the chain recorded between `created_after` and `created_before`, ' +
          'both required (Y-m-d, else 422 naming the field), both whole UTC days and included; ' +
          '`created_before` earlier than `created_after` is 422. ' +
          PAGING +
          ' `types[]`, `company_ids[]` and `visit_ids[]` narrow the list (also accepted as `types=…` or ' +
          '`types[0]=…`); a chain-level transaction has no company, so any `company_ids[]` leaves it out. ' +
          'Transactions of removed cards are listed. Fields Altegio has for memberships, certificates and ' +
          'goods (abonement_id, certificate_id, goods_transaction_id, …) are not rendered: this server has ' +
          'no such transactions.',
        tags: ['Chain Loyalty Programs'],
        security: [{ BearerPartnerUser: [] }],
        params: Type.Object({ chain_id: PathId('Chain id') }),
        querystring: ChainTransactionsQuery,
        response: { 200: ListEnvelope(TransactionSchema), ...READ_ERRORS },
      },
    },
    async (request) => {
      const { data, total } = await transactions.chainList(request.scope.chain!.id, request.query);
      return list(data, total);
    },
  );
};
