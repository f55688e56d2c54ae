import type { FastifyRequest } from 'fastify';

const ROUTE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * For a request no route answers: the methods its path does have (empty when the path is
 * unknown, or known under the request's own method, as a missing file under a static folder).
 */
export function allowedMethods(request: FastifyRequest): string[] {
  const { server, url, method } = request;
  if (server.findRoute({ method: method as never, url })) return [];
  return ROUTE_METHODS.filter((other) => server.findRoute({ method: other, url }) !== null);
}
