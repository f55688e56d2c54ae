import type { Executor } from '../../db/database.js';
import { AppError } from '../../errors.js';
import type { AuthContext, LocationScope } from '../../http/access.js';
import { idField } from '../../lib/fields.js';
import { VisitsRepository, type RecordWithRefs, type VisitRow } from '../visits/visits.repository.js';
import { closedVisitError, type VisitsService } from '../visits/visits.service.js';
import { toVisitLoyaltyAnswer } from './visit-loyalty.mapper.js';
import type { VisitLoyaltyAnswerWire, VisitTargetInput } from './visit-loyalty.schemas.js';

/** An open visit, locked, with its appointment: what a loyalty change works on. */
export interface OpenVisit {
  executor: Executor;
  repo: VisitsRepository;
  visit: VisitRow;
  record: RecordWithRefs;
}

/**
 * The frame every loyalty change to a visit runs in (SPEC §6.4, §6.5: V8, V9 and V10 share it),
 * inside the write's transaction:
 * 1. `visit_id` must be a live visit of the location (else 422 naming it: a visit of another
 *    location or chain is answered exactly like a missing one) and `record_id` its appointment
 *    (else 422 naming it); the visit is locked first (VisitsRepository.lockVisit), so concurrent
 *    changes of one visit run one after the other and each reads what the one before committed;
 * 2. a closed visit accepts no loyalty change (422, as every change but a reopen);
 * 3. `change` runs — its refusals (AppError) roll the whole request back — and says whether it
 *    wrote anything (a withdrawal of 0 writes nothing);
 * 4. when it did, the appointment and the visit are marked changed, and the visit engine settles
 *    it: a visit arrived with nothing left to pay closes, and earns, in this same transaction;
 * 5. the answer is the visit as it now stands (items, live money payments, live loyalty rows).
 */
export async function changeOpenVisit(
  executor: Executor,
  auth: AuthContext,
  location: LocationScope,
  target: VisitTargetInput,
  visits: VisitsService,
  change: (open: OpenVisit) => Promise<boolean>,
): Promise<VisitLoyaltyAnswerWire> {
  const recordId = idField(target.record_id, 'record_id');
  const visitId = idField(target.visit_id, 'visit_id');
  const repo = new VisitsRepository(executor);
  // The location first, then the lock: a caller never locks another location's visit.
  const found = await repo.visit(visitId);
  const visit = found?.location_id === location.id ? await repo.lockVisit(visitId) : undefined;
  if (!visit) throw AppError.field('visit_id', 'is not a visit of this location');
  const record = await repo.recordOfVisit(visitId);
  if (!record || record.id !== recordId)
    throw AppError.field('record_id', 'is not the appointment of this visit');
  if (visit.state !== 'open') throw closedVisitError();

  if (await change({ executor, repo, visit, record })) {
    await repo.setVisit(visitId, {});
    await repo.updateRecord(record.id, {});
    await visits.settle(executor, visitId, auth);
  }
  return visitLoyaltyAnswer(repo, record);
}

/** The answer of a `/visit/loyalty/*` write: the visit's items, live payments and live loyalty rows. */
async function visitLoyaltyAnswer(
  repo: VisitsRepository,
  record: RecordWithRefs,
): Promise<VisitLoyaltyAnswerWire> {
  const [lines, payments, loyalty] = await Promise.all([
    repo.linesOf([record.id]),
    repo.payments(record.visit_id),
    repo.liveRows(record.visit_id),
  ]);
  return toVisitLoyaltyAnswer(record, lines, payments, loyalty);
}
