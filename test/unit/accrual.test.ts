import { describe, expect, it } from 'vitest';
import {
  cashbackAccrual,
  discountedCost,
  maxDiscountValues,
  percentOf,
  type CardTotals,
  type ProgramTerms,
  type RuleTerms,
  type VisitTotals,
} from '../../src/lib/loyalty-rules.js';

/** Money in the cases below is written in currency units and turned into minor units here. */
const m = (major: number) => Math.round(major * 100);

const PERCENT = 1;
const FIXED = 2;

interface Case {
  label: string;
  type: number;
  unit: number;
  /** The program's own value (whole percent or currency units), used when it has no rule. */
  value?: number;
  visitMultiplicity?: number;
  /** [parameter, value] with value in percent or currency units. */
  rules?: [number, number][];
  /** The card's figures before the visit. */
  before?: { visits?: number; sold?: number; paid?: number };
  /** What the visit adds: Σ first_cost and Σ money payments (card withdrawals are not "paid"). */
  visit: { sold: number; paid: number };
  /** The accrual, in currency units; 0 means no row. */
  expected: number;
}

/**
 * SPEC §6.3 (and the lead's design notes §4): each cashback type 5–12 with each value unit, the
 * thresholds reached exactly and missed by a cent or a visit, rounding half-up, and visits paid
 * partly by card withdrawal (sold 1500, paid 1000: 500 came from the card).
 */
