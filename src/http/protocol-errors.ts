import {
  maxHeaderSize,
  ServerResponse,
  STATUS_CODES,
  type IncomingMessage,
  type Server,
  type ServerOptions,
} from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { errorReply, sendError } from './error-handler.js';
import { pathTooLong } from './unrouted.js';

/**
 * Answers produced below the routes, in the envelope like every other answer (SPEC §1):
 * - by Node's HTTP parser and its timeouts (`clientErrorHandler`): 400 for a request it cannot
 *   parse, 408 for one that does not arrive in time, 431 for oversized headers. There is no
 *   request object yet (or it cannot be finished), so the answer is written on the socket, with
 *   `Connection: close`: the connection cannot carry another request.
 * - by the router (`frameworkErrors`): 414 for a path parameter over its length limit, 400 for
 *   a URL that cannot be decoded;
 * - for a known path asked with a method it does not have: 405 with `Allow` (the not-found
 *   handler, with http/unrouted.ts);
 * - by Node and Fastify before the routes (`answerExpectations`, `requestRefusal`): 417 for an
 *   `Expect` other than 100-continue, 400 for an HTTP/1.1 request without `Host`, and 503 while
 *   the server shuts down.
 */

export type Timeouts = Pick<Config, 'headersTimeout' | 'requestTimeout' | 'keepAliveTimeout'>;

/** Node's HTTP server options for the timeouts (Fastify sets the keep-alive one itself). */
export function httpTimeouts(timeouts: Timeouts): ServerOptions {
  return {
    // Node would answer a request without Host itself, with an empty 400; `requestRefusal` does.
    requireHostHeader: false,
    headersTimeout: timeouts.headersTimeout,
    requestTimeout: timeouts.requestTimeout,
    // Node looks for requests past their time on this interval, 30 s by default: a stalled
    // request would outlive a 10 s timeout by up to that much.
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(timeouts.headersTimeout / 4))),
  };
}

/** After an answer on the socket, how long the rest of what the client sends is read and dropped. */
const LINGER_MS = 1000;

/** Sockets answered by `clientErrorHandler`: the parser may complain again about what follows. */
const answered = new WeakSet<Socket>();

/** The request Node's parser refused, or the timeout it hit, as one of our errors. */
function parserError(error: Error & { code?: string }, timeouts: Timeouts): AppError {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new AppError(
        'request_timeout',
        `Request not received in time: the headers must arrive within ${seconds(timeouts.headersTimeout)}, ` +
          `the whole request within ${seconds(timeouts.requestTimeout)}.`,
      );
    case 'HPE_HEADER_OVERFLOW':
      return new AppError(
        'headers_too_large',
        `Request line and headers are too large (${maxHeaderSize} bytes at most).`,
      );
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new AppError('payload_too_large', 'Chunk extensions are too large.');
    case 'HPE_INVALID_METHOD':
      return new AppError('bad_request', 'Malformed HTTP request: unknown method.');
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
    case 'HPE_INVALID_TRANSFER_ENCODING':
      return new AppError(
        'bad_request',
        'Malformed HTTP request: Content-Length and Transfer-Encoding cannot both be sent.',
      );
    case 'HPE_INVALID_HEADER_TOKEN':
      return new AppError('bad_request', 'Malformed HTTP request: invalid character in a header.');
    default:
      return new AppError('bad_request', 'Malformed HTTP request.');
  }
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(3))} s`;

/** A whole HTTP/1.1 answer carrying the error envelope, for a connection that ends after it. */
function rawErrorAnswer(error: AppError): string {
  const { status, body } = errorReply(error);
  const text = JSON.stringify(body);
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
    `Date: ${new Date().toUTCString()}\r\n` +
    'Content-Type: application/json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(text)}\r\n` +
    'Connection: close\r\n\r\n' +
    text
  );
}

/** Fastify's `clientErrorHandler`: what Node's parser or its timeouts refuse, in the envelope. */
export function clientErrorHandler(timeouts: Timeouts) {
  return function onClientError(
    this: FastifyInstance,
    error: Error & { code?: string },
    socket: Socket,
  ): void {
    // Reset by the client, already closed, or already answered (the parser complains again
    // about what the client sent after the refused request): nothing to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed || answered.has(socket)) return;
    // Only the code and reason: the error also holds the raw bytes received, headers and all.
    this.log.debug({ code: error.code, reason: error.message }, 'client error');
    const connection = socket as Socket & {
      _httpMessage?: unknown;
      parser?: { incoming?: IncomingMessage | null } | null;
    };
    // The answer being written on this connection, if any, and the request the parser holds.
    const answer = connection._httpMessage instanceof ServerResponse ? connection._httpMessage : null;
    const incoming = connection.parser?.incoming ?? null;
    // A request handed to the routes whose body has not all arrived (a late body's 408), still
    // without its answer: the error answer is its answer.
    const lateBody =
      incoming !== null && !incoming.complete && answer?.req === incoming && !answer.headersSent;
    // No request in progress: the error is about the one the client began to send.
    const between = answer === null && (incoming === null || incoming.complete);
    // Anything else cannot be answered on this connection: an answer is under way, or another
    // request is waiting for its own (a second answer would be taken for it), or the request
    // already has its answer (the routes may answer before reading the body, e.g. 401).
    if (!socket.writable || !(lateBody || between)) {
      socket.destroy();
      return;
    }
    answered.add(socket);
    socket.write(rawErrorAnswer(parserError(error, timeouts)));
    if (lateBody) {
      // That request will never be complete: ending the connection now aborts it, so its
      // handler never runs.
      socket.destroy();
      return;
    }
    // Nothing was handed to the routes. Half-close, and keep reading for a moment before closing:
    // closing with unread input makes the kernel reset the connection, and the client could lose
    // the answer.
    socket.end();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  };
}

/** Fastify's `frameworkErrors`: what the router refuses before any route runs. */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.header('X-Request-Id', request.id);
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void sendError(reply, pathTooLong());
    return;
  }
  void sendError(reply, new AppError('bad_request', 'Malformed URL: it cannot be decoded.'));
}

/**
 * An `Expect` other than `100-continue`: Node would answer an empty 417 itself; this is the
 * envelope. Such a request never reaches the routes.
 */
export function answerExpectations(server: Server): void {
  server.on('checkExpectation', (_request: IncomingMessage, response: ServerResponse) => {
    const { status, body } = errorReply(
      new AppError('expectation_failed', 'Unsupported Expect header: only 100-continue is supported.'),
    );
    const text = JSON.stringify(body);
    response.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
      Connection: 'close',
    });
    response.end(text);
  });
}

const MISSING_HOST = 'Malformed HTTP request: an HTTP/1.1 request needs a Host header.';

/**
 * Requests refused before the routes, in the envelope (call it from an onRequest hook): any
 * request once the server is shutting down (503, which Fastify would answer outside the envelope
 * with `return503OnClosing`; the answer says `Connection: close`), and an HTTP/1.1 request
 * without `Host` (400, as RFC 9112 requires).
 */
export function requestRefusal(app: FastifyInstance): (request: FastifyRequest) => AppError | null {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  return (request) => {
    if (closing) {
      return new AppError('unavailable', 'The server is shutting down, please retry.', undefined, 1);
    }
    const { raw } = request;
    if (raw.headers.host === undefined && raw.httpVersionMajor === 1 && raw.httpVersionMinor === 1) {
      return new AppError('bad_request', MISSING_HOST);
    }
    return null;
  };
}
