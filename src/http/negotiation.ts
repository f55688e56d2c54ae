import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';

const MEDIA_TYPE = /^[\w.+*-]+\/[\w.+*-]+$/;

/** Does this media range accept a JSON answer? */
function allowsJson(range: string): boolean {
  const [type = ''] = range.split('/');
  if (range === '*/*' || range === 'application/*') return true;
  return type === 'application' && (range.endsWith('/json') || range.endsWith('+json'));
}

/**
 * SPEC §1: JSON is answered to Altegio's and YCLIENTS' vendor types, application/json, any
 * `+json` type, wildcards, or no Accept. An Accept that is not a media type at all (the docs
 * send the placeholder `string`) is ignored. Only real media types none of which allows JSON
 * get 406.
 */
export function acceptsJson(header: string | undefined): boolean {
  if (!header) return true;
  // Clients send the same few Accept headers over and over.
  let answer = acceptAnswers.get(header);
  if (answer === undefined) {
    answer = parseAccept(header);
    if (acceptAnswers.size >= 1000) acceptAnswers.clear();
    acceptAnswers.set(header, answer);
  }
  return answer;
}

const acceptAnswers = new Map<string, boolean>();

function parseAccept(header: string): boolean {
  const ranges = header
    .split(',')
    .map((part) => {
      const [range = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
      const q = params.find((p) => p.startsWith('q='));
      return { range, excluded: q !== undefined && Number(q.slice(2)) === 0 };
    })
    .filter((r) => MEDIA_TYPE.test(r.range));
  if (ranges.length === 0) return true;
  return ranges.some((r) => !r.excluded && allowsJson(r.range));
}

export function registerNegotiation(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    // The docs page and the metrics are not JSON; everything under /api and /health is.
    const json = request.url.startsWith('/api/') || request.url.startsWith('/health');
    if (json && !acceptsJson(request.headers.accept)) {
      done(new AppError('not_acceptable', 'Not acceptable: this API answers application/json only.'));
    } else {
      done();
    }
  });

  // One JSON parser and no other (a text/plain body is a 415): an empty body counts as no body
  // (the docs' manual transaction marks the body optional), and a syntax error is a 400.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    /^application\/([\w.+-]+\+)?json$/i,
    { parseAs: 'string' },
    (_request, body, done) => {
      const text = (body as string).trim();
      if (text === '') return done(null, undefined);
      try {
        done(null, JSON.parse(text));
      } catch (error) {
        done(
          new AppError('bad_request', `Malformed JSON in request body: ${(error as Error).message}`),
          undefined,
        );
      }
    },
  );
}
