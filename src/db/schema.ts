import type { Generated, Selectable } from 'kysely';

/**
 * Database tables. Money columns end in `_minor` (integer minor units); timestamps are ISO-8601
 * UTC text; booleans are 0/1 integers so that both dialects read the same values.
 */
interface ChainTable {
  id: Generated<number>;
  title: string;
  created_at: string;
}

export interface LocationTable {
  id: Generated<number>;
  chain_id: number;
  title: string;
  public_title: Generated<string>;
  short_descr: Generated<string>;
  description: Generated<string>;
  address: Generated<string>;
  city: Generated<string>;
  city_id: Generated<number>;
  country: Generated<string>;
  country_id: Generated<number>;
  coordinate_lat: Generated<number>;
  coordinate_lon: Generated<number>;
  business_type_id: Generated<number>;
  site: Generated<string>;
  phone: Generated<string>;
  email: Generated<string>;
  zip: Generated<string>;
  timezone_name: Generated<string>;
  /** JSON text: an array of phone strings. */
  phones: Generated<string>;
  /** JSON text: {facebook, instagram, telegram, viber, vk, whatsapp}. */
  social: Generated<string>;
  active: Generated<number>;
  created_at: string;
  deleted_at: string | null;
}

export interface ClientTable {
  id: Generated<number>;
  location_id: number;
  phone: string;
  name: string;
  surname: Generated<string>;
  patronymic: Generated<string>;
  email: Generated<string>;
  birth_date: Generated<string>;
  comment: Generated<string>;
  sex_id: Generated<number>;
  importance_id: Generated<number>;
  discount: Generated<number>;
  sms_check: Generated<number>;
  sms_not: Generated<number>;
  card: Generated<string>;
  national_id: Generated<string>;
  /** JSON text: an object of custom field values. */
  custom_fields: Generated<string>;
  balance_minor: Generated<number>;
  spent_minor: Generated<number>;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

interface PartnerTable {
  id: Generated<number>;
  name: string;
  token_hash: string;
  created_at: string;
}

interface PartnerLocationTable {
  partner_id: number;
  location_id: number;
}

interface UserTable {
  id: Generated<number>;
  login: string;
  name: Generated<string>;
  phone: Generated<string>;
  email: Generated<string>;
  avatar: Generated<string>;
  is_approved: Generated<number>;
  is_email_confirmed: Generated<number>;
  password_hash: string;
  created_at: string;
}

/**
 * A user may hold several tokens (each login issues one, as sessions); all are stored hashed
 * and all are revoked together when the password changes.
 */
interface UserTokenTable {
  id: Generated<number>;
  user_id: number;
  token_hash: string;
  created_at: string;
}

interface UserLocationTable {
  user_id: number;
  location_id: number;
}

interface UserChainTable {
  user_id: number;
  chain_id: number;
}

interface LoginFailureTable {
  id: Generated<number>;
  /** The login as typed (trimmed, lower case). */
  login: string;
  /** The user the login matched; null for an unknown login. */
  user_id: number | null;
  /** The partner whose token sent it; null while the attempt is still being checked. */
  partner_id: number | null;
  created_at: string;
}

interface CardTypeTable {
  id: Generated<number>;
  chain_id: number;
  title: string;
  created_at: string;
  deleted_at: string | null;
}

interface CardTypeLocationTable {
  card_type_id: number;
  location_id: number;
}

interface CardTypeProgramTable {
  card_type_id: number;
  program_id: number;
}

export interface ProgramTable {
  id: Generated<number>;
  chain_id: number;
  title: string;
  loyalty_type_id: number;
  value_unit_id: number;
  item_type_id: Generated<number>;
  value: Generated<number>;
  service_item_type: Generated<string>;
  good_item_type: Generated<string>;
  expiration_timeout: Generated<number>;
  expiration_timeout_unit: Generated<string>;
  expiration_notification_timeout: Generated<number>;
  history_start_date: Generated<string>;
  params_source_type: Generated<string>;
  sold_items_multiplicity: Generated<number>;
  usage_limit: Generated<number>;
  visit_multiplicity: Generated<number>;
  created_at: string;
  deleted_at: string | null;
}

interface ProgramRuleTable {
  id: Generated<number>;
  program_id: number;
  /** Threshold (visits, or an amount in minor units for sold/paid programs). */
  parameter: Generated<number>;
  /** Size: a percent or an amount, in hundredths, so 2.5 % is 250. */
  value_hundredths: Generated<number>;
  service_id: Generated<number>;
}

interface ProgramLocationTable {
  program_id: number;
  location_id: number;
}

/** A service, product or product category a `custom_allowed` promotion applies to. */
interface ProgramItemTable {
  program_id: number;
  item_id: number;
  /** 1 a service, 0 a product. */
  is_service: number;
  /** 1 a product category, 0 a single item. */
  is_category: number;
}

interface CardTable {
  id: Generated<number>;
  chain_id: number;
  card_type_id: number;
  client_id: number | null;
  phone: string;
  number: string | null;
  balance_minor: Generated<number>;
  points: Generated<number>;
  paid_minor: Generated<number>;
  sold_minor: Generated<number>;
  visits_count: Generated<number>;
  issued_location_id: number | null;
  created_at: string;
  removed_at: string | null;
}

/**
 * The ledger (SPEC §3, §6.6): one immutable row per change. A card's balance always equals the
 * sum of its rows' `balance_effect_minor`. Cancelling appends a compensating row (same type,
 * opposite amounts, `status_id` 2, `cancels_id` naming the row it cancels); a row is live while
 * it is not a compensation (`status_id` 1) and no compensation names it.
 */
interface TransactionTable {
  id: Generated<number>;
  /** Null only for a row of no card (the invited client's referral discount). */
  card_id: number | null;
  chain_id: number;
  location_id: number | null;
  type_id: number;
  /** The amount as Altegio shows it (a withdrawal's is positive; a manual one's is signed). */
  amount_minor: number;
  /** What the row does to the card's balance: 0 for a discount, −amount for a card withdrawal. */
  balance_effect_minor: number;
  title: Generated<string>;
  partner_id: number | null;
  user_id: number | null;
  program_id: number | null;
  referral_program_id: number | null;
  visit_id: number | null;
  record_id: number | null;
  /** The service id of an item-bound row (types 1 and 3); 0 otherwise. */
  item_id: Generated<number>;
  /** 1 a service, 0 not bound to an item (accruals, manual rows). */
  item_type_id: Generated<number>;
  is_discount: Generated<number>;
  is_loyalty_withdraw: Generated<number>;
  /** 1 recorded, 2 a compensation of the row `cancels_id` names. */
  status_id: Generated<number>;
  cancels_id: number | null;
  created_at: string;
}

/** A location's service catalogue (SPEC §6.1, V1). */
interface ServiceTable {
  id: Generated<number>;
  location_id: number;
  title: string;
  booking_title: Generated<string>;
  category_id: Generated<number>;
  price_min_minor: Generated<number>;
  price_max_minor: Generated<number>;
  /** Percent in hundredths (12.5 % is 1250). */
  discount_hundredths: Generated<number>;
  /** Seconds. */
  duration: Generated<number>;
  active: Generated<number>;
  api_id: Generated<string>;
  comment: Generated<string>;
  weight: Generated<number>;
  technical_break_duration: number | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

/** Team members (Altegio `staff`) who provide a service, and the session length they take. */
interface ServiceStaffTable {
  service_id: number;
  staff_id: number;
  seance_length: Generated<number>;
}

/** A location's team members (Altegio `staff`, `team_member`; SPEC §6.1, V2). */
interface StaffTable {
  id: Generated<number>;
  location_id: number;
  name: string;
  specialization: Generated<string>;
  information: Generated<string>;
  api_id: Generated<string>;
  avatar: Generated<string>;
  avatar_big: Generated<string>;
  phone_number: Generated<string>;
  user_email: Generated<string>;
  user_phone: Generated<string>;
  weight: Generated<number>;
  fired: Generated<number>;
  hidden: Generated<number>;
  is_paid_staff: Generated<number>;
  is_included_in_payment_policy: Generated<number>;
  has_access_timetable: Generated<number>;
  position_id: number | null;
  user_id: number | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

/** A location's checkouts (SPEC §6.1, V3): type 0 cash, 1 non-cash; one default of each type. */
interface AccountTable {
  id: Generated<number>;
  location_id: number;
  title: string;
  type: number;
  comment: Generated<string>;
  is_default: Generated<number>;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

/** A visit (SPEC §6.1): one appointment's checkout, open until it is closed (§6.3). */
interface VisitTable {
  id: Generated<number>;
  location_id: number;
  chain_id: number;
  client_id: number;
  /** 2 confirmed, 1 arrived, 0 waiting, −1 no-show. */
  attendance: Generated<number>;
  comment: Generated<string>;
  state: Generated<'open' | 'closed'>;
  /** How many times it was closed (each close after a reopen counts). */
  closes: Generated<number>;
  closed_at: string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

/** An appointment (Altegio `record`; SPEC §6.2 V4, V5). */
interface RecordTable {
  id: Generated<number>;
  location_id: number;
  visit_id: number;
  client_id: number;
  staff_id: number;
  /** As given: ISO 8601 with its offset. */
  datetime: string;
  /** The same instant in UTC (ISO 8601), for ordering and ranges. */
  starts_at: string;
  /** The appointment's calendar day (Y-m-d) in the offset it was given with. */
  local_date: string;
  /** Seconds. */
  seance_length: Generated<number>;
  technical_break_duration: number | null;
  comment: Generated<string>;
  api_id: Generated<string>;
  save_if_busy: Generated<number>;
  send_sms: Generated<number>;
  sms_remain_hours: number | null;
  email_remain_hours: number | null;
  custom_color: Generated<string>;
  /** JSON text: an array of label ids. */
  record_labels: Generated<string>;
  /** JSON text: an object. */
  custom_fields: Generated<string>;
  partner_id: number | null;
  created_user_id: number | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

/** One service line of an appointment; `first_cost` and `cost` are the line's totals. */
interface RecordServiceTable {
  id: Generated<number>;
  record_id: number;
  service_id: number;
  position: Generated<number>;
  /** Quantity. */
  amount: Generated<number>;
  first_cost_minor: Generated<number>;
  discount_hundredths: Generated<number>;
  cost_minor: Generated<number>;
}

/** A document (type 7 "Visit" for a visit), as shown in an appointment's `documents[]`. */
interface DocumentTable {
  id: Generated<number>;
  location_id: number;
  type_id: number;
  visit_id: number | null;
  record_id: number | null;
  user_id: number | null;
  comment: Generated<string>;
  created_at: string;
}

/** A money payment into a location account for a visit (Altegio `payment_transaction`). */
interface PaymentTable {
  id: Generated<number>;
  visit_id: number;
  record_id: number;
  location_id: number;
  account_id: number;
  document_id: number | null;
  client_id: number | null;
  staff_id: number | null;
  amount_minor: number;
  partner_id: number | null;
  user_id: number | null;
  comment: Generated<string>;
  created_at: string;
  /** Set when the payment is removed from an open visit (`deleted_transaction_ids`). */
  deleted_at: string | null;
}

/** What one close of a visit added to one card's counters; a reopen takes back exactly this. */
interface VisitClosingTable {
  id: Generated<number>;
  visit_id: number;
  card_id: number;
  visits: number;
  sold_minor: number;
  paid_minor: number;
  created_at: string;
  reversed_at: string | null;
}

/**
 * The chain's referral program (SPEC §6.5; migration 006): at most one live per chain. Each part
 * is a value in hundredths (10 % is 1000, an amount of 100 is 10000) and its unit (1 percent, 2
 * fixed amount); a percent is at most 100.
 */
interface ReferralProgramTable {
  id: Generated<number>;
  chain_id: number;
  title: string;
  /** The invited client's discount on the first visit at a location. */
  invited_value_hundredths: number;
  invited_value_unit_id: number;
  /** The referrer's accrual when that visit closes (a percent of the visit's paid amount, or fixed). */
  referrer_value_hundredths: number;
  referrer_value_unit_id: number;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

/** A referral program applied in a visit (V10), one per visit; read when the visit closes. */
interface VisitReferralTable {
  id: Generated<number>;
  visit_id: number;
  referral_program_id: number;
  referrer_card_id: number;
  referrer_phone: string;
  /** The invited client's discount row; null when the discount came to 0. */
  invited_transaction_id: number | null;
  /** The referrer's part as it was when applied: the accrual at close uses this. */
  referrer_value_hundredths: number;
  referrer_value_unit_id: number;
  created_at: string;
}

interface IdempotencyKeyTable {
  partner_id: number;
  key: string;
  fingerprint: string;
  /** 'running' while the first request is in flight, 'done' once its answer is stored. */
  state: string;
  status_code: number | null;
  body: string | null;
  /** A running claim older than this is abandoned (its process died) and may be taken over. */
  locked_until: string;
  created_at: string;
  expires_at: string;
}

/** One row: moved by triggers on every change to the setup tables (migration 003). */
interface SetupVersionTable {
  id: number;
  version: number;
}

export interface Database {
  chains: ChainTable;
  locations: LocationTable;
  clients: ClientTable;
  partners: PartnerTable;
  partner_locations: PartnerLocationTable;
  users: UserTable;
  user_tokens: UserTokenTable;
  user_locations: UserLocationTable;
  user_chains: UserChainTable;
  login_failures: LoginFailureTable;
  card_types: CardTypeTable;
  card_type_locations: CardTypeLocationTable;
  card_type_programs: CardTypeProgramTable;
  programs: ProgramTable;
  program_rules: ProgramRuleTable;
  program_locations: ProgramLocationTable;
  program_items: ProgramItemTable;
  cards: CardTable;
  transactions: TransactionTable;
  services: ServiceTable;
  service_staff: ServiceStaffTable;
  staff: StaffTable;
  accounts: AccountTable;
  visits: VisitTable;
  records: RecordTable;
  record_services: RecordServiceTable;
  documents: DocumentTable;
  payments: PaymentTable;
  visit_closings: VisitClosingTable;
  referral_programs: ReferralProgramTable;
  visit_referrals: VisitReferralTable;
  idempotency_keys: IdempotencyKeyTable;
  setup_version: SetupVersionTable;
}

export type CardRow = Selectable<CardTable>;
export type ProgramRow = Selectable<ProgramTable>;
export type RuleRow = Selectable<ProgramRuleTable>;
export type LocationRow = Selectable<LocationTable>;
export type ClientRow = Selectable<ClientTable>;
export type UserRow = Selectable<UserTable>;
export type ReferralProgramRow = Selectable<ReferralProgramTable>;
export type TransactionRow = Selectable<TransactionTable>;
export type VisitReferralRow = Selectable<VisitReferralTable>;
