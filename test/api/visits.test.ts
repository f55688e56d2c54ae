import { expect, it } from 'vitest';
import { describeEachDialect, type TestContext } from '../helpers/app.js';
import { uniquePhone } from '../helpers/factory.js';
import {
  appointmentBody,
  cardFigures,
  createAppointment,
  defaultAccounts,
  expectLedgerConsistent,
  updateVisit,
  visitWorld,
  withdrawFromCard,
  type VisitWorld,
  visitLedger,
} from '../helpers/visits.js';

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
  ]);

async function paymentsOf(ctx: TestContext, visitId: number) {
  return ctx.database.db
    .selectFrom('payments')
    .select(['id', 'account_id', 'amount_minor', 'deleted_at'])
    .where('visit_id', '=', visitId)
    .orderBy('id')
    .execute();
}

async function visitRow(ctx: TestContext, visitId: number) {
  return ctx.database.db.selectFrom('visits').selectAll().where('id', '=', visitId).executeTakeFirstOrThrow();
}

function getVisit(ctx: TestContext, w: { auth: string }, visitId: number) {
  return ctx.api('GET', `/visits/${visitId}`, w.auth);
}

/** A manual withdrawal (op 9): spends what the card holds. */
async function spend(ctx: TestContext, w: VisitWorld, amount: number) {
  const res = await ctx.manualTransaction({ location: w.locationId }, w.cardId, w.auth, { amount: -amount });
  expect(res.statusCode, res.body).toBe(200);
}

