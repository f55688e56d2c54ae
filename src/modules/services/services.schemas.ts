import { Type, type Static } from '@sinclair/typebox';
import { IdLike, MAX_INT32, MoneyLike, NonBlankText, PercentLike, WholeLike } from '../../http/schemas.js';

/** Wire objects of the service operations (V1, altegio-services-staff.md §1), named as Altegio names them. */

/** The longest duration or session this server takes, in seconds: one day. */
export const MAX_DURATION = 86_400;

const ServiceStaffSchema = Type.Object(
  {
    id: Type.Integer({ description: 'Team member id' }),
    seance_length: Type.Integer({ description: 'Session length of this member, in seconds' }),
  },
  { $id: 'ServiceStaff', title: 'ServiceStaff' },
);

export const ServiceSchema = Type.Object(
  {
    id: Type.Integer(),
    title: Type.String(),
    booking_title: Type.String({ description: 'Name for online booking' }),
    category_id: Type.Integer({ description: 'Service category id, as given (no category catalogue here)' }),
    price_min: Type.Number(),
    price_max: Type.Number(),
    discount: Type.Number({ description: 'Percent' }),
    duration: Type.Integer({ description: 'Seconds' }),
    active: Type.Integer({ minimum: 0, maximum: 1, description: '1: available for online booking' }),
    api_id: Type.String({ description: 'External id' }),
    comment: Type.String(),
    salon_service_id: Type.Integer({ description: 'Service id at the location: the same as `id` here' }),
    technical_break_duration: Type.Union([Type.Integer(), Type.Null()], {
      description: 'Seconds, a multiple of 300; null: the location default',
    }),
    weight: Type.Integer({ description: 'Sort weight' }),
    staff: Type.Array(ServiceStaffSchema, {
      description: 'Live team members who provide the service, in id order',
    }),
  },
  { $id: 'Service', title: 'Service' },
);

const Text = (maxLength: number, description: string) =>
  Type.Optional(Type.String({ maxLength, errorMessage: 'must be a string', description }));

const BREAKS = Array.from({ length: 13 }, (_, i) => i * 300);

const StaffLink = Type.Object({
  id: IdLike('Team member id: a live team member of this location'),
  seance_length: Type.Optional(
    WholeLike(0, MAX_DURATION, 'Session length in seconds (default: the service duration)'),
  ),
});

/** Fields of `create_service`, `deprecated_update_service_by_id` (PUT) and `patch_service` (PATCH). */
const serviceFields = {
  title: Type.Optional(NonBlankText(255, 'Service name')),
  booking_title: Text(255, 'Name for online booking (default: the title)'),
  category_id: Type.Optional(WholeLike(0, MAX_INT32, 'Service category id, stored as given')),
  price_min: Type.Optional(MoneyLike('Lowest price, at most 2 decimals', { nonNegative: true })),
  price_max: Type.Optional(
    MoneyLike('Highest price, at most 2 decimals; not below price_min', { nonNegative: true }),
  ),
  discount: Type.Optional(PercentLike('Discount percent, 0–100, at most 2 decimals')),
  duration: Type.Optional(WholeLike(0, MAX_DURATION, 'Duration in seconds (default 3600)')),
  active: Type.Optional(WholeLike(0, 1, '1: available for online booking (default), 0: not')),
  api_id: Type.Optional(
    Type.Union([Type.String({ maxLength: 255 }), Type.Integer({ minimum: 0 })], {
      description: 'External id (stored as text)',
      errorMessage: 'must be a string of up to 255 characters',
    }),
  ),
  comment: Text(5000, 'Comment'),
  weight: Type.Optional(WholeLike(0, MAX_INT32, 'Sort weight')),
  technical_break_duration: Type.Optional(
    Type.Union(
      [
        Type.Integer({ minimum: 0, maximum: 3600, multipleOf: 300 }),
        Type.String({ pattern: `^\\s*(?:${BREAKS.join('|')})\\s*$` }),
        Type.Null(),
      ],
      {
        description: 'Seconds after the service: 0 to 3600 in multiples of 300; null: the location default',
        errorMessage: 'must be a multiple of 300 from 0 to 3600, or null',
      },
    ),
  ),
  staff: Type.Optional(
    Type.Array(StaffLink, {
      maxItems: 500,
      description: 'Team members who provide the service; a list sent replaces the stored one',
    }),
  ),
};

export const CreateServiceBody = Type.Object(
  { ...serviceFields, title: NonBlankText(255, 'Service name') },
  { $id: 'CreateServiceBody' },
);

export const UpdateServiceBody = Type.Object(serviceFields, { $id: 'UpdateServiceBody' });

export const ServiceListQuery = Type.Object({
  category_id: Type.Optional(
    Type.Integer({ minimum: 0, maximum: MAX_INT32, description: 'Only this category' }),
  ),
  staff_id: Type.Optional(
    Type.Integer({ minimum: 1, maximum: MAX_INT32, description: 'Only services this team member provides' }),
  ),
});

export type ServiceWire = Static<typeof ServiceSchema>;
export type ServiceInput = Static<typeof UpdateServiceBody>;
export type ServiceListInput = Static<typeof ServiceListQuery>;
