import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { AT_LOCATION, mount, route } from '../../http/route.js';
import { LocationParams, PathId } from '../../http/schemas.js';
import type { WriteRunner } from '../../http/write.js';
import {
  CreateTeamMemberBody,
  QuickTeamMemberBody,
  TeamMemberByIdSchema,
  TeamMemberSchema,
  UpdateTeamMemberBody,
} from './staff.schemas.js';
import type { StaffService } from './staff.service.js';

const TAG = 'Team Members';
const StaffParams = Type.Object({ location_id: PathId('Location id'), staff_id: PathId('Team member id') });
const MEMBER = { status: 200, envelope: 'single', schema: TeamMemberSchema } as const;
const NOT_HERE = 'A team member of another location, or a deleted one, is 404 (as if it did not exist).';
const SHAPE =
  '`position` is `[]` (Altegio documents `{id, title}` or an empty array; this server keeps no positions), ' +
  '`avatar`/`avatar_big` are empty and `image_group` `[]` (no images), ratings are 0; `prepaid`, ' +
  '`schedule_till` and `user` are not served (no online prepayment, schedules or user objects here).';
const BODY =
  'Only the fields sent are set; unknown fields are ignored. `user_id` must be a user granted this location ' +
  '(0 unlinks; another id is 422); `fired` and `hidden` are 0 or 1; `has_access_timetable` defaults to true.';

/** SPEC §6.2 V2 (altegio-services-staff.md §2). */
export const staffRoutes: FastifyPluginAsync<{ staff: StaffService; writes: WriteRunner }> = async (
  app,
  { staff, writes },
) => {
  mount(app, writes, [
    route({
      method: 'GET',
      url: '/staff/:location_id',
      operationId: 'get_team_member_list',
      summary: 'Get a list of team members',
      description: `The location's team members (deleted ones left out), in id order. ${SHAPE}`,
      tag: TAG,
      ...AT_LOCATION,
      params: LocationParams,
      answer: { status: 200, envelope: 'list', schema: TeamMemberSchema },
      handler: ({ scope }) => staff.list(scope.location.id),
    }),

    route({
      method: 'GET',
      url: '/company/:location_id/staff/:staff_id',
      operationId: 'get_team_member',
      summary: 'Get a team member',
      description: `One team member, as an object. ${NOT_HERE} ${SHAPE}`,
      tag: TAG,
      ...AT_LOCATION,
      params: StaffParams,
      answer: MEMBER,
      handler: ({ scope, params }) => staff.get(scope.location.id, params.staff_id),
    }),

    route({
      method: 'GET',
      url: '/staff/:location_id/:staff_id',
      operationId: 'get_team_member_by_id',
      summary: 'Get a team member (as a list)',
      description:
        'The same team member as `get_team_member`, as Altegio documents this older operation: `data` is an ' +
        'array of one, and `fired`, `hidden`, `status` and `weight` are strings ("0", "1"). ' +
        `${NOT_HERE} ${SHAPE}`,
      tag: TAG,
      ...AT_LOCATION,
      params: StaffParams,
      answer: { status: 200, envelope: 'list', schema: TeamMemberByIdSchema },
      handler: ({ scope, params }) => staff.getAsList(scope.location.id, params.staff_id),
    }),

    route({
      method: 'POST',
      url: '/company/:location_id/staff/quick',
      operationId: 'create_team_member_quick',
      summary: 'Quickly create a team member',
      description:
        'Answers 201 with the team member (the `get_team_member` object). Decision: Altegio lists seven ' +
        'required fields; here only `name` (not blank) and `specialization` (may be empty) are required. ' +
        '`position_id` may be null or 0 (no position catalogue here; another id is 422). `phone_number` and ' +
        '`user_phone` are normalised as every phone here (digits, 7–15; null or "" for none) and stored, ' +
        '`user_email` must look like an email; no user is invited and no email is sent (`is_user_invite` is ' +
        'accepted and ignored). Unknown fields are ignored.',
      tag: TAG,
      ...AT_LOCATION,
      params: LocationParams,
      body: QuickTeamMemberBody,
      answer: { ...MEMBER, status: 201 },
      handler: ({ scope, body }, trx) => staff.createQuick(trx, scope.location.id, body),
    }),

    route({
      method: 'POST',
      url: '/staff/:location_id',
      operationId: 'deprecated_create_team_member',
      summary: 'Create a team member',
      description: `Answers 201 with the team member. \`name\` is required (Altegio's body has no required list). ${BODY}`,
      tag: TAG,
      ...AT_LOCATION,
      params: LocationParams,
      body: CreateTeamMemberBody,
      answer: { ...MEMBER, status: 201 },
      handler: ({ scope, body }, trx) => staff.create(trx, scope.location.id, body),
    }),

    route({
      method: 'PUT',
      url: '/staff/:location_id/:staff_id',
      operationId: 'update_team_member',
      summary: 'Update a team member',
      description: `Answers 200 with the team member. Decision: a partial update, as the body has no required field in Altegio's description. ${BODY} ${NOT_HERE}`,
      tag: TAG,
      ...AT_LOCATION,
      params: StaffParams,
      body: UpdateTeamMemberBody,
      answer: MEMBER,
      handler: ({ scope, params, body }, trx) =>
        staff.update(trx, scope.location.id, params.staff_id, body ?? {}),
    }),

    route({
      method: 'DELETE',
      url: '/staff/:location_id/:staff_id',
      operationId: 'delete_team_member',
      summary: 'Delete a team member',
      description:
        'Answers 204 with no content. A soft delete: the member leaves every list and every service `staff` ' +
        'list, cannot be booked, and is 404 from then on; appointments that name it keep it. ' +
        NOT_HERE,
      tag: TAG,
      ...AT_LOCATION,
      params: StaffParams,
      answer: { status: 204 },
      handler: ({ scope, params }, trx) => staff.remove(trx, scope.location.id, params.staff_id),
    }),
  ]);
};