describeEachDialect('visits: close earns exactly what the program says (SPEC §6.3)', (ctx) => {
  it('Gold card, "Cashback 5%": a visit of 1500 paid in money earns 75.00, in the Altegio shapes', async () => {
    const w = await visitWorld(ctx);
    const made = await createAppointment(ctx, w);
    const res = await updateVisit(ctx, w, made, { attendance: 1, comment: 'done', fast_payment: 1 });
    expect(res.statusCode, res.body).toBe(200);
    const visit = res.json().data;
    expect(visit).toEqual({
      id: made.visit_id,
      attendance: 1,
      datetime: '2024-03-01T10:00:00+03:00',
      comment: 'done',
      records: [
        {
          ...made,
          attendance: 1,
          visit_attendance: 1,
          confirmed: 1,
          paid_full: 1,
          payment_status: 2,
          last_change_date: expect.any(String),
        },
      ],
      state: 'closed',
      amount_due: 0,
      paid_amount: 1500,
      sold_amount: 1500,
    });
    expect((await getVisit(ctx, w, made.visit_id)).json()).toEqual({ success: true, data: visit, meta: [] });
    expect(await cardFigures(ctx, w)).toEqual({
      balance: 75,
      paid_amount: 1500,
      sold_amount: 1500,
      visits_count: 1,
    });

    const [accrual] = await ledgerOf(ctx, made.visit_id);
    const cashback = w.programIds[0]!;
    const program = {
      id: cashback,
      title: 'Cashback 5%',
      group_id: w.chainId,
      loyalty_type_id: 6,
      item_type_id: 0,
      value: 5,
      value_unit_id: 1,
    };
    const vlt = {
      id: accrual!.id,
      status_id: 1,
      amount: 75,
      type_id: 2,
      program_id: cashback,
      card_id: w.cardId,
      salon_group_id: w.chainId,
      item_id: 0,
      item_type_id: 0,
      item_record_id: made.id,
      goods_transaction_id: 0,
      is_discount: false,
      is_loyalty_withdraw: false,
      type: { id: 2, title: 'Program accrual' },
    };
    // V11: a raw array, with the program.
    const v11 = await ctx.api('GET', `/visit/loyalty/transactions/${made.visit_id}`, w.auth);
    expect(v11.statusCode).toBe(200);
    expect(v11.json()).toEqual([{ ...vlt, program }]);

    const details = await ctx.api(
      'GET',
      `/visit/details/${w.locationId}/${made.id}/${made.visit_id}`,
      w.auth,
    );
    expect(details.statusCode).toBe(200);
    const [payment] = await paymentsOf(ctx, made.visit_id);
    expect(details.json()).toEqual({
      success: true,
      meta: [],
      data: {
        items: [
          {
            id: 0,
            item_id: w.haircut,
            item_type_id: 1,
            record_id: made.id,
            item_title: 'Haircut',
            amount: 1,
            first_cost: 1500,
            manual_cost: 1500,
            discount: 0,
            cost: 1500,
            master_id: w.staffId,
            good_id: 0,
            service_id: w.haircut,
            event_id: 0,
            is_service: true,
            is_event: false,
            is_good: false,
          },
        ],
        payment_transactions: [
          {
            id: payment!.id,
            document_id: (made.documents as { id: number }[])[0]!.id,
            date: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
            type_id: 5,
            expense_id: 5,
            account_id: w.accounts.cash,
            amount: 1500,
            client_id: (made.client as { id: number }).id,
            master_id: w.staffId,
            supplier_id: 0,
            comment: '',
            item_id: 0,
            target_type_id: 1,
            record_id: made.id,
            goods_transaction_id: 0,
            expense: { id: 5, title: 'Provision of services' },
            account: { id: w.accounts.cash, title: 'Cash' },
            client: { id: (made.client as { id: number }).id, name: '', phone: `+${w.clientPhone}` },
            master: { id: w.staffId, name: 'Demo master' },
            supplier: [],
          },
        ],
        loyalty_transactions: [vlt],
        kkm_transaction_details_container: { last_operation_type: 0, transactions: [] },
      },
    });

    // The chain list (L-23) shows the accrual with its visit, filterable by visit.
    const today = new Date().toISOString().slice(0, 10);
    const chain = await ctx.api(
      'GET',
      `/chain/${w.chainId}/loyalty/transactions?created_after=${today}&created_before=${today}&visit_ids[]=${made.visit_id}`,
      w.auth,
    );
    expect(chain.json().meta).toEqual({ count: 1 });
    expect(chain.json().data[0]).toMatchObject({
      id: accrual!.id,
      card_id: w.cardId,
      type_id: 2,
      amount: 75,
      visit_id: made.visit_id,
      program_id: cashback,
      item_id: 0,
      item_record_id: made.id,
      item_type_id: 0,
      is_discount: false,
      is_loyalty_withdraw: false,
      status_id: 1,
      balance_effect: 75,
      cancels_id: 0,
      actor: { partner_id: w.partner.id, user_id: w.user.id },
    });
    await expectLedgerConsistent(ctx);
  });

  it('pays in steps: open while anything is due, closes on the payment that leaves nothing due', async () => {
    const w = await visitWorld(ctx);
    const made = await createAppointment(ctx, w, { services: [{ id: w.haircut }, { id: w.coloring }] });
    const first = await updateVisit(ctx, w, made, {
      attendance: 1,
      new_transactions: [
        { id: 1482145166353, amount: 1000, account_id: w.accounts.cash },
        { amount: '500.50', account_id: w.accounts.card },
      ],
    });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().data).toMatchObject({ state: 'open', amount_due: 3999.5, paid_amount: 1500.5 });
    expect(first.json().data.records[0]).toMatchObject({ paid_full: 0, payment_status: 1 });
    expect(await cardFigures(ctx, w)).toEqual({
      balance: 0,
      paid_amount: 0,
      sold_amount: 0,
      visits_count: 0,
    });

    // Paying more than is due: 422, nothing written.
    const over = await updateVisit(ctx, w, made, {
      attendance: 1,
      new_transactions: [{ amount: 3999.51, account_id: w.accounts.cash }],
    });
    expect(over.statusCode).toBe(422);
    expect(over.json().meta.errors).toEqual({
      new_transactions: ['new_transactions exceed the amount due (3999.5).'],
    });
    expect(await paymentsOf(ctx, made.visit_id)).toHaveLength(2);

    const last = await updateVisit(ctx, w, made, {
      attendance: 1,
      new_transactions: [{ amount: 3999.5, account_id: w.accounts.card }],
    });
    expect(last.json().data).toMatchObject({
      state: 'closed',
      amount_due: 0,
      paid_amount: 5500,
      sold_amount: 5500,
    });
    // 5 % of 5500 paid.
    expect(await cardFigures(ctx, w)).toEqual({
      balance: 275,
      paid_amount: 5500,
      sold_amount: 5500,
      visits_count: 1,
    });
    await expectLedgerConsistent(ctx);
  });

  it('arrived with something due stays open; setting arrived later, once paid, closes', async () => {
    const w = await visitWorld(ctx);
    const made = await createAppointment(ctx, w, { attendance: 1 });
    expect((await getVisit(ctx, w, made.visit_id)).json().data.state).toBe('open');
    const paid = await updateVisit(ctx, w, made, { attendance: 2, fast_payment: 130 });
    expect(paid.json().data).toMatchObject({ state: 'open', attendance: 2, amount_due: 0 });
    const [payment] = await paymentsOf(ctx, made.visit_id);
    expect(payment).toMatchObject({ account_id: w.accounts.card, amount_minor: 150_000 });
    expect(await cardFigures(ctx, w)).toMatchObject({ visits_count: 0 });
    const arrived = await updateVisit(ctx, w, made, { attendance: 1 });
    expect(arrived.json().data.state).toBe('closed');
    expect(await cardFigures(ctx, w)).toEqual({
      balance: 75,
      paid_amount: 1500,
      sold_amount: 1500,
      visits_count: 1,
    });
  });

  it('removes money payments of an open visit; the amount due follows', async () => {
    const w = await visitWorld(ctx);
    const made = await createAppointment(ctx, w);
    await updateVisit(ctx, w, made, {
      attendance: 0,
      new_transactions: [{ amount: 600, account_id: w.accounts.cash }],
    });
    const [payment] = await paymentsOf(ctx, made.visit_id);
    const unknown = await updateVisit(ctx, w, made, {
      attendance: 0,
      deleted_transaction_ids: [payment!.id, 999_999],
    });
    expect(unknown.statusCode).toBe(422);
    expect(Object.keys(unknown.json().meta.errors)).toEqual(['deleted_transaction_ids.1']);
    const removed = await updateVisit(ctx, w, made, {
      attendance: 0,
      deleted_transaction_ids: [payment!.id],
    });
    expect(removed.json().data).toMatchObject({ amount_due: 1500, paid_amount: 0 });
    expect((await paymentsOf(ctx, made.visit_id))[0]!.deleted_at).not.toBeNull();
    const details = await ctx.api(
      'GET',
      `/visit/details/${w.locationId}/${made.id}/${made.visit_id}`,
      w.auth,
    );
    expect(details.json().data.payment_transactions).toEqual([]);
    // Removed once: a second removal names it as unknown.
    const again = await updateVisit(ctx, w, made, { attendance: 0, deleted_transaction_ids: [payment!.id] });
    expect(Object.keys(again.json().meta.errors)).toEqual(['deleted_transaction_ids.0']);
  });

  it('a visit paid partly by card withdrawal: the withdrawal lowers what is due but is not "paid"', async () => {
    const w = await visitWorld(ctx);
    const made = await createAppointment(ctx, w);
    await withdrawFromCard(ctx, w, made, 500_00);
    expect((await getVisit(ctx, w, made.visit_id)).json().data).toMatchObject({
      amount_due: 1000,
      paid_amount: 0,
    });
    const closed = await updateVisit(ctx, w, made, { attendance: 1, fast_payment: 1 });
    expect(closed.json().data).toMatchObject({
      state: 'closed',
      amount_due: 0,
      paid_amount: 1000,
      sold_amount: 1500,
    });
    // 5 % of the 1000 paid in money; the card had 500 topped up and 500 withdrawn.
    expect(await cardFigures(ctx, w)).toEqual({
      balance: 50,
      paid_amount: 1000,
      sold_amount: 1500,
      visits_count: 1,
    });
    const v11 = (await ctx.api('GET', `/visit/loyalty/transactions/${made.visit_id}`, w.auth)).json();
    expect(
      v11.map((t: { type_id: number; amount: number; program: unknown }) => [t.type_id, t.amount, t.program]),
    ).toEqual([
      [3, 500, null],
      [2, 50, expect.objectContaining({ id: w.programIds[0] })],
    ]);
    await expectLedgerConsistent(ctx);
  });

  it('a cumulative program reads the card figures before the visit; every live card of the phone earns', async () => {
    const w = await visitWorld(ctx, {
      programs: [
        {
          loyaltyTypeId: 7,
          valueUnitId: 1,
          rules: [
            { parameter: 0, value: 5 },
            { parameter: 1500, value: 10 },
          ],
        },
      ],
    });
    // A second card of the same phone, of a type with a fixed cashback; and a card of another chain.
    const fixed = await ctx.factory.setup.createProgram({
      chainId: w.chainId,
      title: 'Fixed 20',
      loyaltyTypeId: 5,
      valueUnitId: 2,
      rules: [{ parameter: 0, value: 20 }],
      locationIds: [w.locationId],
    });
    const silver = await ctx.factory.setup.createCardType({
      chainId: w.chainId,
      title: 'Silver',
      locationIds: [w.locationId],
      programIds: [fixed],
    });
    const second = await ctx.api('POST', `/loyalty/cards/${w.locationId}`, w.auth, {
      loyalty_card_type_id: silver,
      phone: w.clientPhone,
    });
    const secondId = second.json().data.id as number;
    const elsewhere = await visitWorld(ctx);
    const foreign = await ctx.api('POST', `/loyalty/cards/${elsewhere.locationId}`, elsewhere.auth, {
      loyalty_card_type_id: elsewhere.goldTypeId,
      phone: w.clientPhone,
    });
    const foreignId = foreign.json().data.id as number;

    const first = await createAppointment(ctx, w);
    await updateVisit(ctx, w, first, { attendance: 1, fast_payment: 1 });
    // Before the first visit the card had paid 0: 5 % of 1500.
    expect(await cardFigures(ctx, w)).toMatchObject({ balance: 75, paid_amount: 1500 });
    const secondVisit = await createAppointment(ctx, w);
    await updateVisit(ctx, w, secondVisit, { attendance: 1, fast_payment: 1 });
    // Before the second it had paid 1500, reaching the 10 % rule exactly.
    expect(await cardFigures(ctx, w)).toEqual({
      balance: 225,
      paid_amount: 3000,
      sold_amount: 3000,
      visits_count: 2,
    });
    const silverCard = await ctx.database.db
      .selectFrom('cards')
      .select(['balance_minor', 'visits_count', 'paid_minor'])
      .where('id', '=', secondId)
      .executeTakeFirstOrThrow();
    expect(silverCard).toEqual({ balance_minor: 4000, visits_count: 2, paid_minor: 300_000 });
    const other = await ctx.database.db
      .selectFrom('cards')
      .select(['balance_minor', 'visits_count'])
      .where('id', '=', foreignId)
      .executeTakeFirstOrThrow();
    expect(other).toEqual({ balance_minor: 0, visits_count: 0 });
    await expectLedgerConsistent(ctx);
  });

  it('a program not active at the location, or a removed card, earns nothing', async () => {
    const w = await visitWorld(ctx);
    const elsewhere = await ctx.factory.setup.createLocation(w.chainId, 'Elsewhere');
    const inactive = await ctx.factory.setup.createProgram({
      chainId: w.chainId,
      title: 'Only elsewhere',
      loyaltyTypeId: 6,
      valueUnitId: 2,
      rules: [{ parameter: 0, value: 1000 }],
      locationIds: [elsewhere],
    });
    await ctx.api('PUT', `/chain/${w.chainId}/loyalty/card_types/${w.goldTypeId}`, w.auth, {
      loyalty_program_ids: [...w.programIds, inactive],
    });
    const made = await createAppointment(ctx, w);
    await updateVisit(ctx, w, made, { attendance: 1, fast_payment: 1 });
    expect(await cardFigures(ctx, w)).toMatchObject({ balance: 75 });

    const removed = await visitWorld(ctx);
    expect(
      (await ctx.api('DELETE', `/loyalty/cards/${removed.locationId}/${removed.cardId}`, removed.auth))
        .statusCode,
    ).toBe(204);
    const visit = await createAppointment(ctx, removed);
    const closed = await updateVisit(ctx, removed, visit, { attendance: 1, fast_payment: 1 });
    expect(closed.json().data.state).toBe('closed');
    expect(await ledgerOf(ctx, visit.visit_id)).toEqual([]);
    const card = await ctx.database.db
      .selectFrom('cards')
      .select(['balance_minor', 'visits_count'])
      .where('id', '=', removed.cardId)
      .executeTakeFirstOrThrow();
    expect(card).toEqual({ balance_minor: 0, visits_count: 0 });
  });
});

