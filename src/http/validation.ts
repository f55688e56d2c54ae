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

/**
 * A bound says what the limit is, whatever sentence its schema gives for a wrong type: a
 * 256-character title is "at most 255 characters", not "must be a string".
 */
const BOUNDS: Record<string, (limit: number) => string> = {
  maxLength: (n) => `must be at most ${n} characters`,
  minLength: (n) => (n === 1 ? 'must not be empty' : `must be at least ${n} characters`),
  maximum: (n) => `must be at most ${n}`,
  minimum: (n) => `must be at least ${n}`,
  exclusiveMaximum: (n) => `must be less than ${n}`,
  exclusiveMinimum: (n) => `must be greater than ${n}`,
  maxItems: (n) => `must have at most ${n} items`,
  minItems: (n) => (n === 1 ? 'must not be empty' : `must have at least ${n} items`),
};

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  object: 'an object',
  array: 'a list',
  boolean: 'true or false',
  null: 'null',
};

const customMessage = (error: ErrorObject) =>
  (error.parentSchema as { errorMessage?: unknown } | undefined)?.errorMessage;

function messageOf(error: ErrorObject): string {
  if (error.keyword === 'required') return 'is required';
  const bound = BOUNDS[error.keyword];
  const limit = (error.params as { limit?: unknown }).limit;
  if (bound && typeof limit === 'number') return bound(limit);
  const custom = customMessage(error);
  if (typeof custom === 'string') return custom;
  if (error.keyword === 'enum') {
    const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
    return `must be one of: ${allowed.join(', ')}`;
  }
  if (error.keyword === 'type') {
    const types = String((error.params as { type?: unknown }).type ?? '').split(',');
    if (types.every((t) => TYPE_NAMES[t])) return `must be ${types.map((t) => TYPE_NAMES[t]).join(' or ')}`;
  }
  return error.message ?? 'is invalid';
}

/**
 * What a failed union (a number or a numeric string, …) says. When the value has the type of
 * exactly one branch and that branch failed only on bounds (or on checks with their own
 * sentence), its sentences say what is wrong ("must be at most 1000000", "must not be 0");
 * otherwise the union's own sentence says what is expected.
 */
function unionMessages(union: ErrorObject, errors: ErrorObject[]): string[] {
  const prefix = `${union.schemaPath}/`;
  const branches = new Map<string, ErrorObject[]>();
  for (const error of errors) {
    if (!error.schemaPath.startsWith(prefix)) continue;
    const branch = error.schemaPath.slice(prefix.length).split('/')[0]!;
    branches.set(branch, [...(branches.get(branch) ?? []), error]);
  }
  const fitting = [...branches.values()].filter(
    (branch) => !branch.some((e) => e.keyword === 'type' && e.instancePath === union.instancePath),
  );
  const only = fitting.length === 1 ? fitting[0]! : null;
  const explained =
    only?.every(
      (e) =>
        e.instancePath === union.instancePath &&
        e.keyword !== 'type' &&
        (BOUNDS[e.keyword] !== undefined || typeof customMessage(e) === 'string'),
    ) ?? false;
  return explained ? only!.map(messageOf) : [messageOf(union)];
}

/**
 * Ajv errors → `meta.errors` with one sentence per field. Inside a union the branch errors are
 * noise; the union says it once (see `unionMessages`).
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
    const messages = error.keyword === 'anyOf' ? unionMessages(error, errors) : [messageOf(error)];
    const list = (result[field] ??= []);
    for (const message of messages) {
      const sentence = `${field} ${message}.`;
      if (!list.includes(sentence)) list.push(sentence);
    }
  }
  return result;
}
