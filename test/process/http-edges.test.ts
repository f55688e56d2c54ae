import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.js';
import { DIALECTS, freshDatabase, openMigrated, type TestDatabase } from '../helpers/databases.js';
import { rawExchange, type RawExchange } from '../helpers/raw-http.js';
import { pathOf, seedCard, ServerProcess } from '../helpers/server-process.js';

/**
 * What happens below the routes, against a real server process over raw sockets: requests that
 * stall (issue 19, item 5) and requests Node's HTTP parser refuses (item 7). Every answer is the
 * error envelope, as JSON, on a connection the server then closes. Short timeouts keep it quick.
 */
const HEADERS_TIMEOUT_MS = 500;
const REQUEST_TIMEOUT_MS = 1000;
const KEEP_ALIVE_TIMEOUT_MS = 1000;
/** Node checks for late requests every quarter of the headers timeout (at most every second). */
const SLACK_MS = 1500;

function expectEnvelope(exchange: RawExchange, status: number): string {
  expect(exchange.status, exchange.raw).toBe(status);
  expect(exchange.answers).toBe(1);
  expect(exchange.headers['content-type']).toMatch(/^application\/json/);
  expect(exchange.headers.connection).toBe('close');
  expect(exchange.closed).toBe(true);
  const body = JSON.parse(exchange.body);
  expect(body).toEqual({ success: false, data: null, meta: { message: expect.any(String) } });
  expect(exchange.body).not.toMatch(/HPE_|ERR_|Parse Error|at .*\.(ts|js):\d+/);
  return body.meta.message;
}

for (const kind of DIALECTS) {
  describe(`requests that stall or that Node's parser refuses [${kind}]`, () => {
    let db: TestDatabase;
    let database: DatabaseHandle;
    let server: ServerProcess;
    let card: Awaited<ReturnType<typeof seedCard>>;

    beforeAll(async () => {
      db = await freshDatabase(kind);
      database = await openMigrated(db.url);
      card = await seedCard(database, 1000);
      server = await ServerProcess.start(db.url, {
        env: {
          HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
          REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
          KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_TIMEOUT_MS),
        },
      });
    }, 120_000);

    afterAll(async () => {
      await server?.stop();
      await database?.close();
      await db?.drop();
    }, 60_000);

    const head = (length: number) =>
      `POST ${pathOf(card)} HTTP/1.1\r\nHost: x\r\nAuthorization: ${card.auth}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

    it('a body that stops half-way: 408 within the request timeout, and nothing is written', async () => {
      const before = await card.factory.balanceOf(card.cardId);
      const body = JSON.stringify({ amount: 5, title: 'never complete' });
      const stalled = await rawExchange(server.port, [head(body.length), body.slice(0, 10)]);
      const message = expectEnvelope(stalled, 408);
      expect(message).toMatch(/not received in time/);
      expect(stalled.ms).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
      expect(stalled.ms).toBeLessThan(REQUEST_TIMEOUT_MS + SLACK_MS);
      // A body that is slow but complete in time is served.
      const slow = await rawExchange(
        server.port,
        [head(body.length), body.slice(0, 10), 300, body.slice(10)],
        { untilAnswer: true },
      );
      expect(slow.status, slow.raw).toBe(200);
      const after = await card.factory.balanceOf(card.cardId);
      expect(after).toEqual({
        balance: before.balance + 500,
        ledger: before.ledger + 500,
        rows: before.rows + 1,
      });
    });

    it('headers that stop half-way, or a connection that sends nothing: 408 within the headers timeout', async () => {
      for (const parts of [['GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: '], []]) {
        const exchange = await rawExchange(server.port, parts);
        expect(expectEnvelope(exchange, 408)).toMatch(/headers must arrive within 0\.5 s/);
        expect(exchange.ms).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
        expect(exchange.ms).toBeLessThan(HEADERS_TIMEOUT_MS + SLACK_MS);
      }
    });

    it('a request that was answered before its body came (401) is not answered twice', async () => {
      const exchange = await rawExchange(server.port, [
        `POST ${pathOf(card)} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{`,
      ]);
      expect(exchange.status).toBe(401);
      expect(exchange.answers).toBe(1);
      expect(exchange.closed).toBe(true);
      expect(exchange.ms).toBeLessThan(REQUEST_TIMEOUT_MS + SLACK_MS);
    });

    it('an idle kept-alive connection is closed after the keep-alive timeout', async () => {
      const exchange = await rawExchange(server.port, ['GET /health HTTP/1.1\r\nHost: x\r\n\r\n']);
      expect(exchange.status).toBe(200);
      expect(exchange.answers).toBe(1);
      expect(exchange.headers['keep-alive']).toBe(`timeout=${KEEP_ALIVE_TIMEOUT_MS / 1000}`);
      expect(exchange.closed).toBe(true);
      // Node closes it once the keep-alive timeout has passed, plus a second's grace.
      expect(exchange.ms).toBeLessThan(KEEP_ALIVE_TIMEOUT_MS + 1000 + SLACK_MS);
    });

    it.each([
      ['an unknown method', 'FOO /health HTTP/1.1\r\nHost: x\r\n\r\n', 400, /unknown method/],
      ['a NUL in a header', 'GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n', 400, /invalid character/],
      [
        'Content-Length with Transfer-Encoding',
        'POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
        400,
        /Content-Length and Transfer-Encoding/,
      ],
      ['not HTTP at all', 'hello\r\n\r\n', 400, /Malformed HTTP request/],
      [
        'an HTTP/1.1 request without Host',
        'GET /health HTTP/1.1\r\nConnection: close\r\n\r\n',
        400,
        /needs a Host header/,
      ],
      [
        'an Expect other than 100-continue',
        'POST /health HTTP/1.1\r\nHost: x\r\nExpect: foo\r\nContent-Length: 2\r\n\r\n{}',
        417,
        /only 100-continue/,
      ],
      [
        'headers over 16 KiB',
        `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
        431,
        /too large/,
      ],
    ])('%s: refused below the routes, in the envelope', async (_name, request, status, message) => {
      const exchange = await rawExchange(server.port, [request]);
      expect(expectEnvelope(exchange, status)).toMatch(message);
      expect(exchange.ms).toBeLessThan(HEADERS_TIMEOUT_MS);
    });

    it('TRACE on a known path: 405 with Allow; a 101-digit card id: 414; both in the envelope', async () => {
      const trace = await rawExchange(server.port, [
        'TRACE /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      ]);
      expect(expectEnvelope(trace, 405)).toBe('Method TRACE is not allowed on /health.');
      expect(trace.headers.allow).toBe('GET, HEAD');
      const long = await rawExchange(server.port, [
        `GET /api/v1/loyalty/cards/${card.locationId}/${'9'.repeat(101)}/transactions HTTP/1.1\r\n` +
          `Host: x\r\nAuthorization: ${card.auth}\r\nConnection: close\r\n\r\n`,
      ]);
      expect(expectEnvelope(long, 414)).toMatch(/over 100 characters/);
    });

    it('logs none of it above debug, and the server keeps serving', async () => {
      expect(server.running).toBe(true);
      expect((await server.request('GET', '/health')).status).toBe(200);
      const noisy = server
        .printedLines()
        .lines.filter((line) => line.trim() !== '' && (JSON.parse(line) as { level: number }).level >= 40);
      expect(noisy).toEqual([]);
    });
  });
}
