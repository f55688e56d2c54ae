import { setTimeout as sleep } from 'node:timers/promises';
import type { DatabaseHandle } from '../../src/db/database.js';
import { createServices } from '../../src/services.js';
import { Factory, uniquePhone } from './factory.js';
import type { HttpAnswer, ServerProcess } from './server-process.js';
import { defaultAccounts, insertService, insertStaff } from './visits.js';

/**
 * Visits over HTTP against real server processes (test/process/visits-*.test.ts): a world written
 * straight to the database before the servers start, and the three requests of a checkout —
 * create the appointment, pay it, close it — each sent until it gets a final answer.
 */

/** What one closed visit of 1500.00 paid in money earns per card type of the world. */
export const GOLD_EARNS_MINOR = 7_500; // "Cashback 5%" (type 6, percent of paid)
export const SILVER_EARNS_MINOR = 1_000; // "Ten a visit" (type 5, fixed 10.00)
export const HAIRCUT_MINOR = 150_000;

/**
 * A chain with one location, its catalogue (a 1500.00 haircut, a team member, the default cash
 * and non-cash accounts), two card types that earn on every close — Gold with "Cashback 5%" of
 * the paid amount, Silver with a fixed 10.00 — and `clients` clients each holding one card of
 * each type. Every card starts at zero, so its figures are exactly what the closes added.
 */
export async function seedVisitWorld(database: DatabaseHandle, clients = 1) {
  const factory = new Factory(database);
  const world = await factory.world();
  const s = factory.setup;
  const at = { chainId: world.chainId, locationIds: [world.locationId] };
  const haircut = await insertService(database, world.locationId, 'Haircut', HAIRCUT_MINOR);
  const staffId = await insertStaff(database, world.locationId, 'Demo master');
  const accounts = await defaultAccounts(database, world.locationId);
  const cashback = await s.createProgram({
    ...at,
    title: 'Cashback 5%',
    loyaltyTypeId: 6,
    valueUnitId: 1,
    rules: [{ parameter: 0, value: 5 }],
  });
  const tenAVisit = await s.createProgram({
    ...at,
    title: 'Ten a visit',
    loyaltyTypeId: 5,
    valueUnitId: 2,
    rules: [{ parameter: 0, value: 10 }],
  });
  const gold = await s.createCardType({ ...at, title: 'Gold', programIds: [cashback] });
  const silver = await s.createCardType({ ...at, title: 'Silver', programIds: [tenAVisit] });
  const { cards } = createServices(database);
  const location = { id: world.locationId, chain_id: world.chainId };
  const holders: { phone: string; goldCardId: number; silverCardId: number }[] = [];
  for (let i = 0; i < clients; i++) {
    const phone = uniquePhone();
    const issue = (typeId: number) =>
      database.db
        .transaction()
        .execute((trx) => cards.issue(trx, location, { loyalty_card_type_id: typeId, phone }));
    holders.push({ phone, goldCardId: (await issue(gold)).id, silverCardId: (await issue(silver)).id });
  }
  return { ...world, factory, haircut, staffId, accounts, holders };
}

export type VisitWorld = Awaited<ReturnType<typeof seedVisitWorld>>;

export function appointmentBody(world: VisitWorld, phone: string) {
  return {
    staff_id: world.staffId,
    services: [{ id: world.haircut }],
    client: { phone, name: 'Visit client' },
    datetime: '2024-03-01T10:00:00+03:00',
    seance_length: 3600,
  };
}

/** Pays the haircut in money into the cash account; attendance 2 (confirmed) keeps the visit open. */
export function payBody(world: VisitWorld) {
  return {
    attendance: 2,
    comment: 'paid',
    new_transactions: [{ id: 1, amount: HAIRCUT_MINOR / 100, account_id: world.accounts.cash }],
  };
}

/** Arrived with nothing due: the close. */
export const CLOSE_BODY = { attendance: 1, comment: 'paid' };

export const visitPath = (visit: { visit_id: number; id: number }) =>
  `/api/v1/visits/${visit.visit_id}/${visit.id}`;

