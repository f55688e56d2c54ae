import { Type, type Static } from '@sinclair/typebox';

/** Wire object of the Accounts operation (V3, altegio-services-staff.md §3), named as Altegio names it. */

export const AccountSchema = Type.Object(
  {
    id: Type.Integer({ description: 'Account (checkout) id: the `account_id` of a payment' }),
    title: Type.String(),
    type: Type.Integer({ minimum: 0, maximum: 1, description: '0 cash, 1 non-cash' }),
    comment: Type.String(),
  },
  { $id: 'Account', title: 'Account' },
);

export type AccountWire = Static<typeof AccountSchema>;
