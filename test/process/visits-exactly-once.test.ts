import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.js';
import { DIALECTS, type TestDatabase } from '../helpers/databases.js';
import { report, ServerProcess, shuffled, startTwoServers, stopServers } from '../helpers/server-process.js';
import {
  appointmentBody,
  cardFigures,
  GOLD_EARNS_MINOR,
  HAIRCUT_MINOR,
  seedVisitWorld,
  SILVER_EARNS_MINOR,
  untilFinal,
  visitLedger,
  visitPath,
  type Attempts,
  type VisitWorld,
} from '../helpers/visit-flows.js';

/**
 * Issue 21 item 5, SPEC §6.3 "Concurrent requests on one visit serialise: a visit closes and earns
 * exactly once, whatever the number of concurrent closers or server processes", over HTTP against
 * real server processes sharing one database (one SQLite file, or one PostgreSQL database):
 * concurrent closes split over two processes, and closes retried with one Idempotency-Key (the
 * checkouts through SIGKILLs are test/process/visits-crash.test.ts).
 * The world's client holds two cards that both earn on every close (Gold: 5 % of the paid amount,
 * 75.00 on a 1500.00 haircut; Silver: 10.00), so "earned once" means exactly one accrual row per
 * card and one `visits_count` step per card, per close.
 */

type Visit = { id: number; visit_id: number };

/** Closing with `fast_payment` pays whatever is due and closes: twenty of these may pay once only. */
const PAY_AND_CLOSE = { attendance: 1, comment: '', fast_payment: 1 };

async function createVisit(server: ServerProcess, world: VisitWorld, phone: string): Promise<Visit> {
  const made = await server.request('POST', `/api/v1/records/${world.locationId}`, {
    headers: { authorization: world.auth },
    body: appointmentBody(world, phone),
  });
  expect(made.status, made.text).toBe(201);
  return made.json().data as Visit;
}

/** One close, its payment and its two accruals, nothing more; the visit closed once. */
async function expectEarnedOnce(database: DatabaseHandle, world: VisitWorld, visits: Visit[]) {
  const { holders } = world;
  const stored = await visitLedger(
    database,
    visits.map((v) => v.visit_id),
  );
  for (const visit of visits) {
    const at = visit.visit_id;
    expect(stored.visits.find((v) => v.id === at)).toMatchObject({ state: 'closed', closes: 1 });
    expect(stored.payments.filter((p) => p.visit_id === at).map((p) => Number(p.amount_minor))).toEqual([
      HAIRCUT_MINOR,
    ]);
    const rows = stored.rows.filter((r) => r.visit_id === at);
    expect(rows.map((r) => [r.type_id, r.status_id, r.cancels_id, Number(r.amount_minor)]).sort()).toEqual(
      [
        [2, 1, null, GOLD_EARNS_MINOR],
        [2, 1, null, SILVER_EARNS_MINOR],
      ].sort(),
    );
    const closings = stored.closings.filter((c) => c.visit_id === at);
    expect(closings).toHaveLength(2);
    for (const c of closings) {
      expect(c).toMatchObject({ visits: 1, paid_minor: HAIRCUT_MINOR, sold_minor: HAIRCUT_MINOR });
      expect(c.reversed_at).toBeNull();
    }
  }
  // Every card of the one client moved once per visit, and its balance is its rows' sum.
  const holder = holders[0]!;
  const n = visits.length;
  const moved = { visits: n, paid: n * HAIRCUT_MINOR, sold: n * HAIRCUT_MINOR };
  expect(await cardFigures(database, holder.goldCardId)).toEqual({
    balance: n * GOLD_EARNS_MINOR,
    ledger: n * GOLD_EARNS_MINOR,
    ...moved,
  });
  expect(await cardFigures(database, holder.silverCardId)).toEqual({
    balance: n * SILVER_EARNS_MINOR,
    ledger: n * SILVER_EARNS_MINOR,
    ...moved,
  });
}