// prettier-ignore
const CASES: Case[] = [
  // 5: static cashback on the sold amount.
  { label: '5 percent: 5 % of sold', type: 5, unit: PERCENT, rules: [[0, 5]], visit: { sold: 1500, paid: 1000 }, expected: 75 },
  { label: '5 fixed: the amount, whatever was sold', type: 5, unit: FIXED, rules: [[0, 100]], visit: { sold: 1500, paid: 1000 }, expected: 100 },
  { label: '5 percent: no rule, the program value', type: 5, unit: PERCENT, value: 3, visit: { sold: 1000, paid: 0 }, expected: 30 },
  // 6: static cashback on the paid amount (the demo's "Cashback 5%": 1500 paid in money earns 75).
  { label: '6 percent: 1500 paid in money earns 75', type: 6, unit: PERCENT, rules: [[0, 5]], visit: { sold: 1500, paid: 1500 }, expected: 75 },
  { label: '6 percent: partly paid by card withdrawal, only money is paid', type: 6, unit: PERCENT, rules: [[0, 5]], visit: { sold: 1500, paid: 1000 }, expected: 50 },
  { label: '6 percent: paid wholly by card withdrawal earns nothing', type: 6, unit: PERCENT, rules: [[0, 5]], visit: { sold: 1500, paid: 0 }, expected: 0 },
  { label: '6 percent: half a cent rounds up (10.10 × 5 % = 0.505)', type: 6, unit: PERCENT, rules: [[0, 5]], visit: { sold: 10.1, paid: 10.1 }, expected: 0.51 },
  { label: '6 percent: under half a cent rounds down (0.09 × 5 % = 0.0045)', type: 6, unit: PERCENT, rules: [[0, 5]], visit: { sold: 0.09, paid: 0.09 }, expected: 0 },
  { label: '6 percent: 333.33 × 2.5 % = 8.33325', type: 6, unit: PERCENT, rules: [[0, 2.5]], visit: { sold: 333.33, paid: 333.33 }, expected: 8.33 },
  { label: '6 percent: 0.01 × 50 % = 0.005 rounds up', type: 6, unit: PERCENT, rules: [[0, 50]], visit: { sold: 0.01, paid: 0.01 }, expected: 0.01 },
  { label: '6 percent: exact on the largest visit (10^12 × 12.34 %)', type: 6, unit: PERCENT, rules: [[0, 12.34]], visit: { sold: 1e12, paid: 1e12 }, expected: 123_400_000_000 },
  { label: '6 fixed: 25.50 with a card withdrawal too', type: 6, unit: FIXED, rules: [[0, 25.5]], visit: { sold: 1500, paid: 1000 }, expected: 25.5 },
  // 7: cumulative cashback by the paid amount (whole currency units before the visit).
  { label: '7 percent: paid 999.99 before is 999: the first rule', type: 7, unit: PERCENT, rules: [[0, 3], [1000, 5], [5000, 7]], before: { paid: 999.99 }, visit: { sold: 200, paid: 200 }, expected: 6 },
  { label: '7 percent: paid 1000 before reaches 1000 exactly', type: 7, unit: PERCENT, rules: [[0, 3], [1000, 5], [5000, 7]], before: { paid: 1000 }, visit: { sold: 200, paid: 200 }, expected: 10 },
  { label: '7 percent: this visit does not count towards its own threshold', type: 7, unit: PERCENT, rules: [[0, 3], [1000, 5]], before: { paid: 900 }, visit: { sold: 200, paid: 200 }, expected: 6 },
  { label: '7 percent: no rule reached, nothing', type: 7, unit: PERCENT, rules: [[100, 5]], before: { paid: 99.99 }, visit: { sold: 200, paid: 200 }, expected: 0 },
  { label: '7 percent: sold does not count for a paid program', type: 7, unit: PERCENT, rules: [[0, 1], [1000, 5]], before: { sold: 5000, paid: 0 }, visit: { sold: 200, paid: 200 }, expected: 2 },
  { label: '7 fixed: the reached rule’s amount', type: 7, unit: FIXED, rules: [[0, 10], [1000, 20]], before: { paid: 1000 }, visit: { sold: 1, paid: 1 }, expected: 20 },
  { label: '7 percent: partly by card withdrawal, % of the money only', type: 7, unit: PERCENT, rules: [[0, 4]], visit: { sold: 1500, paid: 1000 }, expected: 40 },
  // 8: cumulative cashback by the sold amount.
  { label: '8 percent: sold 10000 before reaches 10000 exactly, % of sold', type: 8, unit: PERCENT, rules: [[0, 5], [10000, 10]], before: { sold: 10000 }, visit: { sold: 1500, paid: 1000 }, expected: 150 },
  { label: '8 percent: sold 9999.99 before stays on the first rule', type: 8, unit: PERCENT, rules: [[0, 5], [10000, 10]], before: { sold: 9999.99 }, visit: { sold: 1500, paid: 1000 }, expected: 75 },
  { label: '8 fixed', type: 8, unit: FIXED, rules: [[0, 7.77]], visit: { sold: 1, paid: 0 }, expected: 7.77 },
  // 9: cumulative by visits, % of paid.
  { label: '9 percent: 3 visits before reach the rule of 3', type: 9, unit: PERCENT, rules: [[0, 2], [3, 4]], before: { visits: 3 }, visit: { sold: 1500, paid: 1000 }, expected: 40 },
  { label: '9 percent: 2 visits before, the first rule', type: 9, unit: PERCENT, rules: [[0, 2], [3, 4]], before: { visits: 2 }, visit: { sold: 1500, paid: 1000 }, expected: 20 },
  { label: '9 percent: the first visit, below every rule', type: 9, unit: PERCENT, rules: [[1, 2]], before: { visits: 0 }, visit: { sold: 1500, paid: 1000 }, expected: 0 },
  { label: '9 fixed', type: 9, unit: FIXED, rules: [[0, 1], [3, 3]], before: { visits: 5 }, visit: { sold: 1, paid: 1 }, expected: 3 },
  // 10: cumulative by visits, % of sold.
  { label: '10 percent: % of sold', type: 10, unit: PERCENT, rules: [[0, 2], [3, 4]], before: { visits: 3 }, visit: { sold: 1500, paid: 1000 }, expected: 60 },
  { label: '10 fixed', type: 10, unit: FIXED, rules: [[2, 50]], before: { visits: 2 }, visit: { sold: 0, paid: 0 }, expected: 50 },
  // 11: every Nth visit, % of sold.
  { label: '11 percent: the 3rd visit of "every 3rd"', type: 11, unit: PERCENT, rules: [[3, 10]], before: { visits: 2 }, visit: { sold: 1500, paid: 1000 }, expected: 150 },
  { label: '11 percent: the 4th visit of "every 3rd", nothing', type: 11, unit: PERCENT, rules: [[3, 10]], before: { visits: 3 }, visit: { sold: 1500, paid: 1000 }, expected: 0 },
  { label: '11 percent: the 6th visit of "every 3rd"', type: 11, unit: PERCENT, rules: [[3, 10]], before: { visits: 5 }, visit: { sold: 1500, paid: 1000 }, expected: 150 },
  { label: '11 percent: N from visit_multiplicity when the rule has none', type: 11, unit: PERCENT, rules: [[0, 10]], visitMultiplicity: 2, before: { visits: 1 }, visit: { sold: 100, paid: 0 }, expected: 10 },
  { label: '11 percent: visit_multiplicity 2, the 3rd visit, nothing', type: 11, unit: PERCENT, rules: [[0, 10]], visitMultiplicity: 2, before: { visits: 2 }, visit: { sold: 100, paid: 0 }, expected: 0 },
  { label: '11 fixed: no N at all is every visit', type: 11, unit: FIXED, rules: [[0, 5]], before: { visits: 6 }, visit: { sold: 1, paid: 1 }, expected: 5 },
  // 12: every Nth visit, % of paid.
  { label: '12 fixed: the 5th visit of "every 5th"', type: 12, unit: FIXED, rules: [[5, 100]], before: { visits: 4 }, visit: { sold: 1, paid: 1 }, expected: 100 },
  { label: '12 fixed: the 10th visit of "every 5th"', type: 12, unit: FIXED, rules: [[5, 100]], before: { visits: 9 }, visit: { sold: 1, paid: 1 }, expected: 100 },
  { label: '12 fixed: the 6th visit of "every 5th", nothing', type: 12, unit: FIXED, rules: [[5, 100]], before: { visits: 5 }, visit: { sold: 1, paid: 1 }, expected: 0 },
  { label: '12 percent: the 4th visit, both "every 2nd" and "every 4th": the higher', type: 12, unit: PERCENT, rules: [[2, 5], [4, 10]], before: { visits: 3 }, visit: { sold: 1500, paid: 1000 }, expected: 100 },
  { label: '12 percent: the 6th visit, only "every 2nd"', type: 12, unit: PERCENT, rules: [[2, 5], [4, 10]], before: { visits: 5 }, visit: { sold: 1500, paid: 1000 }, expected: 50 },
  // Discount types earn no cashback.
  { label: '1 (discount) earns nothing', type: 1, unit: PERCENT, rules: [[0, 5]], visit: { sold: 1500, paid: 1500 }, expected: 0 },
  { label: '4 (discount) earns nothing', type: 4, unit: PERCENT, rules: [[0, 5]], visit: { sold: 1500, paid: 1500 }, expected: 0 },
  { label: '13 (package discount) earns nothing', type: 13, unit: PERCENT, rules: [[0, 5]], visit: { sold: 1500, paid: 1500 }, expected: 0 },
];

