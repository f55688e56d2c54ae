import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.js';
import { DIALECTS, freshDatabase, openMigrated, type TestDatabase } from '../helpers/databases.js';
import { report, runAdmin, ServerProcess } from '../helpers/server-process.js';
import {
  appointmentBody,
  cardFigures,
  CLOSE_BODY,
  GOLD_EARNS_MINOR,
  HAIRCUT_MINOR,
  payBody,
  seedVisitWorld,
  SILVER_EARNS_MINOR,
  untilFinal,
  visitLedger,
  visitPath,
  type Attempts,
  type VisitWorld,
} from '../helpers/visit-flows.js';

/**
 * Issue 21 item 5: "a crash between payment and close loses nothing and earns nothing twice".
 * Checkouts — create the appointment, pay it, close it, each step with its own Idempotency-Key —
 * run against two server processes on one database while, at random moments, one of them is
 * killed with SIGKILL (its requests in flight die unanswered) and started again. Every step is
 * sent again with its key until it gets its answer, as an integrator would. Afterwards: no
 * appointment booked twice, every acknowledged payment there exactly once, every visit closed
 * once and earned once per card, every card's figures exactly its checkouts', and `admin verify`
 * clean. A key claimed by a request that was killed is taken over only when its 30 s lease has
 * passed (src/http/idempotency.ts), so the run lasts at least that long.
 */

type Visit = { id: number; visit_id: number };

interface Flow {
  n: number;
  holder: VisitWorld['holders'][number];
  visit?: Visit;
  steps: Attempts[];
}

/**
 * Sends a request and, the moment its answer begins to arrive (the server answers a write only
 * once it has committed), kills the server with SIGKILL and drops the connection: the effect is
 * committed and its answer lost. Resolves with the status the answer was starting with.
 */
function killAsItAnswers(
  server: ServerProcess,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: unknown,
): Promise<number> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        method,
        path,
        agent: false,
        headers: {
          ...headers,
          accept: 'application/json',
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (answer) => {
        server.child.kill('SIGKILL');
        request.destroy();
        resolve(answer.statusCode ?? 0);
      },
    );
    request.on('error', (error) => reject(error));
    request.end(payload);
  });
}

const KILLS = 4;
const WORKERS = 8;
const MIN_FLOWS = 24;
const MAX_FLOWS = 1000;

