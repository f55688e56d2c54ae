import { Type, type Static } from '@sinclair/typebox';
import { PhoneText } from '../../http/schemas.js';
import { AccessSchema, LocationSchema } from '../locations/locations.schemas.js';

/** Wire objects of the Chain Management operations (altegio-reference.md §4). */

export const ChainSchema = Type.Object(
  {
    id: Type.Integer(),
    title: Type.String(),
    access: AccessSchema,
    companies: Type.Array(LocationSchema, {
      description: 'Locations of the chain the partner is connected to',
    }),
  },
  { $id: 'Chain', title: 'Chain' },
);

export const ChainClientsQuery = Type.Object({
  phone: PhoneText('Phone, e.g. +13155550175', '+13155550175'),
});

export type ChainWire = Static<typeof ChainSchema>;
