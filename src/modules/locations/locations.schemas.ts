import { Type, type Static } from '@sinclair/typebox';
import {
  CoordinateLike,
  IdLike,
  MAX_INT32,
  NonBlankText,
  Page,
  PageSize,
  PhoneLike,
  WholeLike,
} from '../../http/schemas.js';
import { ChainRef } from '../cards/cards.schemas.js';

/** Wire objects of the Locations operations (altegio-reference.md §5), named as Altegio names them. */

const SOCIAL_NETWORKS = ['facebook', 'instagram', 'telegram', 'viber', 'vk', 'whatsapp'] as const;
type SocialNetwork = (typeof SOCIAL_NETWORKS)[number];

const SocialSchema = Type.Object(
  Object.fromEntries(SOCIAL_NETWORKS.map((n) => [n, Type.String()])) as Record<
    SocialNetwork,
    ReturnType<typeof Type.String>
  >,
  { $id: 'LocationSocial' },
);

/**
 * The user's rights, 1 or 0 each, as Altegio names them. This server has one right per
 * location and chain (granted or not), so every flag carries the same value.
 */
export const ACCESS_FLAGS = [
  'analytics_access',
  'clients_access',
  'deposit_types_access',
  'deposits_access',
  'loyalty_abonement_balance_edit_access',
  'loyalty_abonement_history_access',
  'loyalty_abonement_period_edit_access',
  'loyalty_abonement_types_access',
  'loyalty_access',
  'loyalty_cards_manual_transactions_access',
  'loyalty_certificate_types_access',
  'loyalty_programs_access',
  'network_services_access',
  'settings_access',
  'users_access',
] as const;

export const AccessSchema = Type.Object(
  Object.fromEntries(ACCESS_FLAGS.map((f) => [f, Type.Integer({ minimum: 0, maximum: 1 })])) as Record<
    (typeof ACCESS_FLAGS)[number],
    ReturnType<typeof Type.Integer>
  >,
  { $id: 'Access', description: 'Rights of the user, 1 or 0 each' },
);

export const LocationSchema = Type.Object(
  {
    id: Type.Integer(),
    title: Type.String(),
    public_title: Type.String(),
    short_descr: Type.String(),
    description: Type.String({ description: 'HTML' }),
    address: Type.String(),
    city: Type.String(),
    city_id: Type.Integer(),
    country: Type.String(),
    country_id: Type.Integer(),
    coordinate_lat: Type.Number(),
    coordinate_lon: Type.Number(),
    timezone: Type.Number({ description: 'Offset from UTC in hours, now' }),
    timezone_name: Type.String(),
    phone: Type.String({ description: 'The first of `phones`' }),
    phones: Type.Array(Type.String()),
    email: Type.String(),
    site: Type.String(),
    zip: Type.String(),
    social: SocialSchema,
    business_type_id: Type.Integer(),
    active: Type.Integer({ description: '1 live, 0 deactivated (deleted)' }),
    main_group_id: Type.Integer({ description: 'Chain id' }),
    main_group: ChainRef,
    group_priority: Type.Integer(),
    active_staff_count: Type.Integer(),
    logo: Type.String(),
    currency_short_title: Type.String(),
    schedule: Type.String(),
    phone_confirmation: Type.Boolean(),
    app_ios: Type.String(),
    app_android: Type.String(),
    access: Type.Optional(AccessSchema),
    groups: Type.Optional(
      Type.Record(Type.String(), ChainRef, { description: 'Chains of the location, by id (show_groups=1)' }),
    ),
  },
  { $id: 'Location', title: 'Location' },
);

const Flag = (description: string) => Type.Optional(Type.Integer({ minimum: 0, maximum: 1, description }));
const QueryId = (description: string) => Type.Optional(Type.Integer({ minimum: 1, description }));

export const LocationListQuery = Type.Object({
  my: Flag('1: only the locations the user is granted (needs the user token)'),
  id: QueryId('Only this location'),
  group_id: QueryId('Only locations of this chain'),
  city_id: QueryId('Only locations in this city'),
  business_type_id: QueryId('Only locations of this business type'),
  active: Flag('1: only live locations (the default already hides deleted ones)'),
  min_id: Type.Optional(Type.Integer({ minimum: 0, description: 'Only ids from this one up' })),
  show_deleted: Flag('1: include deactivated (deleted) locations'),
  show_groups: Flag('1: add the `groups` map to each location'),
  page: Page(),
  count: PageSize(1000, 1000),
});

export const LocationGetQuery = Type.Object({
  my: Flag('1: add the `access` rights (needs the user token; 403 if the user is not granted it)'),
  show_groups: Flag('1: add the `groups` map'),
});

const Text = (maxLength = 255) => Type.Optional(Type.String({ maxLength, errorMessage: 'must be a string' }));
const Coordinate = (limit: number, description: string) => Type.Optional(CoordinateLike(limit, description));
const IntLike = (description: string) => Type.Optional(WholeLike(0, MAX_INT32, description));

/** Fields of LOC-2 (create) and LOC-4 (change); both accept all of them. */
const locationFields = {
  title: Type.Optional(NonBlankText()),
  public_title: Text(),
  short_descr: Text(1000),
  description: Text(20000),
  address: Text(),
  city: Text(),
  city_id: IntLike('City id (wins over `city`)'),
  country: Text(),
  country_id: IntLike('Country id (wins over `country`)'),
  coordinate_lat: Coordinate(90, 'Latitude, -90 to 90'),
  coordinate_lon: Coordinate(180, 'Longitude, -180 to 180'),
  coordinate_lot: Coordinate(180, 'Longitude (the create body spells it so in the reference)'),
  business_type_id: IntLike('Business type id'),
  site: Text(),
  zip: Text(32),
  email: Text(),
  phones: Type.Optional(
    Type.Array(PhoneLike('Phone, e.g. +13155550175'), {
      maxItems: 10,
      description: 'Phones, international format; stored as digits and shown as +digits',
    }),
  ),
  social: Type.Optional(
    Type.Object(
      Object.fromEntries(SOCIAL_NETWORKS.map((n) => [n, Text()])) as Record<
        SocialNetwork,
        ReturnType<typeof Text>
      >,
    ),
  ),
};

export const CreateLocationBody = Type.Object(
  {
    ...locationFields,
    title: NonBlankText(),
    group_id: Type.Optional(IdLike('Chain of the new location: one the user is granted')),
    main_group_id: Type.Optional(IdLike('Same as group_id')),
  },
  { $id: 'CreateLocationBody' },
);

export const UpdateLocationBody = Type.Object(locationFields, { $id: 'UpdateLocationBody' });

export type LocationWire = Static<typeof LocationSchema>;
export type LocationListInput = Static<typeof LocationListQuery>;
export type LocationGetInput = Static<typeof LocationGetQuery>;
export type CreateLocationInput = Static<typeof CreateLocationBody>;
export type UpdateLocationInput = Static<typeof UpdateLocationBody>;
export type AccessWire = Static<typeof AccessSchema>;
