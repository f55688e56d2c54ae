import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { AppError, type ErrorKind } from '../errors.js';
import { failure, type Envelope } from './envelope.js';
import { toFieldErrors } from './validation.js';
import { isTransientDatabaseError } from '../db/errors.js';

/** The only mapping from error kinds to HTTP statuses. */
export const STATUS: Record<ErrorKind, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  not_acceptable: 406,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  invalid: 422,
  too_many_requests: 429,
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
    if (error.validationContext === 'params') return new AppError('not_found', 'Not found.');
    const errors = toFieldErrors(error.validation as never);
    const first = Object.values(errors)[0]?.[0] ?? 'Invalid request.';
    return new AppError('invalid', first, errors);
  }
  if (error.statusCode === 400) return new AppError('bad_request', 'Bad request.');
  return null;
}

/** Any thrown value → our error. Unknown errors become a generic 500 that reveals nothing. */
function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (isTransientDatabaseError(error)) {
    return new AppError('unavailable', 'The server is busy, please retry.', undefined, 1);
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

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error);
    if (appError.kind === 'internal' || appError.kind === 'unavailable') {
      request.log.error({ err: error }, 'request failed');
    }
    return sendError(reply, appError);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new AppError('not_found', `Route ${request.method} ${request.url.split('?')[0]} not found.`),
    ),
  );
}