describeEachDialect('visits: reopen compensates (SPEC §6.3, §6.6)', (ctx) => {
  it('reopening appends compensations, takes the counters back; closing again earns again', async () => {
    const w = await visitWorld(ctx);
    const made = await createAppointment(ctx, w);
    await updateVisit(ctx, w, made, { attendance: 1, fast_payment: 1 });
    const reopened = await updateVisit(ctx, w, made, { attendance: 2, comment: 'refund' });
    expect(reopened.statusCode, reopened.body).toBe(200);
    expect(reopened.json().data).toMatchObject({
      state: 'open',
      attendance: 2,
      comment: 'refund',
      amount_due: 0,
    });
    expect(await cardFigures(ctx, w)).toEqual({
      balance: 0,
      paid_amount: 0,
      sold_amount: 0,
      visits_count: 0,
    });
    const [accrual, compensation] = await ledgerOf(ctx, made.visit_id);
    expect(compensation).toEqual({
      id: expect.any(Number),
      card_id: w.cardId,
      type_id: 2,
      amount_minor: -7500,
      balance_effect_minor: -7500,
      status_id: 2,
      cancels_id: accrual!.id,
      program_id: accrual!.program_id,
    });
    // Altegio-shaped lists show live rows only; the card history shows both.
    expect((await ctx.api('GET', `/visit/loyalty/transactions/${made.visit_id}`, w.auth)).json()).toEqual([]);
    const details = await ctx.api(
      'GET',
      `/visit/details/${w.locationId}/${made.id}/${made.visit_id}`,
      w.auth,
    );
    expect(details.json().data.loyalty_transactions).toEqual([]);
    const today = new Date().toISOString().slice(0, 10);
    const chain = await ctx.api(
      'GET',
      `/chain/${w.chainId}/loyalty/transactions?created_after=${today}&created_before=${today}&visit_ids[]=${made.visit_id}`,
      w.auth,
    );
    expect(chain.json()).toEqual({ success: true, data: [], meta: { count: 0 } });
    const history = (
      await ctx.api('GET', `/loyalty/cards/${w.locationId}/${w.cardId}/transactions`, w.auth)
    ).json();
    expect(
      history.data.map((t: { amount: number; status_id: number; cancels_id: number }) => [
        t.amount,
        t.status_id,
        t.cancels_id,
      ]),
    ).toEqual([
      [-75, 2, accrual!.id],
      [75, 1, 0],
    ]);
    const closings = await ctx.database.db
      .selectFrom('visit_closings')
      .select(['card_id', 'visits', 'sold_minor', 'paid_minor', 'reversed_at'])
      .where('visit_id', '=', made.visit_id)
      .execute();
    expect(closings).toEqual([
      {
        card_id: w.cardId,
        visits: 1,
        sold_minor: 150_000,
        paid_minor: 150_000,
        reversed_at: expect.any(String),
      },
    ]);

    // Open again: payments change as on any open visit; closing again earns again, with new rows.
    await updateVisit(ctx, w, made, {
      attendance: 2,
      deleted_transaction_ids: [(await paymentsOf(ctx, made.visit_id))[0]!.id],
    });
    const closedAgain = await updateVisit(ctx, w, made, {
      attendance: 1,
      new_transactions: [{ amount: 1500, account_id: w.accounts.card }],
    });
    expect(closedAgain.json().data).toMatchObject({ state: 'closed', paid_amount: 1500 });
    expect(await cardFigures(ctx, w)).toEqual({
      balance: 75,
      paid_amount: 1500,
      sold_amount: 1500,
      visits_count: 1,
    });
    const rows = await ledgerOf(ctx, made.visit_id);
    expect(rows.map((r) => [r.amount_minor, r.status_id])).toEqual([
      [7500, 1],
      [-7500, 2],
      [7500, 1],
    ]);
    expect((await visitRow(ctx, made.visit_id)).closes).toBe(2);
    await expectLedgerConsistent(ctx);
  });

  it('refuses to reopen with 422 naming the card when the cashback was spent, and changes nothing', async () => {
    const w = await visitWorld(ctx);
    const made = await createAppointment(ctx, w);
    await updateVisit(ctx, w, made, { attendance: 1, fast_payment: 1 });
    await spend(ctx, w, 50);
    const before = { rows: await ledgerOf(ctx, made.visit_id), figures: await cardFigures(ctx, w) };
    const refused = await updateVisit(ctx, w, made, { attendance: 0 });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toEqual({
      success: false,
      data: null,
      meta: {
        message: `The visit cannot be reopened: loyalty card ${w.cardId} has already spent the 75 this visit earned it (a reopen would take its balance below 0).`,
        errors: { attendance: [`loyalty card ${w.cardId} has already spent what this visit earned it`] },
      },
    });
    expect(before.figures).toEqual({ balance: 25, paid_amount: 1500, sold_amount: 1500, visits_count: 1 });
    expect(await cardFigures(ctx, w)).toEqual(before.figures);
    expect(await ledgerOf(ctx, made.visit_id)).toEqual(before.rows);
    expect(await visitRow(ctx, made.visit_id)).toMatchObject({ state: 'closed', attendance: 1 });
    // Once the card holds enough again, the reopen goes through.
    await ctx.manualTransaction({ location: w.locationId }, w.cardId, w.auth, { amount: 50 });
    expect((await updateVisit(ctx, w, made, { attendance: 0 })).json().data.state).toBe('open');
    expect(await cardFigures(ctx, w)).toEqual({
      balance: 0,
      paid_amount: 0,
      sold_amount: 0,
      visits_count: 0,
    });
    await expectLedgerConsistent(ctx);
  });

  it('a card removed after the close still gets its compensation and its counters back', async () => {
    const w = await visitWorld(ctx);
    const made = await createAppointment(ctx, w);
    await updateVisit(ctx, w, made, { attendance: 1, fast_payment: 1 });
    await ctx.api('DELETE', `/loyalty/cards/${w.locationId}/${w.cardId}`, w.auth);
    expect((await updateVisit(ctx, w, made, { attendance: -1 })).statusCode).toBe(200);
    const card = await ctx.database.db
      .selectFrom('cards')
      .select(['balance_minor', 'visits_count', 'paid_minor', 'sold_minor'])
      .where('id', '=', w.cardId)
      .executeTakeFirstOrThrow();
    expect(card).toEqual({ balance_minor: 0, visits_count: 0, paid_minor: 0, sold_minor: 0 });
    await expectLedgerConsistent(ctx);
  });

  it('a closed visit accepts nothing but its reopening; a request that changes nothing answers it unchanged', async () => {
    const w = await visitWorld(ctx);
    const made = await createAppointment(ctx, w);
    const closed = (
      await updateVisit(ctx, w, made, { attendance: 1, comment: 'paid', fast_payment: 1 })
    ).json().data;
    const [payment] = await paymentsOf(ctx, made.visit_id);
    const rows = await ledgerOf(ctx, made.visit_id);
    const CLOSED = 'The visit is closed: set attendance away from 1 to reopen it.';
    for (const [label, body] of [
      [
        'a new payment',
        { attendance: 1, comment: 'paid', new_transactions: [{ amount: 1, account_id: w.accounts.cash }] },
      ],
      ['a removed payment', { attendance: 1, comment: 'paid', deleted_transaction_ids: [payment!.id] }],
      ['other services', { attendance: 1, comment: 'paid', services: [{ id: w.coloring }] }],
      ['another comment', { attendance: 1, comment: 'changed' }],
      [
        'a reopen with a payment',
        { attendance: 0, comment: 'paid', new_transactions: [{ amount: 1, account_id: w.accounts.cash }] },
      ],
    ] as const) {
      const res = await updateVisit(ctx, w, made, body);
      expect(res.statusCode, label).toBe(422);
      expect(res.json().meta.message, label).toBe(CLOSED);
    }
    const unchanged = await updateVisit(ctx, w, made, {
      attendance: 1,
      comment: 'paid',
      fast_payment: 1,
      services: [{ id: w.haircut }],
      deleted_transaction_ids: [],
    });
    expect(unchanged.statusCode).toBe(200);
    expect(unchanged.json().data).toEqual(closed);
    expect(await ledgerOf(ctx, made.visit_id)).toEqual(rows);
    expect(await paymentsOf(ctx, made.visit_id)).toHaveLength(1);
    expect(await cardFigures(ctx, w)).toEqual({
      balance: 75,
      paid_amount: 1500,
      sold_amount: 1500,
      visits_count: 1,
    });
    await expectLedgerConsistent(ctx);
  });
});

