import type { Db } from '../../db/database.js';
import { AppError } from '../../errors.js';
import { DAY_MS, dayStart } from '../../lib/fields.js';
import { toTransactionWire } from './transactions.mapper.js';
import { TransactionsRepository, type TransactionFilter } from './transactions.repository.js';
import type {
  CardTransactionsInput,
  ChainTransactionsInput,
  TransactionWire,
} from './transactions.schemas.js';

const DEFAULT_PAGE_SIZE = 100;

interface TransactionPage {
  data: TransactionWire[];
  /** Matching transactions before paging (`meta.count`). */
  total: number;
}

/**
 * The loyalty transaction history (SPEC §4): one card's, and the chain's (Altegio L-23). Both
 * read the immutable ledger, so a removed card's transactions stay listed.
 */
export class TransactionsService {
  constructor(private readonly db: Db) {}

  private async page(
    filter: TransactionFilter,
    page = 1,
    count = DEFAULT_PAGE_SIZE,
  ): Promise<TransactionPage> {
    const repo = new TransactionsRepository(this.db);
    const [rows, total] = await Promise.all([
      repo.list(filter, count, (page - 1) * count),
      repo.count(filter),
    ]);
    return { data: rows.map(toTransactionWire), total };
  }

  /** A card of another chain is answered as one that does not exist. */
  async cardHistory(chainId: number, cardId: number, query: CardTransactionsInput): Promise<TransactionPage> {
    if (!(await new TransactionsRepository(this.db).cardInChain(chainId, cardId))) {
      throw AppError.notFound('Loyalty card');
    }
    return this.page({ chainId, cardId }, query.page, query.count);
  }

  /** Both days are whole UTC days, included: `created_after=2024-01-01&created_before=2024-01-01` is that day. */
  async chainList(chainId: number, query: ChainTransactionsInput): Promise<TransactionPage> {
    const from = dayStart(query.created_after, 'created_after');
    const lastDay = dayStart(query.created_before, 'created_before');
    if (lastDay < from) throw AppError.field('created_before', 'must not be earlier than created_after');
    return this.page(
      {
        chainId,
        from: new Date(from).toISOString(),
        until: new Date(lastDay + DAY_MS).toISOString(),
        typeIds: query['types[]']?.map(Number),
        locationIds: query['company_ids[]'],
        visitIds: query['visit_ids[]'],
        liveOnly: true,
      },
      query.page,
      query.count,
    );
  }
}
