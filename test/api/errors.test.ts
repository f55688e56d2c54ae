import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import type { InjectOptions } from 'fastify';
import { expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { DEMO, DEMO_AUTH, describeEachDialect } from '../helpers/app.js';
import { manualTransactionPath } from '../helpers/cards.js';

const TX = `/api/v1${manualTransactionPath({ location: DEMO.locationId }, DEMO.cardId)}`;

/** SPEC §1's error table: every row answered in the envelope, nothing internal leaked. */
describeEachDialect('error table', (ctx) => {
  const expectError = (
    res: { statusCode: number; json: () => any; headers: Record<string, unknown> },
    status: number,
  ) => {
    expect(res.statusCode).toBe(status);
    expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
    const body = res.json();
    expect(body.success).toBe(false);
    expect(body.data).toBeNull();
    expect(typeof body.meta.message).toBe('string');
    expect(JSON.stringify(body)).not.toMatch(/at .*\.(ts|js):\d+|select |insert |update |SQLITE|stack/i);
    return body;
  };

  it('400: malformed JSON', async () => {
    const res = await ctx.request({
      method: 'POST',
      url: TX,
      headers: { authorization: DEMO_AUTH, 'content-type': 'application/json' },
      payload: '{"amount": 1,',
    });
    expect(expectError(res, 400).meta.message).toMatch(/Malformed JSON/);
  });

  it('401: no token, malformed header, unknown partner, unknown user', async () => {
    for (const authorization of [
      undefined,
      'Basic xyz',
      'Bearer nope, User demo-user-token',
      'Bearer demo-partner-token, User nope',
    ]) {
      const res = await ctx.request({
        method: 'GET',
        url: '/api/v1/loyalty/card_types/salon/12345',
        headers: authorization ? { authorization } : {},
      });
      expect(expectError(res, 401).meta.message).toBe('Authentication needed.');
    }
  });

  it('403: valid tokens without the location', async () => {
    const res = await ctx.request({
      method: 'GET',
      url: '/api/v1/loyalty/card_types/salon/20001',
      headers: { authorization: DEMO_AUTH },
    });
    expect(expectError(res, 403).meta.message).toBe('Access denied.');
  });

  it('404: unknown route and unknown entity', async () => {
    expect(
      expectError(await ctx.request({ method: 'GET', url: '/api/v1/nothing/here' }), 404).meta.message,
    ).toMatch(/not found/);
    const res = await ctx.manualTransaction({ location: DEMO.locationId }, 999999, DEMO_AUTH, { amount: 1 });
    expect(expectError(res, 404).meta.message).toBe('Loyalty card not found.');
  });

  it('405 with Allow: a known path asked with a method it does not have', async () => {
    const wrongMethod = await ctx.request({
      method: 'DELETE',
      url: TX,
      headers: { authorization: DEMO_AUTH },
    });
    expect(expectError(wrongMethod, 405).meta.message).toBe(
      'Method DELETE is not allowed on /api/v1/company/12345/loyalty/cards/9210520/manual_transaction.',
    );
    expect(wrongMethod.headers.allow).toBe('POST');
    // Fastify's types name only the methods it routes; TRACE reaches it all the same.
    for (const method of ['TRACE', 'PUT', 'OPTIONS'] as InjectOptions['method'][]) {
      const res = await ctx.request({ method, url: '/health?x=1' });
      expect(expectError(res, 405).meta.message).toBe(`Method ${method} is not allowed on /health.`);
      expect(res.headers.allow).toBe('GET, HEAD');
    }
    // An unknown path stays 404, whatever the method.
    expectError(
      await ctx.request({ method: 'TRACE' as InjectOptions['method'], url: '/api/v1/nothing/here' }),
      404,
    );
  });

  it('414: a path parameter over 100 characters (a 101-digit card id)', async () => {
    const res = await ctx.request({
      method: 'GET',
      url: `/api/v1/loyalty/cards/12345/${'9'.repeat(101)}/transactions`,
      headers: { authorization: DEMO_AUTH },
    });
    expect(expectError(res, 414).meta.message).toBe(
      'Request path is too long: a path parameter has over 100 characters.',
    );
    // Whatever the method: no route takes such a path.
    const traced = await ctx.request({
      method: 'TRACE' as InjectOptions['method'],
      url: `/api/v1/loyalty/cards/12345/${'9'.repeat(101)}/transactions`,
    });
    expectError(traced, 414);
    expect(traced.headers.allow).toBeUndefined();
    // 100 characters are still routed (and not found).
    const longest = await ctx.request({
      method: 'GET',
      url: `/api/v1/loyalty/cards/12345/${'9'.repeat(100)}/transactions`,
      headers: { authorization: DEMO_AUTH },
    });
    expectError(longest, 404);
  });

  it('400 in the envelope for a URL that cannot be decoded', async () => {
    const res = await ctx.request({
      method: 'GET',
      url: '/api/v1/loyalty/cards/12345/%E0%A4%A/transactions',
    });
    expect(expectError(res, 400).meta.message).toBe('Malformed URL: it cannot be decoded.');
  });

  it('404 (never 500) for a malformed path id', async () => {
    const res = await ctx.request({
      method: 'POST',
      url: '/api/v1/company/12345/loyalty/cards/abc/manual_transaction',
      headers: { authorization: DEMO_AUTH },
      payload: { amount: 1 },
    });
    expectError(res, 404);
  });

  it('406: an Accept that excludes JSON; a non-media-type Accept is ignored', async () => {
    const refused = await ctx.request({
      method: 'GET',
      url: '/api/v1/loyalty/card_types/salon/12345',
      headers: { authorization: DEMO_AUTH, accept: 'text/html' },
    });
    expect(expectError(refused, 406).meta.message).toMatch(/application\/json/);
    const ignored = await ctx.request({
      method: 'GET',
      url: '/api/v1/loyalty/card_types/salon/12345',
      headers: { authorization: DEMO_AUTH, accept: 'string', 'content-type': 'string' },
    });
    expect(ignored.statusCode).toBe(200);
  });

  it('413: body over the limit', async () => {
    const res = await ctx.request({
      method: 'POST',
      url: TX,
      headers: { authorization: DEMO_AUTH, 'content-type': 'application/json' },
      payload: JSON.stringify({ amount: 1, title: 'x'.repeat(70_000) }),
    });
    expectError(res, 413);
  });

  it('415: a body that is not JSON', async () => {
    const res = await ctx.request({
      method: 'POST',
      url: TX,
      headers: { authorization: DEMO_AUTH, 'content-type': 'text/plain' },
      payload: 'amount=1',
    });
    expect(expectError(res, 415).meta.message).toMatch(/Content-Type/);
  });

  it('422: field errors in meta.errors, and nothing changed', async () => {
    const before = await ctx.factory.balanceOf(9210520);
    const res = await ctx.request({
      method: 'POST',
      url: TX,
      headers: { authorization: DEMO_AUTH },
      payload: { amount: 'lots', title: 5 },
    });
    const body = expectError(res, 422);
    expect(body.meta.errors.amount).toEqual([
      'amount must be a number other than 0, with at most 2 decimals, between -1000000000000 and 1000000000000.',
    ]);
    expect(body.meta.errors.title).toEqual(['title must be a string.']);
    expect(await ctx.factory.balanceOf(9210520)).toEqual(before);
  });

  it('422: a free-form field nested deeper than 32 levels (64 KiB nest 30 000 deep: was a 500), nothing stored', async () => {
    const url = `/api/v1/clients/${DEMO.locationId}`;
    const body = (depth: number) =>
      `{"name": "Deep", "phone": "+15550007788", "custom_fields": {"k": ${'['.repeat(depth)}${']'.repeat(depth)}}}`;
    for (const depth of [31, 30_000]) {
      const res = await ctx.request({
        method: 'POST',
        url,
        headers: { authorization: DEMO_AUTH, 'content-type': 'application/json' },
        payload: body(depth),
      });
      // The 33rd level of containers (the body is the first) is named.
      const field = `custom_fields.k${'.0'.repeat(30)}`;
      expect(expectError(res, 422).meta.errors).toEqual({
        [field]: [`${field} is nested too deeply (at most 32 levels).`],
      });
    }
    // 30 levels inside the field (32 in the body) are accepted.
    const accepted = await ctx.request({
      method: 'POST',
      url,
      headers: { authorization: DEMO_AUTH, 'content-type': 'application/json' },
      payload: body(30),
    });
    expect(accepted.statusCode).toBe(201);
  });

  it('422: a missing body names the missing field', async () => {
    const res = await ctx.request({ method: 'POST', url: TX, headers: { authorization: DEMO_AUTH } });
    expect(expectError(res, 422).meta.errors).toEqual({ amount: ['amount is required.'] });
  });

  it('500: a generic sentence, no stack, no SQL', async () => {
    const app = await buildApp({
      services: ctx.services,
      config: { bodyLimit: 65536, logLevel: 'silent' },
      logger: false,
    });
    app.get('/boom', async () => {
      throw new Error('select secret from vault where 1=1');
    });
    const res = await app.inject({ method: 'GET', url: '/boom' });
    expect(expectError(res, 500).meta.message).toBe('Internal server error.');
    expect(res.body).not.toContain('vault');
    await app.close();
  });

  it('503 (never 500): a database connection lost mid-request, or a database that cannot be reached', async () => {
    const app = await buildApp({
      services: ctx.services,
      config: { bodyLimit: 65536, logLevel: 'silent' },
      logger: false,
    });
    // What node-postgres throws: no SQLSTATE, so only the message says what happened.
    const lost = [
      new Error('Connection terminated unexpectedly'),
      new Error('Client has encountered a connection error and is not queryable'),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    ];
    app.get('/lost/:i', async (request) => {
      throw lost[Number((request.params as { i: string }).i)];
    });
    for (let i = 0; i < lost.length; i++) {
      const res = await app.inject({ method: 'GET', url: `/lost/${i}` });
      expect(expectError(res, 503).meta.message).toBe('The database is unavailable, please retry.');
      expect(res.headers['retry-after']).toBe('2');
      expect(res.body).not.toMatch(/terminated|queryable|ECONNREFUSED/);
    }
    await app.close();
  });

  it('503 in the envelope for a request that arrives while the server shuts down', async () => {
    const app = await buildApp({
      services: ctx.services,
      config: { bodyLimit: 65536, logLevel: 'silent' },
      logger: false,
    });
    let entered!: () => void;
    const inSlow = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    app.get('/slow', async () => {
      entered();
      await released;
      return { success: true, data: null, meta: [] };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await inSlow;
    const closed = app.close();
    // A second request on the busy connection, once closing has begun.
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    await closed;
    await ended;
    const answers = received.split(/(?=HTTP\/1\.1 )/);
    expect(answers).toHaveLength(2);
    expect(answers[0]).toMatch(/^HTTP\/1\.1 200 /);
    expect(answers[1]).toMatch(/^HTTP\/1\.1 503 /);
    expect(answers[1]).toMatch(/\r\nretry-after: 1\r\n/i);
    expect(answers[1]).toMatch(/\r\ncontent-type: application\/json/i);
    expect(answers[1]).toMatch(/\r\nconnection: close\r\n/i);
    expect(JSON.parse(answers[1]!.slice(answers[1]!.indexOf('\r\n\r\n') + 4))).toEqual({
      success: false,
      data: null,
      meta: { message: 'The server is shutting down, please retry.' },
    });
  });

  it('a client error with its own status keeps it (docs static files: 403, 412, 416), not 500, not logged as an error', async () => {
    const app = await buildApp({
      services: ctx.services,
      config: { bodyLimit: 65536, logLevel: 'silent' },
      logger: false,
    });
    const logged: unknown[] = [];
    app.addHook('onRequest', async (request) => {
      request.log.error = ((...args: unknown[]) => logged.push(args)) as never;
    });
    app.get('/boom', async () => {
      throw new Error('a bug');
    });
    // Over a real socket: an in-process request resolves `%2e%2e` before the router sees it.
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      // node:http sends the path as written (fetch would resolve `%2e%2e` too).
      const get = (path: string, headers: Record<string, string> = {}) =>
        new Promise<{ statusCode: number; headers: Record<string, unknown>; json: () => any }>(
          (resolve, reject) => {
            const { hostname, port } = new URL(base);
            const req = httpRequest({ host: hostname, port, path, headers }, (res) => {
              let body = '';
              res.setEncoding('utf8');
              res.on('data', (chunk: string) => (body += chunk));
              res.on('end', () =>
                resolve({
                  statusCode: res.statusCode ?? 0,
                  headers: res.headers,
                  json: () => JSON.parse(body),
                }),
              );
            });
            req.on('error', reject);
            req.end();
          },
        );
      const climb = await get('/docs/static/%2e%2e/%2e%2e/package.json');
      expect(expectError(climb, 403).meta.message).toBe('Forbidden.');
      expect(
        expectError(await get('/docs/static/index.css', { 'if-match': '"nope"' }), 412).meta.message,
      ).toBe('Precondition failed.');
      const range = await get('/docs/static/index.css', { range: 'bytes=5-1' });
      expect(expectError(range, 416).meta.message).toBe('Range not satisfiable.');
      expect(range.headers['content-range']).toMatch(/^bytes \*\/\d+$/);
      expect((await get('/docs/static/index.css')).statusCode).toBe(200);
      expect(logged).toEqual([]);
      // The recorder is live: a bug is still a 500, logged at error level.
      expectError(await get('/boom'), 500);
      expect(logged).toHaveLength(1);
    } finally {
      await app.close();
    }
  });

  it('every answer carries a request id', async () => {
    const res = await ctx.request({ method: 'GET', url: '/health', headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers['x-request-id']).toBe('abc-123');
  });
});
