import type { ErrorObject } from 'ajv';

/**
 * What every request input must be, whatever its schema says.
 *
 * Its text must be storable. No database here stores U+0000 and unpaired UTF-16 surrogates
 * faithfully: PostgreSQL refuses U+0000 in `text` and `jsonb` while SQLite keeps it, so the two
 * would differ; an unpaired surrogate is not Unicode at all (it becomes U+FFFD on the way to
 * either database, or breaks a `jsonb` value). The request validator refuses them in every string
 * of a body, query string or path, object keys included, so no route has to remember it and both
 * databases answer alike: 422 naming the field.
 *
 * Its nesting must be bounded. A 64 KiB body can nest tens of thousands of levels deep inside a
 * free-form field (`custom_fields`), deeper than `JSON.stringify` or any recursive code can go
 * (a RangeError, answered 500); no field here needs more than a few levels.
 */

/** The keyword of the validation errors this guard adds (the error handler recognises it). */
export const TEXT_KEYWORD = 'storableText';

const TEXT_MESSAGE = 'must not contain U+0000 (NUL) or unpaired surrogate characters';

/** Cheap first look: most strings have none of these code units at all. */
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what is looked for
const SUSPECT = /[\u0000\ud800-\udfff]/;
// eslint-disable-next-line no-control-regex -- as above
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The keyword of the errors for input nested deeper than MAX_DEPTH. */
export const NESTING_KEYWORD = 'nesting';
const MAX_DEPTH = 32;

function unstorable(text: string): boolean {
  return SUSPECT.test(text) && UNSTORABLE.test(text);
}

/** RFC 6901, as Ajv writes `instancePath`. */
const pointerToken = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

function textError(instancePath: string): ErrorObject {
  return { keyword: TEXT_KEYWORD, instancePath, schemaPath: '#', params: {}, message: TEXT_MESSAGE };
}

function nestingError(instancePath: string): ErrorObject {
  const message = `is nested too deeply (at most ${MAX_DEPTH} levels)`;
  return { keyword: NESTING_KEYWORD, instancePath, schemaPath: '#', params: {}, message };
}

/**
 * One error per value holding unstorable text (an object with such a key is named itself) or
 * nested too deeply. The walk is iterative: it must not overflow the stack itself.
 */
export function inputErrors(data: unknown): ErrorObject[] {
  if (typeof data === 'string') return unstorable(data) ? [textError('')] : [];
  if (typeof data !== 'object' || data === null) return [];
  const errors: ErrorObject[] = [];
  const pending: Array<[unknown, string, number]> = [[data, '', 0]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [value, path, depth] = next;
    if (typeof value === 'string') {
      if (unstorable(value)) errors.push(textError(path));
    } else if (typeof value === 'object' && value !== null && depth >= MAX_DEPTH) {
      errors.push(nestingError(path));
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) pending.push([value[i], `${path}/${i}`, depth + 1]);
    } else if (typeof value === 'object' && value !== null) {
      const keys = Object.keys(value);
      if (keys.some(unstorable)) {
        errors.push(textError(path));
        continue;
      }
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i]!;
        pending.push([(value as Record<string, unknown>)[key], `${path}/${pointerToken(key)}`, depth + 1]);
      }
    }
  }
  return errors;
}