function terms(c: Case): { program: ProgramTerms; rules: RuleTerms[] } {
  return {
    program: {
      loyalty_type_id: c.type,
      value_unit_id: c.unit,
      value: c.value ?? 0,
      visit_multiplicity: c.visitMultiplicity ?? 0,
    },
    rules: (c.rules ?? []).map(([parameter, value]) => ({ parameter, value_hundredths: m(value) })),
  };
}

describe('cashback accrual (SPEC §6.3), to the cent', () => {
  it('covers every cashback type with each value unit', () => {
    for (const type of [5, 6, 7, 8, 9, 10, 11, 12]) {
      for (const unit of [PERCENT, FIXED]) {
        expect(
          CASES.some((c) => c.type === type && c.unit === unit && c.expected > 0),
          `type ${type} unit ${unit}`,
        ).toBe(true);
      }
    }
  });

  it.each(CASES)('$label → $expected', (c) => {
    const { program, rules } = terms(c);
    const before: CardTotals = {
      visits_count: c.before?.visits ?? 0,
      sold_minor: m(c.before?.sold ?? 0),
      paid_minor: m(c.before?.paid ?? 0),
    };
    const visit: VisitTotals = { sold_minor: m(c.visit.sold), paid_minor: m(c.visit.paid) };
    expect(cashbackAccrual(program, rules, before, visit)).toBe(m(c.expected));
  });
});

describe('line cost and percentages, half-up on integers', () => {
  it.each([
    [1999.99, 12.5, 1749.99],
    [0.01, 50, 0.01],
    [0.03, 50, 0.02],
    [9000, 50, 4500],
    [2000, 10, 1800],
    [1500, 0, 1500],
    [1500, 100, 0],
    [1e12, 0.01, 999_900_000_000],
  ])('first_cost %d at %d %% costs %d', (firstCost, discount, cost) => {
    expect(discountedCost(m(firstCost), m(discount))).toBe(m(cost));
  });

  it('percentOf rounds half-up exactly, far beyond 2^53 in the product', () => {
    expect(percentOf(1, 5000)).toBe(1); // 0.5 of a cent
    expect(percentOf(1, 4999)).toBe(0);
    expect(percentOf(100_000_000_000_000, 9_999)).toBe(99_990_000_000_000);
  });
});

describe('max_discount_* (SPEC §3) through the same rules', () => {
  const cumulative = { loyalty_type_id: 4, value_unit_id: PERCENT, value: 0, visit_multiplicity: 0 };
  const rules = [
    { parameter: 0, value_hundredths: 500 },
    { parameter: 10000, value_hundredths: 1000 },
  ];
  it.each([
    [999_999, 5],
    [1_000_000, 10],
  ])('paid %d minor units: %d %%', (paid, percent) => {
    expect(
      maxDiscountValues({ visits_count: 0, sold_minor: 0, paid_minor: paid }, [
        { program: cumulative, rules },
      ]),
    ).toEqual({ percent: percent * 100, amount: 0 });
  });

  it('a static fixed program gives its rule value as an amount; cashback programs are ignored', () => {
    expect(
      maxDiscountValues({ visits_count: 0, sold_minor: 0, paid_minor: 0 }, [
        {
          program: { loyalty_type_id: 1, value_unit_id: FIXED, value: 0, visit_multiplicity: 0 },
          rules: [{ parameter: 0, value_hundredths: 2550 }],
        },
        {
          program: { loyalty_type_id: 6, value_unit_id: PERCENT, value: 0, visit_multiplicity: 0 },
          rules: [{ parameter: 0, value_hundredths: 9900 }],
        },
      ]),
    ).toEqual({ percent: 0, amount: 2550 });
  });
});
