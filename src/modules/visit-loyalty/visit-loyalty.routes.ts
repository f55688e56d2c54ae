import type { FastifyPluginAsync } from 'fastify';
import { AT_LOCATION, mount, route } from '../../http/route.js';
import type { WriteRunner } from '../../http/write.js';
import {
  CardParams,
  CardProgramParams,
  CardWithdrawalBody,
  VisitLoyaltyAnswerSchema,
  VisitTargetBody,
} from './visit-loyalty.schemas.js';
import type { VisitLoyaltyService } from './visit-loyalty.service.js';

/**
 * What every `/visit/loyalty/*` write declares alike: its tag, PartnerUser at the location of the
 * path, and the raw visit answer (SPEC §6.2 V8–V10).
 */
export const VISIT_LOYALTY_WRITE = {
  tag: 'Loyalty Programs',
  ...AT_LOCATION,
  answer: { status: 200, envelope: 'raw', schema: VisitLoyaltyAnswerSchema },
} as const;

/** What every `/visit/loyalty/*` write shares (SPEC §6.4), said once in each description. */
const VISIT_RULES =
  '`visit_id` must be a visit of the location (else 422 naming it; a visit of another location or ' +
  'chain is answered exactly like a missing one) and `record_id` its appointment (else 422 naming ' +
  'it). Only an open visit accepts loyalty changes: a closed one is 422 (reopen it with update_visit ' +
  'first). After the change the visit settles as update_visit describes: arrived (attendance 1) with ' +
  'nothing left to pay, it closes and earns — cashback on the money paid only. The answer is the ' +
  'visit as it now stands — its items, live money payments, all its live loyalty transactions ' +
  '(of every card and type) and an empty fiscal block — raw, with no envelope, as Altegio documents ' +
  'it; errors keep the envelope. Concurrent changes of one visit run one after the other; with an ' +
  '`Idempotency-Key` a retry replays the first answer and changes nothing more.';

const CARD_RULES =
  'The card must be a live card of the location chain (else 404, like a missing one) held by the ' +
  "visit client's phone (else 422 naming `card_id`).";

