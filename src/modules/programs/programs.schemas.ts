import { Type, type Static } from '@sinclair/typebox';
import { IdLike, MAX_INT32, MoneyLike, NonBlankText, WholeLike } from '../../http/schemas.js';
import { LOYALTY_TYPE_CODES } from '../../lib/loyalty-types.js';

/** Wire objects of the chain promotion operations (altegio-reference.md §2, L-19…L-22, L-24). */

const ITEM_RULES = ['any_allowed', 'not_allowed', 'custom_allowed'] as const;
const VALUE_UNIT_CODES = ['percent', 'amount'] as const;
const TIMEOUT_UNITS = ['day', 'week', 'month', 'year'] as const;
const PARAMS_SOURCES = ['loyalty_card', 'active_companies', 'chain'] as const;
export const INCLUDES = [
  'applicable_items',
  'rules',
  'companies',
  'loyalty_card_types',
  'on_changed_notification_template',
  'on_expiration_notification_template',
] as const;

export type ItemRule = (typeof ITEM_RULES)[number];
export type TimeoutUnit = (typeof TIMEOUT_UNITS)[number];
export type ParamsSource = (typeof PARAMS_SOURCES)[number];
export type Include = (typeof INCLUDES)[number];

const oneOf = <T extends readonly string[]>(values: T, description?: string) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });

const PromotionType = oneOf(LOYALTY_TYPE_CODES, 'Promotion type; one mapping with loyalty_type_id 1–13');

const Whole = (description: string) => WholeLike(0, MAX_INT32, description);
const Count = (description: string) => Type.Optional(Whole(description));
const IdList = (description: string) =>
  Type.Optional(
    Type.Array(IdLike('Id'), { maxItems: 1000, description, errorMessage: 'must be a list of ids' }),
  );

const ProgramRuleSchema = Type.Object(
  {
    id: Type.Integer(),
    loyalty_program_id: Type.Integer(),
    loyalty_type_id: Type.Integer(),
    parameter: Type.Integer({ description: 'Threshold (visits, or an amount); 0 for fixed promotions' }),
    service_id: Type.Integer(),
    value: Type.Number({ description: 'Size: a percent or an amount, per value_unit' }),
  },
  { $id: 'PromotionRule', title: 'PromotionRule' },
);

const NotificationTemplate = Type.Object(
  {
    type: Type.Optional(oneOf(['none', 'big', 'mid', 'small', 'custom'] as const)),
    body: Type.Optional(Type.String({ maxLength: 2000, description: 'Custom text (type custom only)' })),
  },
  { description: 'Accepted and not stored: this server sends no notifications' },
);

const RuleInput = Type.Object({
  parameter: Type.Optional(Whole('Threshold: visits or an amount; 0 for fixed promotions')),
  service_id: Type.Optional(Whole('Service the rule is for (package discount); 0 for none')),
  value: MoneyLike('Size: a percent (0–100) or an amount, at most 2 decimals', { nonNegative: true }),
});

/** Fields L-21 (edit) may change. */
const editable = {
  title: Type.Optional(NonBlankText()),
  company_ids: IdList('Locations of the chain where the promotion is active'),
  loyalty_card_type_ids: IdList('Card types of the chain the promotion applies to'),
  rules: Type.Optional(
    Type.Array(RuleInput, { minItems: 1, maxItems: 100, description: 'Exactly one for fixed promotions' }),
  ),
  allowed_service_ids: IdList('Services, when service_item_type is custom_allowed'),
  allowed_good_ids: IdList('Products, when good_item_type is custom_allowed'),
  allowed_good_category_ids: IdList('Product categories, when good_item_type is custom_allowed'),
  expiration_timeout: Count('Accruals expire after this many units; 0 never'),
  expiration_timeout_unit: Type.Optional(oneOf(TIMEOUT_UNITS)),
  expiration_notification_timeout: Count('Days before expiry to notify'),
  usage_limit: Count('Cashback only'),
  on_changed_notification_template: Type.Optional(NotificationTemplate),
  on_expiration_notification_template: Type.Optional(NotificationTemplate),
};

/** Fields fixed at creation (L-19 only). */
const fixed = {
  type: PromotionType,
  value_unit: oneOf(VALUE_UNIT_CODES),
  service_item_type: oneOf(ITEM_RULES, 'Services the promotion applies to'),
  good_item_type: oneOf(ITEM_RULES, 'Products the promotion applies to'),
  history_start_date: Type.String({
    pattern: '^\\d{4}-\\d{2}-\\d{2}$',
    errorMessage: 'must be a date as YYYY-MM-DD',
  }),
  params_source_type: oneOf(PARAMS_SOURCES, 'Where client history comes from'),
  sold_items_multiplicity: Whole('"Discount by condition" only'),
  visit_multiplicity: Whole('Cashback only'),
};

export const FIXED_FIELDS = Object.keys(fixed) as (keyof typeof fixed)[];

