import type { Executor } from '../../db/database.js';
import { AppError } from '../../errors.js';
import { MoneyFormatError, parseMoney, type Minor } from '../../lib/money.js';
import { parseId } from '../../lib/ids.js';
import { ChainsRepository, type ChainMemberTable } from './chains.repository.js';

/**
 * Input helpers shared by the modules around the cards (locations, clients, programs, card
 * types): SPEC §1 leniency (numbers as JSON numbers or numeric strings) turned into exact values
 * or 422 field errors, and the check that ids named in a body belong to the caller's chain.
 */

/** A whole number in [min, max], given as a number or a numeric string. */
export function intField(value: unknown, field: string, min = 0, max = 2 ** 31 - 1): number {
  const text = typeof value === 'string' ? value.trim() : value;
  const number = typeof text === 'string' && /^[-+]?\d+$/.test(text) ? Number(text) : text;
  if (typeof number !== 'number' || !Number.isSafeInteger(number)) {
    throw AppError.field(field, 'must be a whole number');
  }
  if (number < min || number > max) throw AppError.field(field, `must be between ${min} and ${max}`);
  return number;
}

/** A decimal with at most 2 decimals, in hundredths (money amounts, percents). */
export function hundredthsField(value: unknown, field: string): Minor {
  try {
    return parseMoney(value);
  } catch (error) {
    if (error instanceof MoneyFormatError) throw AppError.field(field, error.message);
    throw error;
  }
}

/** A list of positive ids (numbers or numeric strings), without duplicates. */
export function idsField(values: unknown[], field: string): number[] {
  const ids = values.map((value) => parseId(value));
  if (ids.some((id) => id === null)) throw AppError.field(field, 'must contain positive integer ids');
  return [...new Set(ids as number[])];
}

/** Page and page size for a list; `page` counts from 1. */
export function pageOf(page: number | undefined, size: number): { limit: number; offset: number } {
  return { limit: size, offset: ((page ?? 1) - 1) * size };
}

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
