import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

/**
 * The answer to a request no route takes: 414 when a path segment is over the router's length
 * limit (no route could take it, whatever the method), 405 with `Allow` when the path exists
 * under other methods, else 404.
 */

/** The router's longest path parameter; a longer one is answered 414. */
export const MAX_PARAM_LENGTH = 100;

export const pathTooLong = () =>
  new AppError(
    'uri_too_long',
    `Request path is too long: a path parameter has over ${MAX_PARAM_LENGTH} characters.`,
  );

const ROUTE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export function unrouted(request: FastifyRequest): { error: AppError; allow?: string } {
  const path = request.url.split('?')[0]!;
  if (path.split('/').some((segment) => decoded(segment).length > MAX_PARAM_LENGTH)) {
    return { error: pathTooLong() };
  }
  const allowed = allowedMethods(request);
  if (allowed.length > 0) {
    return {
      error: new AppError('method_not_allowed', `Method ${request.method} is not allowed on ${path}.`),
      allow: allowed.join(', '),
    };
  }
  return { error: new AppError('not_found', `Route ${request.method} ${path} not found.`) };
}

/**
 * The methods the request's path does have: none when the path is unknown, or known under the
 * request's own method (a missing file under a static folder is a 404, not a 405).
 */
function allowedMethods(request: FastifyRequest): string[] {
  const { server, url, method } = request;
  if (server.findRoute({ method: method as never, url })) return [];
  return ROUTE_METHODS.filter((other) => server.findRoute({ method: other, url }) !== null);
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
