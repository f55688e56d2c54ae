import { DEMO } from '../../src/demo/dataset.js';

/**
 * The demo dataset's card (SPEC §5) as the card operations answer it, for the tests that compare
 * it whole: its figures (the fields every card answer has), its type's program, and both together.
 */
export const DEMO_CARD_FIGURES = {
  id: DEMO.cardId,
  balance: 100,
  points: 0,
  paid_amount: 1000,
  sold_amount: 1000,
  visits_count: 1,
  number: '14507109210520',
  type_id: 10992,
  salon_group_id: DEMO.chainId,
  type: { id: 10992, title: 'Cashback', salon_group_id: DEMO.chainId },
  salon_group: { id: DEMO.chainId, title: 'Dough chain1.' },
};

export const DEMO_PROGRAM = {
  id: 18005,
  title: '5+2',
  value: 0,
  loyalty_type_id: 13,
  item_type_id: 3,
  value_unit_id: 1,
  group_id: DEMO.chainId,
  loyalty_type: {
    id: 13,
    title: 'Discount for a given number of accumulated services',
    is_discount: true,
    is_cashback: false,
    is_static: false,
    is_accumulative: false,
  },
  rules: [
    { id: 72803, loyalty_program_id: 18005, loyalty_type_id: 13, value: 20, parameter: 0 },
    { id: 72804, loyalty_program_id: 18005, loyalty_type_id: 13, value: 10, parameter: 0 },
    { id: 72805, loyalty_program_id: 18005, loyalty_type_id: 13, value: 100, parameter: 0 },
  ],
};

export const DEMO_CARD = { ...DEMO_CARD_FIGURES, programs: [DEMO_PROGRAM] };

/** Where a manual transaction is recorded: at a location (op 9) or at chain level (op 10). */
export type TransactionAt = { location: number } | { chain: number };

/** The path (under /api/v1) of op 9 or op 10 for a card. */
export function manualTransactionPath(at: TransactionAt, cardId: number): string {
  return 'location' in at
    ? `/company/${at.location}/loyalty/cards/${cardId}/manual_transaction`
    : `/chain/${at.chain}/loyalty/cards/${cardId}/manual_transaction`;
}
