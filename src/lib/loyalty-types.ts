/**
 * SPEC §2's loyalty-type table. `code` is the promotion `type` enum of Altegio's program API;
 * `loyalty_type_id` and `type` are one mapping, defined here only.
 */
type Basis = 'visits' | 'sold' | 'paid' | null;

interface LoyaltyType {
  id: number;
  code: string;
  title: string;
  is_discount: boolean;
  is_cashback: boolean;
  is_static: boolean;
  is_accumulative: boolean;
  /** What a cumulative program's rule `parameter` is compared with. */
  basis: Basis;
}

const t = (
  id: number,
  code: string,
  title: string,
  kind: 'discount' | 'cashback',
  shape: 'static' | 'accumulative' | 'other',
  basis: Basis,
): LoyaltyType => ({
  id,
  code,
  title,
  is_discount: kind === 'discount',
  is_cashback: kind === 'cashback',
  is_static: shape === 'static',
  is_accumulative: shape === 'accumulative',
  basis,
});

export const LOYALTY_TYPES: readonly LoyaltyType[] = [
  t(1, 'discount_static', 'Fixed discount', 'discount', 'static', null),
  t(
    2,
    'discount_accumulative_visits',
    'Cumulative discount by number of visits',
    'discount',
    'accumulative',
    'visits',
  ),
  t(
    3,
    'discount_accumulative_sold',
    'Cumulative discount by sold amount',
    'discount',
    'accumulative',
    'sold',
  ),
  t(
    4,
    'discount_accumulative_paid',
    'Cumulative discount by paid amount',
    'discount',
    'accumulative',
    'paid',
  ),
  t(5, 'cashback_static_sold', 'Fixed cashback (sold amount)', 'cashback', 'static', null),
  t(6, 'cashback_static_paid', 'Fixed cashback (paid amount)', 'cashback', 'static', null),
  t(
    7,
    'cashback_accumulative_paid',
    'Cumulative cashback by paid amount',
    'cashback',
    'accumulative',
    'paid',
  ),
  t(
    8,
    'cashback_accumulative_sold',
    'Cumulative cashback by sold amount',
    'cashback',
    'accumulative',
    'sold',
  ),
  t(
    9,
    'cashback_accumulative_paid_visits',
    'Cumulative cashback by number of visits (paid amount)',
    'cashback',
    'accumulative',
    'visits',
  ),
  t(
    10,
    'cashback_accumulative_sold_visits',
    'Cumulative cashback by number of visits (sold amount)',
    'cashback',
    'accumulative',
    'visits',
  ),
  t(11, 'cashback_sold_visits', 'Cashback every Nth visit (sold amount)', 'cashback', 'other', 'visits'),
  t(12, 'cashback_paid_visits', 'Cashback every Nth visit (paid amount)', 'cashback', 'other', 'visits'),
  t(13, 'package_discount', 'Discount for a given number of accumulated services', 'discount', 'other', null),
];

const byId = new Map(LOYALTY_TYPES.map((x) => [x.id, x]));
const byCode = new Map(LOYALTY_TYPES.map((x) => [x.code, x]));

export function loyaltyTypeById(id: number): LoyaltyType {
  const found = byId.get(id);
  if (!found) throw new Error(`unknown loyalty type ${id}`);
  return found;
}

export function loyaltyTypeByCode(code: string): LoyaltyType | undefined {
  return byCode.get(code);
}

export const LOYALTY_TYPE_CODES = LOYALTY_TYPES.map((x) => x.code);

/** value_unit_id ↔ value_unit. */
export const VALUE_UNITS: Record<number, 'percent' | 'amount'> = { 1: 'percent', 2: 'amount' };

/** Transaction type ids and titles (SPEC §2). */
export const TRANSACTION_TYPES: Record<number, string> = {
  1: 'Promotion discount',
  2: 'Program accrual',
  3: 'Card withdrawal',
  4: 'Referral program accrual',
  5: 'Manual top-up',
  6: 'Manual withdrawal',
  7: 'Expired points withdrawal',
  8: 'Gift card withdrawal',
  9: 'Membership use',
  10: 'Membership cost recalculation',
  11: 'Client account withdrawal',
};
