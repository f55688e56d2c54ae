import { Type, type Static } from '@sinclair/typebox';
import { IdLike, MoneyLike, PathId } from '../../http/schemas.js';
import {
  PaymentTransactionSchema,
  VisitDetailsSchema,
  VisitItemSchema,
  VisitLoyaltyTransactionSchema,
} from '../visits/visits.schemas.js';

/**
 * Wire objects of the loyalty operations inside a visit (SPEC §6.2 V8–V10, altegio-visits.md A.3),
 * in Altegio's names.
 */

/**
 * Altegio's answer to every `/visit/loyalty/*` write (VLA/VLC): the visit as it stands after the
 * change, raw (no envelope), in the order Altegio's examples show its keys.
 */
export const VisitLoyaltyAnswerSchema = Type.Object(
  {
    payment_transactions: Type.Array(PaymentTransactionSchema, {
      description: "The visit's live money payments",
    }),
    loyalty_transactions: Type.Array(VisitLoyaltyTransactionSchema, {
      description:
        "The visit's live loyalty transactions after the change, of every card and type (a cancelled " +
        'one and its compensation are left out)',
    }),
    kkm_transaction_details_container: VisitDetailsSchema.properties.kkm_transaction_details_container,
    items: Type.Array(VisitItemSchema, {
      description: "The visit's items, one per service line, as the appointment has them",
    }),
  },
  { $id: 'VisitLoyaltyAnswer', title: 'VisitLoyaltyAnswer' },
);

/** The visit a loyalty operation acts on: the appointment and its visit (Altegio requires both). */
export const VisitTargetFields = {
  record_id: IdLike('Appointment (record) id: the appointment of `visit_id`', 1),
  visit_id: IdLike('Visit id: an open visit of the location', 1),
};

export const VisitTargetBody = Type.Object(VisitTargetFields, { $id: 'VisitLoyaltyTarget' });

export const CardWithdrawalBody = Type.Object(
  {
    amount: MoneyLike(
      'The amount to pay from the card balance (at most 2 decimals, not negative); capped at the card ' +
        'balance and at the amount due; 0 writes nothing',
      { nonNegative: true },
    ),
    ...VisitTargetFields,
  },
  { $id: 'CardWithdrawalBody' },
);

export const CardParams = Type.Object({
  location_id: PathId('Location id'),
  card_id: PathId('Loyalty card id: a card of the visit client, in the location chain'),
});

export const CardProgramParams = Type.Object({
  location_id: PathId('Location id'),
  card_id: PathId('Loyalty card id: a card of the visit client, in the location chain'),
  program_id: PathId('Discount program (promotion) id, linked to the card type'),
});

export type VisitLoyaltyAnswerWire = Static<typeof VisitLoyaltyAnswerSchema>;
export type VisitTargetInput = Static<typeof VisitTargetBody>;
export type CardWithdrawalInput = Static<typeof CardWithdrawalBody>;
