import { Type, type TSchema } from '@sinclair/typebox';
import { MAX_PAGE } from '../lib/fields.js';

/**
 * Shared TypeBox building blocks. These schemas validate requests, shape answers and become
 * the OpenAPI document, so they are the single definition of the wire.
 */

/** Path id: a positive integer (a malformed one is a 404, never a 500). */
export const PathId = (description: string) =>
  Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1, description });

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

export { MAX_PAGE };

/** `page` in a query string, the one paging definition of every list: 1 to MAX_PAGE, 1 by default. */
export const Page = () =>
  Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_PAGE,
      default: 1,
      description: `Page number, from 1 to ${MAX_PAGE}`,
    }),
  );

/** A page size in a query string: 1 to `max`, `fallback` by default. */
export const PageSize = (max: number, fallback: number) =>
  Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: max,
      default: fallback,
      description: `Page size: 1 to ${max}, default ${fallback}`,
    }),
  );

/**
 * A whole number from 1 to `max` in a body: a JSON integer or its string form (SPEC §1 leniency),
 * bounded in both forms so the document states the bound the server applies (lib/fields `intField`).
 */
export const PositiveIntLike = (max: number, description: string) =>
  Type.Union(
    [Type.Integer({ minimum: 1, maximum: max }), Type.String({ pattern: `^\\s*\\+?0*${upTo(max)}\\s*$` })],
    { description, errorMessage: `must be a whole number from 1 to ${max}` },
  );

/** A regular expression group matching the decimal integers 1 to `max` (no leading zeros). */
function upTo(max: number): string {
  const digits = String(max);
  const n = digits.length;
  const options: string[] = [];
  if (n > 1) options.push(n > 2 ? `[1-9]\\d{0,${n - 2}}` : '[1-9]');
  // Numbers of n digits below max: max's first i digits, a smaller digit, then any digits.
  for (let i = 0; i < n; i++) {
    const low = i === 0 ? 1 : 0;
    const high = Number(digits[i]) - 1;
    if (high < low) continue;
    const rest = n - i - 1;
    options.push(
      digits.slice(0, i) +
        (low === high ? `${low}` : `[${low}-${high}]`) +
        (rest > 1 ? `\\d{${rest}}` : rest ? '\\d' : ''),
    );
  }
  options.push(digits);
  return `(?:${options.join('|')})`;
}

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