for (const kind of DIALECTS) {
  describe(`a visit closes and earns once, two server processes on one database [${kind}]`, () => {
    let db: TestDatabase;
    let database: DatabaseHandle;
    let servers: ServerProcess[] = [];

    beforeAll(async () => ({ db, database, servers } = await startTwoServers(kind, 64)), 120_000);
    afterAll(() => stopServers({ db, database, servers }), 60_000);

    it('twenty concurrent pay-and-close requests on one visit, split over both processes: one payment, one close, one accrual per card', async () => {
      const world = await seedVisitWorld(database);
      const phone = world.holders[0]!.phone;
      const visits: Visit[] = [];
      const seen = { busy: 0, byServer: [0, 0] };
      const started = Date.now();
      for (let round = 0; round < 3; round++) {
        const visit = await createVisit(servers[round % 2]!, world, phone);
        visits.push(visit);
        const finals: Attempts[] = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            untilFinal(() => servers[i % 2]!, 'PUT', visitPath(visit), {
              auth: world.auth,
              body: PAY_AND_CLOSE,
            }),
          ),
        );
        finals.forEach((f, i) => {
          expect(f.answer.status, f.answer.text).toBe(200);
          // Every answer shows the visit as the one close left it, whichever request closed it.
          expect(f.answer.json().data).toMatchObject({
            state: 'closed',
            amount_due: 0,
            paid_amount: HAIRCUT_MINOR / 100,
            sold_amount: HAIRCUT_MINOR / 100,
          });
          expect(f.unanswered).toBe(0);
          seen.busy += f.busy;
          seen.byServer[i % 2]! += 1;
        });
      }
      const ms = Date.now() - started;
      await expectEarnedOnce(database, world, visits);
      expect(seen.byServer).toEqual([30, 30]);
      report(
        `[${kind}] 3 visits × 20 concurrent pay-and-close over 2 processes: each paid once, closed once, ` +
          `earned once per card; ${seen.busy} interim 503s retried, ${ms} ms`,
      );
    }, 180_000);

    it('ten visits of one client closed at once over both processes: each close reads the figures the one before left', async () => {
      const world = await seedVisitWorld(database);
      const holder = world.holders[0]!;
      // Bronze: 1.00 a visit until the card has 5 visits, then 2.00 (type 9, rules on visits before).
      const s = world.factory.setup;
      const at = { chainId: world.chainId, locationIds: [world.locationId] };
      const ladder = await s.createProgram({
        ...at,
        title: 'Visits ladder',
        loyaltyTypeId: 9,
        valueUnitId: 2,
        rules: [
          { parameter: 0, value: 1 },
          { parameter: 5, value: 2 },
        ],
      });
      const bronze = await s.createCardType({ ...at, title: 'Bronze', programIds: [ladder] });
      const issued = await servers[0]!.request('POST', `/api/v1/loyalty/cards/${world.locationId}`, {
        headers: { authorization: world.auth },
        body: { loyalty_card_type_id: bronze, phone: holder.phone },
      });
      expect(issued.status, issued.text).toBe(200);
      const bronzeCardId = issued.json().data.id as number;

      const visits: Visit[] = [];
      for (let i = 0; i < 10; i++) visits.push(await createVisit(servers[i % 2]!, world, holder.phone));
      const finals = await Promise.all(
        shuffled(visits, 7).map((visit, i) =>
          untilFinal(() => servers[i % 2]!, 'PUT', visitPath(visit), {
            auth: world.auth,
            body: PAY_AND_CLOSE,
          }),
        ),
      );
      for (const f of finals) expect(f.answer.status, f.answer.text).toBe(200);
      expect(await cardFigures(database, holder.goldCardId)).toMatchObject({
        balance: 10 * GOLD_EARNS_MINOR,
        ledger: 10 * GOLD_EARNS_MINOR,
        visits: 10,
      });
      // Visits 1–5 find 0–4 visits before them (1.00 each), visits 6–10 find 5–9 (2.00 each): a
      // close that read a count another process had already moved past would earn otherwise.
      expect(await cardFigures(database, bronzeCardId)).toEqual({
        balance: 1500,
        ledger: 1500,
        visits: 10,
        paid: 10 * HAIRCUT_MINOR,
        sold: 10 * HAIRCUT_MINOR,
      });
      const stored = await visitLedger(
        database,
        visits.map((v) => v.visit_id),
      );
      const bronzeRows = stored.rows
        .filter((r) => r.card_id === bronzeCardId)
        .map((r) => Number(r.amount_minor));
      expect(bronzeRows.sort((a, b) => a - b)).toEqual([...Array(5).fill(100), ...Array(5).fill(200)]);
    }, 180_000);

    it('a close sent with an Idempotency-Key and retried, one after the other and all at once: one close, the same answer', async () => {
      const world = await seedVisitWorld(database);
      const phone = world.holders[0]!.phone;
      const auth = world.auth;

      // One after the other, on either process: the first runs, every retry replays it.
      const first = await createVisit(servers[0]!, world, phone);
      const key = `close-${kind}-${first.visit_id}`;
      const sequential: Attempts[] = [];
      for (let i = 0; i < 4; i++) {
        sequential.push(
          await untilFinal(() => servers[i % 2]!, 'PUT', visitPath(first), {
            auth,
            key,
            body: PAY_AND_CLOSE,
          }),
        );
      }
      expect(sequential.map((a) => a.answer.status)).toEqual([200, 200, 200, 200]);
      expect(sequential.map((a) => a.answer.headers['idempotency-replayed'] ?? 'no')).toEqual([
        'no',
        'true',
        'true',
        'true',
      ]);
      expect(new Set(sequential.map((a) => a.answer.text)).size).toBe(1);
      expect(sequential[0]!.answer.json().data).toMatchObject({ state: 'closed', paid_amount: 1500 });

      // The same key with another request is refused, and changes nothing.
      const other = await servers[1]!.request('PUT', visitPath(first), {
        headers: { authorization: auth, 'idempotency-key': key },
        body: { ...PAY_AND_CLOSE, attendance: 0 },
      });
      expect(other.status, other.text).toBe(422);
      expect(other.json()).toMatchObject({ success: false, data: null });

      // All at once, twenty requests with one key split over both processes: one runs, the others
      // wait out its 409s and get its stored answer.
      const second = await createVisit(servers[1]!, world, phone);
      const storm = `storm-${kind}-${second.visit_id}`;
      const started = Date.now();
      const concurrent = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          untilFinal(() => servers[i % 2]!, 'PUT', visitPath(second), {
            auth,
            key: storm,
            body: PAY_AND_CLOSE,
          }),
        ),
      );
      const ms = Date.now() - started;
      expect(concurrent.map((a) => a.answer.status)).toEqual(Array(20).fill(200));
      expect(new Set(concurrent.map((a) => a.answer.text)).size).toBe(1);
      const ran = concurrent.filter((a) => a.answer.headers['idempotency-replayed'] !== 'true');
      expect(ran).toHaveLength(1);
      expect(concurrent[0]!.answer.json().data).toMatchObject({ state: 'closed', paid_amount: 1500 });

      await expectEarnedOnce(database, world, [first, second]);
      report(
        `[${kind}] keyed close: 1 ran + 3 replayed one after the other; 20 at once with one key: ` +
          `1 ran, 19 replayed, ${concurrent.reduce((n, a) => n + a.conflicts, 0)} interim 409s, ${ms} ms`,
      );
    }, 180_000);
  });
}
