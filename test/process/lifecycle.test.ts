import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/db/database.js';
import { sqlitePath } from '../../src/config.js';
import { DIALECTS, freshDatabase, openMigrated, type TestDatabase } from '../helpers/databases.js';
import { seedCard, ServerProcess } from '../helpers/server-process.js';
import { manualTransactionPath } from '../helpers/cards.js';

/**
 * What only a real process shows: `npm start`'s entry serves /health on either database, logs
 * JSON lines with a request id and never a token or password, and on SIGTERM lets an in-flight
 * request finish before it closes the database and exits 0.
 */
for (const kind of DIALECTS) {
  describe(`server process [${kind}]`, () => {
    const cleanup: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const step of cleanup.splice(0).reverse()) await step();
    });

    async function setup() {
      const db: TestDatabase = await freshDatabase(kind);
      cleanup.push(() => db.drop());
      const database = await openMigrated(db.url);
      const seeded = await seedCard(database, 1000);
      const user = await database.db
        .selectFrom('users')
        .select('login')
        .where('id', '=', seeded.user.id)
        .executeTakeFirstOrThrow();
      await database.close();
      const server = await ServerProcess.start(db.url, { env: { LOG_LEVEL: 'info' } });
      cleanup.push(() => server.kill());
      return { db, server, seeded, login: user.login };
    }

    it('serves /health and logs JSON lines with a request id, never a secret', async () => {
      const { server, seeded, login } = await setup();
      const health = await server.request('GET', '/health');
      expect(health.status).toBe(200);
      expect(health.json().data).toEqual({ status: 'ok', database: kind });

      const auth = await server.request('POST', '/api/v1/auth', {
        headers: { authorization: seeded.partnerAuth },
        body: { login, password: 'secret-password' },
      });
      expect(auth.status).toBe(201);
      const userToken: string = auth.json().data.user_token;
      const moved = await server.request(
        'POST',
        `/api/v1${manualTransactionPath({ location: seeded.locationId }, seeded.cardId)}`,
        { headers: { authorization: seeded.auth, 'x-request-id': 'trace-me-42' }, body: { amount: 1 } },
      );
      expect(moved.status).toBe(200);
      expect(moved.headers['x-request-id']).toBe('trace-me-42');

      await sleep(200);
      const lines = server
        .fullLog()
        .split('\n')
        .filter((line) => line.trim() !== '');
      expect(lines.length).toBeGreaterThan(3);
      for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
      expect(lines.some((line) => JSON.parse(line).reqId === 'trace-me-42')).toBe(true);
      const everything = lines.join('\n');
      for (const secret of [seeded.partner.token, seeded.user.token, userToken, 'secret-password']) {
        expect(everything).not.toContain(secret);
      }
    });

    it('on SIGTERM, finishes the in-flight request, closes the database and exits 0', async () => {
      const { db, server, seeded } = await setup();
      // Hold the card's write lock from outside, so the request is provably in flight when the
      // signal arrives: it waits on the lock, inside the server, until the lock is let go.
      let release: () => Promise<void>;
      if (kind === 'postgres') {
        const client = new pg.Client({ connectionString: db.url });
        await client.connect();
        await client.query('begin');
        await client.query('select id from cards where id = $1 for update', [seeded.cardId]);
        release = async () => {
          await client.query('commit');
          await client.end();
        };
      } else {
        const sqlite = openSqlite(sqlitePath(db.url));
        sqlite.exec('begin immediate');
        release = async () => {
          sqlite.exec('commit');
          sqlite.close();
        };
      }
      const inFlight = server.request(
        'POST',
        `/api/v1${manualTransactionPath({ location: seeded.locationId }, seeded.cardId)}`,
        { headers: { authorization: seeded.auth }, body: { amount: 2.5, title: 'in flight' } },
      );
      await sleep(500);
      server.child.kill('SIGTERM');
      await sleep(300);
      await release!();

      const answer = await Promise.race([
        inFlight,
        sleep(15_000).then(() => {
          throw new Error(`no answer:\n${server.fullLog()}`);
        }),
      ]);
      expect(answer.status).toBe(200);
      expect(answer.json().data.balance).toBe(12.5);
      expect(await server.exitCode()).toBe(0);
      expect(server.fullLog()).toContain('shutting down');

      const database = await openMigrated(db.url);
      cleanup.push(() => database.close());
      const row = await database.db
        .selectFrom('transactions')
        .select('amount_minor')
        .where('card_id', '=', seeded.cardId)
        .where('title', '=', 'in flight')
        .executeTakeFirst();
      expect(row?.amount_minor).toBe(250);
    });
  });
}
