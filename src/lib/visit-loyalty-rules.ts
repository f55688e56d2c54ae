import { divideHalfUp, percentOf } from './loyalty-rules.js';
import type { Minor } from './money.js';

/**
 * The arithmetic of loyalty inside an open visit (SPEC §6.4), pure and in one place: how a
 * discount and a card withdrawal spread over the visit's items. Money in minor units, on integers
 * (BigInt where a product could pass 2^53); every part is a whole cent, and the parts of one
 * amount add up to it exactly.
 */

/** 1 percent, 2 fixed amount (a program's `value_unit_id`). */
const PERCENT = 1;

/**
 * Splits `amount` over items in proportion to their `costs` (SPEC §6.4, "50 over items of 1500
 * and 4000: 13.64 and 36.36"): every item's part but the costliest item's is rounded half-up to
 * the cent, and the costliest item (the first by position when several cost the most) takes the
 * rest, so the parts add up to `amount` exactly.
 *
 * `amount` must lie between 0 and Σ costs (a bug otherwise: callers cap it first). Where sub-cent
 * shares round so that the rest would fall outside what the costliest item costs — below 0 (2 cents
 * over four items of 1 cent: three shares of ½ round up to 1 each) or above its cost — its part is
 * held to that range and the difference is moved a cent at a time to the other items, by position,
 * each kept between 0 and its own cost. So no part is ever negative or larger than its item.
 */
export function splitByCost(amount: Minor, costs: readonly Minor[]): Minor[] {
  const total = costs.reduce((sum, cost) => sum + cost, 0);
  if (!Number.isSafeInteger(amount) || amount < 0 || amount > total || costs.some((c) => c < 0)) {
    throw new RangeError(`cannot split ${amount} over items costing ${costs.join(', ')}`);
  }
  if (amount === 0) return costs.map(() => 0);
  let costliest = 0;
  costs.forEach((cost, i) => {
    if (cost > costs[costliest]!) costliest = i;
  });
  const parts = costs.map((cost, i) =>
    i === costliest ? 0 : divideHalfUp(BigInt(amount) * BigInt(cost), BigInt(total)),
  );
  const rest = amount - parts.reduce((sum, part) => sum + part, 0);
  const held = Math.min(Math.max(rest, 0), costs[costliest]!);
  parts[costliest] = held;
  // Only in the sub-cent corner cases above: give back (rest < 0) or place (rest > cost) the cents.
  let difference = rest - held;
  for (let i = 0; difference !== 0 && i < parts.length; i++) {
    if (i === costliest) continue;
    const move =
      difference > 0 ? Math.min(difference, costs[i]! - parts[i]!) : Math.max(difference, -parts[i]!);
    parts[i]! += move;
    difference -= move;
  }
  return parts;
}

/** What a discount program gives the visit: its value (hundredths) in its unit. */
export interface DiscountTerms {
  /** 1 percent, 2 fixed amount. */
  valueUnitId: number;
  /** The value the card has reached: a percent ×100 (5 % is 500), or an amount in minor units. */
  valueHundredths: number;
}

/**
 * The whole discount over items of these costs: a percent program gives each item that percent of
 * its cost, rounded half-up (so the total is the sum of those); a fixed one its amount, whatever
 * the items cost (a fixed amount above what is due is refused by the caller, not cut).
 */
export function discountTotal(terms: DiscountTerms, costs: readonly Minor[]): Minor {
  if (terms.valueUnitId === PERCENT) {
    return costs.reduce((sum, cost) => sum + percentOf(cost, terms.valueHundredths), 0);
  }
  return terms.valueHundredths;
}

/**
 * The discount of each item (SPEC §6.4: one row per item): a percent of each item's cost, rounded
 * half-up; a fixed amount split over the items by `splitByCost`. The fixed amount must not exceed
 * Σ costs (`discountTotal` is checked against the amount due first).
 */
export function discountParts(terms: DiscountTerms, costs: readonly Minor[]): Minor[] {
  if (terms.valueUnitId === PERCENT) return costs.map((cost) => percentOf(cost, terms.valueHundredths));
  return splitByCost(terms.valueHundredths, costs);
}

/**
 * A card withdrawal in a visit (SPEC §6.4): the amount asked, capped at the card balance and at the
 * visit's amount due, split over the items by `splitByCost`. A cap of 0 gives no part above 0.
 */
export function withdrawalParts(
  asked: Minor,
  balance: Minor,
  due: Minor,
  costs: readonly Minor[],
): { amount: Minor; parts: Minor[] } {
  const amount = Math.max(0, Math.min(asked, balance, due));
  return { amount, parts: splitByCost(amount, costs) };
}
