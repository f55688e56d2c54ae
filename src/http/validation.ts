import { Ajv, type ErrorObject, type Options } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';
import type { FieldErrors } from '../errors.js';
import { inputErrors, NESTING_KEYWORD, TEXT_KEYWORD } from './input-guard.js';

/**
 * Two validators, one per kind of input. Query strings and path parameters are text by nature,
 * so they are coerced to the declared types. Bodies are not coerced: Ajv would turn `true` into
 * 1 or `null` into 0, and a money amount must never be guessed. Bodies accept numeric strings
 * only where a schema says so explicitly (see `schemas.ts`), and the services parse those.
 */
const common: Options = {
  allErrors: true,
  useDefaults: true,
  strict: false,
  verbose: true,
  keywords: ['errorMessage', 'x-extension'],
};
const forText = new Ajv({ ...common, coerceTypes: 'array' });
const forBody = new Ajv({ ...common, coerceTypes: false });

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const isBody = httpPart === 'body';
  const validate = (isBody ? forBody : forText).compile(schema as object);
  const check = (data: unknown) => {
    // A missing body is validated as an empty object, so the answer names the missing fields
    // ("amount is required") rather than complaining about the body as a whole.
    const input = isBody ? (data ?? {}) : data;
    const ok = validate(input);
    // Every string and every nesting of every part, whatever its schema says (input-guard.ts).
    const refused = inputErrors(input);
    check.errors = refused.length === 0 ? validate.errors : [...(validate.errors ?? []), ...refused];
    return ok && refused.length === 0;
  };
  check.errors = validate.errors;
  return check;
};

function fieldOf(error: ErrorObject): string {
  const path = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    return path ? `${path}.${missing}` : missing;
  }
  return path || 'body';
}

function messageOf(error: ErrorObject): string {
  const custom = (error.parentSchema as { errorMessage?: string } | undefined)?.errorMessage;
  if (error.keyword === 'required') return 'is required';
  if (custom) return custom;
  if (error.keyword === 'enum') {
    const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
    return `must be one of: ${allowed.join(', ')}`;
  }
  return error.message ?? 'is invalid';
}

/**
 * Ajv errors → `meta.errors` with one sentence per field. Inside a union the branch errors are
 * noise; the union's own message (its `errorMessage`) says it once.
 */
export function toFieldErrors(errors: ErrorObject[]): FieldErrors {
  const result: FieldErrors = {};
  const unionPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  for (const error of errors) {
    if (error.keyword === 'if') continue;
    const insideUnion = [...unionPaths].some(
      (p) =>
        error.keyword !== 'anyOf' &&
        error.keyword !== 'required' &&
        error.keyword !== TEXT_KEYWORD &&
        error.keyword !== NESTING_KEYWORD &&
        error.instancePath.startsWith(p),
    );
    if (insideUnion) continue;
    const field = fieldOf(error);
    const sentence = `${field} ${messageOf(error)}.`;
    const list = (result[field] ??= []);
    if (!list.includes(sentence)) list.push(sentence);
  }
  return result;
}
