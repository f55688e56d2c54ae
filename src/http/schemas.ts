import { Type, type TSchema } from '@sinclair/typebox';

/**
 * Shared TypeBox building blocks. These schemas validate requests, shape answers and become
 * the OpenAPI document, so they are the single definition of the wire.
 */

/** Path id: a positive integer (a malformed one is a 404, never a 500). */
export const PathId = (description: string) =>
  Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1, description });

/** The path of an operation at one location, or in one chain: the ids the access rules name. */
export const LocationParams = Type.Object({ location_id: PathId('Location id') });
export const ChainParams = Type.Object({ chain_id: PathId('Chain id') });

/** SPEC §1 leniency: a JSON number or a numeric string (`"8230"`). Parsed by the service. */
export const NumberLike = (description: string, example?: unknown) =>
  Type.Union([Type.Number(), Type.String({ pattern: '^\\s*[-+]?\\d+(\\.\\d+)?\\s*$' })], {
    description,
    errorMessage: 'must be a number',
    ...(example === undefined ? {} : { examples: [example] }),
  });

/** An id in a body: a positive integer or its string form. */
export const IdLike = (description: string, example?: unknown) =>
  Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: '^\\s*[1-9]\\d*\\s*$' })], {
    description,
    errorMessage: 'must be a positive integer',
    ...(example === undefined ? {} : { examples: [example] }),
  });

/** A phone in a body: digits as a number, or a string like "+13155550175". Normalised by lib/phone. */
export const PhoneLike = (description: string, example?: unknown) =>
  Type.Union([Type.Integer({ minimum: 1 }), Type.String({ minLength: 1, maxLength: 32 })], {
    description,
    errorMessage: 'must be a phone number',
    ...(example === undefined ? {} : { examples: [example] }),
  });

export const ErrorEnvelope = Type.Object(
  {
    success: Type.Literal(false),
    data: Type.Null(),
    meta: Type.Object({
      message: Type.String(),
      errors: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()))),
    }),
  },
  { $id: 'Error', title: 'Error' },
);

export const SingleEnvelope = <T extends TSchema>(data: T) =>
  Type.Object({ success: Type.Literal(true), data, meta: Type.Array(Type.Unknown(), { maxItems: 0 }) });

export const ObjectMetaEnvelope = <T extends TSchema>(data: T) =>
  Type.Object({ success: Type.Literal(true), data, meta: Type.Object({}) });

export const ListEnvelope = <T extends TSchema>(item: T) =>
  Type.Object({
    success: Type.Literal(true),
    data: Type.Array(item),
    meta: Type.Object({ count: Type.Integer() }, { additionalProperties: true }),
  });