/** A request and the answers it got on its way to a final one. */
export interface Attempts {
  /** The final answer: 2xx, or a refusal that is not worth retrying. */
  answer: HttpAnswer;
  /** Requests that got no answer (the server died, or was down). */
  unanswered: number;
  /** 409 "still being processed" (a key claimed by a request still running, or by a dead one). */
  conflicts: number;
  /** 503 "busy" with Retry-After. */
  busy: number;
}

/**
 * Sends a request until it gets a final answer, as a careful integrator would: an unanswered
 * request (the server died) or a 409 or 503 is sent again, with the same Idempotency-Key, on the
 * server `pick` names for that attempt (a restarted one, or another). `deadlineMs` bounds the wait
 * (a key claimed by a killed request is taken over only after its 30 s lease).
 */
export async function untilFinal(
  pick: (attempt: number) => ServerProcess | null,
  method: string,
  path: string,
  options: { auth: string; key?: string; body?: unknown; deadlineMs?: number },
): Promise<Attempts> {
  const deadline = Date.now() + (options.deadlineMs ?? 90_000);
  const headers: Record<string, string> = { authorization: options.auth };
  if (options.key) headers['idempotency-key'] = options.key;
  const tally = { unanswered: 0, conflicts: 0, busy: 0 };
  for (let attempt = 0; ; attempt++) {
    if (Date.now() > deadline) {
      throw new Error(`${method} ${path}: no final answer in time (${JSON.stringify(tally)})`);
    }
    const server = pick(attempt);
    if (!server?.running) {
      await sleep(100);
      continue;
    }
    let answer: HttpAnswer;
    try {
      answer = await server.request(method, path, { headers, body: options.body, timeoutMs: 30_000 });
    } catch {
      tally.unanswered += 1;
      await sleep(100 + Math.random() * 200);
      continue;
    }
    if (answer.status === 409 || answer.status === 503) {
      if (answer.headers['retry-after'] === undefined) {
        throw new Error(`${answer.status} without Retry-After: ${answer.text}`);
      }
      tally[answer.status === 409 ? 'conflicts' : 'busy'] += 1;
      await sleep(answer.status === 409 ? 250 + Math.random() * 250 : 50 + Math.random() * 100);
      continue;
    }
    return { answer, ...tally };
  }
}

/** What the database holds about a set of visits and cards, to hold against what was acknowledged. */
export async function visitLedger(database: DatabaseHandle, visitIds: number[]) {
  const db = database.db;
  const [visits, payments, rows, closings] = await Promise.all([
    db.selectFrom('visits').select(['id', 'state', 'closes']).where('id', 'in', visitIds).execute(),
    db
      .selectFrom('payments')
      .select(['visit_id', 'amount_minor'])
      .where('visit_id', 'in', visitIds)
      .where('deleted_at', 'is', null)
      .execute(),
    db
      .selectFrom('transactions')
      .select(['id', 'visit_id', 'card_id', 'type_id', 'amount_minor', 'status_id', 'cancels_id'])
      .where('visit_id', 'in', visitIds)
      .execute(),
    db
      .selectFrom('visit_closings')
      .select(['visit_id', 'card_id', 'visits', 'paid_minor', 'sold_minor', 'reversed_at'])
      .where('visit_id', 'in', visitIds)
      .execute(),
  ]);
  return { visits, payments, rows, closings };
}

export async function cardFigures(database: DatabaseHandle, cardId: number) {
  const card = await database.db
    .selectFrom('cards')
    .select(['balance_minor', 'visits_count', 'paid_minor', 'sold_minor'])
    .where('id', '=', cardId)
    .executeTakeFirstOrThrow();
  const ledger = await database.db
    .selectFrom('transactions')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('balance_effect_minor'), eb.lit(0)).as('total'))
    .where('card_id', '=', cardId)
    .executeTakeFirstOrThrow();
  return {
    balance: Number(card.balance_minor),
    ledger: Number(ledger.total),
    visits: card.visits_count,
    paid: Number(card.paid_minor),
    sold: Number(card.sold_minor),
  };
}
