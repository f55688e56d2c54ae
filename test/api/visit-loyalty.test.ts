import { expect, it } from 'vitest';
import { describeEachDialect, type TestContext } from '../helpers/app.js';
import { uniquePhone } from '../helpers/factory.js';
import {
  cardFigures,
  createAppointment,
  expectLedgerConsistent,
  updateVisit,
  visitWorld,
  type CashbackProgram,
  type VisitWorld,
  visitLedger,
} from '../helpers/visits.js';
import { loyaltyPath, visitLoyalty, visitTarget, type LoyaltyOperation } from '../helpers/visit-loyalty.js';

type Appointment = { id: number; visit_id: number };

/** The visit's ledger rows as stored (every row, compensations too), in id order. */
const ledgerOf = (ctx: TestContext, visitId: number) =>
  visitLedger(ctx.database, visitId, [
    'id',
    'card_id',
    'type_id',
    'amount_minor',
    'balance_effect_minor',
    'status_id',
    'cancels_id',
    'program_id',
    'item_id',
  ]);

/** How many ledger rows there are in all: a refused request writes none. */
async function ledgerSize(ctx: TestContext): Promise<number> {
  const row = await ctx.database.db
    .selectFrom('transactions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

function getVisit(ctx: TestContext, w: { auth: string }, visitId: number) {
  return ctx.api('GET', `/visits/${visitId}`, w.auth);
}

/** A V8/V9 call on the world's Gold card (or `cardId`). */
function call(
  ctx: TestContext,
  w: VisitWorld,
  operation: LoyaltyOperation,
  appointment: Appointment,
  options: {
    cardId?: number;
    programId?: number;
    amount?: unknown;
    key?: string;
    body?: Record<string, unknown>;
  } = {},
) {
  const path = loyaltyPath(
    operation,
    w.locationId,
    options.cardId ?? w.cardId,
    options.programId ?? discountOf(w),
  );
  const body = options.body ?? {
    ...visitTarget(appointment),
    ...(options.amount === undefined ? {} : { amount: options.amount }),
  };
  return visitLoyalty(ctx, w.auth, path, body, options.key);
}

/** The world's "Loyal discount" (type 4: from 0 paid 5 %, from 10000 paid 10 %). */
const discountOf = (w: VisitWorld) => w.programIds[1]!;

async function topUp(ctx: TestContext, w: VisitWorld, amount: number, cardId = w.cardId) {
  const res = await ctx.manualTransaction({ location: w.locationId }, cardId, w.auth, { amount });
  expect(res.statusCode, res.body).toBe(200);
}

/** A haircut (1500) and a coloring (4000): the SPEC's split example. */
const twoItems = (w: VisitWorld) => ({ services: [{ id: w.haircut }, { id: w.coloring }] });

/** Altegio's item of a service line (V6 details, V8–V10 answers). */
function item(w: VisitWorld, appointment: Appointment, serviceId: number, title: string, cost: number) {
  return {
    id: 0,
    item_id: serviceId,
    item_type_id: 1,
    record_id: appointment.id,
    item_title: title,
    amount: 1,
    first_cost: cost,
    manual_cost: cost,
    discount: 0,
    cost,
    master_id: w.staffId,
    good_id: 0,
    service_id: serviceId,
    event_id: 0,
    is_service: true,
    is_event: false,
    is_good: false,
  };
}

/** Altegio's visit-shaped loyalty transaction of one item. */
function itemRow(
  w: VisitWorld,
  appointment: Appointment,
  fields: { id?: unknown; type_id: 1 | 3; amount: number; item_id: number; program_id?: number },
) {
  return {
    id: fields.id ?? expect.any(Number),
    status_id: 1,
    amount: fields.amount,
    type_id: fields.type_id,
    program_id: fields.program_id ?? 0,
    card_id: w.cardId,
    salon_group_id: w.chainId,
    item_id: fields.item_id,
    item_type_id: 1,
    item_record_id: appointment.id,
    goods_transaction_id: 0,
    is_discount: fields.type_id === 1,
    is_loyalty_withdraw: fields.type_id === 3,
    type: fields.type_id === 1 ? { id: 1, title: 'Promotion discount' } : { id: 3, title: 'Card withdrawal' },
  };
}

const NO_FISCAL = { last_operation_type: 0, transactions: [] };

describeEachDialect('visit loyalty: a discount program in the visit (SPEC §6.4, V8)', (ctx) => {
  it('"Loyal discount" 5 %: one type-1 row per item in Altegio’s raw answer; the balance does not move; cancel compensates', async () => {
    const w = await visitWorld(ctx);
    const made = await createAppointment(ctx, w, twoItems(w));
    const program = discountOf(w);

    const applied = await call(ctx, w, 'applyDiscount', made);
    expect(applied.statusCode, applied.body).toBe(200);
    const body = applied.json();
    // Raw, in the key order of Altegio's examples.
    expect(Object.keys(body)).toEqual([
      'payment_transactions',
      'loyalty_transactions',
      'kkm_transaction_details_container',
      'items',
    ]);
    const discountRows = [
      itemRow(w, made, { type_id: 1, amount: 75, item_id: w.haircut, program_id: program }),
      itemRow(w, made, { type_id: 1, amount: 200, item_id: w.coloring, program_id: program }),
    ];
    const items = [item(w, made, w.haircut, 'Haircut', 1500), item(w, made, w.coloring, 'Coloring', 4000)];
    expect(body).toEqual({
      payment_transactions: [],
      loyalty_transactions: discountRows,
      kkm_transaction_details_container: NO_FISCAL,
      items,
    });
    // The same rows in the details and V11 (with the program); the visit owes 5500 − 275.
    const details = await ctx.api(
      'GET',
      `/visit/details/${w.locationId}/${made.id}/${made.visit_id}`,
      w.auth,
    );
    expect(details.json().data.loyalty_transactions).toEqual(body.loyalty_transactions);
    const v11 = await ctx.api('GET', `/visit/loyalty/transactions/${made.visit_id}`, w.auth);
    expect(v11.json()).toEqual(
      body.loyalty_transactions.map((row: object) => ({
        ...row,
        program: {
          id: program,
          title: 'Loyal discount',
          group_id: w.chainId,
          loyalty_type_id: 4,
          item_type_id: 0,
          value: 0,
          value_unit_id: 1,
        },
      })),
    );
    expect((await getVisit(ctx, w, made.visit_id)).json().data).toMatchObject({
      state: 'open',
      amount_due: 5225,
      paid_amount: 0,
      records: [{ paid_full: 0, payment_status: 1 }],
    });
    expect((await cardFigures(ctx, w)).balance).toBe(0);

    const cancelled = await call(ctx, w, 'cancelDiscount', made);
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(cancelled.json()).toEqual({
      payment_transactions: [],
      loyalty_transactions: [],
      kkm_transaction_details_container: NO_FISCAL,
      items,
    });
    expect((await getVisit(ctx, w, made.visit_id)).json().data.amount_due).toBe(5500);
    // Append-only: the originals stay, each with its compensation pointing at it.
    const rows = await ledgerOf(ctx, made.visit_id);
    const [first, second] = body.loyalty_transactions;
    expect(rows).toEqual([
      expect.objectContaining({
        id: first.id,
        type_id: 1,
        amount_minor: 7500,
        balance_effect_minor: 0,
        status_id: 1,
      }),
      expect.objectContaining({ id: second.id, type_id: 1, amount_minor: 20_000, status_id: 1 }),
      expect.objectContaining({
        type_id: 1,
        amount_minor: -7500,
        balance_effect_minor: 0,
        status_id: 2,
        cancels_id: first.id,
      }),
      expect.objectContaining({
        type_id: 1,
        amount_minor: -20_000,
        status_id: 2,
        cancels_id: second.id,
        item_id: w.coloring,
      }),
    ]);
    const history = await ctx.api('GET', `/loyalty/cards/${w.locationId}/${w.cardId}/transactions`, w.auth);
    expect(
      history
        .json()
        .data.filter((t: { visit_id: number }) => t.visit_id === made.visit_id)
        .map((t: { amount: number; cancels_id: number }) => [t.amount, t.cancels_id]),
    ).toEqual([
      [-200, second.id],
      [-75, first.id],
      [200, 0],
      [75, 0],
    ]);

    // Nothing left to cancel: 422, nothing written. Applying again is a new discount.
    const size = await ledgerSize(ctx);
    const again = await call(ctx, w, 'cancelDiscount', made);
    expect(again.statusCode).toBe(422);
    expect(again.json()).toMatchObject({
      success: false,
      data: null,
      meta: { errors: { program_id: expect.any(Array) } },
    });
    expect(await ledgerSize(ctx)).toBe(size);
    const reapplied = await call(ctx, w, 'applyDiscount', made);
    expect(reapplied.json().loyalty_transactions.map((r: { amount: number }) => r.amount)).toEqual([75, 200]);
    expect((await cardFigures(ctx, w)).balance).toBe(0);
    await expectLedgerConsistent(ctx);
  });

  it('gives the value the card has reached now: static and cumulative (visits, sold, paid), percent and fixed', async () => {
    const programs: CashbackProgram[] = [
      { title: 'Cashback 5%', loyaltyTypeId: 6, valueUnitId: 1, rules: [{ parameter: 0, value: 5 }] },
      {
        title: 'By paid',
        loyaltyTypeId: 4,
        valueUnitId: 1,
        rules: [
          { parameter: 0, value: 5 },
          { parameter: 10000, value: 10 },
        ],
      },
      { title: 'Fixed 100', loyaltyTypeId: 1, valueUnitId: 2, rules: [{ parameter: 0, value: 100 }] },
      { title: 'Static 12.5 %', loyaltyTypeId: 1, valueUnitId: 1, rules: [{ parameter: 0, value: 12.5 }] },
      { title: 'By visits', loyaltyTypeId: 2, valueUnitId: 1, rules: [{ parameter: 3, value: 7 }] },
      { title: 'By sold, fixed', loyaltyTypeId: 3, valueUnitId: 2, rules: [{ parameter: 1000, value: 15 }] },
    ];
    const w = await visitWorld(ctx, { programs });
    const [, byPaid, fixed, staticPercent, byVisits, bySold] = w.programIds;
    const cases: {
      label: string;
      program: number;
      card: { visits_count?: number; sold_minor?: number; paid_minor?: number };
      parts: number[];
    }[] = [
      {
        label: 'paid 9999.99: the 5 % rule',
        program: byPaid!,
        card: { paid_minor: 999_999 },
        parts: [75, 200],
      },
      {
        label: 'paid 10000: the 10 % rule',
        program: byPaid!,
        card: { paid_minor: 1_000_000 },
        parts: [150, 400],
      },
      { label: 'fixed 100 split by cost', program: fixed!, card: {}, parts: [27.27, 72.73] },
      { label: 'static 12.5 %', program: staticPercent!, card: {}, parts: [187.5, 500] },
      { label: 'three visits: 7 %', program: byVisits!, card: { visits_count: 3 }, parts: [105, 280] },
      {
        label: 'sold 1000: fixed 15 split by cost',
        program: bySold!,
        card: { sold_minor: 100_000 },
        parts: [4.09, 10.91],
      },
    ];
    for (const c of cases) {
      await ctx.database.db
        .updateTable('cards')
        .set({ visits_count: 0, sold_minor: 0, paid_minor: 0, ...c.card })
        .where('id', '=', w.cardId)
        .execute();
      const made = await createAppointment(ctx, w, twoItems(w));
      const res = await call(ctx, w, 'applyDiscount', made, { programId: c.program });
      expect(res.statusCode, `${c.label}: ${res.body}`).toBe(200);
      expect(
        res
          .json()
          .loyalty_transactions.map((r: { amount: number; item_id: number }) => [r.item_id, r.amount]),
        c.label,
      ).toEqual([
        [w.haircut, c.parts[0]],
        [w.coloring, c.parts[1]],
      ]);
    }

    // Not reached yet (two visits of the three the rule needs): 422, nothing written.
    await ctx.database.db.updateTable('cards').set({ visits_count: 2 }).where('id', '=', w.cardId).execute();
    const made = await createAppointment(ctx, w, twoItems(w));
    const size = await ledgerSize(ctx);
    const notYet = await call(ctx, w, 'applyDiscount', made, { programId: byVisits });
    expect(notYet.statusCode).toBe(422);
    expect(notYet.json().meta.errors.program_id[0]).toMatch(/reached none of its rules/);
    expect(await ledgerSize(ctx)).toBe(size);
    await expectLedgerConsistent(ctx);
  });

  it('one discount program per visit: a second, or the same again, is 422 naming the one applied', async () => {
    const w = await visitWorld(ctx, {
      programs: [
        { title: 'Cashback 5%', loyaltyTypeId: 6, valueUnitId: 1, rules: [{ parameter: 0, value: 5 }] },
        { title: 'Loyal discount', loyaltyTypeId: 4, valueUnitId: 1, rules: [{ parameter: 0, value: 5 }] },
        { title: 'Fixed 10', loyaltyTypeId: 1, valueUnitId: 2, rules: [{ parameter: 0, value: 10 }] },
      ],
    });
    const made = await createAppointment(ctx, w, twoItems(w));
    expect((await call(ctx, w, 'applyDiscount', made)).statusCode).toBe(200);
    const size = await ledgerSize(ctx);
    for (const programId of [w.programIds[2]!, discountOf(w)]) {
      const second = await call(ctx, w, 'applyDiscount', made, { programId });
      expect(second.statusCode).toBe(422);
      expect(second.json().meta.message).toBe(
        `The visit already has a discount program applied: program ${discountOf(w)} (card ${w.cardId}). ` +
          'A visit takes one discount program: cancel that one first.',
      );
    }
    expect(await ledgerSize(ctx)).toBe(size);
    // Cancelled, another program may be applied.
    expect((await call(ctx, w, 'cancelDiscount', made)).statusCode).toBe(200);
    const other = await call(ctx, w, 'applyDiscount', made, { programId: w.programIds[2]! });
    expect(other.json().loyalty_transactions.map((r: { amount: number }) => r.amount)).toEqual([2.73, 7.27]);
  });

  it('may not take the visit below 0: a discount above the amount due is 422, not cut', async () => {
    const w = await visitWorld(ctx, {
      programs: [
        { title: 'Loyal discount', loyaltyTypeId: 4, valueUnitId: 1, rules: [{ parameter: 0, value: 5 }] },
        { title: 'Fixed 9000', loyaltyTypeId: 1, valueUnitId: 2, rules: [{ parameter: 0, value: 9000 }] },
      ],
    });
    const made = await createAppointment(ctx, w, twoItems(w));
    // 5300 of 5500 paid: 200 due, the 5 % discount is 275.
    const paid = await updateVisit(ctx, w, made, {
      attendance: 2,
      new_transactions: [{ id: 1, amount: 5300, account_id: w.accounts.cash }],
    });
    expect(paid.statusCode, paid.body).toBe(200);
    const size = await ledgerSize(ctx);
    const percent = await call(ctx, w, 'applyDiscount', made, { programId: w.programIds[0]! });
    expect(percent.statusCode).toBe(422);
    expect(percent.json().meta.message).toBe(
      'The discount (275) is more than the amount due (200): a discount may not take the visit below 0.',
    );
    // A fixed amount above the whole visit cost.
    const fresh = await createAppointment(ctx, w, twoItems(w));
    const fixed = await call(ctx, w, 'applyDiscount', fresh, { programId: w.programIds[1]! });
    expect(fixed.statusCode).toBe(422);
    expect(fixed.json().meta.errors.program_id).toEqual(['the discount exceeds the amount due (5500)']);
    expect(await ledgerSize(ctx)).toBe(size);
  });
});

describeEachDialect('visit loyalty: paying from the card (SPEC §6.4, V9)', (ctx) => {
  it('50 over 1500 and 4000 is 13.64 and 36.36, each lowering the balance; cancel gives it back', async () => {
    const w = await visitWorld(ctx);
    await topUp(ctx, w, 100);
    const made = await createAppointment(ctx, w, twoItems(w));

    const res = await call(ctx, w, 'applyWithdrawal', made, { amount: 50 });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      payment_transactions: [],
      loyalty_transactions: [
        itemRow(w, made, { type_id: 3, amount: 13.64, item_id: w.haircut }),
        itemRow(w, made, { type_id: 3, amount: 36.36, item_id: w.coloring }),
      ],
      kkm_transaction_details_container: NO_FISCAL,
      items: [item(w, made, w.haircut, 'Haircut', 1500), item(w, made, w.coloring, 'Coloring', 4000)],
    });
    expect(await ledgerOf(ctx, made.visit_id)).toEqual([
      expect.objectContaining({
        type_id: 3,
        amount_minor: 1364,
        balance_effect_minor: -1364,
        program_id: null,
      }),
      expect.objectContaining({
        type_id: 3,
        amount_minor: 3636,
        balance_effect_minor: -3636,
        program_id: null,
      }),
    ]);
    expect((await cardFigures(ctx, w)).balance).toBe(50);
    expect((await getVisit(ctx, w, made.visit_id)).json().data).toMatchObject({
      amount_due: 5450,
      paid_amount: 0,
    });
    // V11: a withdrawal has no program.
    const v11 = await ctx.api('GET', `/visit/loyalty/transactions/${made.visit_id}`, w.auth);
    expect(v11.json().map((r: { program: unknown }) => r.program)).toEqual([null, null]);

    // A second withdrawal adds up; cancel takes back both.
    expect(
      (await call(ctx, w, 'applyWithdrawal', made, { amount: '0.01' })).json().loyalty_transactions,
    ).toHaveLength(3);
    expect((await cardFigures(ctx, w)).balance).toBe(49.99);
    const cancelled = await call(ctx, w, 'cancelWithdrawal', made);
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(cancelled.json().loyalty_transactions).toEqual([]);
    expect((await cardFigures(ctx, w)).balance).toBe(100);
    expect((await getVisit(ctx, w, made.visit_id)).json().data.amount_due).toBe(5500);
    const rows = await ledgerOf(ctx, made.visit_id);
    expect(rows.filter((r) => r.status_id === 2).map((r) => [r.cancels_id, r.balance_effect_minor])).toEqual(
      rows.filter((r) => r.status_id === 1).map((r) => [r.id, -r.balance_effect_minor]),
    );

    const again = await call(ctx, w, 'cancelWithdrawal', made);
    expect(again.statusCode).toBe(422);
    expect(again.json().meta).toEqual({
      message: 'card_id has no withdrawal in this visit.',
      errors: { card_id: ['card_id has no withdrawal in this visit.'] },
    });
    await expectLedgerConsistent(ctx);
  });

  it('caps at the balance and at the amount due; 0 writes nothing', async () => {
    const w = await visitWorld(ctx);
    const cases: {
      label: string;
      balance: number;
      amount: unknown;
      /** Money paid before, out of 5500. */
      paid?: number;
      parts: number[];
      balanceAfter: number;
    }[] = [
      {
        label: 'larger than the balance: the balance',
        balance: 75,
        amount: 100,
        parts: [20.45, 54.55],
        balanceAfter: 0,
      },
      {
        label: 'larger than the amount due: what is due',
        balance: 6000,
        amount: 1000,
        paid: 5200,
        parts: [81.82, 218.18],
        balanceAfter: 5700,
      },
      { label: 'the whole visit', balance: 6000, amount: 5500, parts: [1500, 4000], balanceAfter: 500 },
      { label: 'nothing asked', balance: 75, amount: 0, parts: [], balanceAfter: 75 },
      { label: 'nothing asked, as a string', balance: 75, amount: '0.00', parts: [], balanceAfter: 75 },
      { label: 'an empty card', balance: 0, amount: 50, parts: [], balanceAfter: 0 },
      { label: 'nothing due', balance: 75, amount: 50, paid: 5500, parts: [], balanceAfter: 75 },
    ];
    for (const c of cases) {
      const card = await ctx.issueCard({ locationId: w.locationId, cardTypeId: w.goldTypeId, auth: w.auth });
      const phone = (
        await ctx.database.db
          .selectFrom('cards')
          .select('phone')
          .where('id', '=', card)
          .executeTakeFirstOrThrow()
      ).phone;
      if (c.balance > 0) await topUp(ctx, w, c.balance, card);
      const made = await createAppointment(ctx, w, { ...twoItems(w), client: { phone } });
      if (c.paid) {
        const paid = await updateVisit(ctx, w, made, {
          attendance: 2,
          new_transactions: [{ amount: c.paid, account_id: w.accounts.card }],
        });
        expect(paid.statusCode, paid.body).toBe(200);
      }
      const rowsBefore = await ledgerSize(ctx);
      const res = await call(ctx, w, 'applyWithdrawal', made, { cardId: card, amount: c.amount });
      expect(res.statusCode, `${c.label}: ${res.body}`).toBe(200);
      expect(
        res.json().loyalty_transactions.map((r: { amount: number }) => r.amount),
        c.label,
      ).toEqual(c.parts);
      expect(await ledgerSize(ctx), c.label).toBe(rowsBefore + c.parts.length);
      const figures = await ctx.api('GET', `/loyalty/cards/${phone}/0/${w.locationId}`, w.auth);
      expect(figures.json().data[0].balance, c.label).toBe(c.balanceAfter);
    }
    await expectLedgerConsistent(ctx);
  });

  it('a visit paid by a discount, the card and money closes on the last and earns cashback on the money only', async () => {
    const w = await visitWorld(ctx);
    await topUp(ctx, w, 75);
    const made = await createAppointment(ctx, w, { ...twoItems(w), attendance: 1 });
    expect((await call(ctx, w, 'applyDiscount', made)).statusCode).toBe(200);
    expect((await call(ctx, w, 'applyWithdrawal', made, { amount: 50 })).statusCode).toBe(200);
    expect((await getVisit(ctx, w, made.visit_id)).json().data).toMatchObject({
      state: 'open',
      amount_due: 5175,
    });
    const closed = await updateVisit(ctx, w, made, { attendance: 1, fast_payment: 1 });
    expect(closed.json().data).toMatchObject({
      state: 'closed',
      amount_due: 0,
      paid_amount: 5175,
      sold_amount: 5500,
    });
    // 5 % of 5175 paid in money: 258.75; 75 − 50 + 258.75.
    expect(await cardFigures(ctx, w)).toEqual({
      balance: 283.75,
      paid_amount: 5175,
      sold_amount: 5500,
      visits_count: 1,
    });
    const accrual = (await ledgerOf(ctx, made.visit_id)).find((r) => r.type_id === 2);
    expect(accrual).toMatchObject({ amount_minor: 25_875, balance_effect_minor: 25_875 });

    // Closed: every loyalty change is 422 and writes nothing.
    const size = await ledgerSize(ctx);
    for (const operation of [
      'applyDiscount',
      'cancelDiscount',
      'applyWithdrawal',
      'cancelWithdrawal',
    ] as const) {
      const res = await call(ctx, w, operation, made, { amount: 1 });
      expect(res.statusCode, operation).toBe(422);
      expect(res.json().meta.message).toBe('The visit is closed: set attendance away from 1 to reopen it.');
    }
    expect(await ledgerSize(ctx)).toBe(size);
    // Reopened (the cashback compensated), the withdrawal can be cancelled.
    expect((await updateVisit(ctx, w, made, { attendance: 2 })).json().data.state).toBe('open');
    expect((await call(ctx, w, 'cancelWithdrawal', made)).statusCode).toBe(200);
    expect((await cardFigures(ctx, w)).balance).toBe(75);
    await expectLedgerConsistent(ctx);
  });

  it('a withdrawal that leaves nothing due closes an arrived visit: no money, no cashback, one visit counted', async () => {
    const w = await visitWorld(ctx);
    await topUp(ctx, w, 2000);
    const made = await createAppointment(ctx, w, { attendance: 1 });
    const res = await call(ctx, w, 'applyWithdrawal', made, { amount: 2000 });
    expect(res.json().loyalty_transactions).toEqual([
      itemRow(w, made, { type_id: 3, amount: 1500, item_id: w.haircut }),
    ]);
    expect((await getVisit(ctx, w, made.visit_id)).json().data).toMatchObject({
      state: 'closed',
      amount_due: 0,
    });
    expect(await cardFigures(ctx, w)).toEqual({
      balance: 500,
      paid_amount: 0,
      sold_amount: 1500,
      visits_count: 1,
    });
  });
});

