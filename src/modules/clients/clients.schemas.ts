import { Type, type Static } from '@sinclair/typebox';
import {
  MAX_PAGE,
  MoneyLike,
  NonBlankText,
  Page,
  PageSize,
  PhoneLike,
  PositiveIntLike,
  WholeLike,
} from '../../http/schemas.js';

/** Wire objects of the Clients operations (altegio-reference.md §6) and of C-1. */

export const ClientSchema = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    surname: Type.String(),
    patronymic: Type.String(),
    middle_name: Type.String({ description: 'Same as patronymic (the name the create body uses)' }),
    display_name: Type.String(),
    phone: Type.String({ description: 'International, +digits' }),
    email: Type.String(),
    card: Type.String({ description: 'Client card number' }),
    birth_date: Type.String({ description: 'YYYY-MM-DD, or empty' }),
    comment: Type.String(),
    discount: Type.Number({ description: 'Percent' }),
    importance_id: Type.Integer({ description: '0 none, 1 bronze, 2 silver, 3 gold' }),
    importance: Type.String(),
    sex_id: Type.Integer({ description: '0 unknown, 1 male, 2 female' }),
    sex: Type.String(),
    gender_id: Type.Integer({ description: 'Same as sex_id (the name the create body uses)' }),
    sms_check: Type.Integer({ description: '1: birthday SMS' }),
    sms_not: Type.Integer({ description: '1: excluded from SMS mailings' }),
    spent: Type.Number({ description: 'Lifetime sold amount, as given when the client was added' }),
    paid: Type.Number({ description: 'Lifetime paid amount (this server records no visits: 0)' }),
    balance: Type.Number({ description: 'Client account balance, as given' }),
    visits: Type.Integer({ description: 'Visits (this server records no visits: 0)' }),
    national_id: Type.String(),
    categories: Type.Array(Type.Unknown(), { description: 'Client tags (this server keeps none: [])' }),
    custom_fields: Type.Record(Type.String(), Type.Unknown()),
    last_change_date: Type.String({ description: 'Date-time of the last change' }),
  },
  { $id: 'Client', title: 'Client' },
);

const Text = (maxLength = 255) => Type.Optional(Type.String({ maxLength, errorMessage: 'must be a string' }));
const Small = (max: number, description: string) => Type.Optional(WholeLike(0, max, description));

/** Body of CL-5 (add) and CL-2 (edit): `name` and `phone` are required in both, as the reference says. */
const clientFields = {
  name: NonBlankText(),
  phone: PhoneLike(
    'Phone, e.g. 13155550175 or +13155550175; normalised as the card operations do',
    '+13155550175',
  ),
  surname: Text(),
  middle_name: Text(),
  patronymic: Text(),
  email: Text(),
  birth_date: Type.Optional(
    Type.String({ pattern: '^(\\d{4}-\\d{2}-\\d{2})?$', errorMessage: 'must be a date as YYYY-MM-DD' }),
  ),
  comment: Text(5000),
  gender_id: Small(2, '0 unknown, 1 male, 2 female'),
  importance_id: Small(3, '0 none, 1 bronze, 2 silver, 3 gold'),
  discount: Small(100, 'Discount percent, a whole number from 0 to 100'),
  card: Type.Optional(
    Type.Union([Type.String({ maxLength: 32 }), Type.Integer({ minimum: 0 })], {
      errorMessage: 'must be a string of up to 32 characters',
    }),
  ),
  sms_check: Small(1, '1: birthday SMS'),
  sms_not: Small(1, '1: exclude from SMS mailings'),
  balance: Type.Optional(MoneyLike('Client account balance, at most 2 decimals')),
  spent: Type.Optional(MoneyLike('Amount spent before, at most 2 decimals', { nonNegative: true })),
  national_id: Text(32),
  custom_fields: Type.Optional(
    Type.Record(Type.String(), Type.Unknown(), { description: '"api-key": "value" pairs' }),
  ),
  categories: Type.Optional(
    Type.Unknown({ description: 'Tag ids: accepted and ignored (no tag catalogue)' }),
  ),
  labels: Type.Optional(Type.Unknown({ description: 'Tag ids: accepted and ignored (no tag catalogue)' })),
};

