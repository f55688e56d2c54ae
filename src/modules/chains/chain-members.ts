import type { Executor } from '../../db/database.js';
import { AppError } from '../../errors.js';
import { ChainsRepository, type ChainMemberTable } from './chains.repository.js';

/**
 * Ids named in a body must be live entities of the chain; any other id (unknown, removed, or
 * of another chain) is refused alike, so other tenants' ids cannot be probed.
 */
export async function requireChainMembers(
  executor: Executor,
  table: ChainMemberTable,
  chainId: number,
  ids: number[],
  field: string,
): Promise<void> {
  if (ids.length === 0) return;
  const found = await new ChainsRepository(executor).liveMembers(table, chainId, ids);
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length > 0) {
    const what = { locations: 'locations', card_types: 'card types', programs: 'promotions' }[table];
    throw AppError.field(field, `must name ${what} of this chain (unknown: ${missing.join(', ')})`);
  }
}
