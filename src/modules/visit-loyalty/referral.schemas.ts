import { Type, type Static } from '@sinclair/typebox';
import { PhoneLike } from '../../http/schemas.js';
import { VisitTargetFields } from './visit-loyalty.schemas.js';

/** V10 `apply_referral_program` (SPEC §6.2, §6.5; altegio-visits.md A.3). */
export const ApplyReferralBody = Type.Object(
  {
    ...VisitTargetFields,
    referrer_phone: PhoneLike(
      "The referrer's phone (a number or a string, as Altegio's docs send it): it must hold a live " +
        "loyalty card of the chain, and may not be the visit client's own",
      70001234567,
    ),
  },
  { $id: 'ApplyReferralProgramBody' },
);

export type ApplyReferralInput = Static<typeof ApplyReferralBody>;
