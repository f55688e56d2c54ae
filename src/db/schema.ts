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

interface TransactionTable {
  id: Generated<number>;
  card_id: number;
  chain_id: number;
  location_id: number | null;
  type_id: number;
  amount_minor: number;
  title: Generated<string>;
  partner_id: number | null;
  user_id: number | null;
  program_id: number | null;
  visit_id: number | null;
  status_id: Generated<number>;
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
  idempotency_keys: IdempotencyKeyTable;
  setup_version: SetupVersionTable;
}

export type CardRow = Selectable<CardTable>;
export type ProgramRow = Selectable<ProgramTable>;
export type RuleRow = Selectable<ProgramRuleTable>;
export type LocationRow = Selectable<LocationTable>;
export type ClientRow = Selectable<ClientTable>;
export type UserRow = Selectable<UserTable>;
