import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { AT_LOCATION, mount, route } from '../../http/route.js';
import { PathId } from '../../http/schemas.js';
import type { WriteRunner } from '../../http/write.js';
import {
  UpdateVisitBody,
  VisitDetailsSchema,
  VisitLoyaltyTransactionWithProgramSchema,
  VisitSchema,
} from './visits.schemas.js';
import type { VisitAccess, VisitsService } from './visits.service.js';

const TAG = 'Visits';
const VisitParams = Type.Object({ visit_id: PathId('Visit id') });
/** A visit is reached through its location: unreachable is answered like missing (404), never 403. */
const ONLY_404 = [404] as const;
const REACH =
  "The visit's location must be one the partner is connected to and the user is granted; any other " +
  'visit is answered 404, exactly like one that does not exist.';

/** SPEC §6.2 V6, V7, V11. */
export const visitsRoutes: FastifyPluginAsync<{
  visits: VisitsService;
  access: VisitAccess;
  writes: WriteRunner;
}> = async (app, { visits, access, writes }) => {
  mount(app, writes, [
    route({
      method: 'GET',
      url: '/visits/:visit_id',
      operationId: 'get_visit',
      summary: 'Get Visit',
      description:
        'The visit `{attendance, datetime, comment, records}` (its one appointment), with the extension ' +
        'fields `id`, `state` (`open`, or `closed` once it has earned), `amount_due`, `paid_amount` and ' +
        '`sold_amount` of this visit. `comment` is the visit comment update_visit sets (a string). ' +
        REACH,
      tag: TAG,
      auth: 'partnerUser',
      refusals: ONLY_404,
      params: VisitParams,
      answer: { status: 200, envelope: 'single', schema: VisitSchema },
      handler: ({ auth, params }) => visits.visit(auth, params.visit_id, access),
    }),

    route({
      method: 'GET',
      url: '/visit/details/:location_id/:record_id/:visit_id',
      operationId: 'get_visit_details',
      summary: 'Get Visit Details',
      description:
        'The visit items (one per service line, as the appointment has them: loyalty discounts are ' +
        'loyalty transactions, not item changes), its live money payments, its live loyalty ' +
        'transactions, and an empty fiscal block (no fiscal printer here). The appointment and the ' +
        "visit must be the location's and each other's, else 404.",
      tag: TAG,
      ...AT_LOCATION,
      params: Type.Object({
        location_id: PathId('Location id'),
        record_id: PathId('Appointment (record) id'),
        visit_id: PathId('Visit id'),
      }),
      answer: { status: 200, envelope: 'single', schema: VisitDetailsSchema },
      handler: ({ scope, params }) => visits.details(scope.location, params.record_id, params.visit_id),
    }),

    route({
      method: 'PUT',
      url: '/visits/:visit_id/:record_id',
      operationId: 'update_visit',
      summary: 'Update Visit',
      description:
        'Pays, changes attendance, closes and reopens (SPEC §6.3). Applied in this order: ' +
        '`deleted_transaction_ids` (money payments of this visit, else 422), `services` (the lines, ' +
        'replacing the current ones, validated as on create; `[]` or absent leaves them; refused while ' +
        'the visit has live loyalty transactions, or when it would cost less than already paid), ' +
        '`new_transactions` (each into a live account of the location, else 422; their `id` is ignored), ' +
        '`fast_payment` (1 or 129: the whole amount due into the default cash account, 2 or 130: the ' +
        'default non-cash account; nothing when nothing is due), then `attendance` and `comment`. Paying ' +
        'more than the amount due is 422 and writes nothing. `goods_transactions` must be empty (goods ' +
        'are a later wave).\n\n' +
        '**Close**: a request that leaves the visit arrived (attendance 1) with amount due 0 closes it, ' +
        "once, and closing earns: for each live card of the client's phone in the chain, visits_count + 1, " +
        'sold_amount + Σ first_cost, paid_amount + Σ money payments (card withdrawals and discounts are ' +
        'not "paid"), and for each cashback program (types 5–12) of the card type active at the location ' +
        'a type-2 accrual (percent programs half-up to cents; cumulative rules read the card figures ' +
        'before this visit); when the referral program was applied to the visit (apply_referral_program), ' +
        "the referrer's type-4 accrual too.\n\n" +
        '**Closed**: a closed visit changes only by setting attendance away from 1 (with any comment): ' +
        "that reopens it, appending compensating rows for its accruals (the referrer's too) and taking " +
        'its counters back, ' +
        'refused with 422 naming the card when the card has already spent the cashback (nothing ' +
        'changes). Closing again earns again. Any other change to a closed visit is 422; a request that ' +
        'changes nothing (attendance 1, the same comment, no payments) answers the visit unchanged. ' +
        'Concurrent requests on one visit run one after the other: a visit earns once. The record must be ' +
        "the visit's (else 404). " +
        REACH,
      tag: TAG,
      auth: 'partnerUser',
      refusals: ONLY_404,
      params: Type.Object({ visit_id: PathId('Visit id'), record_id: PathId('Appointment (record) id') }),
      body: UpdateVisitBody,
      answer: { status: 200, envelope: 'single', schema: VisitSchema },
      handler: ({ auth, params, body }, trx) =>
        visits.update(trx, auth, params.visit_id, params.record_id, body, access),
    }),

    route({
      method: 'GET',
      url: '/visit/loyalty/transactions/:visit_id',
      operationId: 'get_loyalty_transactions_by_visit',
      summary: 'Get loyalty transactions by visit',
      description:
        "The visit's live loyalty transactions (a compensated one and its compensation are left out), " +
        'each with the `program` that made it (null for none, e.g. a card withdrawal). A referral ' +
        "program's rows show it as it is now, with the part the row comes from: the invited client's " +
        'discount as `loyalty_type_id` 1, the referrer accrual as 6 (`item_type_id` 0). The answer is the ' +
        'array itself, with no envelope, as Altegio documents it; errors keep the envelope. ' +
        REACH,
      tag: 'Loyalty Programs',
      auth: 'partnerUser',
      refusals: ONLY_404,
      params: VisitParams,
      answer: { status: 200, envelope: 'raw', schema: Type.Array(VisitLoyaltyTransactionWithProgramSchema) },
      handler: ({ auth, params }) => visits.loyaltyTransactions(auth, params.visit_id, access),
    }),
  ]);
};
