/**
 * One error type for the whole server, with a small set of kinds. Services throw these;
 * `http/error-handler.ts` is the only place that maps a kind to an HTTP status.
 */
export type ErrorKind =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'not_acceptable'
  | 'request_timeout'
  | 'unsupported_media_type'
  | 'conflict'
  | 'expectation_failed'
  | 'payload_too_large'
  | 'uri_too_long'
  | 'headers_too_large'
  | 'precondition_failed'
  | 'range_not_satisfiable'
  | 'invalid'
  | 'too_many_requests'
  | 'unavailable'
  | 'internal';

export type FieldErrors = Record<string, string[]>;

export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly fieldErrors?: FieldErrors,
    /** Seconds, for 429 and 503. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'AppError';
  }

  static notFound(what: string): AppError {
    return new AppError('not_found', `${what} not found.`);
  }

  static invalid(message: string, fieldErrors?: FieldErrors): AppError {
    return new AppError('invalid', message, fieldErrors);
  }

  static field(field: string, message: string): AppError {
    return new AppError('invalid', `${field} ${message}.`, { [field]: [`${field} ${message}.`] });
  }

  static unauthorized(): AppError {
    return new AppError('unauthorized', 'Authentication needed.');
  }

  static forbidden(): AppError {
    return new AppError('forbidden', 'Access denied.');
  }
}