/** SPEC §6.2 V8, V9: a discount program and paying from the card, inside an open visit. */
export const visitLoyaltyRoutes: FastifyPluginAsync<{
  visitLoyalty: VisitLoyaltyService;
  writes: WriteRunner;
}> = async (app, { visitLoyalty, writes }) => {
  mount(app, writes, [
    route({
      method: 'POST',
      url: '/visit/loyalty/apply_discount_program/:location_id/:card_id/:program_id',
      operationId: 'apply_discount_promotion',
      summary: 'Apply a discount promotion in a visit',
      description:
        "Applies the discount the card has reached now under the program to the visit's service items: " +
        'one type-1 loyalty transaction per item (`is_discount: true`, `item_type_id` 1, `item_id` the ' +
        'service id, with the program and the card). A percent program gives each item that percent of ' +
        'its cost, rounded half-up to cents; a fixed one splits its amount over the items in proportion ' +
        "to their cost (each item's part but the costliest's rounded half-up, the costliest — the first " +
        'by position on a tie — takes the rest). Static programs (type 1) give their value; cumulative ' +
        '(types 2–4) the highest rule the card has reached by its visits, sold or paid amount (whole ' +
        'currency units) now. The items themselves do not change, and the card balance does not move. ' +
        CARD_RULES +
        ' The program must be a discount program (types 1–4; a cashback program, or the package ' +
        'discount type 13, is 422) of the chain (else 404), linked to the card type and active at the ' +
        'location (else 422), and the card must have reached one of its rules (else 422). A visit takes ' +
        'one discount program: a second, or the same again, is 422 naming the one applied (cancel it ' +
        'first). A discount above the amount due is 422 (SPEC §6.3: it may not take the visit below 0), ' +
        'not cut. An item whose discount comes to 0 (a free one) gets no row. The program item ' +
        'restrictions (`item_type_id`) are not applied: every service item counts. ' +
        VISIT_RULES,
      ...VISIT_LOYALTY_WRITE,
      params: CardProgramParams,
      body: VisitTargetBody,
      handler: ({ auth, scope, params, body }, trx) =>
        visitLoyalty.applyDiscount(trx, auth, scope.location, params.card_id, params.program_id, body),
    }),

    route({
      method: 'POST',
      url: '/visit/loyalty/cancel_discount_program/:location_id/:card_id/:program_id',
      operationId: 'cancel_discount_promotion',
      summary: 'Cancel a discount promotion in a visit',
      description:
        'Cancels the discount this card and program gave the visit: each of its live rows gets a ' +
        'compensating row (same type and item, amounts negated, `status_id` 2, `cancels_id` naming it; ' +
        'SPEC §6.6) — nothing is edited or deleted, and the card history shows both. The amount due ' +
        'goes back up. The card and the program must be the chain’s (else 404), even if removed or ' +
        'deleted since; a visit with no live discount of them is 422 naming `program_id`. ' +
        VISIT_RULES,
      ...VISIT_LOYALTY_WRITE,
      params: CardProgramParams,
      body: VisitTargetBody,
      handler: ({ auth, scope, params, body }, trx) =>
        visitLoyalty.cancelDiscount(trx, auth, scope.location, params.card_id, params.program_id, body),
    }),

    route({
      method: 'POST',
      url: '/visit/loyalty/apply_card_withdrawal/:location_id/:card_id',
      operationId: 'apply_loyalty_card_deduction',
      summary: 'Pay part of a visit from the loyalty card balance',
      description:
        '`amount` (at most 2 decimals, not negative, else 422) is capped at the card balance and at the ' +
        "visit's amount due; what is left is split over the items in proportion to their cost (each " +
        "item's part but the costliest's rounded half-up to cents, the costliest — the first by position " +
        'on a tie — takes the rest, so the parts add up exactly: 50 over items of 1500 and 4000 is 13.64 ' +
        'and 36.36): one type-3 loyalty transaction per item (`is_loyalty_withdraw: true`, `program_id` ' +
        '0), each lowering the balance through the same guarded update as a manual transaction — the ' +
        'balance never goes below 0, and withdrawals from one card in several visits at once, in any ' +
        'number of server processes, never lose an update. `amount` 0, or nothing left after the caps ' +
        '(an empty card, nothing due), writes nothing and answers the visit as it is. A withdrawal is ' +
        'not "paid": the close counts only money payments into the card paid_amount and the cashback ' +
        'base. Several withdrawals in one visit add up. ' +
        CARD_RULES +
        ' ' +
        VISIT_RULES,
      ...VISIT_LOYALTY_WRITE,
      params: CardParams,
      body: CardWithdrawalBody,
      handler: ({ auth, scope, params, body }, trx) =>
        visitLoyalty.applyWithdrawal(trx, auth, scope.location, params.card_id, body),
    }),

    route({
      method: 'POST',
      url: '/visit/loyalty/cancel_card_withdrawal/:location_id/:card_id',
      operationId: 'cancel_loyalty_card_withdrawal',
      summary: 'Cancel the loyalty card withdrawal in a visit',
      description:
        'Cancels every live withdrawal of this card in the visit: each row gets a compensating row (same ' +
        'type and item, amounts negated, `status_id` 2, `cancels_id` naming it; SPEC §6.6) that gives ' +
        'the amount back to the card balance (a card removed since gets it back too, so its balance ' +
        'stays the sum of its rows). The amount due goes back up. The card must be the chain’s (else ' +
        '404); a visit with no live withdrawal of it is 422 naming `card_id`. ' +
        VISIT_RULES,
      ...VISIT_LOYALTY_WRITE,
      params: CardParams,
      body: VisitTargetBody,
      handler: ({ auth, scope, params, body }, trx) =>
        visitLoyalty.cancelWithdrawal(trx, auth, scope.location, params.card_id, body),
    }),
  ]);
};
