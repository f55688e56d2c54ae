import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.js';
import { DIALECTS, type TestDatabase } from '../helpers/databases.js';
import {
  expectRowsMatch,
  fireAll,
  report,
  rowsByTitle,
  seedCard,
  send,
  ServerProcess,
  shuffled,
  tally,
  type Move,
  startTwoServers,
  stopServers,
} from '../helpers/server-process.js';

/**
 * SPEC §3 "Balance rule" and §4 idempotency, over HTTP against two real server processes that
 * share one database (one SQLite file, or one PostgreSQL database).
 */
for (const kind of DIALECTS) {
  describe(`money under concurrency, two server processes [${kind}]`, () => {
    let db: TestDatabase;
    let database: DatabaseHandle;
    let servers: ServerProcess[] = [];

    beforeAll(async () => ({ db, database, servers } = await startTwoServers(kind, 256)), 120_000);
    afterAll(() => stopServers({ db, database, servers }), 60_000);

    it('500 concurrent ±1 requests on one card: balance = start + accepted, one row per 200', async () => {
      const card = await seedCard(database, 2000);
      // 40 % top-ups, 60 % withdrawals: the balance reaches 0, so refusals happen too.
      const moves: Move[] = shuffled(
        Array.from({ length: 500 }, (_, i) => ({
          amountMinor: i % 5 < 2 ? 100 : -100,
          title: `pm-${i}`,
          chainLevel: i % 7 === 0,
        })),
      );
      const started = Date.now();
      const outcomes = await fireAll(servers, card, moves);
      const ms = Date.now() - started;

      const { accepted, refused, busy, acceptedSumMinor } = tally(outcomes);
      const after = await card.factory.balanceOf(card.cardId);
      expect(after.balance).toBe(card.openingMinor + acceptedSumMinor);
      expect(after.ledger).toBe(after.balance);
      expect(after.rows).toBe(1 + accepted.length);
      expectRowsMatch(outcomes, await rowsByTitle(database, card.cardId));
      expect(accepted.length + refused.length + busy.length).toBe(500);
      expect(refused.length).toBeGreaterThan(0);
      // Both processes did accept work.
      expect(new Set(accepted.map((o) => o.server)).size).toBe(2);
      report(
        `[${kind}] ±1 × 500 over 2 processes: accepted ${accepted.length} ` +
          `(+${accepted.filter((o) => o.amountMinor > 0).length} / −${accepted.filter((o) => o.amountMinor < 0).length}), ` +
          `refused ${refused.length}, busy ${busy.length}, balance 20 → ${after.balance / 100}, ${ms} ms`,
      );
    }, 180_000);

    it('a write answered by one process is read at once by the other, while reads keep both busy', async () => {
      // Under load each event-loop turn reads many requests, which share one read snapshot (or
      // one setup version read): the read that follows an answered write must still see it.
      const card = await seedCard(database, 0, { programs: true });
      const cardsPath = `/api/v1/loyalty/cards/${card.phone}/${card.chainId}/${card.locationId}`;
      const headers = { authorization: card.auth };
      let loading = true;
      let backgroundReads = 0;
      const background = servers.flatMap((server) =>
        Array.from({ length: 12 }, async () => {
          while (loading) {
            expect((await server.request('GET', cardsPath, { headers })).status).toBe(200);
            backgroundReads += 1;
          }
        }),
      );
      try {
        for (let i = 1; i <= 40; i++) {
          const writer = i % 2;
          const moved = await send(servers[writer]!, writer, card, { amountMinor: 100, title: `ryw-${i}` });
          expect(moved.status).toBe(200);
          // Setup data too, which every process keeps in memory: the card's program's title.
          const renamed = await servers[writer]!.request(
            'PUT',
            `/api/v1/chain/${card.chainId}/loyalty/programs/${card.programId}`,
            { headers, body: { title: `Program ${i}` } },
          );
          expect(renamed.status).toBe(200);
          const read = await servers[1 - writer]!.request('GET', cardsPath, { headers });
          expect(read.status).toBe(200);
          expect(read.json().data[0]).toMatchObject({ balance: i, programs: [{ title: `Program ${i}` }] });
        }
      } finally {
        loading = false;
        await Promise.all(background);
      }
      expect(backgroundReads).toBeGreaterThan(100);
    }, 120_000);

    it('withdrawal race: balance 100, 300 concurrent −1 → exactly 100 accepted', async () => {
      const card = await seedCard(database, 10000);
      const moves: Move[] = Array.from({ length: 300 }, (_, i) => ({ amountMinor: -100, title: `wr-${i}` }));
      const started = Date.now();
      const outcomes = await fireAll(servers, card, moves);
      const ms = Date.now() - started;

      const { accepted, refused, busy } = tally(outcomes);
      expect(busy).toHaveLength(0);
      expect(accepted).toHaveLength(100);
      expect(refused).toHaveLength(200);
      const after = await card.factory.balanceOf(card.cardId);
      expect(after).toEqual({ balance: 0, ledger: 0, rows: 101 });
      expectRowsMatch(outcomes, await rowsByTitle(database, card.cardId));
      const balances = accepted.map((o) => o.answer!.json().data.balance).sort((a, b) => a - b);
      // Each accepted withdrawal saw its own balance: 0, 1, …, 99, each once.
      expect(balances).toEqual(Array.from({ length: 100 }, (_, i) => i));
      report(
        `[${kind}] withdrawal race 300 × −1 on 100: accepted ${accepted.length}, refused ${refused.length}, ${ms} ms`,
      );
    }, 180_000);

    it('duplicate storm: 50 concurrent identical requests with one key → one row, identical answers', async () => {
      const card = await seedCard(database, 0);
      const move: Move = { amountMinor: 700, title: 'storm', key: `storm-${kind}-${card.cardId}` };
      const started = Date.now();
      let conflicts = 0;
      // Each client retries a 409 ("still running") until it gets the stored answer.
      const finals = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const server = servers[i % 2]!;
          const deadline = Date.now() + 60_000;
          while (Date.now() < deadline) {
            const outcome = await send(server, i % 2, card, move);
            if (outcome.status !== 409) return outcome;
            expect(outcome.answer!.headers['retry-after']).toBe('1');
            conflicts++;
            await new Promise((r) => setTimeout(r, 20));
          }
          throw new Error('still 409 after 60 s');
        }),
      );
      const ms = Date.now() - started;

      expect(finals.map((o) => o.status)).toEqual(Array(50).fill(200));
      expect(new Set(finals.map((o) => o.answer!.text)).size).toBe(1);
      const originals = finals.filter((o) => o.answer!.headers['idempotency-replayed'] !== 'true');
      expect(originals).toHaveLength(1);
      expect(finals.filter((o) => o.answer!.headers['idempotency-replayed'] === 'true')).toHaveLength(49);
      expect(finals[0]!.answer!.json().data.balance).toBe(7);
      expect(await card.factory.balanceOf(card.cardId)).toEqual({ balance: 700, ledger: 700, rows: 1 });
      expect((await rowsByTitle(database, card.cardId)).get('storm')).toBe(1);
      report(
        `[${kind}] duplicate storm 50 × one key: 1 executed, 49 replayed, ${conflicts} interim 409s, ${ms} ms`,
      );
    }, 180_000);

    it('200 parallel top-ups and 300 parallel withdrawals end with the exact balance', async () => {
      // Round 1, mixed: the opening 375.00 covers all 300 withdrawals of 1.25 in any order, so
      // every request must be accepted: 375 + 200 × 1.5 − 300 × 1.25 = 300.
      const card = await seedCard(database, 37500);
      const mixed: Move[] = shuffled([
        ...Array.from({ length: 200 }, (_, i) => ({ amountMinor: 150, title: `up-${i}` })),
        ...Array.from({ length: 300 }, (_, i) => ({ amountMinor: -125, title: `down-${i}` })),
      ]);
      let started = Date.now();
      const round1 = await fireAll(servers, card, mixed);
      const ms1 = Date.now() - started;
      const first = tally(round1);
      expect(first.busy).toHaveLength(0);
      expect(first.accepted).toHaveLength(500);
      expect(await card.factory.balanceOf(card.cardId)).toEqual({ balance: 30000, ledger: 30000, rows: 501 });

      // Round 2: 300 withdrawals of 1.25 on 300.00: the balance allows exactly 240.
      const drain: Move[] = Array.from({ length: 300 }, (_, i) => ({
        amountMinor: -125,
        title: `drain-${i}`,
      }));
      started = Date.now();
      const round2 = await fireAll(servers, card, drain);
      const ms2 = Date.now() - started;
      const second = tally(round2);
      expect(second.busy).toHaveLength(0);
      expect(second.accepted).toHaveLength(240);
      expect(second.refused).toHaveLength(60);
      expect(await card.factory.balanceOf(card.cardId)).toEqual({ balance: 0, ledger: 0, rows: 741 });
      expectRowsMatch([...round1, ...round2], await rowsByTitle(database, card.cardId));
      report(
        `[${kind}] 200 × +1.5 and 300 × −1.25 mixed on 375: all 500 accepted, balance 300, ${ms1} ms; ` +
          `then 300 × −1.25 on 300: ${second.accepted.length} accepted, ${second.refused.length} refused, balance 0, ${ms2} ms`,
      );
    }, 180_000);
  });
}
