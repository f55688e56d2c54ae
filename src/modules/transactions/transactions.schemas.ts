import { Type, type Static } from '@sinclair/typebox';
import { Page, PageSize } from '../../http/schemas.js';
import { TRANSACTION_TYPES } from '../../lib/loyalty-types.js';

/** Wire objects of the loyalty transaction history (SPEC §4; altegio-reference.md L-23). */

const TYPE_IDS = Object.keys(TRANSACTION_TYPES);
const TYPE_LIST = Object.entries(TRANSACTION_TYPES)
  .map(([id, title]) => `${id} ${title.toLowerCase()}`)
  .join(', ');

const TransactionTypeRef = Type.Object(
  { id: Type.Integer(), title: Type.String() },
  { $id: 'TransactionTypeRef', description: `Transaction type: ${TYPE_LIST}` },
);

export const TransactionSchema = Type.Object(
  {
    id: Type.Integer({ description: 'Transaction id' }),
    card_id: Type.Integer({ description: 'Loyalty card id' }),
    salon_group_id: Type.Integer({ description: 'Chain id' }),
    company_id: Type.Union([Type.Integer(), Type.Null()], {
      description: 'Location (company) where it was recorded; null for a chain-level transaction',
    }),
    company: Type.Union([Type.Object({ id: Type.Integer(), title: Type.String() }), Type.Null()], {
      description: 'That location, with its title (extension); null for a chain-level transaction',
    }),
    type_id: Type.Integer({ minimum: 1, maximum: 11 }),
    type: TransactionTypeRef,
    amount: Type.Number({
      description:
        'The amount as Altegio shows it: signed for a manual transaction (positive top-up, negative ' +
        'withdrawal); positive for a discount, an accrual or a card withdrawal; negated in a compensation. ' +
        'What it does to the balance is `balance_effect`',
    }),
    title: Type.String({ description: 'Comment given with the transaction (extension); "" when none' }),
    visit_id: Type.Integer({ description: 'Visit id; 0 when the transaction belongs to no visit' }),
    program_id: Type.Integer({ description: 'Loyalty program id; 0 when no program made it (manual ones)' }),
    item_id: Type.Integer({
      description: 'Service id of an item-bound row (discount, card withdrawal); 0 otherwise',
    }),
    item_record_id: Type.Integer({ description: 'Appointment (record) id of a visit row; 0 otherwise' }),
    item_type_id: Type.Integer({
      description: '1 a service; 0 not bound to an item (accruals, manual ones)',
    }),
    is_discount: Type.Boolean({ description: 'true for a promotion discount (type 1)' }),
    is_loyalty_withdraw: Type.Boolean({ description: 'true for a card withdrawal (type 3)' }),
    goods_transaction_id: Type.Integer({ description: '0: goods are a later wave' }),
    status_id: Type.Integer({
      description: '1 recorded; 2 a compensation (extension: it cancels the row `cancels_id` names)',
    }),
    balance_effect: Type.Number({
      description:
        'Extension: the signed change of the card balance (0 for a discount, negative for a withdrawal); ' +
        "a card's balance is the sum of its rows' balance_effect",
    }),
    cancels_id: Type.Integer({ description: 'Extension: the row a compensation cancels; 0 when none' }),
    actor: Type.Object(
      {
        partner_id: Type.Union([Type.Integer(), Type.Null()], { description: 'Partner whose token made it' }),
        user_id: Type.Union([Type.Integer(), Type.Null()], { description: 'User whose token made it' }),
        user_name: Type.String({ description: 'That user name; "" when none' }),
      },
      { description: 'Who recorded it (extension)' },
    ),
    created: Type.String({ description: 'When it was recorded, UTC, e.g. 2024-01-31T10:00:00+0000' }),
  },
  { $id: 'Transaction', title: 'Transaction' },
);

const Day = (description: string) =>
  Type.String({
    pattern: '^\\d{4}-\\d{2}-\\d{2}$',
    description,
    examples: ['2024-01-31'],
    errorMessage: 'must be a date as Y-m-d (e.g. 2024-01-31)',
  });
const Ids = (description: string) =>
  Type.Optional(
    Type.Array(Type.Integer({ minimum: 1 }), { description, errorMessage: 'must be positive integer ids' }),
  );

export const CardTransactionsQuery = Type.Object({ page: Page(), count: PageSize(1000, 100) });

export const ChainTransactionsQuery = Type.Object({
  created_after: Day('First day (UTC) of the period, included'),
  created_before: Day('Last day (UTC) of the period, included'),
  'types[]': Type.Optional(
    Type.Array(
      Type.Unsafe<string>({
        type: 'string',
        enum: TYPE_IDS,
        errorMessage: `must be transaction type ids 1 to ${TYPE_IDS.length}`,
      }),
      { description: `Only these transaction types: ${TYPE_LIST}` },
    ),
  ),
  'company_ids[]': Ids('Only transactions recorded at these locations'),
  'visit_ids[]': Ids('Only transactions of these visits'),
  page: Page(),
  count: PageSize(1000, 100),
});

export type TransactionWire = Static<typeof TransactionSchema>;
export type CardTransactionsInput = Static<typeof CardTransactionsQuery>;
export type ChainTransactionsInput = Static<typeof ChainTransactionsQuery>;