describeEachDialect('visits: exactly once (SPEC §6.3 "Concurrent requests")', (ctx) => {
  it('twenty concurrent closes of one visit in one process earn once', async () => {
    const w = await visitWorld(ctx);
    const made = await createAppointment(ctx, w);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => updateVisit(ctx, w, made, { attendance: 1, fast_payment: 1 })),
    );
    expect(answers.map((a) => a.statusCode)).toEqual(Array(20).fill(200));
    for (const answer of answers)
      expect(answer.json().data).toMatchObject({ state: 'closed', paid_amount: 1500 });
    expect(await paymentsOf(ctx, made.visit_id)).toHaveLength(1);
    expect((await ledgerOf(ctx, made.visit_id)).map((r) => r.amount_minor)).toEqual([7500]);
    expect(await cardFigures(ctx, w)).toEqual({
      balance: 75,
      paid_amount: 1500,
      sold_amount: 1500,
      visits_count: 1,
    });
    expect((await visitRow(ctx, made.visit_id)).closes).toBe(1);
    await expectLedgerConsistent(ctx);
  });

  it('concurrent reopens and closes of one visit leave the card exactly as its live rows say', async () => {
    const w = await visitWorld(ctx);
    const made = await createAppointment(ctx, w);
    await updateVisit(ctx, w, made, { attendance: 1, fast_payment: 1 });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => updateVisit(ctx, w, made, { attendance: i % 2 === 0 ? 0 : 1 })),
    );
    expect(answers.every((a) => a.statusCode === 200)).toBe(true);
    const state = (await visitRow(ctx, made.visit_id)).state;
    const rows = await ledgerOf(ctx, made.visit_id);
    const live = rows.filter((r) => r.status_id === 1 && !rows.some((c) => c.cancels_id === r.id));
    expect(live).toHaveLength(state === 'closed' ? 1 : 0);
    expect(await cardFigures(ctx, w)).toEqual(
      state === 'closed'
        ? { balance: 75, paid_amount: 1500, sold_amount: 1500, visits_count: 1 }
        : { balance: 0, paid_amount: 0, sold_amount: 0, visits_count: 0 },
    );
    await expectLedgerConsistent(ctx);
  });

  it('concurrent closes of ten visits of one client all earn, each on the figures the one before left', async () => {
    const w = await visitWorld(ctx, {
      programs: [
        {
          loyaltyTypeId: 9,
          valueUnitId: 2,
          rules: [
            { parameter: 0, value: 1 },
            { parameter: 5, value: 2 },
          ],
        },
      ],
    });
    const visits = [];
    for (let i = 0; i < 10; i++) visits.push(await createAppointment(ctx, w));
    const answers = await Promise.all(
      visits.map((v) => updateVisit(ctx, w, v, { attendance: 1, fast_payment: 1 })),
    );
    expect(answers.map((a) => a.statusCode)).toEqual(Array(10).fill(200));
    // Visits 1–5 find 0–4 visits before them (1.00 each), visits 6–10 find 5–9 (2.00 each).
    expect(await cardFigures(ctx, w)).toEqual({
      balance: 15,
      paid_amount: 15000,
      sold_amount: 15000,
      visits_count: 10,
    });
    await expectLedgerConsistent(ctx);
  });

  it('a keyed close retried earns once, and the retry replays the first answer', async () => {
    const w = await visitWorld(ctx);
    const made = await createAppointment(ctx, w);
    const key = `close-${uniquePhone()}`;
    const first = await updateVisit(ctx, w, made, { attendance: 1, fast_payment: 1 }, key);
    const retry = await updateVisit(ctx, w, made, { attendance: 1, fast_payment: 1 }, key);
    expect(first.statusCode).toBe(200);
    expect(retry.statusCode).toBe(200);
    expect(retry.headers['idempotency-replayed']).toBe('true');
    expect(retry.body).toBe(first.body);
    expect((await ledgerOf(ctx, made.visit_id)).map((r) => r.amount_minor)).toEqual([7500]);
    expect(await cardFigures(ctx, w)).toMatchObject({ balance: 75, visits_count: 1 });
  });
});

