import { Type, type TSchema } from '@sinclair/typebox';
import { MAX_PAGE } from '../lib/fields.js';
import { MAX_MAJOR as MAX_AMOUNT } from '../lib/money.js';

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

/** An id in a body: a positive integer or its string form. */
export const IdLike = (description: string, example?: unknown) =>
  Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: '^\\s*[1-9]\\d*\\s*$' })], {
    description,
    errorMessage: 'must be a positive integer',
    ...(example === undefined ? {} : { examples: [example] }),
  });

/**
 * What lib/phone accepts, as a pattern the document can state: 7 to 15 digits, an optional leading
 * `+`, spaces, dashes, dots and parentheses between them.
 */
const PHONE_PATTERN = '^\\s*\\+?[\\s().-]*(?:\\d[\\s().-]*){7,15}$';
const PHONE_MESSAGE = 'must be a phone number with 7 to 15 digits';

/** A phone in a body: digits as a number, or a string like "+13155550175". Normalised by lib/phone. */
export const PhoneLike = (description: string, example?: unknown) =>
  Type.Union(
    [
      Type.Integer({ minimum: 1_000_000, maximum: 999_999_999_999_999 }),
      Type.String({ maxLength: 32, pattern: PHONE_PATTERN }),
    ],
    {
      description,
      errorMessage: PHONE_MESSAGE,
      ...(example === undefined ? {} : { examples: [example] }),
    },
  );

/** A phone in a path or query string (always text there). */
export const PhoneText = (description: string, example?: string) =>
  Type.String({
    maxLength: 32,
    pattern: PHONE_PATTERN,
    description,
    errorMessage: PHONE_MESSAGE,
    ...(example === undefined ? {} : { examples: [example] }),
  });

/** A decimal string as lib/money reads it: at most 2 decimals, |x| ≤ 10^12. */
const moneyText = (signed: boolean, nonZero: boolean) =>
  '^\\s*' +
  (signed ? '-?' : '') +
  (nonZero ? '(?!0*(?:\\.0{1,2})?\\s*$)' : '') +
  '(?:\\d{1,12}|0\\d{12}|1000000000000(?!\\.\\d*[1-9]))(?:\\.\\d{1,2})?\\s*$';

/**
 * A money amount (lib/money): at most 2 decimals, within ±10^12, or 0 to 10^12 when it may not
 * be negative. A JSON number's decimals cannot be stated portably (`multipleOf: 0.01` fails on
 * binary fractions), so the description says it and the server checks it.
 */
export const MoneyLike = (description: string, options: { nonNegative?: boolean } = {}) => {
  const low = options.nonNegative ? 0 : -MAX_AMOUNT;
  return Type.Union(
    [
      Type.Number({ minimum: low, maximum: MAX_AMOUNT }),
      Type.String({ pattern: moneyText(!options.nonNegative, false) }),
    ],
    { description, errorMessage: `must be a number with at most 2 decimals, from ${low} to ${MAX_AMOUNT}` },
  );
};

/**
 * A percent from 0 to 100 with at most 2 decimals (a discount), as a JSON number or a decimal
 * string; read by lib/fields `moneyField` into hundredths (12.5 → 1250).
 */
export const PercentLike = (description: string) =>
  Type.Union(
    [
      Type.Number({ minimum: 0, maximum: 100 }),
      Type.String({ pattern: '^\\s*(?:0*100(?:\\.0{1,2})?|0*\\d{1,2}(?:\\.\\d{1,2})?)\\s*$' }),
    ],
    { description, errorMessage: 'must be a percent from 0 to 100 with at most 2 decimals' },
  );

/** A money amount that must not be 0 (a manual transaction); otherwise as `MoneyLike`. */
export const NonZeroAmountLike = (description: string, example?: unknown) =>
  Type.Union(
    [
      Type.Number({
        minimum: -MAX_AMOUNT,
        maximum: MAX_AMOUNT,
        not: Type.Const(0),
        errorMessage: 'must not be 0',
      }),
      Type.String({ pattern: moneyText(true, true) }),
    ],
    {
      description,
      errorMessage: `must be a number other than 0, with at most 2 decimals, between -${MAX_AMOUNT} and ${MAX_AMOUNT}`,
      ...(example === undefined ? {} : { examples: [example] }),
    },
  );

/**
 * A coordinate within ±`limit` degrees: a JSON number or a decimal string (the string form the
 * document states is plain decimals; the server also reads what `Number()` reads).
 */
export const CoordinateLike = (limit: number, description: string) =>
  Type.Union(
    [
      Type.Number({ minimum: -limit, maximum: limit }),
      Type.String({
        pattern: `^\\s*[-+]?(?:0*(?:0|${upTo(limit - 1)})(?:\\.\\d+)?|0*${limit}(?:\\.0+)?)\\s*$`,
      }),
    ],
    { description, errorMessage: `must be a number between -${limit} and ${limit}` },
  );

/**
 * Text the server trims and refuses when nothing is left (a title, a name): the document says
 * "not blank" with a pattern, so an empty or all-space value is refused by both alike.
 */
export const NonBlankText = (maxLength = 255, description?: string) =>
  Type.String({
    maxLength,
    pattern: '\\S',
    errorMessage: 'must be a non-blank string',
    ...(description ? { description } : {}),
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
export const PositiveIntLike = (max: number, description: string) => WholeLike(1, max, description);

/** A whole number from `min` (0 or 1) to `max` in a body, as `PositiveIntLike`. */
export const WholeLike = (min: 0 | 1, max: number, description: string) =>
  Type.Union(
    [
      Type.Integer({ minimum: min, maximum: max }),
      Type.String({ pattern: `^\\s*\\+?0*${min === 0 ? `(?:0|${upTo(max)})` : upTo(max)}\\s*$` }),
    ],
    { description, errorMessage: `must be a whole number from ${min} to ${max}` },
  );

/** The largest whole number a 32-bit column holds: the bound of counts and ids in bodies. */
export const MAX_INT32 = 2 ** 31 - 1;

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
