import { Type, type Static } from '@sinclair/typebox';
import { IdLike, MoneyLike, PositiveIntLike } from '../../http/schemas.js';
import { MAX_MAJOR } from '../../lib/money.js';

/**
 * Wire objects of appointments and visits (SPEC §6.2 V4–V7, V11; altegio-visits.md A.1, A.2), in
 * Altegio's names. Money is a JSON number in currency units, as everywhere.
 */

const Money = (description: string) => Type.Number({ description });
const Ref = (description: string) =>
  Type.Object({ id: Type.Integer(), title: Type.String() }, { description });

// --- request building blocks -----------------------------------------------------------------

/** A percent from 0 to 100 with at most 2 decimals, as a JSON number or a decimal string. */
export const PercentLike = (description: string) =>
  Type.Union(
    [
      Type.Number({ minimum: 0, maximum: 100 }),
      Type.String({ pattern: '^\\s*(?:100(?:\\.0{1,2})?|\\d{1,2}(?:\\.\\d{1,2})?)\\s*$' }),
    ],
    { description, errorMessage: 'must be a percent from 0 to 100 with at most 2 decimals' },
  );

/** A money amount above 0 (at most 2 decimals, up to 10^12), as a JSON number or a decimal string. */
const PositiveAmountLike = (description: string) =>
  Type.Union(
    [
      Type.Number({ exclusiveMinimum: 0, maximum: MAX_MAJOR }),
      Type.String({ pattern: '^\\s*(?!0*(?:\\.0{1,2})?\\s*$)\\d{1,13}(?:\\.\\d{1,2})?\\s*$' }),
    ],
    {
      description,
      errorMessage: `must be a number above 0 with at most 2 decimals, up to ${MAX_MAJOR}`,
    },
  );

/** `attendance`: 2 confirmed, 1 arrived, 0 waiting, −1 no-show (a number or its string form). */
export const AttendanceLike = (description: string) =>
  Type.Union(
    [Type.Integer({ minimum: -1, maximum: 2 }), Type.String({ pattern: '^\\s*(?:-1|0|1|2)\\s*$' })],
    {
      description,
      errorMessage: 'must be -1 (no-show), 0 (waiting), 1 (arrived) or 2 (confirmed)',
    },
  );

/** One service line of an appointment or a visit (V4, V5, V7). */
const ServiceLineBody = Type.Object(
  {
    id: IdLike('Service id: a live service of the location', 1001),
    amount: Type.Optional(PositiveIntLike(10_000, 'Quantity, a whole number from 1; default 1')),
    first_cost: Type.Optional(
      MoneyLike("The line's total before the discount; default the service's price_min × amount", {
        nonNegative: true,
      }),
    ),
    discount: Type.Optional(PercentLike('Discount percent, 0 to 100, at most 2 decimals; default 0')),
    cost: Type.Optional(
      MoneyLike(
        "The line's total after the discount; when given it must equal first_cost × (1 − discount/100) " +
          'rounded half-up to cents',
        { nonNegative: true },
      ),
    ),
  },
  { $id: 'ServiceLineBody' },
);

export const ServiceLines = (description: string) =>
  Type.Array(ServiceLineBody, { minItems: 1, maxItems: 100, description });

// --- the appointment -------------------------------------------------------------------------

const AppointmentServiceSchema = Type.Object(
  {
    id: Type.Integer({ description: 'Service id' }),
    title: Type.String(),
    cost: Money("The line's total after the discount"),
    cost_per_unit: Money('first_cost / amount, rounded half-up to cents'),
    manual_cost: Money('Same as cost'),
    first_cost: Money("The line's total before the discount"),
    discount: Type.Number({ description: 'Percent' }),
    amount: Type.Integer({ description: 'Quantity' }),
  },
  { $id: 'AppointmentService' },
);

