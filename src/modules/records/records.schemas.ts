import { Type, type Static } from '@sinclair/typebox';
import { IdLike, MAX_INT32, Page, PageSize, PathId, PhoneLike, WholeLike } from '../../http/schemas.js';
import { AttendanceLike, ServiceLines } from '../visits/visits.schemas.js';

/** Requests of the appointment operations (SPEC §6.2 V4, V5; altegio-visits.md A.1). */

export const RecordParams = Type.Object({
  location_id: PathId('Location id'),
  record_id: PathId('Appointment (record) id'),
});

const Text = (maxLength: number, description: string) =>
  Type.Optional(Type.String({ maxLength, description, errorMessage: 'must be a string' }));
const Flag = (description: string) =>
  Type.Optional(
    Type.Union([Type.Boolean(), Type.Integer({ minimum: 0, maximum: 1 })], {
      description,
      errorMessage: 'must be true, false, 0 or 1',
    }),
  );
const Hours = (description: string) => Type.Optional(WholeLike(0, 10_000, description));

/**
 * ISO 8601 with an offset (`2024-01-31T10:00:00+03:00`, `…Z`); seconds optional, a space for the
 * `T` accepted. The service checks it is a real date and time.
 */
const DATETIME_PATTERN =
  '^\\s*\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d{1,6})?)?(?:Z|z|[+-]\\d{2}:?\\d{2})\\s*$';

/**
 * The body of create (V4) and replace (V5): a standard appointment, as Altegio requires it. Body
 * fields this server does not know are ignored (Altegio's clients send many).
 */
export const AppointmentBody = Type.Object(
  {
    staff_id: IdLike('A live team member of the location', 501),
    services: ServiceLines('The service lines, at least one'),
    client: Type.Object(
      {
        phone: PhoneLike('The client is found by this phone at the location, or created', '+13155550176'),
        name: Text(255, "The new client's name (an existing client keeps its own)"),
        email: Text(255, "The new client's email (an existing client keeps its own)"),
      },
      { description: 'The client, found by phone at the location or created' },
    ),
    datetime: Type.String({
      pattern: DATETIME_PATTERN,
      description: 'Start, ISO 8601 with an offset',
      examples: ['2024-01-31T10:00:00+03:00'],
      errorMessage: 'must be an ISO 8601 date-time with an offset, e.g. 2024-01-31T10:00:00+03:00',
    }),
    seance_length: WholeLike(0, 86_400, 'Length in seconds (technical break included), at most a day'),
    technical_break_duration: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0, maximum: 3600, multipleOf: 300 }), Type.Null()], {
        description: 'Seconds, 0 to 3600 in steps of 300, or null',
        errorMessage: 'must be 0 to 3600 in steps of 300, or null',
      }),
    ),
    attendance: Type.Optional(AttendanceLike('2 confirmed, 1 arrived, 0 waiting (default), −1 no-show')),
    comment: Text(5000, 'Comment'),
    api_id: Type.Optional(
      Type.Union([Type.String({ maxLength: 255 }), Type.Integer({ minimum: 0 })], {
        description: 'Id in an external system',
        errorMessage: 'must be a string of up to 255 characters',
      }),
    ),
    save_if_busy: Flag('Accepted and kept (this server keeps no schedule)'),
    send_sms: Flag('Accepted and kept (this server sends no messages)'),
    sms_remain_hours: Hours('Hours before the visit for an SMS reminder (kept, not sent)'),
    email_remain_hours: Hours('Hours before the visit for an email reminder (kept, not sent)'),
    custom_color: Text(32, 'Colour'),
    record_labels: Type.Optional(
      Type.Array(Type.Union([Type.String({ maxLength: 64 }), Type.Integer({ minimum: 0 })]), {
        maxItems: 100,
        description: 'Label ids',
        errorMessage: 'must be a list of label ids',
      }),
    ),
    custom_fields: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), { description: 'code: value pairs' }),
    ),
    activity_id: Type.Optional(
      Type.Union([Type.Literal(0), Type.Literal('0'), Type.Null()], {
        description: 'Group events are not supported: 0, null or absent',
        errorMessage: 'must be 0: group events are not supported',
      }),
    ),
  },
  { $id: 'AppointmentBody' },
);

const Day = (description: string) =>
  Type.Optional(
    Type.String({
      pattern: '^\\d{4}-\\d{2}-\\d{2}$',
      description,
      errorMessage: 'must be a date as Y-m-d (e.g. 2024-01-31)',
    }),
  );
const Instant = (description: string) =>
  Type.Optional(
    Type.String({
      maxLength: 40,
      pattern:
        '^\\d{4}-\\d{2}-\\d{2}(?:[T ]\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d{1,6})?)?(?:Z|z|[+-]\\d{2}:?\\d{2})?)?$',
      description,
      errorMessage: 'must be an ISO 8601 date-time, e.g. 2024-01-31T10:00:00+03:00',
    }),
  );
const Id = (description: string) =>
  Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_INT32, description }));

export const AppointmentListQuery = Type.Object({
  page: Page(),
  count: PageSize(1000, 300),
  staff_id: Id('Only appointments with this team member'),
  client_id: Id('Only appointments of this client'),
  created_user_id: Id('Only appointments created by this user'),
  start_date: Day("From this day (the appointment's own day), included"),
  end_date: Day("To this day (the appointment's own day), included"),
  c_start_date: Day('Created from this day (UTC), included'),
  c_end_date: Day('Created up to this day (UTC), included'),
  changed_after: Instant('Created or changed at or after this instant (UTC when no offset is given)'),
  changed_before: Instant('Created or changed at or before this instant (UTC when no offset is given)'),
  with_deleted: Type.Optional(Type.Integer({ minimum: 0, maximum: 1, description: '1: deleted ones too' })),
});

export type AppointmentInput = Static<typeof AppointmentBody>;
export type AppointmentListInput = Static<typeof AppointmentListQuery>;
