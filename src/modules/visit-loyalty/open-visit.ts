import type { Executor } from '../../db/database.js';
import { AppError } from '../../errors.js';
import type { AuthContext, LocationScope } from '../../http/access.js';
import { IdLike } from '../../http/schemas.js';
import { idField } from '../../lib/fields.js';
import { VisitsRepository, type RecordWithRefs, type VisitRow } from '../visits/visits.repository.js';
import { closedVisitError, type VisitsService } from '../visits/visits.service.js';
import { visitLoyaltyAnswer, type VisitLoyaltyApplicationWire } from './loyalty-answer.js';

/**
 * The frame every loyalty change to an open visit runs in (SPEC §6.4, §6.5: V8–V10), shared by
 * those operations: find and lock the visit the body names, check it, let the operation change
 * it, then settle it (a visit arrived with nothing due closes, and earns) and answer the visit's
 * loyalty state (VLA). It runs inside the write's transaction: a refusal anywhere rolls back
 * everything the operation wrote.
 */

/** The body fields every `/visit/loyalty/*` write has (Altegio requires both). */
export const VisitTargetFields = {
  record_id: IdLike("The visit's appointment (record) id: it must be the visit's", 140967944),
  visit_id: IdLike('The visit id: a visit of the location in the path', 118389447),
};

/** The visit being changed, locked, open, with its appointment. */
export interface OpenVisit {
  visit: VisitRow;
  record: RecordWithRefs;
}

/**
 * `visit_id` must be a live visit of the location (422 naming it otherwise: another location's
 * visit is refused exactly like a missing one), `record_id` its appointment (422 naming it), and
 * the visit open (422). The visit is locked before `change` runs (VisitsRepository.lockVisit), so
 * concurrent changes of one visit run one after the other and each sees the one before it.
 */
export async function changeOpenVisit(
  executor: Executor,
  auth: AuthContext,
  location: LocationScope,
  target: { record_id: unknown; visit_id: unknown },
  visits: VisitsService,
  change: (open: OpenVisit) => Promise<void>,
): Promise<VisitLoyaltyApplicationWire> {
  const visitId = idField(target.visit_id, 'visit_id');
  const recordId = idField(target.record_id, 'record_id');
  const repo = new VisitsRepository(executor);
  // The location first, then the lock: a caller never locks another location's visit.
  const found = await repo.visit(visitId);
  const visit = found && found.location_id === location.id ? await repo.lockVisit(visitId) : undefined;
  if (!visit) throw AppError.field('visit_id', 'is not a visit of this location');
  const record = await repo.recordOfVisit(visitId);
  if (!record || record.id !== recordId) throw AppError.field('record_id', "is not this visit's appointment");
  if (visit.state === 'closed') throw closedVisitError();

  await change({ visit, record });
  // The appointment changed with its visit (its payment status may have): the list's
  // changed_after filter sees it.
  await repo.updateRecord(record.id, {});
  await visits.settle(executor, visitId, auth);
  return visitLoyaltyAnswer(executor, visitId);
}