export const CreateProgramBody = Type.Object(
  {
    ...editable,
    title: NonBlankText(),
    company_ids: Type.Array(IdLike('Id'), { maxItems: 1000, errorMessage: 'must be a list of ids' }),
    rules: Type.Array(RuleInput, { minItems: 1, maxItems: 100 }),
    type: fixed.type,
    value_unit: fixed.value_unit,
    service_item_type: fixed.service_item_type,
    good_item_type: fixed.good_item_type,
    history_start_date: Type.Optional(fixed.history_start_date),
    params_source_type: Type.Optional(fixed.params_source_type),
    sold_items_multiplicity: Type.Optional(fixed.sold_items_multiplicity),
    visit_multiplicity: Type.Optional(fixed.visit_multiplicity),
  },
  { $id: 'CreatePromotionBody' },
);

export const UpdateProgramBody = Type.Object(
  {
    ...editable,
    type: Type.Optional(fixed.type),
    value_unit: Type.Optional(fixed.value_unit),
    service_item_type: Type.Optional(fixed.service_item_type),
    good_item_type: Type.Optional(fixed.good_item_type),
    params_source_type: Type.Optional(fixed.params_source_type),
    sold_items_multiplicity: Type.Optional(fixed.sold_items_multiplicity),
    visit_multiplicity: Type.Optional(fixed.visit_multiplicity),
    // What GET answers (null when unset) may be sent back unchanged.
    history_start_date: Type.Optional(Type.Union([fixed.history_start_date, Type.Null()])),
  },
  { $id: 'UpdatePromotionBody' },
);

export const IncludeQuery = Type.Object({
  include: Type.Optional(
    Type.Array(Type.String(), { description: `Comma-separated or repeated: ${INCLUDES.join(', ')}` }),
  ),
  'include[]': Type.Optional(Type.Array(Type.String())),
});

export const LocationProgramsQuery = Type.Object({
  type: Type.Optional(PromotionType),
  include: Type.Optional(
    Type.Array(Type.String(), { description: '`first_transaction_date` adds that field' }),
  ),
  'include[]': Type.Optional(Type.Array(Type.String())),
});

const common = {
  id: Type.Integer(),
  title: Type.String(),
  type: Type.String({ description: 'Promotion type code' }),
  loyalty_type_id: Type.Integer({ minimum: 1, maximum: 13 }),
  value_unit: Type.String({ description: 'percent or amount' }),
  value_unit_id: Type.Integer({ description: '1 percent, 2 fixed amount' }),
  item_type_id: Type.Integer(),
  group_id: Type.Integer({ description: 'Chain id' }),
  service_item_type: Type.String(),
  good_item_type: Type.String(),
  expiration_timeout: Type.Integer(),
  expiration_timeout_unit: Type.String(),
  expiration_notification_timeout: Type.Integer(),
  history_start_date: Type.Union([Type.String(), Type.Null()]),
  params_source_type: Type.String(),
  sold_items_multiplicity: Type.Integer(),
  usage_limit: Type.Integer(),
  visit_multiplicity: Type.Integer(),
  on_changed_notification_template_id: Type.Integer({ description: '0: no template (none stored here)' }),
  on_expiration_notification_template_id: Type.Integer({ description: '0: no template (none stored here)' }),
};

const CompanyRefSchema = Type.Object(
  {
    id: Type.Integer(),
    title: Type.String(),
    address: Type.String(),
    city: Type.String(),
    country: Type.String(),
    phone: Type.String(),
    timezone: Type.String(),
    city_id: Type.Integer(),
    country_id: Type.Integer(),
    coordinate_lat: Type.Number(),
    coordinate_lng: Type.Number(),
  },
  { $id: 'PromotionCompany' },
);

export const ProgramDetailSchema = Type.Object(
  {
    ...common,
    rules: Type.Optional(Type.Array(ProgramRuleSchema)),
    companies: Type.Optional(Type.Array(CompanyRefSchema)),
    loyalty_card_types: Type.Optional(Type.Array(Type.Object({ id: Type.Integer(), title: Type.String() }))),
    applicable_items: Type.Optional(
      Type.Array(
        Type.Object({
          id: Type.Integer(),
          is_category: Type.Boolean(),
          is_service: Type.Boolean(),
          title: Type.String({ description: 'Empty: this server keeps no service or product catalogue' }),
        }),
      ),
    ),
    on_changed_notification_template: Type.Optional(Type.Null()),
    on_expiration_notification_template: Type.Optional(Type.Null()),
  },
  { $id: 'Promotion', title: 'Promotion' },
);

export const LocationProgramSchema = Type.Object(
  {
    ...common,
    allowed_usages_amount: Type.Integer(),
    current_package_progress: Type.Integer(),
    first_transaction_date: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  },
  { $id: 'LocationPromotion', title: 'LocationPromotion' },
);

export type CreateProgramInput = Static<typeof CreateProgramBody>;
export type UpdateProgramInput = Static<typeof UpdateProgramBody>;
export type RuleInputWire = Static<typeof RuleInput>;
export type ProgramDetailWire = Static<typeof ProgramDetailSchema>;
export type LocationProgramWire = Static<typeof LocationProgramSchema>;
export type IncludeInput = Static<typeof IncludeQuery>;
export type LocationProgramsInput = Static<typeof LocationProgramsQuery>;