export const ClientBody = Type.Object(clientFields, { $id: 'ClientBody' });

export const ClientListQuery = Type.Object({
  phone: Type.Optional(Type.String({ description: 'Part of the phone number (digits)' })),
  fullname: Type.Optional(Type.String({ description: 'Part of the name, surname or patronymic' })),
  email: Type.Optional(Type.String({ description: 'Part of the email' })),
  card: Type.Optional(Type.String({ description: 'Part of a loyalty card number of the client' })),
  id: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { description: 'Client id (repeatable)' })),
  'id[]': Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { description: 'Client ids' })),
  changed_after: Type.Optional(Type.String({ description: 'Changed at or after (ISO-8601 date-time)' })),
  changed_before: Type.Optional(Type.String({ description: 'Changed at or before (ISO-8601 date-time)' })),
  page: Page(),
  count: PageSize(300, 20),
});

export const ClientSearchRow = Type.Object(
  {
    id: Type.Integer(),
    name: Type.Optional(Type.String()),
    surname: Type.Optional(Type.String()),
    patronymic: Type.Optional(Type.String()),
    phone: Type.Optional(Type.String()),
    email: Type.Optional(Type.String()),
    discount: Type.Optional(Type.Number()),
    first_visit_date: Type.Optional(Type.String()),
    last_visit_date: Type.Optional(Type.String()),
    sold_amount: Type.Optional(Type.Number()),
    visits_count: Type.Optional(Type.Integer()),
    tips_count: Type.Optional(Type.Integer()),
    deposit_balance: Type.Optional(Type.Number()),
    reserved_deposit_balance: Type.Optional(Type.Number()),
  },
  { $id: 'ClientSearchRow', title: 'ClientSearchRow' },
);

/** What a search row may hold: the row's fields, in its order (`fields` names them). */
export const SEARCH_FIELDS = Object.keys(ClientSearchRow.properties) as (keyof ClientSearchRowWire)[];

const SEARCH_ORDER = [
  'id',
  'name',
  'phone',
  'email',
  'discount',
  'first_visit_date',
  'last_visit_date',
  'sold_amount',
  'visits_count',
] as const;

const FILTER_TYPES = ['quick_search', 'name', 'phone', 'email', 'id', 'gender', 'importance'] as const;

const literals = <T extends readonly string[]>(values: T, description?: string) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });

export const ClientSearchBody = Type.Object(
  {
    fields: Type.Optional(
      Type.Array(literals(SEARCH_FIELDS), { description: 'Fields of each row; `id` always comes' }),
    ),
    filters: Type.Optional(
      Type.Array(
        Type.Object({
          type: literals(FILTER_TYPES),
          state: Type.Object(
            { value: Type.Unknown({ description: 'Text, or a list of ids / codes' }) },
            { errorMessage: 'must be an object with a value' },
          ),
        }),
        { maxItems: 20 },
      ),
    ),
    operation: Type.Optional(literals(['AND', 'OR'] as const, 'How filters combine (AND by default)')),
    order_by: Type.Optional(literals(SEARCH_ORDER)),
    order_by_direction: Type.Optional(literals(['ASC', 'DESC'] as const)),
    page: Type.Optional(PositiveIntLike(MAX_PAGE, `Page, from 1 to ${MAX_PAGE}`)),
    page_size: Type.Optional(PositiveIntLike(200, 'Rows per page, 1 to 200 (25 by default)')),
  },
  { $id: 'ClientSearchBody' },
);

export const ChainClientsSchema = Type.Object(
  {
    phone: Type.String(),
    salon_group_id: Type.Integer(),
    clients: Type.Array(
      Type.Object({
        id: Type.Integer(),
        company_id: Type.Integer({ description: 'Location id' }),
        name: Type.String(),
        email: Type.String(),
      }),
    ),
  },
  { $id: 'ChainClients', title: 'ChainClients' },
);

export type ClientWire = Static<typeof ClientSchema>;
export type ClientInput = Static<typeof ClientBody>;
export type ClientListInput = Static<typeof ClientListQuery>;
export type ClientSearchInput = Static<typeof ClientSearchBody>;
export type ClientSearchRowWire = Static<typeof ClientSearchRow>;
export type ChainClientsWire = Static<typeof ChainClientsSchema>;