describeEachDialect('visits: bad input and access', (ctx) => {
  it('refuses every bad field of update_visit with 422 naming it, and changes nothing', async () => {
    const w = await visitWorld(ctx);
    const other = await visitWorld(ctx);
    const made = await createAppointment(ctx, w);
    const cases: [string, Record<string, unknown>, string][] = [
      ['attendance missing', { attendance: undefined }, 'attendance'],
      ['attendance 5', { attendance: 5 }, 'attendance'],
      ['attendance null', { attendance: null }, 'attendance'],
      ['comment missing', { comment: undefined }, 'comment'],
      ['comment a number', { comment: 0 }, 'comment'],
      ['fast_payment 3', { fast_payment: 3 }, 'fast_payment'],
      ['fast_payment text', { fast_payment: 'cash' }, 'fast_payment'],
      ['new_transactions not a list', { new_transactions: { amount: 1 } }, 'new_transactions'],
      [
        'amount missing',
        { new_transactions: [{ account_id: w.accounts.cash }] },
        'new_transactions.0.amount',
      ],
      [
        'amount 0',
        { new_transactions: [{ amount: 0, account_id: w.accounts.cash }] },
        'new_transactions.0.amount',
      ],
      [
        'amount negative',
        { new_transactions: [{ amount: -5, account_id: w.accounts.cash }] },
        'new_transactions.0.amount',
      ],
      [
        'amount 3 decimals',
        { new_transactions: [{ amount: '1.234', account_id: w.accounts.cash }] },
        'new_transactions.0.amount',
      ],
      ['account_id missing', { new_transactions: [{ amount: 1 }] }, 'new_transactions.0.account_id'],
      [
        'account_id unknown',
        { new_transactions: [{ amount: 1, account_id: 999_999 }] },
        'new_transactions.0.account_id',
      ],
      [
        "account_id another location's",
        { new_transactions: [{ amount: 1, account_id: other.accounts.cash }] },
        'new_transactions.0.account_id',
      ],
      ['deleted_transaction_ids not ids', { deleted_transaction_ids: ['x'] }, 'deleted_transaction_ids.0'],
      [
        'deleted_transaction_ids unknown',
        { deleted_transaction_ids: [999_999] },
        'deleted_transaction_ids.0',
      ],
      ['goods_transactions', { goods_transactions: [{ good_id: 1, amount: -1 }] }, 'goods_transactions'],
      ['services.0.id unknown', { services: [{ id: 999_999 }] }, 'services.0.id'],
      ["services.0.id another location's", { services: [{ id: other.haircut }] }, 'services.0.id'],
      ['services.0.cost inconsistent', { services: [{ id: w.haircut, cost: 1 }] }, 'services.0.cost'],
    ];
    const before = {
      visit: await visitRow(ctx, made.visit_id),
      payments: await paymentsOf(ctx, made.visit_id),
    };
    for (const [label, changes, field] of cases) {
      const body: Record<string, unknown> = { attendance: 1, comment: '', ...changes };
      for (const [k, v] of Object.entries(changes)) if (v === undefined) delete body[k];
      const res = await ctx.request({
        method: 'PUT',
        url: `/api/v1/visits/${made.visit_id}/${made.id}`,
        headers: { authorization: w.auth },
        payload: body as never,
      });
      expect(res.statusCode, `${label}: ${res.body}`).toBe(422);
      expect(Object.keys(res.json().meta.errors ?? {}), label).toContain(field);
    }
    expect(await visitRow(ctx, made.visit_id)).toEqual(before.visit);
    expect(await paymentsOf(ctx, made.visit_id)).toEqual(before.payments);
  });

  it('a location without a default account of the kind fast_payment names: 422', async () => {
    const w = await visitWorld(ctx);
    await ctx.database.db
      .updateTable('accounts')
      .set({ is_default: 0 })
      .where('id', '=', w.accounts.card)
      .execute();
    try {
      const made = await createAppointment(ctx, w);
      const res = await updateVisit(ctx, w, made, { attendance: 1, fast_payment: 2 });
      expect(res.statusCode).toBe(422);
      expect(res.json().meta.errors).toEqual({
        fast_payment: ['fast_payment cannot pay: the location has no default non-cash account.'],
      });
      expect(await paymentsOf(ctx, made.visit_id)).toEqual([]);
    } finally {
      await defaultAccounts(ctx.database, w.locationId);
    }
  });

  it('a visit the caller may not reach is 404 exactly like a missing one, on every visit operation', async () => {
    const w = await visitWorld(ctx);
    const other = await visitWorld(ctx);
    const theirs = await createAppointment(ctx, other);
    const mine = await createAppointment(ctx, w);
    const pairs: [string, string, unknown?][] = [
      ['GET', `/visits/${theirs.visit_id}`],
      ['GET', `/visit/loyalty/transactions/${theirs.visit_id}`],
      ['PUT', `/visits/${theirs.visit_id}/${theirs.id}`, { attendance: 1, comment: '', fast_payment: 1 }],
    ];
    for (const [method, path, body] of pairs) {
      const foreign = await ctx.api(method, path, w.auth, body);
      const missing = await ctx.api(
        method,
        path.replace(String(theirs.visit_id), '2000000000'),
        w.auth,
        body,
      );
      expect(foreign.statusCode, path).toBe(404);
      expect(foreign.body, path).toBe(missing.body);
    }
    expect((await visitRow(ctx, theirs.visit_id)).state).toBe('open');
    // The record must be the visit's.
    const wrongRecord = await updateVisit(
      ctx,
      w,
      { id: theirs.id, visit_id: mine.visit_id },
      { attendance: 0 },
    );
    expect(wrongRecord.statusCode).toBe(404);
    // Details: the location rule first (403), then the record and the visit must match (404).
    const detail = (loc: number, rec: number, vis: number) =>
      ctx.api('GET', `/visit/details/${loc}/${rec}/${vis}`, w.auth);
    expect((await detail(other.locationId, theirs.id, theirs.visit_id)).statusCode).toBe(403);
    expect((await detail(w.locationId, theirs.id, theirs.visit_id)).statusCode).toBe(404);
    expect((await detail(w.locationId, mine.id, theirs.visit_id)).statusCode).toBe(404);
    expect((await detail(w.locationId, mine.id, mine.visit_id)).statusCode).toBe(200);
    expect((await ctx.api('GET', `/visits/${mine.visit_id}`, w.partnerAuth)).statusCode).toBe(401);
  });

  it('the client of the visit is found by phone: a second appointment of the same phone is a second visit', async () => {
    const w = await visitWorld(ctx);
    const a = await createAppointment(ctx, w);
    const b = await ctx.api('POST', `/records/${w.locationId}`, w.auth, appointmentBody(w));
    expect(b.json().data.visit_id).not.toBe(a.visit_id);
    expect(b.json().data.client.id).toBe((a.client as { id: number }).id);
  });
});

