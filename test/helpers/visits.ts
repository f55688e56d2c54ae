import { expect } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.js';
import type { TransactionRow } from '../../src/db/schema.js';
import { nowIso } from '../../src/lib/time.js';
import type { TestContext } from './app.js';
import { uniquePhone } from './factory.js';

/**
 * Arranging visits: the catalogue rows (services, team members, accounts) inserted directly (the
 * catalogue's own operations, SPEC §6.2 V1–V3, have their own tests), and a world like the demo's
 * visit additions (SPEC §6.7): services "Haircut" 1500 and "Coloring" 4000, a team member, the two
 * default accounts, a "Gold" card type with "Cashback 5%" (type 6, percent) and "Loyal discount"
 * (type 4: 0 → 5 %, 10000 → 10 %), and a client holding a Gold card with all figures at zero.
 */

export async function insertService(
  database: DatabaseHandle,
  locationId: number,
  title: string,
  priceMinor: number,
): Promise<number> {
  const now = nowIso();
  const row = await database.db
    .insertInto('services')
    .values({
      location_id: locationId,
      title,
      price_min_minor: priceMinor,
      price_max_minor: priceMinor,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function insertStaff(
  database: DatabaseHandle,
  locationId: number,
  name: string,
): Promise<number> {
  const now = nowIso();
  const row = await database.db
    .insertInto('staff')
    .values({ location_id: locationId, name, specialization: 'Stylist', created_at: now, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * The location's default cash (type 0) and non-cash (type 1) accounts: those it has, else new
 * ones (whoever creates locations may already make them).
 */
export async function defaultAccounts(
  database: DatabaseHandle,
  locationId: number,
): Promise<{ cash: number; card: number }> {
  const ids: number[] = [];
  for (const [type, title] of [
    [0, 'Cash'],
    [1, 'Card'],
  ] as const) {
    const existing = await database.db
      .selectFrom('accounts')
      .select('id')
      .where('location_id', '=', locationId)
      .where('type', '=', type)
      .where('is_default', '=', 1)
      .executeTakeFirst();
    if (existing) {
      ids.push(existing.id);
      continue;
    }
    const now = nowIso();
    const row = await database.db
      .insertInto('accounts')
      .values({ location_id: locationId, title, type, is_default: 1, created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    ids.push(row.id);
  }
  return { cash: ids[0]!, card: ids[1]! };
}

export interface CashbackProgram {
  title?: string;
  loyaltyTypeId: number;
  valueUnitId: number;
  value?: number;
  rules?: { parameter: number; value: number }[];
}

/** A chain, location, partner and user (Factory.world), with the visit catalogue and a Gold card. */
export async function visitWorld(ctx: TestContext, options: { programs?: CashbackProgram[] } = {}) {
  const w = await ctx.factory.world();
  const s = ctx.factory.setup;
  const haircut = await insertService(ctx.database, w.locationId, 'Haircut', 150_000);
  const coloring = await insertService(ctx.database, w.locationId, 'Coloring', 400_000);
  const staffId = await insertStaff(ctx.database, w.locationId, 'Demo master');
  const accounts = await defaultAccounts(ctx.database, w.locationId);
  const programs = options.programs ?? [
    { title: 'Cashback 5%', loyaltyTypeId: 6, valueUnitId: 1, value: 5, rules: [{ parameter: 0, value: 5 }] },
    {
      title: 'Loyal discount',
      loyaltyTypeId: 4,
      valueUnitId: 1,
      rules: [
        { parameter: 0, value: 5 },
        { parameter: 10000, value: 10 },
      ],
    },
  ];
  const programIds: number[] = [];
  for (const p of programs) {
    programIds.push(
      await s.createProgram({
        chainId: w.chainId,
        title: p.title ?? `Program type ${p.loyaltyTypeId}`,
        loyaltyTypeId: p.loyaltyTypeId,
        valueUnitId: p.valueUnitId,
        ...(p.value === undefined ? {} : { value: p.value }),
        ...(p.rules === undefined ? {} : { rules: p.rules }),
        locationIds: [w.locationId],
      }),
    );
  }
  const goldTypeId = await s.createCardType({
    chainId: w.chainId,
    title: 'Gold',
    locationIds: [w.locationId],
    programIds,
  });
  const clientPhone = uniquePhone();
  const issued = await ctx.api('POST', `/loyalty/cards/${w.locationId}`, w.auth, {
    loyalty_card_type_id: goldTypeId,
    phone: clientPhone,
  });
  expect(issued.statusCode, issued.body).toBe(200);
  return {
    ...w,
    haircut,
    coloring,
    staffId,
    accounts,
    programIds,
    goldTypeId,
    clientPhone,
    cardId: issued.json().data.id as number,
  };
}

export type VisitWorld = Awaited<ReturnType<typeof visitWorld>>;

/** A valid create/replace body for the world (a haircut for the Gold card's holder). */
export function appointmentBody(w: VisitWorld, changes: Record<string, unknown> = {}) {
  return {
    staff_id: w.staffId,
    services: [{ id: w.haircut }],
    client: { phone: w.clientPhone, name: 'Visit client' },
    datetime: '2024-03-01T10:00:00+03:00',
    seance_length: 3600,
    ...changes,
  };
}

/** Creates an appointment over HTTP; the appointment object. */
export async function createAppointment(
  ctx: TestContext,
  w: VisitWorld,
  changes: Record<string, unknown> = {},
) {
  const res = await ctx.api('POST', `/records/${w.locationId}`, w.auth, appointmentBody(w, changes));
  expect(res.statusCode, res.body).toBe(201);
  return res.json().data as { id: number; visit_id: number; [key: string]: unknown };
}

/** `PUT /visits/{visit_id}/{record_id}` with an optional Idempotency-Key. */
export function updateVisit(
  ctx: TestContext,
  w: { auth: string },
  appointment: { id: number; visit_id: number },
  body: Record<string, unknown>,
  key?: string,
) {
  return ctx.request({
    method: 'PUT',
    url: `/api/v1/visits/${appointment.visit_id}/${appointment.id}`,
    headers: { authorization: w.auth, ...(key === undefined ? {} : { 'idempotency-key': key }) },
    payload: { comment: '', ...body } as never,
  });
}

/** The card's figures as the card operations show them (op 2). */
export async function cardFigures(ctx: TestContext, w: VisitWorld) {
  const res = await ctx.api('GET', `/loyalty/cards/${w.clientPhone}/0/${w.locationId}`, w.auth);
  expect(res.statusCode, res.body).toBe(200);
  const card = (
    res.json().data as {
      id: number;
      balance: number;
      paid_amount: number;
      sold_amount: number;
      visits_count: number;
    }[]
  ).find((c) => c.id === w.cardId)!;
  return {
    balance: card.balance,
    paid_amount: card.paid_amount,
    sold_amount: card.sold_amount,
    visits_count: card.visits_count,
  };
}

/** The ledger check of the admin CLI: no card whose balance is not its rows' sum, no broken row. */
export async function expectLedgerConsistent(ctx: TestContext): Promise<void> {
  const report = await ctx.services.ledger.verify();
  expect(report.mismatches).toEqual([]);
  expect(report.rows).toEqual([]);
}

/**
 * A card withdrawal inside the visit through V9 (`apply_loyalty_card_deduction`): a type-3 row per
 * item through the guarded balance update. The card gets a manual top-up first to have something to
 * withdraw.
 */
export async function withdrawFromCard(
  ctx: TestContext,
  w: VisitWorld,
  appointment: { id: number; visit_id: number },
  minor: number,
): Promise<void> {
  const topUp = await ctx.manualTransaction({ location: w.locationId }, w.cardId, w.auth, {
    amount: minor / 100,
  });
  expect(topUp.statusCode, topUp.body).toBe(200);
  const withdrawn = await ctx.api(
    'POST',
    `/visit/loyalty/apply_card_withdrawal/${w.locationId}/${w.cardId}`,
    w.auth,
    { amount: minor / 100, record_id: appointment.id, visit_id: appointment.visit_id },
  );
  expect(withdrawn.statusCode, withdrawn.body).toBe(200);
}

/** A ledger column the tests read, amounts among them. */
type LedgerColumn = keyof TransactionRow;

/**
 * A visit's ledger rows as stored (every row, compensations too), in id order, with the columns a
 * test compares (amounts as numbers: PostgreSQL's bigint comes back as text).
 */
export async function visitLedger<C extends LedgerColumn>(
  database: DatabaseHandle,
  visitId: number,
  columns: readonly C[],
): Promise<Pick<TransactionRow, C>[]> {
  const rows = await database.db
    .selectFrom('transactions')
    .select([...columns] as LedgerColumn[])
    .where('visit_id', '=', visitId)
    .orderBy('id')
    .execute();
  return rows.map((row) => {
    const picked = { ...row } as Record<string, unknown>;
    for (const money of ['amount_minor', 'balance_effect_minor'])
      if (money in picked) picked[money] = Number(picked[money]);
    return picked as Pick<TransactionRow, C>;
  });
}
