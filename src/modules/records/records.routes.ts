import type { FastifyPluginAsync } from 'fastify';
import { AT_LOCATION, mount, route } from '../../http/route.js';
import { LocationParams } from '../../http/schemas.js';
import type { WriteRunner } from '../../http/write.js';
import { AppointmentSchema } from '../visits/visits.schemas.js';
import { AppointmentBody, AppointmentListQuery, RecordParams } from './records.schemas.js';
import type { RecordsService } from './records.service.js';

const TAG = 'Appointments';
const APPOINTMENT = { status: 201, envelope: 'single', schema: AppointmentSchema } as const;

const BODY_RULES =
  '`staff_id` must be a live team member of the location and every `services[].id` a live service of ' +
  'it (else 422 naming the field); at least one service line. Per line `amount` is the quantity ' +
  '(default 1); a missing `first_cost` is the service price_min × amount, a missing `discount` 0, a ' +
  'missing `cost` first_cost × (1 − discount/100) rounded half-up to cents, and a `cost` that is given ' +
  "must equal that (else 422). `first_cost` and `cost` are the line's totals. The client is found by " +
  '`client.phone` at the location, or created with the name and email given. `datetime` is ISO 8601 ' +
  'with an offset; the appointment day used by the list filters is its day in that offset. Group ' +
  'events (`activity_id` 1 or more) are not supported (422). Unknown body fields are ignored. ' +
  'An appointment arrived (`attendance` 1) with nothing due — a free one — closes its visit at once, ' +
  'and the close earns as update_visit describes.';

/** SPEC §6.2 V4, V5: a location's appointments (Altegio `record`), each its own visit. */
export const recordsRoutes: FastifyPluginAsync<{ records: RecordsService; writes: WriteRunner }> = async (
  app,
  { records, writes },
) => {
  mount(app, writes, [
    route({
      method: 'POST',
      url: '/records/:location_id',
      operationId: 'create_appointment',
      summary: 'Create an appointment',
      description:
        'Answers 201 with the appointment object (Decision: one object, as YCLIENTS shows, not an ' +
        'array). It carries `visit_id` (one appointment, one visit) and the visit document in ' +
        '`documents[]`. ' +
        BODY_RULES,
      tag: TAG,
      ...AT_LOCATION,
      params: LocationParams,
      body: AppointmentBody,
      answer: APPOINTMENT,
      handler: ({ auth, scope, body }, trx) => records.create(trx, auth, scope.location, body),
    }),

    route({
      method: 'GET',
      url: '/records/:location_id',
      operationId: 'get_appointment_list',
      summary: 'Get a list of appointments',
      description:
        "The location's appointments, by start time, then id. `start_date`/`end_date` compare the " +
        "appointment's own day (in the offset its datetime was given with); `c_start_date`/`c_end_date` " +
        'the UTC day it was created; `changed_after`/`changed_before` the instant it was created or last ' +
        'changed (paying or closing its visit changes it too). Paged with `page` (from 1) and `count` ' +
        '(1 to 1000, default 300); `meta.count` is the number of matching appointments before paging. ' +
        'Deleted appointments are left out unless `with_deleted=1`.',
      tag: TAG,
      ...AT_LOCATION,
      params: LocationParams,
      querystring: AppointmentListQuery,
      answer: { status: 200, envelope: 'list', schema: AppointmentSchema },
      handler: ({ scope, query }) => records.list(scope.location, query),
    }),

    route({
      method: 'GET',
      url: '/record/:location_id/:record_id',
      operationId: 'get_appointment',
      summary: 'Get an appointment',
      description: 'An appointment of another location, a deleted one and a missing one are all 404.',
      tag: TAG,
      ...AT_LOCATION,
      params: RecordParams,
      answer: { status: 200, envelope: 'single', schema: AppointmentSchema },
      handler: ({ scope, params }) => records.get(scope.location, params.record_id),
    }),

    route({
      method: 'PUT',
      url: '/record/:location_id/:record_id',
      operationId: 'update_appointment',
      summary: 'Update an appointment',
      description:
        'A full replace, answered 201 with the appointment, as Altegio does: `staff_id`, `services`, ' +
        '`client`, `datetime` and `seance_length` are required (else 422); optional fields not sent ' +
        'keep their values. Refused with 422 once the visit is closed (reopen it with update_visit ' +
        'first), when the services or the client would change while the visit has live loyalty ' +
        'transactions (cancel them first), when the client would change once the referral program was ' +
        'applied to the visit, and when the new cost would be below what the visit has already been paid. ' +
        BODY_RULES,
      tag: TAG,
      ...AT_LOCATION,
      params: RecordParams,
      body: AppointmentBody,
      answer: APPOINTMENT,
      handler: ({ auth, scope, params, body }, trx) =>
        records.replace(trx, auth, scope.location, params.record_id, body),
    }),

    route({
      method: 'DELETE',
      url: '/record/:location_id/:record_id',
      operationId: 'delete_appointment',
      summary: 'Delete an appointment',
      description:
        'Answers 204. The appointment and its visit leave every list (`with_deleted=1` lists it again, ' +
        'with `deleted: true`). Refused with 422 when its visit is closed, or has money payments or ' +
        'live loyalty transactions.',
      tag: TAG,
      ...AT_LOCATION,
      params: RecordParams,
      answer: { status: 204 },
      handler: ({ scope, params }, trx) => records.remove(trx, scope.location, params.record_id),
    }),
  ]);
};
