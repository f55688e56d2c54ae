import { Type, type Static } from '@sinclair/typebox';
import { MAX_INT32, NonBlankText, PhoneLike, WholeLike } from '../../http/schemas.js';

/**
 * Wire objects of the team member operations (V2, altegio-services-staff.md §2), named as Altegio
 * names them (`staff`, `team_member`).
 */

const PositionRef = Type.Object({ id: Type.Integer(), title: Type.String() });

/** Altegio documents `position` as `{id, title}` or an empty array; this server keeps no positions. */
const Position = Type.Union([PositionRef, Type.Array(Type.Unknown(), { maxItems: 0 })], {
  description:
    'The position: `{id, title}`, or `[]` when the member has none (always `[]` here: this server keeps ' +
    'no position catalogue)',
});

const NoImages = Type.Array(Type.Unknown(), {
  maxItems: 0,
  description: 'Images: always [] (this server stores no images)',
});

const ApiId = Type.Union([Type.String(), Type.Null()], {
  description: 'External id as given, or null when none',
});

const Flag = (description: string) => Type.Integer({ minimum: 0, maximum: 1, description });

/** The fields both forms of a team member (below) open with, and those they close with. */
const memberHead = {
  id: Type.Integer(),
  api_id: ApiId,
  name: Type.String(),
  specialization: Type.String(),
  information: Type.String({ description: 'HTML' }),
};
const memberTail = {
  votes_count: Type.Integer(),
  comments_count: Type.Integer(),
  show_rating: Type.Integer(),
};

/** One team member, as the list, get, create and update operations answer it. */
export const TeamMemberSchema = Type.Object(
  {
    ...memberHead,
    company_id: Type.Integer({ description: 'Location id' }),
    position_id: Type.Integer({ description: '0: no position' }),
    position: Position,
    user_id: Type.Union([Type.Integer(), Type.Null()], { description: 'The linked user, or null' }),
    avatar: Type.String({ description: 'Empty: this server stores no images' }),
    avatar_big: Type.String({ description: 'Empty: this server stores no images' }),
    image_group: NoImages,
    fired: Flag('1: fired'),
    hidden: Flag('1: hidden from online booking'),
    status: Flag('1: removed (a removed member is not shown: always 0)'),
    bookable: Type.Boolean({
      description: 'Can be booked: not fired, not hidden, and has working hours (`has_access_timetable`)',
    }),
    has_access_timetable: Type.Boolean({ description: 'Has working hours and appears in booking' }),
    is_paid_staff: Type.Boolean(),
    is_included_in_payment_policy: Type.Boolean(),
    weight: Type.Integer({ description: 'Sort weight' }),
    rating: Type.Number({ description: 'No reviews here: 0' }),
    ...memberTail,
  },
  { $id: 'TeamMember', title: 'TeamMember' },
);

/** `get_team_member_by_id`: the string-typed fields Altegio documents for that operation. */
export const TeamMemberByIdSchema = Type.Object(
  {
    ...memberHead,
    position: Position,
    user_id: Type.Union([Type.Integer(), Type.Null()]),
    avatar: Type.String(),
    avatar_big: Type.String(),
    image_group: NoImages,
    fired: Type.String({ description: '"1": fired' }),
    hidden: Type.String({ description: '"1": hidden from online booking' }),
    status: Type.String({ description: '"1": removed (always "0")' }),
    weight: Type.String({ description: 'Sort weight' }),
    rating: Type.Number(),
    ...memberTail,
  },
  { $id: 'TeamMemberById', title: 'TeamMemberById' },
);

const Text = (maxLength = 255, description?: string) =>
  Type.Optional(
    Type.String({ maxLength, errorMessage: 'must be a string', ...(description ? { description } : {}) }),
  );
const FlagIn = (description: string) => Type.Optional(WholeLike(0, 1, description));
const Bool = (description: string) => Type.Optional(Type.Boolean({ description }));

/** Fields of `deprecated_create_team_member` and `update_team_member` (the same body). */
const memberFields = {
  name: Type.Optional(NonBlankText(255, 'Name')),
  specialization: Text(255, 'Specialization'),
  api_id: Type.Optional(
    Type.Union([Type.String({ maxLength: 255 }), Type.Integer({ minimum: 0 })], {
      description: 'External id (stored as text)',
      errorMessage: 'must be a string of up to 255 characters',
    }),
  ),
  user_id: Type.Optional(
    WholeLike(0, MAX_INT32, 'A user granted this location, linked to the member; 0 unlinks'),
  ),
  weight: Type.Optional(WholeLike(0, MAX_INT32, 'Sort weight')),
  fired: FlagIn('1: fired'),
  hidden: FlagIn('1: hidden from online booking'),
  information: Text(20000, 'About the member (HTML)'),
  is_paid_staff: Bool('Paid team member'),
  is_included_in_payment_policy: Bool('Included in the payment policy'),
  has_access_timetable: Bool('Has working hours and appears in booking (default true)'),
};

export const CreateTeamMemberBody = Type.Object(
  { ...memberFields, name: NonBlankText(255, 'Name') },
  { $id: 'CreateTeamMemberBody' },
);

export const UpdateTeamMemberBody = Type.Object(memberFields, { $id: 'UpdateTeamMemberBody' });

const PhoneOrNull = (description: string) =>
  Type.Optional(
    Type.Union([PhoneLike(description), Type.Null(), Type.Literal('')], {
      description,
      errorMessage: 'must be a phone number with 7 to 15 digits, or null',
    }),
  );

export const QuickTeamMemberBody = Type.Object(
  {
    name: NonBlankText(255, 'Name'),
    specialization: Type.String({ maxLength: 255, description: 'Specialization (may be empty)' }),
    position_id: Type.Optional(
      Type.Union([Type.Null(), WholeLike(0, MAX_INT32, 'Position id')], {
        description: 'Position id: null or 0 (this server keeps no positions; another id is 422)',
        errorMessage: 'must be null or a whole number',
      }),
    ),
    phone_number: PhoneOrNull('Phone of the member: digits, normalised as every phone here'),
    user_email: Type.Optional(
      Type.String({
        maxLength: 254,
        pattern: '^(?:[^\\s@]+@[^\\s@]+)?$',
        description: 'Email of the user account to invite (stored; no invitation is sent)',
        errorMessage: 'must be an email address',
      }),
    ),
    user_phone: PhoneOrNull('Phone of the user account to invite (stored; no invitation is sent)'),
    is_user_invite: Bool('Send an invitation: accepted, but this server sends no email'),
    is_paid_staff: Bool('Paid team member'),
  },
  { $id: 'CreateTeamMemberQuickBody' },
);

export type TeamMemberWire = Static<typeof TeamMemberSchema>;
export type TeamMemberByIdWire = Static<typeof TeamMemberByIdSchema>;
export type TeamMemberInput = Static<typeof UpdateTeamMemberBody>;
export type QuickTeamMemberInput = Static<typeof QuickTeamMemberBody>;
