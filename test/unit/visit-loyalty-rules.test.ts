import { describe, expect, it } from 'vitest';
import {
  discountParts,
  discountTotal,
  splitByCost,
  withdrawalParts,
} from '../../src/lib/visit-loyalty-rules.js';

/** Money in the cases below is written in currency units and turned into minor units here. */
const m = (major: number) => Math.round(major * 100);
const ms = (majors: number[]) => majors.map(m);

const PERCENT = 1;
const FIXED = 2;

/**
 * SPEC §6.4: an amount split over the items in proportion to their cost — every part but the
 * costliest item's rounded half-up to the cent, the costliest (the first by position on a tie)
 * takes the rest — and the corner cases where sub-cent shares would push that rest below 0 or
 * above the item's cost.
 */
describe('splitByCost', () => {
  const cases: { label: string; amount: number; costs: number[]; expected: number[] }[] = [
    {
      label: "SPEC's example: 50 over 1500 and 4000",
      amount: 50,
      costs: [1500, 4000],
      expected: [13.64, 36.36],
    },
    {
      label: "Altegio's example: 100 over 20 and 3000",
      amount: 100,
      costs: [20, 3000],
      expected: [0.66, 99.34],
    },
    { label: 'the costliest first by position', amount: 50, costs: [4000, 1500], expected: [36.36, 13.64] },
    { label: 'a single item takes it all', amount: 33.33, costs: [1500], expected: [33.33] },
    {
      label: 'uneven cents over equal items: the first of the tie takes the rest',
      amount: 100,
      costs: [1000, 1000, 1000],
      expected: [33.34, 33.33, 33.33],
    },
    {
      label: 'a tie for costliest that is not first: the first of the tie takes the rest',
      amount: 100,
      costs: [1000, 2000, 2000],
      expected: [20, 40, 40],
    },
    { label: 'the costliest last', amount: 0.1, costs: [100, 200, 300], expected: [0.02, 0.03, 0.05] },
    {
      label: 'many items: each its rounded share, the costliest the rest',
      amount: 1,
      costs: [10, 10, 10, 10, 10, 10, 10, 10, 30],
      expected: [0.09, 0.09, 0.09, 0.09, 0.09, 0.09, 0.09, 0.09, 0.28],
    },
    {
      label: 'the whole cost: each item its cost',
      amount: 5500,
      costs: [1500, 4000],
      expected: [1500, 4000],
    },
    { label: 'a free item gets nothing', amount: 50, costs: [0, 1500, 4000], expected: [0, 13.64, 36.36] },
    { label: 'nothing to split', amount: 0, costs: [1500, 4000], expected: [0, 0] },
    { label: 'no items, nothing to split', amount: 0, costs: [], expected: [] },
    { label: 'a cent over two items', amount: 0.01, costs: [1500, 4000], expected: [0, 0.01] },
    {
      label:
        'shares of half a cent would leave the costliest −1 cent: it gets 0, a cent comes back from the first other',
      amount: 0.02,
      costs: [0.01, 0.01, 0.01, 0.01],
      expected: [0, 0, 0.01, 0.01],
    },
    {
      label: 'seven cents over ten equal items of 1.00',
      amount: 0.07,
      costs: Array.from({ length: 10 }, () => 1),
      expected: [0, 0, 0, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01],
    },
    {
      label:
        'shares rounding down would leave the costliest more than its cost: held to it, the cents go to the others',
      amount: 1.04,
      costs: Array.from({ length: 11 }, () => 0.1),
      expected: [0.1, 0.1, 0.1, 0.1, 0.1, 0.09, 0.09, 0.09, 0.09, 0.09, 0.09],
    },
    {
      label: 'beyond 2^53 in the product: exact',
      amount: 333_333_333_333.33,
      costs: [500_000_000_000, 500_000_000_000],
      expected: [166_666_666_666.66, 166_666_666_666.67],
    },
  ];
  for (const c of cases) {
    it(c.label, () => {
      const parts = splitByCost(m(c.amount), ms(c.costs));
      expect(parts).toEqual(ms(c.expected));
      expect(parts.reduce((s, p) => s + p, 0)).toBe(m(c.amount));
      parts.forEach((part, i) => {
        expect(part).toBeGreaterThanOrEqual(0);
        expect(part).toBeLessThanOrEqual(m(c.costs[i]!));
      });
    });
  }

  it('every amount from 0 to the whole cost splits exactly, each part between 0 and its item', () => {
    for (const costs of [
      [1, 1, 1, 1],
      [3, 1, 2],
      [7, 7, 1, 0, 13],
    ]) {
      const total = costs.reduce((s, c) => s + c, 0);
      for (let amount = 0; amount <= total; amount++) {
        const parts = splitByCost(amount, costs);
        expect(parts.reduce((s, p) => s + p, 0)).toBe(amount);
        parts.forEach((part, i) => expect(part >= 0 && part <= costs[i]!).toBe(true));
      }
    }
  });

  it('refuses (a bug in the caller) an amount below 0 or above what the items cost', () => {
    expect(() => splitByCost(-1, [100])).toThrow(RangeError);
    expect(() => splitByCost(101, [100])).toThrow(RangeError);
    expect(() => splitByCost(1, [])).toThrow(RangeError);
  });
});