const DocumentSchema = Type.Object(
  {
    id: Type.Integer({ description: 'Document id (the handle of the visit in sale operations)' }),
    type_id: Type.Integer({ description: '7: Visit' }),
    type_title: Type.String(),
    visit_id: Type.Integer(),
    record_id: Type.Integer(),
    number: Type.Integer({ description: 'Same as id' }),
    storage_id: Type.Integer({ description: '0: no storage' }),
    user_id: Type.Integer({ description: 'User who created it; 0 for none' }),
    company_id: Type.Integer(),
    comment: Type.String(),
    date_created: Type.String({ description: 'Y-m-d H:i:s, UTC' }),
    category_id: Type.Integer(),
  },
  { $id: 'VisitDocument' },
);

export const AppointmentSchema = Type.Object(
  {
    id: Type.Integer({ description: 'Appointment (record) id' }),
    company_id: Type.Integer({ description: 'Location id' }),
    staff_id: Type.Integer(),
    services: Type.Array(AppointmentServiceSchema),
    goods_transactions: Type.Array(Type.Unknown(), {
      maxItems: 0,
      description: 'Goods are a later wave: []',
    }),
    staff: Type.Object({
      id: Type.Integer(),
      name: Type.String(),
      specialization: Type.String(),
      position: Type.Union([Ref('Position'), Type.Array(Type.Unknown(), { maxItems: 0 })], {
        description: '{id, title} when the team member has a position, else []',
      }),
      avatar: Type.String(),
      avatar_big: Type.String(),
    }),
    client: Type.Object({
      id: Type.Integer(),
      name: Type.String(),
      phone: Type.String({ description: 'International, +digits' }),
      email: Type.String(),
      card: Type.String({ description: '"": the loyalty cards are read with the card operations' }),
    }),
    clients_count: Type.Integer({ description: 'Always 1 (group events are not supported)' }),
    date: Type.String({ description: 'Y-m-d H:i:s, in the offset datetime was given with' }),
    datetime: Type.String({ description: 'As given (ISO 8601 with its offset)' }),
    create_date: Type.String({ description: 'When it was created, UTC, e.g. 2024-01-31T10:00:00+0000' }),
    comment: Type.String(),
    online: Type.Boolean({ description: 'false: not booked online' }),
    visit_attendance: Type.Integer({ description: "The visit's attendance" }),
    attendance: Type.Integer({ description: '2 confirmed, 1 arrived, 0 waiting, −1 no-show' }),
    confirmed: Type.Integer({ description: '1 when attendance is 1 or 2, else 0' }),
    seance_length: Type.Integer({ description: 'Seconds' }),
    length: Type.Integer({ description: 'Same as seance_length' }),
    technical_break_duration: Type.Union([Type.Integer(), Type.Null()]),
    sms_remain_hours: Type.Union([Type.Integer(), Type.Null()]),
    email_remain_hours: Type.Union([Type.Integer(), Type.Null()]),
    api_id: Type.String(),
    custom_color: Type.String(),
    record_labels: Type.Array(Type.String(), { description: 'Label ids, as given' }),
    custom_fields: Type.Record(Type.String(), Type.Unknown()),
    visit_id: Type.Integer(),
    created_user_id: Type.Integer({ description: 'User who created it; 0 for none' }),
    deleted: Type.Boolean(),
    paid_full: Type.Integer({ description: "1 when the visit's amount due is 0, else 0" }),
    payment_status: Type.Integer({
      description: '0 nothing paid, 1 partly paid (something paid, something due), 2 nothing due',
    }),
    prepaid: Type.Boolean(),
    prepaid_confirmed: Type.Boolean(),
    last_change_date: Type.String({
      description: 'When it last changed, UTC, e.g. 2024-01-31T10:00:00+0000',
    }),
    activity_id: Type.Integer({ description: '0: not a group event' }),
    documents: Type.Array(DocumentSchema),
  },
  { $id: 'Appointment', title: 'Appointment' },
);

// --- the visit -------------------------------------------------------------------------------

