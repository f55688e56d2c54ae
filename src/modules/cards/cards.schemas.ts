import { Type, type Static } from '@sinclair/typebox';
import { IdLike, NonZeroAmountLike, PhoneLike } from '../../http/schemas.js';

/** Wire objects of SPEC §3, named as Altegio names them. */
export const ChainRef = Type.Object({ id: Type.Integer(), title: Type.String() }, { $id: 'ChainRef' });

const LoyaltyTypeSchema = Type.Object(
  {
    id: Type.Integer(),
    title: Type.String(),
    is_discount: Type.Boolean(),
    is_cashback: Type.Boolean(),
    is_static: Type.Boolean(),
    is_accumulative: Type.Boolean(),
  },
  { $id: 'LoyaltyType', title: 'LoyaltyType' },
);

const RuleSchema = Type.Object(
  {
    id: Type.Integer(),
    loyalty_program_id: Type.Integer(),
    loyalty_type_id: Type.Integer(),
    value: Type.Number({ description: 'Size: a percent or an amount, per the program value unit' }),
    parameter: Type.Integer({
      description: 'Threshold: visits, or an amount for sold/paid programs; 0 for fixed',
    }),
  },
  { $id: 'Rule', title: 'Rule' },
);

const ProgramSchema = Type.Object(
  {
    id: Type.Integer(),
    title: Type.String(),
    value: Type.Number(),
    loyalty_type_id: Type.Integer({ minimum: 1, maximum: 13 }),
    item_type_id: Type.Integer(),
    value_unit_id: Type.Integer({ description: '1 percent, 2 fixed amount' }),
    group_id: Type.Integer({ description: 'Chain id' }),
    loyalty_type: LoyaltyTypeSchema,
    rules: Type.Array(RuleSchema),
  },
  { $id: 'Program', title: 'Program' },
);

const CardTypeRef = Type.Object(
  { id: Type.Integer(), title: Type.String(), salon_group_id: Type.Integer() },
  { $id: 'CardTypeRef' },
);

/** The figures both card shapes share. */
const cardFigures = {
  id: Type.Integer({ description: 'Card id' }),
  balance: Type.Number({ description: 'Money balance' }),
  points: Type.Integer(),
  paid_amount: Type.Number({ description: 'Lifetime paid amount' }),
  sold_amount: Type.Number({ description: 'Lifetime sold amount' }),
  visits_count: Type.Integer(),
  number: Type.String({ description: 'Card number (always a string)' }),
  type_id: Type.Integer({ description: 'Card type id' }),
  salon_group_id: Type.Integer({ description: 'Chain id' }),
};

export const LoyaltyCardSchema = Type.Object(
  {
    ...cardFigures,
    type: CardTypeRef,
    salon_group: ChainRef,
    programs: Type.Array(ProgramSchema),
  },
  { $id: 'LoyaltyCard', title: 'LoyaltyCard' },
);

export const CardTypeSchema = Type.Object(
  { id: Type.Integer(), title: Type.String(), salon_group_id: Type.Integer(), salon_group: ChainRef },
  { $id: 'CardType', title: 'CardType' },
);

export const CardBalanceSchema = Type.Object(
  {
    ...cardFigures,
    max_discount_percent: Type.Number(),
    max_discount_amount: Type.Number(),
  },
  { $id: 'LoyaltyCardBalance', title: 'LoyaltyCardBalance' },
);

export const IssueCardBody = Type.Object(
  {
    loyalty_card_type_id: IdLike('Card type id', '8230'),
    phone: PhoneLike('Client phone, e.g. 13155550175 for +13155550175', 13155550175),
    loyalty_card_number: Type.Optional(
      Type.Union([Type.String({ maxLength: 32 }), Type.Integer({ minimum: 0 })], {
        description: 'Card number; generated (chain id + card id padded to 8 digits) when omitted',
        errorMessage: 'must be a string of up to 32 characters',
        examples: ['9090909'],
      }),
    ),
  },
  { $id: 'IssueCardBody' },
);

export const ManualTransactionBody = Type.Object(
  {
    amount: NonZeroAmountLike(
      'Signed amount, not 0, at most 2 decimals, within ±10^12: > 0 tops up, < 0 withdraws',
      100.5,
    ),
    title: Type.Optional(
      Type.String({ maxLength: 255, description: 'Comment', errorMessage: 'must be a string' }),
    ),
  },
  { $id: 'ManualTransactionBody' },
);

export type IssueCardInput = Static<typeof IssueCardBody>;
export type ManualTransactionInput = Static<typeof ManualTransactionBody>;
export type LoyaltyCardWire = Static<typeof LoyaltyCardSchema>;
export type ProgramWire = Static<typeof ProgramSchema>;
export type CardTypeWire = Static<typeof CardTypeSchema>;
export type CardBalanceWire = Static<typeof CardBalanceSchema>;