for (const kind of DIALECTS) {
  describe(`checkouts while server processes are killed and restarted [${kind}]`, () => {
    let db: TestDatabase;
    let database: DatabaseHandle;
    const started: ServerProcess[] = [];

    beforeAll(async () => {
      db = await freshDatabase(kind);
      database = await openMigrated(db.url);
    }, 60_000);

    afterAll(async () => {
      await Promise.all(started.map((s) => s.stop()));
      await database?.close();
      await db?.drop();
    }, 60_000);

    it('appointment → pay → close, each step retried with its key through SIGKILLs: nothing lost, every visit earned exactly once, verify clean', async () => {
      const world = await seedVisitWorld(database, 3);
      const start = async () => {
        const server = await ServerProcess.start(db.url, { maxSockets: 16 });
        started.push(server);
        return server;
      };
      const slots = await Promise.all([start(), start()]);
      const flows: Flow[] = [];

      // The killer: KILLS times, at a random moment 0.3 to 1.5 s after the last, SIGKILL one of
      // the servers that are up and start it again on the same
      // database, without waiting for it: the next kill may find the other one alone, or both down.
      let killing = true;
      const killedAt: string[] = [];
      const killer = (async () => {
        const restarts: Promise<void>[] = [];
        try {
          for (let k = 0; k < KILLS; k++) {
            await sleep(300 + Math.random() * 1200);
            while (!slots.some((s) => s.running)) await sleep(5);
            const up = [0, 1].filter((i) => slots[i]!.running);
            const slot = up[Math.floor(Math.random() * up.length)]!;
            killedAt.push(`${slot}@${flows.length}`);
            await slots[slot]!.kill();
            restarts.push(
              start().then((server) => {
                slots[slot] = server;
              }),
            );
          }
        } finally {
          await Promise.all(restarts);
          killing = false;
        }
      })();

      // A flow's attempts go to its own slot first, and to the other one while that one is down.
      const pick = (n: number) => (attempt: number) =>
        [slots[(n + attempt) % 2]!, slots[(n + attempt + 1) % 2]!].find((s) => s.running) ?? null;
      const checkout = async (flow: Flow) => {
        const common = { auth: world.auth, deadlineMs: 120_000 };
        const at = pick(flow.n);
        const made = await untilFinal(at, 'POST', `/api/v1/records/${world.locationId}`, {
          ...common,
          key: `create-${kind}-${flow.n}`,
          body: appointmentBody(world, flow.holder.phone),
        });
        expect(made.answer.status, made.answer.text).toBe(201);
        flow.visit = made.answer.json().data as Visit;
        const paid = await untilFinal(at, 'PUT', visitPath(flow.visit), {
          ...common,
          key: `pay-${kind}-${flow.n}`,
          body: payBody(world),
        });
        expect(paid.answer.status, paid.answer.text).toBe(200);
        expect(paid.answer.json().data).toMatchObject({ state: 'open', amount_due: 0, paid_amount: 1500 });
        const closed = await untilFinal(at, 'PUT', visitPath(flow.visit), {
          ...common,
          key: `close-${kind}-${flow.n}`,
          body: CLOSE_BODY,
        });
        expect(closed.answer.status, closed.answer.text).toBe(200);
        expect(closed.answer.json().data).toMatchObject({
          state: 'closed',
          amount_due: 0,
          paid_amount: 1500,
        });
        flow.steps = [made, paid, closed];
      };
      const t0 = Date.now();
      await Promise.all(
        Array.from({ length: WORKERS }, async () => {
          while ((killing || flows.length < MIN_FLOWS) && flows.length < MAX_FLOWS) {
            const n = flows.length;
            const flow: Flow = { n, holder: world.holders[n % world.holders.length]!, steps: [] };
            flows.push(flow);
            await checkout(flow);
            // Paced, so the load goes on through the restarts without piling up checkouts.
            await sleep(20);
          }
        }),
      );
      await killer;
      const ms = Date.now() - t0;

      const sum = (of: (a: Attempts) => number) =>
        flows.reduce((n, f) => n + f.steps.reduce((m, s) => m + of(s), 0), 0);
      const unanswered = sum((a) => a.unanswered);
      const conflicts = sum((a) => a.conflicts);
      const busy = sum((a) => a.busy);
      const replayed = sum((a) => (a.answer.headers['idempotency-replayed'] === 'true' ? 1 : 0));
      expect(killedAt).toHaveLength(KILLS);
      // The kills did hit requests in flight.
      expect(unanswered).toBeGreaterThan(0);

      // No appointment twice: a retried create replays, or runs for the first time; it never books again.
      const records = await database.db
        .selectFrom('records')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('location_id', '=', world.locationId)
        .executeTakeFirstOrThrow();
      expect(Number(records.n)).toBe(flows.length);
      expect(new Set(flows.map((f) => f.visit!.visit_id)).size).toBe(flows.length);

      // Every visit: paid once (1500.00), closed once, one accrual per card, one closing per card.
      const stored = await visitLedger(
        database,
        flows.map((f) => f.visit!.visit_id),
      );
      const expected = JSON.stringify({
        state: 'closed',
        closes: 1,
        payments: String(HAIRCUT_MINOR),
        gold: `2/1/${GOLD_EARNS_MINOR}`,
        silver: `2/1/${SILVER_EARNS_MINOR}`,
        rows: 2,
        closings: 2,
      });
      const problems: string[] = [];
      for (const flow of flows) {
        const id = flow.visit!.visit_id;
        const visit = stored.visits.find((v) => v.id === id);
        const rows = stored.rows.filter((r) => r.visit_id === id);
        const byCard = (cardId: number) =>
          rows
            .filter((r) => r.card_id === cardId)
            .map((r) => `${r.type_id}/${r.status_id}/${Number(r.amount_minor)}`)
            .join(',');
        const shape = JSON.stringify({
          state: visit?.state,
          closes: visit?.closes,
          payments: stored.payments
            .filter((p) => p.visit_id === id)
            .map((p) => Number(p.amount_minor))
            .join(','),
          gold: byCard(flow.holder.goldCardId),
          silver: byCard(flow.holder.silverCardId),
          rows: rows.length,
          closings: stored.closings.filter((c) => c.visit_id === id && c.reversed_at === null).length,
        });
        if (shape !== expected) problems.push(`flow ${flow.n}, visit ${id}: ${shape}`);
      }
      expect(problems).toEqual([]);

      // Each card moved exactly once per checkout of its holder, and holds what its rows say.
      for (const holder of world.holders) {
        const n = flows.filter((f) => f.holder === holder).length;
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

      const verify = await runAdmin(db.url, ['verify']);
      expect(verify.code, verify.stderr).toBe(0);
      expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, mismatches: [] });
      report(
        `[${kind}] ${flows.length} checkouts (${flows.length * 3} steps), ${KILLS} SIGKILLs ` +
          `(slot@checkouts begun: ${killedAt.join(' ')}): ${unanswered} requests unanswered and sent again, ` +
          `${replayed} answers replayed, ${conflicts} interim 409s, ${busy} interim 503s; ` +
          `every visit paid once and earned once, verify ok, ${ms} ms`,
      );
    }, 240_000);

    it('a payment and a close whose answers are lost because the server dies right after their commit: the retries replay them', async () => {
      const world = await seedVisitWorld(database);
      const holder = world.holders[0]!;
      const headers = { authorization: world.auth };
      let server = await ServerProcess.start(db.url);
      started.push(server);
      const made = await server.request('POST', `/api/v1/records/${world.locationId}`, {
        headers,
        body: appointmentBody(world, holder.phone),
      });
      expect(made.status, made.text).toBe(201);
      const visit = made.json().data as Visit;

      const steps = [
        { key: `lost-pay-${kind}-${visit.visit_id}`, body: payBody(world), state: 'open' },
        { key: `lost-close-${kind}-${visit.visit_id}`, body: CLOSE_BODY, state: 'closed' },
      ];
      for (const step of steps) {
        const path = visitPath(visit);
        const keyed = { ...headers, 'idempotency-key': step.key };
        // The first attempt commits, and dies with its server before the answer reaches us.
        expect(await killAsItAnswers(server, 'PUT', path, keyed, step.body)).toBe(200);
        await server.kill();
        server = await ServerProcess.start(db.url);
        started.push(server);
        // The retry finds the stored answer: replayed, not run again.
        const retried = await server.request('PUT', path, { headers: keyed, body: step.body });
        expect(retried.status, retried.text).toBe(200);
        expect(retried.headers['idempotency-replayed']).toBe('true');
        expect(retried.json().data).toMatchObject({ state: step.state, amount_due: 0, paid_amount: 1500 });
      }

      const stored = await visitLedger(database, [visit.visit_id]);
      expect(stored.visits).toEqual([{ id: visit.visit_id, state: 'closed', closes: 1 }]);
      expect(stored.payments.map((p) => Number(p.amount_minor))).toEqual([HAIRCUT_MINOR]);
      expect(stored.rows.map((r) => Number(r.amount_minor)).sort((a, b) => a - b)).toEqual([
        SILVER_EARNS_MINOR,
        GOLD_EARNS_MINOR,
      ]);
      expect(stored.closings).toHaveLength(2);
      expect(await cardFigures(database, holder.goldCardId)).toEqual({
        balance: GOLD_EARNS_MINOR,
        ledger: GOLD_EARNS_MINOR,
        visits: 1,
        paid: HAIRCUT_MINOR,
        sold: HAIRCUT_MINOR,
      });
      const verify = await runAdmin(db.url, ['verify']);
      expect(verify.code, verify.stderr).toBe(0);
      expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, mismatches: [] });
    }, 120_000);
  });
}
