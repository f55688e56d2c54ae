import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { AT_LOCATION, IN_CHAIN, mount, route } from '../../http/route.js';
import { ChainParams, PathId } from '../../http/schemas.js';
import { CardTransactionsQuery, ChainTransactionsQuery, TransactionSchema } from './transactions.schemas.js';
import type { TransactionsService } from './transactions.service.js';

const TRANSACTIONS = { status: 200, envelope: 'list', schema: TransactionSchema } as const;
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
export const transactionsRoutes: FastifyPluginAsync<{ transactions: TransactionsService }> = async (
  app,
  { transactions },
) => {
  mount(app, null, [
    route({
      method: 'GET',
      url: '/loyalty/cards/:location_id/:card_id/transactions',
      operationId: 'get_loyalty_card_transaction_list',
      summary: 'Get the transaction history of a loyalty card',
      description:
        'Extension (not in Altegio): every transaction of the card, wherever in the chain it was ' +
        'recorded, as the `Transaction` objects of the chain list — compensations included (status 2, ' +
        '`cancels_id` naming the row they cancel), and the rows they cancel, so the sum of ' +
        "`balance_effect` is the card's balance. " +
        PAGING +
        ' The card must belong to the location chain (else 404); a removed card keeps its history ' +
        'and it stays readable here.',
      tag: 'Loyalty Cards',
      ...AT_LOCATION,
      extension: true,
      params: Type.Object({ location_id: PathId('Location id'), card_id: PathId('Loyalty card id') }),
      querystring: CardTransactionsQuery,
      answer: TRANSACTIONS,
      handler: ({ scope, params, query }) =>
        transactions.cardHistory(scope.location.chain_id, params.card_id, query),
    }),

    route({
      method: 'GET',
      url: '/chain/:chain_id/loyalty/transactions',
      operationId: 'get_chain_loyalty_transaction_list',
      summary: 'Get a List of Chain Loyalty Transactions',
      description:
        'Loyalty transactions of the chain recorded between `created_after` and `created_before`, ' +
        'both required (Y-m-d, else 422 naming the field), both whole UTC days and included; ' +
        '`created_before` earlier than `created_after` is 422. ' +
        PAGING +
        ' `types[]`, `company_ids[]` and `visit_ids[]` narrow the list (also accepted as `types=…` or ' +
        '`types[0]=…`); a chain-level transaction has no company, so any `company_ids[]` leaves it out. ' +
        'Transactions of removed cards are listed. Live transactions only (SPEC §6.6): a reversed ' +
        'accrual (its visit reopened) and its compensation are left out; the card history shows both. ' +
        'Fields Altegio has for memberships and certificates (abonement_id, certificate_id, ' +
        'services_transaction_id) are not rendered: this server has no such transactions; ' +
        '`goods_transaction_id` is 0.',
      tag: 'Chain Loyalty Programs',
      ...IN_CHAIN,
      preValidation: foldArrayParams,
      params: ChainParams,
      querystring: ChainTransactionsQuery,
      answer: TRANSACTIONS,
      handler: ({ scope, query }) => transactions.chainList(scope.chain.id, query),
    }),
  ]);
};
