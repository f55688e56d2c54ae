import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.js';
import { LedgerService } from '../../src/modules/ledger/ledger.service.js';
import { DIALECTS, type TestDatabase } from '../helpers/databases.js';
import {
  report,
  seedCard,
  ServerProcess,
  startTwoServers,
  stopServers,
  type HttpAnswer,
} from '../helpers/server-process.js';
import { defaultAccounts, insertService, insertStaff } from '../helpers/visits.js';
import { loyaltyPath } from '../helpers/visit-loyalty.js';

type Card = Awaited<ReturnType<typeof seedCard>>;

/**
 * SPEC §6.4 and §4 over HTTP against two real server processes sharing one database: paying from
 * one card in many visits at once never overdraws it and never loses an update, and a keyed
 * withdrawal sent to both processes is applied once.
 */
for (const kind of DIALECTS) {
  describe(`paying visits from one card, two server processes [${kind}]`, () => {
    let db: TestDatabase;
    let database: DatabaseHandle;
    let servers: ServerProcess[] = [];

    beforeAll(async () => ({ db, database, servers } = await startTwoServers(kind, 64)), 120_000);
    afterAll(() => stopServers({ db, database, servers }), 60_000);

    /** A card with an opening balance, a haircut of 15.00 at its location, and `count` open visits of its holder. */
    async function visitsOfOneCard(openingMinor: number, count: number) {
      const card = await seedCard(database, openingMinor);
      const service = await insertService(database, card.locationId, 'Haircut', 1500);
      const staff = await insertStaff(database, card.locationId, 'Master');
      await defaultAccounts(database, card.locationId);
      const visits: { id: number; visit_id: number }[] = [];
      for (let i = 0; i < count; i++) {
        const made = await servers[i % 2]!.request('POST', `/api/v1/records/${card.locationId}`, {
          headers: { authorization: card.auth },
          body: {
            staff_id: staff,
            services: [{ id: service }],
            client: { phone: card.phone },
            datetime: '2024-03-01T10:00:00+03:00',
            seance_length: 3600,
          },
        });
        expect(made.status, made.text).toBe(201);
        visits.push(made.json().data);
      }
      return { card, visits };
    }

    function withdraw(
      server: ServerProcess,
      card: Card,
      visit: { id: number; visit_id: number },
      amount: number,
      key?: string,
    ) {
      return server.request(
        'POST',
        `/api/v1${loyaltyPath('applyWithdrawal', card.locationId, card.cardId)}`,
        {
          headers: { authorization: card.auth, ...(key ? { 'idempotency-key': key } : {}) },
          body: { amount, record_id: visit.id, visit_id: visit.visit_id },
        },
      );
    }

    /** The card's live withdrawals (type 3, no compensation), in currency units, by visit. */
    async function withdrawalsOf(card: Card) {
      const rows = await database.db
        .selectFrom('transactions as t')
        .select(['t.visit_id', 't.amount_minor'])
        .where('t.card_id', '=', card.cardId)
        .where('t.type_id', '=', 3)
        .where('t.status_id', '=', 1)
        .execute();
      return rows.map((r) => ({ visit: r.visit_id!, minor: Number(r.amount_minor) }));
    }

    async function expectLedgerExact(card: Card) {
      const report = await new LedgerService(database.db).verify();
      expect(report.mismatches).toEqual([]);
      expect(report.rows).toEqual([]);
      const after = await card.factory.balanceOf(card.cardId);
      expect(after.balance).toBe(after.ledger);
      expect(after.balance).toBeGreaterThanOrEqual(0);
      return after;
    }

    it('40 withdrawals of 7.00 from a card holding 100.00, in 20 visits through both processes: exactly 100.00 taken', async () => {
      const { card, visits } = await visitsOfOneCard(10_000, 20);
      const started = Date.now();
      // Two requests per visit, one through each process, all at once.
      const answers: HttpAnswer[] = await Promise.all(
        visits.flatMap((visit) => servers.map((server) => withdraw(server, card, visit, 7))),
      );
      const ms = Date.now() - started;
      for (const answer of answers) {
        expect(answer.status, answer.text).toBe(200);
        for (const row of answer.json().loyalty_transactions) expect(row.amount).toBeGreaterThan(0);
      }
      // Each withdrawal took min(7, what was left): fourteen took 7, one took the last 2, the rest
      // nothing — whatever the order, one row each.
      const taken = await withdrawalsOf(card);
      expect(taken.map((t) => t.minor).sort((a, b) => a - b)).toEqual([200, ...Array(14).fill(700)]);
      for (const visit of visits) {
        const ofVisit = taken.filter((t) => t.visit === visit.visit_id).reduce((s, t) => s + t.minor, 0);
        expect(ofVisit).toBeLessThanOrEqual(1400);
      }
      expect(await expectLedgerExact(card)).toMatchObject({ balance: 0, ledger: 0 });
      report(`[${kind}] 40 × 7.00 from 100.00 over 20 visits, 2 processes: 15 rows, balance 0, ${ms} ms`);
    }, 180_000);

    it('a keyed withdrawal sent to both processes at once is applied once, and both get the same answer', async () => {
      const { card, visits } = await visitsOfOneCard(10_000, 10);
      let conflicts = 0;
      const finals = await Promise.all(
        visits.flatMap((visit, v) =>
          servers.map(async (server) => {
            const key = `vw-${kind}-${card.cardId}-${v}`;
            const deadline = Date.now() + 60_000;
            while (Date.now() < deadline) {
              const answer = await withdraw(server, card, visit, 5, key);
              if (answer.status !== 409) return { v, answer };
              conflicts++;
              await new Promise((r) => setTimeout(r, 20));
            }
            throw new Error('still 409 after 60 s');
          }),
        ),
      );
      for (let v = 0; v < visits.length; v++) {
        const pair = finals.filter((f) => f.v === v).map((f) => f.answer);
        expect(pair.map((a) => a.status)).toEqual([200, 200]);
        expect(pair[0]!.text).toBe(pair[1]!.text);
        expect(pair.filter((a) => a.headers['idempotency-replayed'] === 'true')).toHaveLength(1);
      }
      const taken = await withdrawalsOf(card);
      expect(taken.map((t) => t.minor)).toEqual(Array(10).fill(500));
      expect(await expectLedgerExact(card)).toMatchObject({ balance: 5000 });
      report(
        `[${kind}] 10 keyed withdrawals, each sent to both processes: 10 applied, ${conflicts} interim 409s`,
      );
    }, 180_000);
  });
}
