import { describe, expect, it } from 'vitest';
import { discountParts, splitByCost } from '../../src/lib/visit-loyalty-rules.js';
import { invitedTerms } from '../../src/modules/visit-loyalty/referral.service.js';
import { referrerAccrualAmount } from '../../src/modules/visits/referral-accrual.js';

/** Money in the cases below is written in currency units and turned into minor units here. */
const m = (major: number) => Math.round(major * 100);
const PERCENT = 1;
const FIXED = 2;

describe('splitByCost: an amount over the items in proportion to cost (SPEC §6.4)', () => {
  const cases: { label: string; amount: number; costs: number[]; parts: number[] }[] = [
    {
      label: "SPEC's example: 50 over 1500 and 4000",
      amount: 50,
      costs: [1500, 4000],
      parts: [13.64, 36.36],
    },
    {
      label: "YCLIENTS' example: 100 over 20 and 3000",
      amount: 100,
      costs: [20, 3000],
      parts: [0.66, 99.34],
    },
    { label: 'a single item takes it all', amount: 12.34, costs: [1500], parts: [12.34] },
    {
      label: 'uneven cents over three equal items: the first takes the rest',
      amount: 0.1,
      costs: [10, 10, 10],
      parts: [0.04, 0.03, 0.03],
    },
    {
      label: 'ties for costliest: the first of them takes the rest',
      amount: 1,
      costs: [5, 30, 30],
      parts: [0.08, 0.46, 0.46],
    },
    { label: 'a half cent rounds up', amount: 0.03, costs: [50, 150], parts: [0.01, 0.02] },
    {
      label: 'many items',
      amount: 100,
      costs: [10, 20, 30, 40, 50, 60, 70, 80, 90, 100],
      parts: [1.82, 3.64, 5.45, 7.27, 9.09, 10.91, 12.73, 14.55, 16.36, 18.18],
    },
    { label: 'the whole cost', amount: 5500, costs: [1500, 4000], parts: [1500, 4000] },
    { label: 'an item that costs nothing gets nothing', amount: 10, costs: [0, 100], parts: [0, 10] },
    { label: 'nothing to split', amount: 0, costs: [1500, 4000], parts: [0, 0] },
    {
      label: 'amounts past 2^53 when multiplied stay exact',
      amount: 999_999_999_999.99,
      costs: [999_999_999_999.99, 0.01],
      parts: [999_999_999_999.98, 0.01],
    },
  ];
  for (const c of cases) {
    it(c.label, () => {
      const parts = splitByCost(m(c.amount), c.costs.map(m));
      expect(parts).toEqual(c.parts.map(m));
      expect(parts.reduce((a, b) => a + b, 0)).toBe(m(c.amount));
    });
  }
  it('ties: the later item is rounded, the first takes what is left (even nothing)', () => {
    expect(splitByCost(1, [1000, 1000])).toEqual([0, 1]);
  });
  it('no items, no parts', () => expect(splitByCost(0, [])).toEqual([]));
});

describe("the invited client's discount per item (SPEC §6.5)", () => {
  const cases: { label: string; value: number; unit: number; costs: number[]; parts: number[] }[] = [
    { label: '10 % of 1500 and 4000', value: 10, unit: PERCENT, costs: [1500, 4000], parts: [150, 400] },
    {
      label: '12.5 % item by item, half-up each',
      value: 12.5,
      unit: PERCENT,
      costs: [0.1, 0.3],
      parts: [0.01, 0.04],
    },
    { label: '100 %', value: 100, unit: PERCENT, costs: [1500, 4000], parts: [1500, 4000] },
    { label: '0 %', value: 0, unit: PERCENT, costs: [1500], parts: [0] },
    {
      label: 'fixed 50 split in proportion',
      value: 50,
      unit: FIXED,
      costs: [1500, 4000],
      parts: [13.64, 36.36],
    },
    { label: 'fixed 0', value: 0, unit: FIXED, costs: [1500, 4000], parts: [0, 0] },
  ];
  for (const c of cases) {
    it(c.label, () => {
      const program = { invited_value_hundredths: m(c.value), invited_value_unit_id: c.unit };
      expect(discountParts(invitedTerms(program), c.costs.map(m))).toEqual(c.parts.map(m));
    });
  }
  it('a percent rounds each item on its own', () => {
    expect(discountParts({ valueUnitId: PERCENT, valueHundredths: 3333 }, [m(0.5), m(0.5)])).toEqual([
      m(0.17),
      m(0.17),
    ]);
  });
});

describe("the referrer's accrual at close (SPEC §6.5)", () => {
  const cases: { label: string; value: number; unit: number; paid: number; earned: number }[] = [
    { label: 'fixed 100 whatever was paid', value: 100, unit: FIXED, paid: 4950, earned: 100 },
    { label: 'fixed 100 on a visit paid nothing in money', value: 100, unit: FIXED, paid: 0, earned: 100 },
    { label: '10 % of the money paid', value: 10, unit: PERCENT, paid: 4950, earned: 495 },
    { label: '12.34 % half-up to the cent', value: 12.34, unit: PERCENT, paid: 0.5, earned: 0.06 },
    { label: 'a percent of nothing paid is nothing', value: 10, unit: PERCENT, paid: 0, earned: 0 },
    { label: 'under half a cent is nothing', value: 1, unit: PERCENT, paid: 0.49, earned: 0 },
  ];
  for (const c of cases) {
    it(c.label, () => {
      const part = { referrer_value_hundredths: m(c.value), referrer_value_unit_id: c.unit };
      expect(referrerAccrualAmount(part, m(c.paid))).toBe(m(c.earned));
    });
  }
});
