import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { mount, route } from '../../http/route.js';
import { PathId } from '../../http/schemas.js';
import type { WriteRunner } from '../../http/write.js';
import { ApplyReferralBody } from './referral.schemas.js';
import type { VisitReferralService } from './referral.service.js';
import { VISIT_LOYALTY_WRITE } from './visit-loyalty.routes.js';

/** SPEC §6.2 V10, §6.5. */
export const visitReferralRoutes: FastifyPluginAsync<{
  visitReferrals: VisitReferralService;
  writes: WriteRunner;
}> = async (app, { visitReferrals, writes }) => {
  mount(app, writes, [
    route({
      method: 'POST',
      url: '/visit/loyalty/apply_referral_program/:location_id/:chain_id',
      operationId: 'apply_referral_program',
      summary: 'Apply Referral Program During a Visit',
      description:
        "Applies the chain's referral program (our extension `/chain/{chain_id}/loyalty/referral_program`) " +
        "to an open visit of a client brought by a referrer. The invited client's discount is written at " +
        'once: one type-1 loyalty transaction per service item with `card_id` 0 (no card), `is_discount` ' +
        "true and the referral program's id as `program_id`: a percent program gives that percent of each " +
        "item's cost (half-up to cents, item by item); a fixed one its amount split over the items in " +
        "proportion to their cost (each part but the costliest item's rounded half-up, the costliest takes " +
        'the rest; the first of equally costly items). A discount of 0 writes no transaction. It lowers the ' +
        "amount due like any discount; more than the amount due is 422, nothing written. The referrer's card " +
        "earns when the visit closes: a type-4 accrual (`item_id` 0, `item_type_id` 0) of the program's " +
        "referrer percent of the visit's money paid (card withdrawals and discounts are not paid), or its " +
        'fixed amount, as the program was when applied; reopening the visit compensates it (422 when the ' +
        "referrer has spent it), closing again earns again. The answer is the visit's loyalty state, raw (no " +
        'envelope): its live money payments, all its live loyalty transactions, the fiscal block (empty) and ' +
        'its items; like every visit change it closes an arrived visit left with nothing due.\n\n' +
        "Refusals, each changing nothing: `chain_id` not the location's chain, or a chain without a live " +
        'referral program: 404. `visit_id` not a live visit of the location: 422 naming it; `record_id` not ' +
        "the visit's appointment: 422 naming it; a closed visit: 422. The referrer is the live loyalty card " +
        'of the chain held by `referrer_phone` (with several, the one with the lowest id); none: 422 naming ' +
        "`referrer_phone`, as is the visit client's own phone. Only the client's first visit at the " +
        'location: 422 naming `visit_id` when another live visit there of the same phone is closed, or has ' +
        'had the referral program applied (a client is invited once per location; booked, waiting, ' +
        'no-show, deleted and reopened visits do not count; checked when it is applied). Once per visit: a ' +
        'second apply is 422 naming `visit_id` (there is no cancel).',
      ...VISIT_LOYALTY_WRITE,
      params: Type.Object({ location_id: PathId('Location id'), chain_id: PathId('Chain id') }),
      body: ApplyReferralBody,
      handler: ({ auth, scope, params, body }, trx) =>
        visitReferrals.apply(trx, auth, scope.location, params.chain_id, body),
    }),
  ]);
};