export const VisitSchema = Type.Object(
  {
    id: Type.Integer({ description: 'Visit id (extension)' }),
    attendance: Type.Integer({ description: '2 confirmed, 1 arrived, 0 waiting, −1 no-show' }),
    datetime: Type.String({ description: "The appointment's datetime" }),
    comment: Type.String({ description: "The visit's comment (set by update_visit)" }),
    records: Type.Array(AppointmentSchema, { description: 'Its appointment (one appointment, one visit)' }),
    state: Type.Union([Type.Literal('open'), Type.Literal('closed')], {
      description: 'Extension: closed once arrived (attendance 1) with nothing due; then it has earned',
    }),
    amount_due: Money('Extension: Σ cost − live discounts − live card withdrawals − live money payments'),
    paid_amount: Money("Extension: the visit's live money payments"),
    sold_amount: Money("Extension: the visit's Σ first_cost"),
  },
  { $id: 'Visit', title: 'Visit' },
);

/** Altegio's visit-shaped loyalty transaction (details, `/visit/loyalty/*`). */
const visitLoyaltyFields = {
  id: Type.Integer(),
  status_id: Type.Integer({ description: '1: recorded (only live transactions are listed here)' }),
  amount: Money('As Altegio shows it: positive for a discount, an accrual or a card withdrawal'),
  type_id: Type.Integer({ minimum: 1, maximum: 11 }),
  program_id: Type.Integer({ description: 'Program id; 0 when no program made it (a card withdrawal)' }),
  card_id: Type.Integer({ description: '0 for a row of no card' }),
  salon_group_id: Type.Integer({ description: 'Chain id' }),
  item_id: Type.Integer({ description: 'Service id of an item-bound row; 0 otherwise (accruals)' }),
  item_type_id: Type.Integer({ description: '1 a service; 0 not bound to an item' }),
  item_record_id: Type.Integer({ description: 'Appointment id; 0 when none' }),
  goods_transaction_id: Type.Integer({ description: '0: goods are a later wave' }),
  is_discount: Type.Boolean(),
  is_loyalty_withdraw: Type.Boolean({ description: 'true for a card withdrawal (type 3)' }),
  type: Ref('Transaction type'),
};

export const VisitLoyaltyTransactionSchema = Type.Object(visitLoyaltyFields, {
  $id: 'VisitLoyaltyTransaction',
  title: 'VisitLoyaltyTransaction',
});

export const VisitLoyaltyTransactionWithProgramSchema = Type.Object(
  {
    ...visitLoyaltyFields,
    program: Type.Union(
      [
        Type.Object({
          id: Type.Integer(),
          title: Type.String(),
          group_id: Type.Integer({ description: 'Chain id' }),
          loyalty_type_id: Type.Integer(),
          item_type_id: Type.Integer(),
          value: Type.Number(),
          value_unit_id: Type.Integer({ description: '1 percent, 2 fixed amount' }),
        }),
        Type.Null(),
      ],
      { description: 'The program that made it; null for a row of no program (a card withdrawal)' },
    ),
  },
  { $id: 'VisitLoyaltyTransactionWithProgram', title: 'VisitLoyaltyTransactionWithProgram' },
);

export const VisitItemSchema = Type.Object(
  {
    id: Type.Integer({ description: '0 for a service line' }),
    item_id: Type.Integer({ description: 'Service id' }),
    item_type_id: Type.Integer({ description: '1: a service' }),
    record_id: Type.Integer(),
    item_title: Type.String(),
    amount: Type.Integer({ description: 'Quantity' }),
    first_cost: Money('Before the discount'),
    manual_cost: Money('Same as cost'),
    discount: Type.Number({ description: "The line's own discount percent (loyalty discounts are rows)" }),
    cost: Money("The line's cost"),
    master_id: Type.Integer({ description: 'Team member id' }),
    good_id: Type.Integer(),
    service_id: Type.Integer(),
    event_id: Type.Integer(),
    is_service: Type.Boolean(),
    is_event: Type.Boolean(),
    is_good: Type.Boolean(),
  },
  { $id: 'VisitItem' },
);