describeEachDialect('visit loyalty: bad input and access (nothing written)', (ctx) => {
  it('refuses each bad card, program, visit and body with a clear error in the envelope', async () => {
    const w = await visitWorld(ctx, {
      programs: [
        { title: 'Cashback 5%', loyaltyTypeId: 6, valueUnitId: 1, rules: [{ parameter: 0, value: 5 }] },
        { title: 'Loyal discount', loyaltyTypeId: 4, valueUnitId: 1, rules: [{ parameter: 0, value: 5 }] },
        {
          title: 'Package',
          loyaltyTypeId: 13,
          valueUnitId: 1,
          rules: [{ parameter: 0, value: 20 }],
        },
      ],
    });
    await topUp(ctx, w, 100);
    const made = await createAppointment(ctx, w, twoItems(w));
    const other = await createAppointment(ctx, w);
    const s = ctx.factory.setup;
    const unlinked = await s.createProgram({
      chainId: w.chainId,
      title: 'Not on Gold',
      loyaltyTypeId: 1,
      valueUnitId: 1,
      rules: [{ parameter: 0, value: 5 }],
      locationIds: [w.locationId],
    });
    const elsewhere = await s.createProgram({
      chainId: w.chainId,
      title: 'Not active here',
      loyaltyTypeId: 1,
      valueUnitId: 1,
      rules: [{ parameter: 0, value: 5 }],
      locationIds: [],
      cardTypeIds: [w.goldTypeId],
    });
    const stranger = await ctx.issueCard({
      locationId: w.locationId,
      cardTypeId: w.goldTypeId,
      auth: w.auth,
    });
    const removed = await ctx.issueCard({ locationId: w.locationId, cardTypeId: w.goldTypeId, auth: w.auth });
    expect((await ctx.api('DELETE', `/loyalty/cards/${w.locationId}/${removed}`, w.auth)).statusCode).toBe(
      204,
    );
    const foreign = await ctx.factory.world({ programs: true });
    const foreignCard = await ctx.issueCard(foreign);
    const foreignVisit = await (async () => {
      const service = (
        await ctx.database.db
          .insertInto('services')
          .values({
            location_id: foreign.locationId,
            title: 'X',
            price_min_minor: 100,
            price_max_minor: 100,
            created_at: '2024-01-01',
            updated_at: '2024-01-01',
          })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
      const staff = (
        await ctx.database.db
          .insertInto('staff')
          .values({
            location_id: foreign.locationId,
            name: 'X',
            created_at: '2024-01-01',
            updated_at: '2024-01-01',
          })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
      const res = await ctx.api('POST', `/records/${foreign.locationId}`, foreign.auth, {
        staff_id: staff,
        services: [{ id: service }],
        client: { phone: uniquePhone() },
        datetime: '2024-03-01T10:00:00+03:00',
        seance_length: 3600,
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().data as Appointment;
    })();

    const target = visitTarget(made);
    const cases: {
      label: string;
      operation: LoyaltyOperation;
      cardId?: number;
      programId?: number;
      body?: Record<string, unknown>;
      status: number;
      message: string;
    }[] = [
      {
        label: 'a cashback program',
        operation: 'applyDiscount',
        programId: w.programIds[0]!,
        status: 422,
        message: `program_id is a cashback program (type 6), not a discount.`,
      },
      {
        label: 'the package discount',
        operation: 'applyDiscount',
        programId: w.programIds[2]!,
        status: 422,
        message: 'program_id is a package discount (type 13): not supported in a visit yet.',
      },
      {
        label: 'a program not linked to the card type',
        operation: 'applyDiscount',
        programId: unlinked,
        status: 422,
        message: "program_id is not a program of the card's type active at this location.",
      },
      {
        label: 'a program not active at the location',
        operation: 'applyDiscount',
        programId: elsewhere,
        status: 422,
        message: "program_id is not a program of the card's type active at this location.",
      },
      {
        label: "another chain's program",
        operation: 'applyDiscount',
        programId: foreign.programId!,
        status: 404,
        message: 'Loyalty program not found.',
      },
      {
        label: 'a missing program',
        operation: 'cancelDiscount',
        programId: 2_147_000_000,
        status: 404,
        message: 'Loyalty program not found.',
      },
      {
        label: 'a card of another phone (discount)',
        operation: 'applyDiscount',
        cardId: stranger,
        status: 422,
        message: "card_id is not a card of this visit's client (a card is used by its holder only).",
      },
      {
        label: 'a card of another phone (withdrawal)',
        operation: 'applyWithdrawal',
        cardId: stranger,
        status: 422,
        message: "card_id is not a card of this visit's client (a card is used by its holder only).",
      },
      {
        label: 'a removed card',
        operation: 'applyWithdrawal',
        cardId: removed,
        status: 404,
        message: 'Loyalty card not found.',
      },
      {
        label: "another chain's card",
        operation: 'applyWithdrawal',
        cardId: foreignCard,
        status: 404,
        message: 'Loyalty card not found.',
      },
      {
        label: "another chain's card (cancel)",
        operation: 'cancelWithdrawal',
        cardId: foreignCard,
        status: 404,
        message: 'Loyalty card not found.',
      },
      {
        label: 'a record that is not the visit’s',
        operation: 'applyWithdrawal',
        body: { ...target, record_id: other.id, amount: 1 },
        status: 422,
        message: 'record_id is not the appointment of this visit.',
      },
      {
        label: 'a visit of another location',
        operation: 'applyDiscount',
        body: visitTarget(foreignVisit),
        status: 422,
        message: 'visit_id is not a visit of this location.',
      },
      {
        label: 'a missing visit',
        operation: 'cancelWithdrawal',
        body: { ...target, visit_id: 2_147_000_000 },
        status: 422,
        message: 'visit_id is not a visit of this location.',
      },
      {
        label: 'no record_id',
        operation: 'applyDiscount',
        body: { visit_id: made.visit_id },
        status: 422,
        message: 'record_id is required.',
      },
      {
        label: 'a visit_id that is no id',
        operation: 'cancelDiscount',
        body: { ...target, visit_id: 'abc' },
        status: 422,
        message: 'visit_id must be a positive integer.',
      },
      {
        label: 'no amount',
        operation: 'applyWithdrawal',
        body: target,
        status: 422,
        message: 'amount is required.',
      },
      {
        label: 'an amount with 3 decimals',
        operation: 'applyWithdrawal',
        body: { ...target, amount: 1.005 },
        status: 422,
        message: 'amount must have at most 2 decimal places.',
      },
      {
        label: 'a negative amount',
        operation: 'applyWithdrawal',
        body: { ...target, amount: -5 },
        status: 422,
        message: 'amount must be at least 0.',
      },
      {
        label: 'a negative amount as a string',
        operation: 'applyWithdrawal',
        body: { ...target, amount: '-5' },
        status: 422,
        message: 'amount must be a number with at most 2 decimals, from 0 to 1000000000000.',
      },
      {
        label: 'an amount that is no number',
        operation: 'applyWithdrawal',
        body: { ...target, amount: 'ten' },
        status: 422,
        message: 'amount must be a number with at most 2 decimals, from 0 to 1000000000000.',
      },
    ];
    const size = await ledgerSize(ctx);
    for (const c of cases) {
      const res = await call(ctx, w, c.operation, made, {
        cardId: c.cardId,
        programId: c.programId,
        body: c.body ?? { ...target, ...(c.operation === 'applyWithdrawal' ? { amount: 1 } : {}) },
      });
      expect([res.statusCode, res.json().meta?.message], c.label).toEqual([c.status, c.message]);
      expect(res.json()).toMatchObject({ success: false, data: null });
    }
    expect(await ledgerSize(ctx)).toBe(size);
    expect((await cardFigures(ctx, w)).balance).toBe(100);

    // A location the caller may not act on: 403, before anything else.
    const denied = await visitLoyalty(
      ctx,
      w.auth,
      loyaltyPath('applyWithdrawal', foreign.locationId, w.cardId),
      {
        ...target,
        amount: 1,
      },
    );
    expect(denied.statusCode).toBe(403);
  });
});

describeEachDialect('visit loyalty: exactly once, under concurrency too (SPEC §4, §6.4)', (ctx) => {
  it('a keyed apply or cancel retried replays its first answer and writes once', async () => {
    const w = await visitWorld(ctx);
    await topUp(ctx, w, 100);
    const made = await createAppointment(ctx, w, twoItems(w));
    for (const [operation, key, amount] of [
      ['applyWithdrawal', `w-${ctx.kind}`, 50],
      ['applyDiscount', `d-${ctx.kind}`, undefined],
      ['cancelWithdrawal', `cw-${ctx.kind}`, undefined],
      ['cancelDiscount', `cd-${ctx.kind}`, undefined],
    ] as const) {
      const first = await call(ctx, w, operation, made, { amount, key });
      expect(first.statusCode, first.body).toBe(200);
      const size = await ledgerSize(ctx);
      const retry = await call(ctx, w, operation, made, { amount, key });
      expect(retry.statusCode).toBe(200);
      expect(retry.headers['idempotency-replayed']).toBe('true');
      expect(retry.body).toBe(first.body);
      expect(await ledgerSize(ctx)).toBe(size);
    }
    expect((await cardFigures(ctx, w)).balance).toBe(100);
    // The same key on another request: 422.
    const reused = await call(ctx, w, 'applyWithdrawal', made, { amount: 10, key: `w-${ctx.kind}` });
    expect(reused.statusCode).toBe(422);
    await expectLedgerConsistent(ctx);
  });

  it('withdrawals from one card in ten visits at once never overdraw it nor lose an update', async () => {
    const w = await visitWorld(ctx);
    await topUp(ctx, w, 100);
    const visits = [];
    for (let i = 0; i < 10; i++) visits.push(await createAppointment(ctx, w));
    const answers = await Promise.all(visits.map((v) => call(ctx, w, 'applyWithdrawal', v, { amount: 30 })));
    const taken = answers.map((res) => {
      expect(res.statusCode, res.body).toBe(200);
      return res
        .json()
        .loyalty_transactions.reduce((s: number, r: { amount: number }) => s + Math.round(r.amount * 100), 0);
    });
    // 30 + 30 + 30 + 10, then nothing: the caps read what the withdrawal before left.
    expect(taken.reduce((s, t) => s + t, 0)).toBe(10_000);
    expect([...taken].sort((a, b) => b - a)).toEqual([3000, 3000, 3000, 1000, 0, 0, 0, 0, 0, 0]);
    expect((await cardFigures(ctx, w)).balance).toBe(0);
    await expectLedgerConsistent(ctx);
  });

  it('concurrent changes of one visit serialise: one discount program applies, withdrawals stop at the amount due', async () => {
    const w = await visitWorld(ctx);
    await topUp(ctx, w, 10_000);
    const made = await createAppointment(ctx, w, twoItems(w));
    const discounts = await Promise.all(Array.from({ length: 8 }, () => call(ctx, w, 'applyDiscount', made)));
    expect(discounts.map((r) => r.statusCode).sort()).toEqual([200, 422, 422, 422, 422, 422, 422, 422]);
    const withdrawals = await Promise.all(
      Array.from({ length: 8 }, () => call(ctx, w, 'applyWithdrawal', made, { amount: 1000 })),
    );
    for (const res of withdrawals) expect(res.statusCode, res.body).toBe(200);
    // 5500 − 275 discount = 5225 due: five withdrawals of 1000 and one of 225.
    const live = (await ledgerOf(ctx, made.visit_id)).filter((r) => r.type_id === 3);
    expect(live.reduce((s, r) => s + r.amount_minor, 0)).toBe(522_500);
    expect((await getVisit(ctx, w, made.visit_id)).json().data.amount_due).toBe(0);
    expect((await cardFigures(ctx, w)).balance).toBe(4775);
    await expectLedgerConsistent(ctx);
  });
});