/** SPEC §6.4: the discount of each item, and the whole discount checked against the amount due. */
describe('discountParts and discountTotal', () => {
  const cases: {
    label: string;
    unit: number;
    /** Percent or currency units. */
    value: number;
    costs: number[];
    parts: number[];
    total?: number;
  }[] = [
    { label: '5 % of 1500 and 4000', unit: PERCENT, value: 5, costs: [1500, 4000], parts: [75, 200] },
    { label: '10 % of 1500 and 4000', unit: PERCENT, value: 10, costs: [1500, 4000], parts: [150, 400] },
    { label: '5 % of 33.33: 1.6665 rounds up', unit: PERCENT, value: 5, costs: [33.33], parts: [1.67] },
    { label: '5 % of 0.10: half a cent rounds up', unit: PERCENT, value: 5, costs: [0.1], parts: [0.01] },
    { label: '12.5 % of 0.10', unit: PERCENT, value: 12.5, costs: [0.1, 0.3], parts: [0.01, 0.04] },
    { label: '100 % of everything', unit: PERCENT, value: 100, costs: [1500, 0.01], parts: [1500, 0.01] },
    { label: 'a percent of a free item is 0', unit: PERCENT, value: 5, costs: [0, 1500], parts: [0, 75] },
    {
      label: 'fixed 100 over 1500 and 4000: by cost',
      unit: FIXED,
      value: 100,
      costs: [1500, 4000],
      parts: [27.27, 72.73],
    },
    { label: 'fixed 100 on one item', unit: FIXED, value: 100, costs: [1500], parts: [100] },
    {
      label: 'fixed 0.01 over three items: the costliest takes it',
      unit: FIXED,
      value: 0.01,
      costs: [10, 30, 20],
      parts: [0, 0.01, 0],
    },
  ];
  for (const c of cases) {
    it(c.label, () => {
      const terms = { valueUnitId: c.unit, valueHundredths: m(c.value) };
      const parts = discountParts(terms, ms(c.costs));
      expect(parts).toEqual(ms(c.parts));
      expect(discountTotal(terms, ms(c.costs))).toBe(parts.reduce((s, p) => s + p, 0));
    });
  }

  it('a fixed amount is its own total, even above what the items cost (the caller refuses it)', () => {
    expect(discountTotal({ valueUnitId: FIXED, valueHundredths: m(9000) }, ms([1500, 4000]))).toBe(m(9000));
  });
});

/** SPEC §6.4: a withdrawal capped at min(balance, amount due), then split by cost. */
describe('withdrawalParts', () => {
  const cases: {
    label: string;
    asked: number;
    balance: number;
    due: number;
    costs: number[];
    amount: number;
    parts: number[];
  }[] = [
    {
      label: 'within the balance and the amount due',
      asked: 50,
      balance: 75,
      due: 5225,
      costs: [1500, 4000],
      amount: 50,
      parts: [13.64, 36.36],
    },
    {
      label: 'larger than the balance: the balance',
      asked: 100,
      balance: 75,
      due: 5225,
      costs: [1500, 4000],
      amount: 75,
      parts: [20.45, 54.55],
    },
    {
      label: 'larger than the amount due: what is due',
      asked: 1000,
      balance: 2000,
      due: 300,
      costs: [1500, 4000],
      amount: 300,
      parts: [81.82, 218.18],
    },
    {
      label: 'larger than both: the smaller',
      asked: 10_000,
      balance: 120.5,
      due: 300,
      costs: [1500],
      amount: 120.5,
      parts: [120.5],
    },
    {
      label: 'nothing asked',
      asked: 0,
      balance: 75,
      due: 300,
      costs: [1500, 4000],
      amount: 0,
      parts: [0, 0],
    },
    {
      label: 'an empty card',
      asked: 50,
      balance: 0,
      due: 300,
      costs: [1500, 4000],
      amount: 0,
      parts: [0, 0],
    },
    { label: 'nothing due', asked: 50, balance: 75, due: 0, costs: [1500, 4000], amount: 0, parts: [0, 0] },
    {
      label: 'uneven cents over three equal items',
      asked: 0.05,
      balance: 75,
      due: 30,
      costs: [10, 10, 10],
      amount: 0.05,
      parts: [0.01, 0.02, 0.02],
    },
  ];
  for (const c of cases) {
    it(c.label, () => {
      const result = withdrawalParts(m(c.asked), m(c.balance), m(c.due), ms(c.costs));
      expect(result).toEqual({ amount: m(c.amount), parts: ms(c.parts) });
    });
  }
});