export const PaymentTransactionSchema = Type.Object(
  {
    id: Type.Integer(),
    document_id: Type.Integer({ description: "The visit's document" }),
    date: Type.String({ description: 'Y-m-d H:i:s, UTC' }),
    type_id: Type.Integer(),
    expense_id: Type.Integer({ description: '5: provision of services' }),
    account_id: Type.Integer(),
    amount: Money('Money paid'),
    client_id: Type.Integer(),
    master_id: Type.Integer(),
    supplier_id: Type.Integer(),
    comment: Type.String(),
    item_id: Type.Integer(),
    target_type_id: Type.Integer(),
    record_id: Type.Integer(),
    goods_transaction_id: Type.Integer(),
    expense: Ref('Expense'),
    account: Ref('Account'),
    client: Type.Object({ id: Type.Integer(), name: Type.String(), phone: Type.String() }),
    master: Type.Union([
      Type.Object({ id: Type.Integer(), name: Type.String() }),
      Type.Array(Type.Unknown(), { maxItems: 0 }),
    ]),
    supplier: Type.Array(Type.Unknown(), { maxItems: 0 }),
  },
  { $id: 'PaymentTransaction' },
);

export const VisitDetailsSchema = Type.Object(
  {
    items: Type.Array(VisitItemSchema),
    payment_transactions: Type.Array(PaymentTransactionSchema, { description: 'Live money payments' }),
    loyalty_transactions: Type.Array(VisitLoyaltyTransactionSchema, {
      description: 'Live loyalty transactions',
    }),
    kkm_transaction_details_container: Type.Object({
      last_operation_type: Type.Integer(),
      transactions: Type.Array(Type.Unknown(), { maxItems: 0, description: 'No fiscal printer here: []' }),
    }),
  },
  { $id: 'VisitDetails', title: 'VisitDetails' },
);

// --- update_visit ----------------------------------------------------------------------------

export const UpdateVisitBody = Type.Object(
  {
    attendance: AttendanceLike('2 confirmed, 1 arrived, 0 waiting, −1 no-show'),
    comment: Type.String({
      maxLength: 5000,
      description: "The visit's comment",
      errorMessage: 'must be a string',
    }),
    services: Type.Optional(
      Type.Array(ServiceLineBody, {
        maxItems: 100,
        description: 'The service lines, replacing the current ones; [] or absent: unchanged',
      }),
    ),
    new_transactions: Type.Optional(
      Type.Array(
        Type.Object({
          id: Type.Optional(
            Type.Union([Type.Integer(), Type.String({ maxLength: 64 })], {
              description: "The caller's own id for it: ignored",
            }),
          ),
          amount: PositiveAmountLike('Money paid, above 0, at most 2 decimals'),
          account_id: IdLike('A live account of the visit location'),
        }),
        { maxItems: 100, description: 'Money payments into the location accounts' },
      ),
    ),
    deleted_transaction_ids: Type.Optional(
      Type.Array(IdLike('A money payment of this visit'), {
        maxItems: 100,
        description: 'Money payments to remove',
      }),
    ),
    fast_payment: Type.Optional(
      Type.Union(
        [
          Type.Union([0, 1, 2, 129, 130].map((v) => Type.Literal(v))),
          Type.String({ pattern: '^\\s*(?:0|1|2|129|130)\\s*$' }),
        ],
        {
          description:
            'Pays the whole amount due: 1 or 129 into the default cash account, 2 or 130 into the ' +
            'default non-cash account; 0: nothing',
          errorMessage: 'must be 0, 1, 2, 129 or 130',
        },
      ),
    ),
    goods_transactions: Type.Optional(
      Type.Array(Type.Unknown(), {
        maxItems: 0,
        description: 'Goods are a later wave: only [] is accepted',
        errorMessage: 'must be empty: goods in a visit are not supported yet',
      }),
    ),
  },
  { $id: 'UpdateVisitBody' },
);

export type ServiceLineInput = Static<typeof ServiceLineBody>;
export type AppointmentWire = Static<typeof AppointmentSchema>;
export type VisitWire = Static<typeof VisitSchema>;
export type VisitDetailsWire = Static<typeof VisitDetailsSchema>;
export type VisitLoyaltyTransactionWire = Static<typeof VisitLoyaltyTransactionSchema>;
export type VisitLoyaltyTransactionWithProgramWire = Static<typeof VisitLoyaltyTransactionWithProgramSchema>;
export type UpdateVisitInput = Static<typeof UpdateVisitBody>;
