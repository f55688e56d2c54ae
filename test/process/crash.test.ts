import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.js';
import { DIALECTS, freshDatabase, openMigrated, type TestDatabase } from '../helpers/databases.js';
import {
  report,
  rowsByTitle,
  runAdmin,
  seedCard,
  send,
  ServerProcess,
  type Move,
  type Outcome,
} from '../helpers/server-process.js';

/**
 * A server is killed with SIGKILL in the middle of a write load and started again. Nothing that
 * was acknowledged may be lost, nothing may be counted twice, and `admin verify` must pass.
 */
for (const kind of DIALECTS) {
  describe(`crash in the middle of a write load [${kind}]`, () => {
    let db: TestDatabase;
    let database: DatabaseHandle;
    const servers: ServerProcess[] = [];

    beforeAll(async () => {
      db = await freshDatabase(kind);
      database = await openMigrated(db.url);
    });

    afterAll(async () => {
      await Promise.all(servers.map((s) => s.stop()));
      await database?.close();
      await db?.drop();
    }, 60_000);

    it('keeps every acknowledged transaction; retries with the same key never apply twice', async () => {
      const card = await seedCard(database, 100000);
      const [a, b] = await Promise.all([
        ServerProcess.start(db.url, { maxSockets: 16 }),
        ServerProcess.start(db.url, { maxSockets: 16 }),
      ]);
      servers.push(a, b);

      const total = 600;
      const moves: Move[] = Array.from({ length: total }, (_, i) => ({
        amountMinor: i % 3 === 0 ? -250 : 100,
        title: `crash-${i}`,
        key: `crash-${kind}-${i}`,
      }));
      let answeredByA = 0;
      let killed: Promise<void> | null = null;
      const started = Date.now();
      // Each request goes to A or B in turn; after A has answered 100 requests it is killed
      // with its next ones in flight. Requests for A after that fail: their outcome is unknown.
      const outcomes: Outcome[] = await Promise.all(
        moves.map(async (move, i) => {
          const server = i % 2 === 0 ? a : b;
          const outcome = await send(server, i % 2, card, move);
          if (server === a && outcome.status !== 0 && ++answeredByA === 100) killed = a.kill();
          return outcome;
        }),
      );
      await killed;
      const loadMs = Date.now() - started;
      const lost = outcomes.filter((o) => o.status === 0);
      expect(killed).not.toBeNull();
      expect(lost.length).toBeGreaterThan(0);
      for (const o of outcomes.filter((x) => x.status !== 0)) expect([200, 422]).toContain(o.status);

      // A comes back on the same database; every request that got no answer is retried on it
      // with its key. A committed effect has its answer stored with it, so it is replayed, never
      // applied again; a request that died mid-way left no effect (its key answers 409 until the
      // claim's lease passes, or runs now if it never got as far as claiming).
      const restarted = await ServerProcess.start(db.url, { maxSockets: 16 });
      servers.push(restarted);
      const retried = await Promise.all(lost.map((move) => send(restarted, 2, card, move)));
      for (const o of retried) expect([200, 409, 422]).toContain(o.status);
      const replayed = retried.filter((o) => o.answer?.headers['idempotency-replayed'] === 'true');

      // The restarted server takes new work too.
      const after = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          send(restarted, 2, card, { amountMinor: 100, title: `after-${i}`, key: `after-${kind}-${i}` }),
        ),
      );
      expect(after.map((o) => o.status)).toEqual(Array(50).fill(200));

      const rows = await rowsByTitle(database, card.cardId);
      const acknowledged = [
        ...outcomes.filter((o) => o.status === 200),
        ...retried.filter((o) => o.status === 200),
        ...after,
      ];
      const missing = acknowledged.filter((o) => rows.get(o.title) !== 1).map((o) => o.title);
      expect(missing).toEqual([]);
      // Nothing counted twice; nothing refused or still unanswered was applied.
      expect([...rows.entries()].filter(([, n]) => n > 1)).toEqual([]);
      const settledWithoutEffect = [
        ...outcomes.filter((o) => o.status === 422),
        ...retried.filter((o) => o.status === 409 || o.status === 422),
      ];
      expect(settledWithoutEffect.filter((o) => rows.has(o.title)).map((o) => o.title)).toEqual([]);

      const balance = await card.factory.balanceOf(card.cardId);
      expect(balance.balance).toBe(balance.ledger);
      expect(balance.rows).toBe(1 + new Set(acknowledged.map((o) => o.title)).size);

      const verify = await runAdmin(db.url, ['verify']);
      expect(verify.code, verify.stderr).toBe(0);
      expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, mismatches: [] });
      report(
        `[${kind}] crash: ${total} requests, A killed after 100 answers; ${lost.length} unanswered, ` +
          `retried: ${retried.filter((o) => o.status === 200).length - replayed.length} ran now, ` +
          `${replayed.length} replayed, ${retried.filter((o) => o.status === 409).length} still claimed (409); ` +
          `${acknowledged.length} acknowledged all present, verify ok, load ${loadMs} ms`,
      );
    }, 180_000);
  });
}