describeEachDialect('ledger verify covers the visit rows (SPEC §6.6)', (ctx) => {
  it('passes after visits close and reopen; lists a row whose effect or compensation link is wrong', async () => {
    const w = await visitWorld(ctx);
    const made = await createAppointment(ctx, w);
    await updateVisit(ctx, w, made, { attendance: 1, fast_payment: 1 });
    await updateVisit(ctx, w, made, { attendance: 0 });
    await updateVisit(ctx, w, made, { attendance: 1 });
    await expectLedgerConsistent(ctx);
    // The second close's accrual is live (the first one's is compensated already: the database
    // allows one compensation per row).
    const [, , accrual] = await ledgerOf(ctx, made.visit_id);
    const row = {
      card_id: w.cardId,
      chain_id: w.chainId,
      location_id: w.locationId,
      visit_id: made.visit_id,
      created_at: new Date().toISOString(),
    };
    // Rows written around the service (a SQL console): balance 0 moves, so only the rows are wrong.
    const inserted = [];
    for (const values of [
      { ...row, type_id: 1, amount_minor: 100, balance_effect_minor: 100 },
      { ...row, type_id: 2, amount_minor: -100, balance_effect_minor: -100, status_id: 2 },
      {
        ...row,
        type_id: 3,
        amount_minor: 7500,
        balance_effect_minor: -7500,
        status_id: 2,
        cancels_id: accrual!.id,
      },
    ]) {
      const { id } = await ctx.database.db
        .insertInto('transactions')
        .values(values)
        .returning('id')
        .executeTakeFirstOrThrow();
      inserted.push(id);
    }
    // A second compensation of a compensated row: the database refuses it (unique cancels_id).
    const [first] = await ledgerOf(ctx, made.visit_id);
    await expect(
      ctx.database.db
        .insertInto('transactions')
        .values({
          ...row,
          type_id: 2,
          amount_minor: -7500,
          balance_effect_minor: -7500,
          status_id: 2,
          cancels_id: first!.id,
        })
        .execute(),
    ).rejects.toThrow();
    const report = await ctx.services.ledger.verify();
    expect(report.rows).toEqual([
      {
        id: inserted[0],
        card_id: w.cardId,
        cancels_id: 0,
        problem: 'balance effect does not follow from the type and amount',
      },
      { id: inserted[1], card_id: w.cardId, cancels_id: 0, problem: 'a compensation cancels nothing' },
      {
        id: inserted[2],
        card_id: w.cardId,
        cancels_id: accrual!.id,
        problem: 'a compensation of a row of another type or card',
      },
    ]);
    // And the balance no longer is the sum of the rows' effects.
    expect(report.mismatches).toMatchObject([{ card_id: w.cardId, balance: 75, ledger: 75 + 1 - 1 - 75 }]);
  });
});
