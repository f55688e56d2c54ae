import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { FAST_PATHS, type DatabaseKind, type FastPath } from '../../src/config.js';
import { sql } from 'kysely';
import { postgresOf, sqliteConnectionsOf, type DatabaseHandle } from '../../src/db/database.js';
import { groupsCommits } from '../../src/db/group-commit.js';
import { prepared } from '../../src/db/prepared.js';
import { createServices } from '../../src/services.js';
import { DIALECTS, freshDatabase, openMigrated, type TestDatabase } from '../helpers/databases.js';
import { Factory } from '../helpers/factory.js';

/**
 * Each database fast path switched off (DB_FAST_PATHS_OFF) only costs speed: the server still
 * answers the same, balances still equal their ledger, and setup changes made elsewhere still
 * show on the next request. Each switch runs the same short story against the real app, on a
 * handle with that fast path (or all of them) off; another handle on the same database plays
 * another process. The full suites run with a switch off too: see the README's "Performance
 * mechanisms".
 */

/** The switches that change anything on each dialect (the others are SQLite's own, or PostgreSQL's). */
const APPLIES: Record<DatabaseKind, readonly FastPath[]> = {
  sqlite: FAST_PATHS.filter((name) => name !== 'named-statements'),
  postgres: ['setup-cache', 'arrival-sharing', 'query-templates', 'named-statements'],
};

const chainIds = prepared((db, p: { id: number }) =>
  db.selectFrom('chains').select('id').where('id', '=', p.id),
);

/** Whether the handle shows the fast path as switched off (where that can be seen from outside). */
async function isOff(handle: DatabaseHandle, name: FastPath): Promise<boolean | 'unseen'> {
  const sqlite = sqliteConnectionsOf(handle.db);
  const either = sqlite ?? postgresOf(handle.db)!;
  switch (name) {
    case 'setup-cache':
      return either.setup === null;
    case 'arrival-sharing':
      return !either.shareArrivals;
    case 'query-templates':
      return !either.compileOnce;
    case 'read-snapshots':
      // A read outside a transaction leaves its snapshot open until the end of the turn.
      await chainIds(handle.db, { id: -1 });
      return !sqlite!.reader!.database.inTransaction;
    case 'group-commit':
      return !groupsCommits(handle.db);
    case 'statement-cache':
      return sqlite!.writer.prepare('select 1') !== sqlite!.writer.prepare('select 1');
    case 'background-checkpoints':
      // The worker's backstop threshold, else SQLite's default.
      return sqlite!.writer.database.pragma('wal_autocheckpoint', { simple: true }) === 1000;
    case 'named-statements': {
      const { rows } = await sql<{ n: number }>`select count(*) as n from pg_prepared_statements`.execute(
        handle.db,
      );
      return rows[0]!.n === 0;
    }
    case 'writer-queue':
      return 'unseen';
  }
}

for (const kind of DIALECTS) {
  describe(`fast paths switched off [${kind}]`, () => {
    let database: TestDatabase;
    /** Another process on the same database, with every fast path on. */
    let other: DatabaseHandle;

    beforeAll(async () => {
      database = await freshDatabase(kind);
      other = await openMigrated(database.url, { fastPathsOff: [] });
    });
    afterAll(async () => {
      await other?.close();
      await database?.drop();
    });

    const cases: [string, FastPath[]][] = [
      ...APPLIES[kind].map((name): [string, FastPath[]] => [name, [name]]),
      ['all', [...FAST_PATHS]],
    ];

    it.each(cases)(
      '%s off: same answers, balance = ledger, setup changes seen at once',
      async (_name, off) => {
        const handle = await openMigrated(database.url, { fastPathsOff: off, backgroundCheckpoints: true });
        let app: FastifyInstance | undefined;
        try {
          // The switches took effect (named statements show only once queries ran: checked last).
          for (const name of APPLIES[kind]) {
            const seen = name === 'named-statements' ? 'unseen' : await isOff(handle, name);
            if (seen !== 'unseen') expect({ name, off: seen }).toEqual({ name, off: off.includes(name) });
          }
          const services = createServices(handle);
          app = await buildApp({ services, config: { bodyLimit: 65536, logLevel: 'silent' }, logger: false });
          const w = await new Factory(other).world({ programs: true });
          const api = async (method: 'GET' | 'POST', path: string, payload?: object, auth = w.auth) => {
            const res = await app!.inject({
              method,
              url: `/api/v1${path}`,
              headers: { authorization: auth },
              ...(payload ? { payload } : {}),
            });
            return { status: res.statusCode, body: res.json() };
          };
          const transact = (cardId: number, amount: number) =>
            api('POST', `/company/${w.locationId}/loyalty/cards/${cardId}/manual_transaction`, { amount });

          const issued = await api('POST', `/loyalty/cards/${w.locationId}`, {
            loyalty_card_type_id: w.cardTypeId,
            phone: w.phone,
          });
          expect(issued.status).toBe(200);
          const cardId = issued.body.data.id as number;

          // A top-up, then writes of one turn (a group commit on SQLite) that succeed in any order
          // (on PostgreSQL they commit in any order), then one beyond the balance.
          expect((await transact(cardId, 10)).status).toBe(200);
          const writes = await Promise.all([2, -3, 1, 1].map((amount) => transact(cardId, amount)));
          expect(writes.map((r) => r.status)).toEqual([200, 200, 200, 200]);
          const refused = await transact(cardId, -12);
          expect(refused.status).toBe(422);
          expect(refused.body.success).toBe(false);

          const read = await api('GET', `/loyalty/cards/${w.phone}/0/${w.locationId}`);
          expect(read.status).toBe(200);
          expect(read.body.data).toHaveLength(1);
          expect(read.body.data[0]).toMatchObject({ id: cardId, balance: 11 });
          expect(read.body.data[0].programs.map((p: any) => p.rules.map((r: any) => r.value))).toEqual([
            [5, 10],
          ]);
          expect(await new Factory(handle).balanceOf(cardId)).toEqual({
            balance: 1100,
            ledger: 1100,
            rows: 5,
          });

          // Setup data changed by another process: the very next request sees it.
          await other.db
            .updateTable('program_rules')
            .set({ value_hundredths: 700 })
            .where('program_id', '=', w.programId!)
            .where('parameter', '=', 0)
            .execute();
          const after = await transact(cardId, 1);
          expect(after.status).toBe(200);
          expect(after.body.data.max_discount_percent).toBe(7);
          const token = await new Factory(other).setup.rotatePartnerToken(w.partner.id);
          expect((await api('GET', `/loyalty/cards/${w.phone}/0/${w.locationId}`)).status).toBe(401);
          const renewed = `Bearer ${token}, User ${w.user.token}`;
          const again = await api('GET', `/loyalty/cards/${w.phone}/0/${w.locationId}`, undefined, renewed);
          expect(again.status).toBe(200);
          expect(again.body.data[0]).toMatchObject({ id: cardId, balance: 12 });
          if (kind === 'postgres')
            expect(await isOff(handle, 'named-statements')).toBe(off.includes('named-statements'));
        } finally {
          await app?.close();
          await handle.close();
        }
      },
    );
  });
}
