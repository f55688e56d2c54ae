import { Type, type Static } from '@sinclair/typebox';
import { IdLike, NonBlankText } from '../../http/schemas.js';
import { ChainRef } from '../cards/cards.schemas.js';

/** Card type management (an extension: Altegio v1 has no such operations). */

export const CardTypeDetailSchema = Type.Object(
  {
    id: Type.Integer(),
    title: Type.String(),
    salon_group_id: Type.Integer(),
    salon_group: ChainRef,
    company_ids: Type.Array(Type.Integer(), {
      description: 'Locations where cards of this type may be issued',
    }),
    loyalty_program_ids: Type.Array(Type.Integer(), { description: 'Promotions linked to this type' }),
  },
  { $id: 'CardTypeDetail', title: 'CardTypeDetail' },
);

const IdList = (description: string) =>
  Type.Optional(
    Type.Array(IdLike('Id'), { maxItems: 1000, description, errorMessage: 'must be a list of ids' }),
  );
const Title = NonBlankText();

const fields = {
  company_ids: IdList('Locations of the chain where cards of this type may be issued (replaces the list)'),
  loyalty_program_ids: IdList('Promotions of the chain linked to this type (replaces the list)'),
};

export const CreateCardTypeBody = Type.Object({ title: Title, ...fields }, { $id: 'CreateCardTypeBody' });
export const UpdateCardTypeBody = Type.Object(
  { title: Type.Optional(Title), ...fields },
  { $id: 'UpdateCardTypeBody' },
);

export type CardTypeDetailWire = Static<typeof CardTypeDetailSchema>;
export type CreateCardTypeInput = Static<typeof CreateCardTypeBody>;
export type UpdateCardTypeInput = Static<typeof UpdateCardTypeBody>;
