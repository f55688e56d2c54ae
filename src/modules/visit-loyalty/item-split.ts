import { percentOf } from '../../lib/loyalty-rules.js';
import type { Minor } from '../../lib/money.js';

/**
 * How a loyalty amount of a visit is spread over its service items (SPEC §6.4), pure and exact:
 * the parts always add up to the amount, to the cent. Shared by the loyalty operations inside a
 * visit (the referral discount here; the discount and the card withdrawal of V8/V9 split the same
 * way).
 */

/** `numerator / denominator` rounded half-up, for non-negative integers, exactly (BigInt). */
function divideHalfUp(numerator: bigint, denominator: bigint): Minor {
  return Number((numerator * 2n + denominator) / (denominator * 2n));
}

/**
 * `amount` split over items in proportion to their cost: each item's part but the costliest
 * item's is rounded half-up to the minor unit, and the costliest item takes the rest, so the
 * parts add up exactly (50.00 over 1500 and 4000: 13.64 and 36.36). Ties for costliest: the first
 * of them, by position. Items that cost nothing get 0 (all of it goes to the first item when none
 * costs anything). `amount` and costs are minor units, not negative.
 */
export function splitByCost(amount: Minor, costs: readonly Minor[]): Minor[] {
  if (costs.length === 0) return [];
  const total = costs.reduce((sum, cost) => sum + cost, 0);
  let costliest = 0;
  costs.forEach((cost, i) => {
    if (cost > costs[costliest]!) costliest = i;
  });
  const parts = costs.map((cost, i) =>
    i === costliest || total === 0 ? 0 : divideHalfUp(BigInt(amount) * BigInt(cost), BigInt(total)),
  );
  parts[costliest] = amount - parts.reduce((sum, part) => sum + part, 0);
  return parts;
}

/** A percent (hundredths: 12.5 % is 1250) of each item's cost, each rounded half-up on its own. */
export function percentPerItem(percentHundredths: number, costs: readonly Minor[]): Minor[] {
  return costs.map((cost) => percentOf(cost, percentHundredths));
}
