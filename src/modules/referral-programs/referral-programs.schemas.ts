import { Type, type Static } from '@sinclair/typebox';
import { MoneyLike, NonBlankText, WholeLike } from '../../http/schemas.js';

/**
 * The chain's referral program (SPEC §6.5; an extension: Altegio models a referral as two chain
 * promotions, this server as one resource per chain with two parts).
 */

const UNIT = '1 percent, 2 fixed amount (currency units)';

/** `value_unit_id` as the server reads it (lib/fields `intField`): 1 or 2, a number or its text. */
const UnitLike = WholeLike(1, 2, UNIT);

/** The value of a percent part: 0 to 100, at most 2 decimals, a number or its text. */
const PercentLike = Type.Union(
  [
    Type.Number({ minimum: 0, maximum: 100 }),
    Type.String({ pattern: '^\\s*0*(?:\\d{1,2}|100(?!\\.\\d*[1-9]))(?:\\.\\d{1,2})?\\s*$' }),
  ],
  { errorMessage: 'must be a percent from 0 to 100 with at most 2 decimals' },
);

/**
 * A part as sent. When it names the percent unit, its value is a percent (at most 100): said
 * here with `if`/`then`, so the document refuses what the server refuses. (On an edit that sends
 * only the value, the stored unit decides, and the server checks it.)
 */
const partInput = (required: boolean, description: string) => {
  const value = MoneyLike('A percent (at most 100) or an amount, at most 2 decimals, not negative', {
    nonNegative: true,
  });
  return Type.Object(
    {
      value: required ? value : Type.Optional(value),
      value_unit_id: required ? UnitLike : Type.Optional(UnitLike),
    },
    {
      description,
      if: {
        type: 'object',
        required: ['value_unit_id'],
        properties: {
          value_unit_id: { anyOf: [{ const: 1 }, { type: 'string', pattern: '^\\s*\\+?0*1\\s*$' }] },
        },
      },
      then: { properties: { value: PercentLike } },
    },
  );
};

const INVITED = "The invited client's discount on the first visit at a location";
const REFERRER =
  "The referrer's accrual when that visit closes: a percent of the visit's paid amount, or an amount";

export const CreateReferralProgramBody = Type.Object(
  {
    title: NonBlankText(),
    invited: partInput(true, INVITED),
    referrer: partInput(true, REFERRER),
  },
  { $id: 'CreateReferralProgramBody' },
);

export const UpdateReferralProgramBody = Type.Object(
  {
    title: Type.Optional(NonBlankText()),
    invited: Type.Optional(partInput(false, `${INVITED}; only the fields sent change`)),
    referrer: Type.Optional(partInput(false, `${REFERRER}; only the fields sent change`)),
  },
  { $id: 'UpdateReferralProgramBody' },
);

const Part = (description: string) =>
  Type.Object(
    {
      value: Type.Number({ description: 'A percent, or an amount in currency units' }),
      value_unit_id: Type.Integer({ enum: [1, 2], description: UNIT }),
    },
    { description },
  );

export const ReferralProgramSchema = Type.Object(
  {
    id: Type.Integer(),
    title: Type.String(),
    salon_group_id: Type.Integer({ description: 'Chain id' }),
    invited: Part(INVITED),
    referrer: Part(REFERRER),
  },
  { $id: 'ReferralProgram', title: 'ReferralProgram' },
);

export type CreateReferralProgramInput = Static<typeof CreateReferralProgramBody>;
export type UpdateReferralProgramInput = Static<typeof UpdateReferralProgramBody>;
export type ReferralProgramWire = Static<typeof ReferralProgramSchema>;
