import type { StaffRow } from './staff.repository.js';
import type { TeamMemberByIdWire, TeamMemberWire } from './staff.schemas.js';

/** The one place team member rows become wire objects. */

/** No position catalogue here: Altegio's "no position" is an empty array. */
const NO_POSITION: [] = [];

export function toTeamMemberWire(row: StaffRow): TeamMemberWire {
  return {
    id: row.id,
    api_id: row.api_id === '' ? null : row.api_id,
    name: row.name,
    specialization: row.specialization,
    information: row.information,
    company_id: row.location_id,
    position_id: row.position_id ?? 0,
    position: NO_POSITION,
    user_id: row.user_id,
    avatar: row.avatar,
    avatar_big: row.avatar_big,
    image_group: [],
    fired: row.fired,
    hidden: row.hidden,
    status: 0,
    bookable: row.fired === 0 && row.hidden === 0 && row.has_access_timetable === 1,
    has_access_timetable: row.has_access_timetable === 1,
    is_paid_staff: row.is_paid_staff === 1,
    is_included_in_payment_policy: row.is_included_in_payment_policy === 1,
    weight: row.weight,
    rating: 0,
    votes_count: 0,
    comments_count: 0,
    show_rating: 0,
  };
}

/**
 * `get_team_member_by_id`: the same member without the location, position id and booking fields,
 * and with `fired`, `hidden`, `status` and `weight` as strings (each keeps its place).
 */
export function toTeamMemberByIdWire(row: StaffRow): TeamMemberByIdWire {
  const {
    company_id: _location,
    position_id: _position,
    bookable: _bookable,
    has_access_timetable: _timetable,
    is_paid_staff: _paid,
    is_included_in_payment_policy: _policy,
    ...member
  } = toTeamMemberWire(row);
  return {
    ...member,
    fired: String(row.fired),
    hidden: String(row.hidden),
    status: '0',
    weight: String(row.weight),
  };
}
