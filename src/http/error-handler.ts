import { STATUS_CODES } from 'node:http';
import type { ErrorObject } from 'ajv';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { AppError, type ErrorKind } from '../errors.js';
import { failure, type Envelope } from './envelope.js';
import { TEXT_KEYWORD } from './input-guard.js';
import { unrouted } from './unrouted.js';
import { toFieldErrors } from './validation.js';
import type { DatabaseAvailability } from '../db/availability.js';
import { isDatabaseUnreachable, isTransientDatabaseError } from '../db/errors.js';

/** The only mapping from error kinds to HTTP statuses. */
export const STATUS: Record<ErrorKind, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  not_acceptable: 406,
  request_timeout: 408,
  conflict: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  expectation_failed: 417,
  uri_too_long: 414,
  unsupported_media_type: 415,
  range_not_satisfiable: 416,
  invalid: 422,
  too_many_requests: 429,
  headers_too_large: 431,
  internal: 500,
  unavailable: 503,
};

/** Fastify's own errors, by code, turned into ours so they share the envelope. */
function fromFastify(error: FastifyError): AppError | null {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError(
        'unsupported_media_type',
        'Unsupported Content-Type: send the body as application/json.',
      );
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large', 'Request body is too large.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('bad_request', 'Content-Length does not match the body.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('bad_request', 'Malformed JSON in request body.');
  }
  if (error.validation) {
    const failures = error.validation as ErrorObject[];
    // A malformed path id is an entity that does not exist; a malformed path text (a phone) is
    // invalid input, named like any other field.
    if (error.validationContext === 'params' && !failures.every(isAboutText)) {
      return new AppError('not_found', 'Not found.');
    }
    const errors = toFieldErrors(failures);
    const first = Object.values(errors)[0]?.[0] ?? 'Invalid request.';
    return new AppError('invalid', first, errors);
  }
  return ownClientStatus(error);
}

function isAboutText(failure: ErrorObject): boolean {
  return failure.keyword === TEXT_KEYWORD || (failure.parentSchema as { type?: unknown })?.type === 'string';
}

const KIND_OF_STATUS = new Map(Object.entries(STATUS).map(([kind, status]) => [status, kind as ErrorKind]));

/**
 * An error that carries its own 4xx status (the docs page's static files answer 403 for a path
 * that climbs out, 412 for a failed If-Match, 416 for an unsatisfiable Range) is the client's
 * error, not a bug: it keeps its status, in the envelope, with the status's own sentence. A 4xx
 * status without a kind here is answered as 400.
 */
function ownClientStatus(error: FastifyError): AppError | null {
  const status = error.statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 499) return null;
  const kind = KIND_OF_STATUS.get(status) ?? 'bad_request';
  const reason = STATUS_CODES[STATUS[kind]] ?? 'Bad request';
  return new AppError(kind, `${reason.charAt(0)}${reason.slice(1).toLowerCase()}.`);
}

/** A 416 names the size of what was asked for (RFC 9110 §15.5.17); @fastify/send puts it on the error. */
function contentRangeOf(error: unknown): string | undefined {
  const value = (error as { headers?: Record<string, unknown> } | null)?.headers?.['Content-Range'];
  return typeof value === 'string' ? value : undefined;
}

/** Seconds a client is asked to wait when the database cannot be reached (a restart takes a few). */
export const UNREACHABLE_RETRY_AFTER = 2;

/** The answer to a request that met an unreachable database (down, restarting, connection lost). */
const databaseUnavailable = () =>
  new AppError(
    'unavailable',
    'The database is unavailable, please retry.',
    undefined,
    UNREACHABLE_RETRY_AFTER,
  );

/**
 * Errors of the request itself, to which Fastify gives a status: its own (validation, body
 * parsing) and the request stream's. A body that stops coming fails with the network codes a
 * lost database connection has (ECONNRESET "aborted"): it must not be taken for one.
 */
const fromRequest = (error: unknown) => typeof (error as { statusCode?: unknown })?.statusCode === 'number';

/** The database cannot be reached (down, restarting, connection lost): 503, logged once. */
const isUnreachableDatabase = (error: unknown) => !fromRequest(error) && isDatabaseUnreachable(error);

/** Any thrown value → our error. Unknown errors become a generic 500 that reveals nothing. */
function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (!fromRequest(error)) {
    if (isDatabaseUnreachable(error)) return databaseUnavailable();
    if (isTransientDatabaseError(error)) {
      return new AppError('unavailable', 'The server is busy, please retry.', undefined, 1);
    }
  }
  const fromFramework = fromFastify(error as FastifyError);
  if (fromFramework) return fromFramework;
  return new AppError('internal', 'Internal server error.');
}

export function errorReply(error: AppError): { status: number; body: Envelope<null> } {
  return { status: STATUS[error.kind], body: failure(error.message, error.fieldErrors) };
}

export function sendError(reply: FastifyReply, error: AppError): FastifyReply {
  const { status, body } = errorReply(error);
  if (error.retryAfter !== undefined) reply.header('Retry-After', String(error.retryAfter));
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

export function registerErrorHandling(app: FastifyInstance, availability: DatabaseAvailability): void {
  app.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error);
    if (isUnreachableDatabase(error)) {
      // One line when the outage begins (http/database-outage.ts), not a stack per request.
      availability.lost(error);
      request.log.debug({ err: error }, 'database unreachable');
    } else if (appError.kind === 'internal' || appError.kind === 'unavailable') {
      request.log.error({ err: error }, 'request failed');
    }
    const contentRange = appError.kind === 'range_not_satisfiable' ? contentRangeOf(error) : undefined;
    if (contentRange) reply.header('Content-Range', contentRange);
    return sendError(reply, appError);
  });
  app.setNotFoundHandler((request, reply) => {
    const { error, allow } = unrouted(request);
    if (allow) reply.header('Allow', allow);
    return sendError(reply, error);
  });
}
