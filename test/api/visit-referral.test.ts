import { expect, it } from 'vitest';
import { DEMO, DEMO_AUTH, describeEachDialect, type TestContext } from '../helpers/app.js';
import { uniquePhone } from '../helpers/factory.js';
import {
  createAppointment,
  expectLedgerConsistent,
  insertService,
  insertStaff,
  updateVisit,
  visitWorld,
  type VisitWorld,
  visitLedger,
} from '../helpers/visits.js';

/**
 * V10 `apply_referral_program` (SPEC §6.5) and the referrer's accrual at close and its reversal
 * at reopen, on both databases.
 */

interface Part {
  value: number;
  value_unit_id: 1 | 2;
}

const TEN_PERCENT: Part = { value: 10, value_unit_id: 1 };
const HUNDRED: Part = { value: 100, value_unit_id: 2 };

/** A visit world (Gold card type, catalogue, accounts) whose chain has a referral program and a referrer. */
async function referralWorld(ctx: TestContext, program: { invited?: Part; referrer?: Part } = {}) {
  const w = await visitWorld(ctx);
  const made = await ctx.api('POST', `/chain/${w.chainId}/loyalty/referral_program`, w.auth, {
    title: 'Friends',
    invited: program.invited ?? TEN_PERCENT,
    referrer: program.referrer ?? HUNDRED,
  });
  expect(made.statusCode, made.body).toBe(201);
  const referrerPhone = uniquePhone();
  const issued = await ctx.api('POST', `/loyalty/cards/${w.locationId}`, w.auth, {
    loyalty_card_type_id: w.goldTypeId,
    phone: referrerPhone,
  });
  expect(issued.statusCode, issued.body).toBe(200);
  return {
    ...w,
    referralId: made.json().data.id as number,
    referrerPhone,
    referrerCardId: issued.json().data.id as number,
    /** A client new to the location (no card), brought by the referrer. */
    newcomer: uniquePhone(),
  };
}

type ReferralWorld = Awaited<ReturnType<typeof referralWorld>>;
type Made = { id: number; visit_id: number };

/** The newcomer's appointment: a haircut (1500) and a coloring (4000) unless `services` is given. */
function newcomerVisit(ctx: TestContext, w: ReferralWorld, changes: Record<string, unknown> = {}) {
  return createAppointment(ctx, w, {
    client: { phone: w.newcomer, name: 'Invited' },
    services: [{ id: w.haircut }, { id: w.coloring }],
    ...changes,
  });
}

function applyReferral(
  ctx: TestContext,
  w: { auth: string; locationId: number; chainId: number; referrerPhone: string },
  made: Made,
  changes: Record<string, unknown> = {},
  options: { key?: string; chainId?: number; locationId?: number } = {},
) {
  return ctx.request({
    method: 'POST',
    url: `/api/v1/visit/loyalty/apply_referral_program/${options.locationId ?? w.locationId}/${options.chainId ?? w.chainId}`,
    headers: {
      authorization: w.auth,
      ...(options.key === undefined ? {} : { 'idempotency-key': options.key }),
    },
    payload: {
      record_id: made.id,
      visit_id: made.visit_id,
      referrer_phone: w.referrerPhone,
      ...changes,
    } as never,
  });
}

/** The visit's ledger rows as stored (every row, compensations too), in id order. */
const ledgerOf = (ctx: TestContext, visitId: number) =>
  visitLedger(ctx.database, visitId, [
    'id',
    'card_id',
    'type_id',
    'amount_minor',
    'balance_effect_minor',
    'program_id',
    'referral_program_id',
    'record_id',
    'item_id',
    'item_type_id',
    'is_discount',
    'is_loyalty_withdraw',
    'status_id',
    'cancels_id',
  ]);

async function referralsOf(ctx: TestContext, visitId: number) {
  return ctx.database.db.selectFrom('visit_referrals').selectAll().where('visit_id', '=', visitId).execute();
}

/** Everything an apply could write or change for a visit: refusals must leave it as it was. */
async function stateOf(ctx: TestContext, w: { auth: string }, made: Made) {
  const visit = await ctx.api('GET', `/visits/${made.visit_id}`, w.auth);
  return {
    rows: await ledgerOf(ctx, made.visit_id),
    referrals: await referralsOf(ctx, made.visit_id),
    visit: { ...visit.json().data, records: undefined },
  };
}

/** The referrer's card: balance, and the sum of its rows (minor units). */
function referrerBalance(ctx: TestContext, w: ReferralWorld) {
  return ctx.factory.balanceOf(w.referrerCardId);
}

function item(w: VisitWorld, made: Made, service: 'haircut' | 'coloring') {
  const cost = service === 'haircut' ? 1500 : 4000;
  return {
    id: 0,
    item_id: w[service],
    item_type_id: 1,
    record_id: made.id,
    item_title: service === 'haircut' ? 'Haircut' : 'Coloring',
    amount: 1,
    first_cost: cost,
    manual_cost: cost,
    discount: 0,
    cost,
    master_id: w.staffId,
    good_id: 0,
    service_id: w[service],
    event_id: 0,
    is_service: true,
    is_event: false,
    is_good: false,
  };
}

/** The invited client's discount row as the visit-shaped loyalty transaction (VLT). */
function invitedVlt(w: ReferralWorld, made: Made, row: { id: number }, itemId: number, amount: number) {
  return {
    id: row.id,
    status_id: 1,
    amount,
    type_id: 1,
    program_id: w.referralId,
    card_id: 0,
    salon_group_id: w.chainId,
    item_id: itemId,
    item_type_id: 1,
    item_record_id: made.id,
    goods_transaction_id: 0,
    is_discount: true,
    is_loyalty_withdraw: false,
    type: { id: 1, title: 'Promotion discount' },
  };
}

function referrerVlt(w: ReferralWorld, made: Made, row: { id: number }, amount: number) {
  return {
    id: row.id,
    status_id: 1,
    amount,
    type_id: 4,
    program_id: w.referralId,
    card_id: w.referrerCardId,
    salon_group_id: w.chainId,
    item_id: 0,
    item_type_id: 0,
    item_record_id: made.id,
    goods_transaction_id: 0,
    is_discount: false,
    is_loyalty_withdraw: false,
    type: { id: 4, title: 'Referral program accrual' },
  };
}

/** Pays what is due in cash and sets the visit arrived: it closes. */
async function payAndClose(ctx: TestContext, w: { auth: string }, made: Made) {
  const res = await updateVisit(ctx, w, made, { attendance: 1, fast_payment: 1 });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json().data.state).toBe('closed');
  return res.json().data;
}

describeEachDialect('referral in a visit: the invited client (SPEC §6.5, V10)', (ctx) => {
  it('writes one card-less type-1 row per item, 10 % of each, and answers the raw VLA', async () => {
    const w = await referralWorld(ctx);
    const made = await newcomerVisit(ctx, w);
    const res = await applyReferral(ctx, w, made);
    expect(res.statusCode, res.body).toBe(200);

    const rows = await ledgerOf(ctx, made.visit_id);
    const invited = (itemId: number, amount: number) => ({
      id: expect.any(Number),
      card_id: null,
      type_id: 1,
      amount_minor: amount,
      balance_effect_minor: 0,
      program_id: null,
      referral_program_id: w.referralId,
      record_id: made.id,
      item_id: itemId,
      item_type_id: 1,
      is_discount: 1,
      is_loyalty_withdraw: 0,
      status_id: 1,
      cancels_id: null,
    });
    expect(rows).toEqual([invited(w.haircut, 15_000), invited(w.coloring, 40_000)]);

    const body = res.json();
    // Altegio's keys, in Altegio's order.
    expect(Object.keys(body)).toEqual([
      'payment_transactions',
      'loyalty_transactions',
      'kkm_transaction_details_container',
      'items',
    ]);
    expect(body).toEqual({
      payment_transactions: [],
      loyalty_transactions: [
        invitedVlt(w, made, rows[0]!, w.haircut, 150),
        invitedVlt(w, made, rows[1]!, w.coloring, 400),
      ],
      kkm_transaction_details_container: { last_operation_type: 0, transactions: [] },
      items: [item(w, made, 'haircut'), item(w, made, 'coloring')],
    });
    // The same as the visit details say; the discount lowers what is due.
    const details = await ctx.api(
      'GET',
      `/visit/details/${w.locationId}/${made.id}/${made.visit_id}`,
      w.auth,
    );
    expect(details.json().data).toEqual(body);
    expect((await ctx.api('GET', `/visits/${made.visit_id}`, w.auth)).json().data).toMatchObject({
      state: 'open',
      amount_due: 4950,
      paid_amount: 0,
      sold_amount: 5500,
    });
    expect(await referralsOf(ctx, made.visit_id)).toEqual([
      {
        id: expect.any(Number),
        visit_id: made.visit_id,
        referral_program_id: w.referralId,
        referrer_card_id: w.referrerCardId,
        referrer_phone: w.referrerPhone,
        invited_transaction_id: rows[0]!.id,
        referrer_value_hundredths: 10_000,
        referrer_value_unit_id: 2,
        created_at: expect.any(String),
      },
    ]);
    // Nothing moved on any card: the referrer earns at close.
    expect(await referrerBalance(ctx, w)).toEqual({ balance: 0, ledger: 0, rows: 0 });
    await expectLedgerConsistent(ctx);
  });

  it('splits a fixed invited amount over the items in proportion to cost: the costliest takes the rest', async () => {
    const w = await referralWorld(ctx, { invited: { value: 50, value_unit_id: 2 } });
    const made = await newcomerVisit(ctx, w);
    const res = await applyReferral(ctx, w, made);
    expect(res.statusCode, res.body).toBe(200);
    expect(
      res.json().loyalty_transactions.map((t: { item_id: number; amount: number }) => [t.item_id, t.amount]),
    ).toEqual([
      [w.haircut, 13.64],
      [w.coloring, 36.36],
    ]);
    expect((await ctx.api('GET', `/visits/${made.visit_id}`, w.auth)).json().data.amount_due).toBe(5450);
  });

  it('a discount of 0 writes no row, yet the program is applied: the referrer still earns at close', async () => {
    const w = await referralWorld(ctx, { invited: { value: 0, value_unit_id: 1 } });
    const made = await newcomerVisit(ctx, w);
    const res = await applyReferral(ctx, w, made);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().loyalty_transactions).toEqual([]);
    expect(await referralsOf(ctx, made.visit_id)).toMatchObject([{ invited_transaction_id: null }]);
    // Applied once is applied: a second apply is refused though nothing was written.
    expect((await applyReferral(ctx, w, made)).statusCode).toBe(422);
    // The client of a referred visit may not change (the program invited this one).
    const replaced = await ctx.api('PUT', `/record/${w.locationId}/${made.id}`, w.auth, {
      staff_id: w.staffId,
      services: [{ id: w.haircut }, { id: w.coloring }],
      client: { phone: uniquePhone() },
      datetime: '2024-03-01T10:00:00+03:00',
      seance_length: 3600,
    });
    expect(replaced.statusCode, replaced.body).toBe(422);
    expect(Object.keys(replaced.json().meta.errors)).toEqual(['client']);
    await payAndClose(ctx, w, made);
    expect(await referrerBalance(ctx, w)).toEqual({ balance: 10_000, ledger: 10_000, rows: 1 });
  });

  it('the invited rows are live loyalty rows: the appointment cannot be deleted nor its services changed', async () => {
    const w = await referralWorld(ctx);
    const made = await newcomerVisit(ctx, w);
    expect((await applyReferral(ctx, w, made)).statusCode).toBe(200);
    const removed = await ctx.api('DELETE', `/record/${w.locationId}/${made.id}`, w.auth);
    expect(removed.statusCode).toBe(422);
    const changed = await updateVisit(ctx, w, made, { attendance: 0, services: [{ id: w.haircut }] });
    expect(changed.statusCode).toBe(422);
    expect(await ledgerOf(ctx, made.visit_id)).toHaveLength(2);
  });
});

describeEachDialect('referral in a visit: the referrer earns at close, loses it at reopen', (ctx) => {
  for (const { label, referrer, earned } of [
    { label: 'a fixed 100', referrer: HUNDRED, earned: 10_000 },
    // 10 % of the money paid: 5500 − 550 discount = 4950 paid → 495.00.
    { label: "10 % of the visit's money paid", referrer: TEN_PERCENT, earned: 49_500 },
    // 12.34 % of 4950 = 610.83 (610.83 exactly: 4950 × 0.1234 = 610.83).
    { label: '12.34 %, to the cent', referrer: { value: 12.34, value_unit_id: 1 } as Part, earned: 61_083 },
  ]) {
    it(`closing earns the referrer ${label}: a type-4 row through the guarded update`, async () => {
      const w = await referralWorld(ctx, { referrer });
      const made = await newcomerVisit(ctx, w);
      expect((await applyReferral(ctx, w, made)).statusCode).toBe(200);
      const closed = await payAndClose(ctx, w, made);
      expect(closed).toMatchObject({ amount_due: 0, paid_amount: 4950, sold_amount: 5500 });
      expect(await referrerBalance(ctx, w)).toEqual({ balance: earned, ledger: earned, rows: 1 });
      const rows = await ledgerOf(ctx, made.visit_id);
      expect(rows[2]).toEqual({
        id: expect.any(Number),
        card_id: w.referrerCardId,
        type_id: 4,
        amount_minor: earned,
        balance_effect_minor: earned,
        program_id: null,
        referral_program_id: w.referralId,
        record_id: made.id,
        item_id: 0,
        item_type_id: 0,
        is_discount: 0,
        is_loyalty_withdraw: 0,
        status_id: 1,
        cancels_id: null,
      });
      await expectLedgerConsistent(ctx);
    });
  }

  it('V11, the chain list and the card history show the rows with their program', async () => {
    const w = await referralWorld(ctx);
    const made = await newcomerVisit(ctx, w);
    await applyReferral(ctx, w, made);
    await payAndClose(ctx, w, made);
    const rows = await ledgerOf(ctx, made.visit_id);
    const group = { group_id: w.chainId, id: w.referralId, title: 'Friends', item_type_id: 0 };
    const invitedProgram = { ...group, loyalty_type_id: 1, value: 10, value_unit_id: 1 };
    const referrerProgram = { ...group, loyalty_type_id: 6, value: 100, value_unit_id: 2 };
    const v11 = await ctx.api('GET', `/visit/loyalty/transactions/${made.visit_id}`, w.auth);
    expect(v11.statusCode).toBe(200);
    expect(v11.json()).toEqual([
      { ...invitedVlt(w, made, rows[0]!, w.haircut, 150), program: invitedProgram },
      { ...invitedVlt(w, made, rows[1]!, w.coloring, 400), program: invitedProgram },
      { ...referrerVlt(w, made, rows[2]!, 100), program: referrerProgram },
    ]);

    const today = new Date().toISOString().slice(0, 10);
    const chain = await ctx.api(
      'GET',
      `/chain/${w.chainId}/loyalty/transactions?created_after=${today}&created_before=${today}&visit_ids[]=${made.visit_id}`,
      w.auth,
    );
    expect(chain.json().meta).toEqual({ count: 3 });
    const listed = [...chain.json().data].sort((a: { id: number }, b: { id: number }) => a.id - b.id);
    const common = {
      salon_group_id: w.chainId,
      company_id: w.locationId,
      visit_id: made.visit_id,
      program_id: w.referralId,
      item_record_id: made.id,
      goods_transaction_id: 0,
      status_id: 1,
      cancels_id: 0,
    };
    expect(listed).toMatchObject([
      {
        ...common,
        id: rows[0]!.id,
        card_id: 0,
        type_id: 1,
        amount: 150,
        balance_effect: 0,
        is_discount: true,
      },
      {
        ...common,
        id: rows[1]!.id,
        card_id: 0,
        type_id: 1,
        amount: 400,
        balance_effect: 0,
        is_discount: true,
      },
      {
        ...common,
        id: rows[2]!.id,
        card_id: w.referrerCardId,
        type_id: 4,
        type: { id: 4, title: 'Referral program accrual' },
        amount: 100,
        balance_effect: 100,
        item_id: 0,
        item_type_id: 0,
        is_discount: false,
      },
    ]);
    const history = await ctx.api(
      'GET',
      `/loyalty/cards/${w.locationId}/${w.referrerCardId}/transactions`,
      w.auth,
    );
    expect(history.json().data).toMatchObject([
      { id: rows[2]!.id, type_id: 4, amount: 100, visit_id: made.visit_id },
    ]);
    // The referrer's card as the card operations show it.
    const cards = await ctx.api('GET', `/loyalty/cards/${w.referrerPhone}/0/${w.locationId}`, w.auth);
    expect(cards.json().data).toMatchObject([{ id: w.referrerCardId, balance: 100 }]);
  });

  it('reopening compensates the accrual (the discount stays); closing again earns again', async () => {
    const w = await referralWorld(ctx);
    const made = await newcomerVisit(ctx, w);
    await applyReferral(ctx, w, made);
    await payAndClose(ctx, w, made);
    const reopened = await updateVisit(ctx, w, made, { attendance: 2, comment: 'refund' });
    expect(reopened.statusCode, reopened.body).toBe(200);
    expect(reopened.json().data).toMatchObject({ state: 'open', amount_due: 0 });
    expect(await referrerBalance(ctx, w)).toEqual({ balance: 0, ledger: 0, rows: 2 });
    const rows = await ledgerOf(ctx, made.visit_id);
    expect(rows[3]).toMatchObject({
      card_id: w.referrerCardId,
      type_id: 4,
      amount_minor: -10_000,
      balance_effect_minor: -10_000,
      referral_program_id: w.referralId,
      status_id: 2,
      cancels_id: rows[2]!.id,
    });
    // V11: the discount rows are still live, the accrual and its compensation are not listed.
    const v11 = await ctx.api('GET', `/visit/loyalty/transactions/${made.visit_id}`, w.auth);
    expect(v11.json().map((t: { type_id: number; amount: number }) => [t.type_id, t.amount])).toEqual([
      [1, 150],
      [1, 400],
    ]);
    const again = await updateVisit(ctx, w, made, { attendance: 1 });
    expect(again.json().data.state).toBe('closed');
    expect(await referrerBalance(ctx, w)).toEqual({ balance: 10_000, ledger: 10_000, rows: 3 });
    await expectLedgerConsistent(ctx);
  });

  it('refuses the reopen with 422 naming the card when the referrer has spent it; nothing changes', async () => {
    const w = await referralWorld(ctx);
    const made = await newcomerVisit(ctx, w);
    await applyReferral(ctx, w, made);
    await payAndClose(ctx, w, made);
    const spent = await ctx.manualTransaction({ location: w.locationId }, w.referrerCardId, w.auth, {
      amount: -30,
    });
    expect(spent.statusCode, spent.body).toBe(200);
    const before = await stateOf(ctx, w, made);
    const refused = await updateVisit(ctx, w, made, { attendance: 0 });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().meta.message).toBe(
      `The visit cannot be reopened: loyalty card ${w.referrerCardId} has already spent the 100 this visit ` +
        'earned it (a reopen would take its balance below 0).',
    );
    expect(await stateOf(ctx, w, made)).toEqual(before);
    expect(await referrerBalance(ctx, w)).toEqual({ balance: 7_000, ledger: 7_000, rows: 2 });
    // Topped up again, the reopen goes through and takes the 100 back.
    await ctx.manualTransaction({ location: w.locationId }, w.referrerCardId, w.auth, { amount: 30 });
    expect((await updateVisit(ctx, w, made, { attendance: 0 })).json().data.state).toBe('open');
    expect(await referrerBalance(ctx, w)).toEqual({ balance: 0, ledger: 0, rows: 4 });
    await expectLedgerConsistent(ctx);
  });

  it('an apply that leaves an arrived visit with nothing due closes it, and the referrer earns on the money paid', async () => {
    const w = await referralWorld(ctx, { referrer: TEN_PERCENT });
    const made = await newcomerVisit(ctx, w, { services: [{ id: w.haircut }], attendance: 1 });
    const paid = await updateVisit(ctx, w, made, {
      attendance: 1,
      new_transactions: [{ amount: 1350, account_id: w.accounts.cash }],
    });
    expect(paid.json().data).toMatchObject({ state: 'open', amount_due: 150 });
    const res = await applyReferral(ctx, w, made);
    expect(res.statusCode, res.body).toBe(200);
    const rows = await ledgerOf(ctx, made.visit_id);
    // 10 % of 1350 paid in money.
    expect(res.json().loyalty_transactions).toEqual([
      invitedVlt(w, made, rows[0]!, w.haircut, 150),
      referrerVlt(w, made, rows[1]!, 135),
    ]);
    expect(res.json().payment_transactions).toMatchObject([{ amount: 1350, account_id: w.accounts.cash }]);
    expect((await ctx.api('GET', `/visits/${made.visit_id}`, w.auth)).json().data.state).toBe('closed');
    expect(await referrerBalance(ctx, w)).toEqual({ balance: 13_500, ledger: 13_500, rows: 1 });
  });

  it('the accrual is the referrer part as it was when applied; a referrer card removed since earns nothing', async () => {
    const w = await referralWorld(ctx);
    const made = await newcomerVisit(ctx, w);
    await applyReferral(ctx, w, made);
    const changed = await ctx.api('PUT', `/chain/${w.chainId}/loyalty/referral_program`, w.auth, {
      referrer: { value: 250 },
    });
    expect(changed.statusCode).toBe(200);
    await payAndClose(ctx, w, made);
    expect((await referrerBalance(ctx, w)).balance).toBe(10_000);

    // Deleted after it was applied: the visit still earns its referrer, and V11 still names it.
    const deleted = await referralWorld(ctx);
    const applied = await newcomerVisit(ctx, deleted);
    await applyReferral(ctx, deleted, applied);
    const gone = await ctx.api('DELETE', `/chain/${deleted.chainId}/loyalty/referral_program`, deleted.auth);
    expect(gone.statusCode).toBe(204);
    await payAndClose(ctx, deleted, applied);
    expect((await referrerBalance(ctx, deleted)).balance).toBe(10_000);
    const v11 = await ctx.api('GET', `/visit/loyalty/transactions/${applied.visit_id}`, deleted.auth);
    expect(v11.json().map((t: { program: { id: number } }) => t.program.id)).toEqual(
      Array(3).fill(deleted.referralId),
    );

    const second = await referralWorld(ctx);
    const visit = await newcomerVisit(ctx, second);
    await applyReferral(ctx, second, visit);
    const removed = await ctx.api(
      'DELETE',
      `/loyalty/cards/${second.locationId}/${second.referrerCardId}`,
      second.auth,
    );
    expect(removed.statusCode).toBe(204);
    await payAndClose(ctx, second, visit);
    expect(await referrerBalance(ctx, second)).toEqual({ balance: 0, ledger: 0, rows: 0 });
    await expectLedgerConsistent(ctx);
  });
});

describeEachDialect('referral in a visit: refusals change nothing', (ctx) => {
  it('a chain that is not the location’s, a missing one, or one without a program: the same 404', async () => {
    const w = await referralWorld(ctx);
    const made = await newcomerVisit(ctx, w);
    const before = await stateOf(ctx, w, made);
    const other = await visitWorld(ctx);
    const answers = [];
    for (const chainId of [DEMO.chainId, other.chainId, 2_147_483_000]) {
      const res = await applyReferral(ctx, w, made, {}, { chainId });
      answers.push([res.statusCode, res.body]);
    }
    expect(answers[0]).toEqual([
      404,
      JSON.stringify({ success: false, data: null, meta: { message: 'Referral program not found.' } }),
    ]);
    expect(answers).toEqual([answers[0], answers[0], answers[0]]);
    // The location's own chain, once its program is deleted.
    expect((await ctx.api('DELETE', `/chain/${w.chainId}/loyalty/referral_program`, w.auth)).statusCode).toBe(
      204,
    );
    const deleted = await applyReferral(ctx, w, made);
    expect([deleted.statusCode, deleted.body]).toEqual(answers[0]);
    expect(await stateOf(ctx, w, made)).toEqual(before);
  });

  it('visit_id not a live visit of the location, record_id not its appointment: 422 naming the field', async () => {
    const w = await referralWorld(ctx);
    const made = await newcomerVisit(ctx, w);
    const before = await stateOf(ctx, w, made);
    const other = await visitWorld(ctx);
    const foreign = await createAppointment(ctx, other);
    const deleted = await newcomerVisit(ctx, w, { client: { phone: uniquePhone() } });
    expect((await ctx.api('DELETE', `/record/${w.locationId}/${deleted.id}`, w.auth)).statusCode).toBe(204);
    const messages = [];
    for (const visitId of [foreign.visit_id, deleted.visit_id, 2_147_483_000]) {
      const res = await applyReferral(ctx, w, made, { visit_id: visitId });
      expect(res.statusCode).toBe(422);
      messages.push(res.json().meta);
    }
    expect(messages[0]).toEqual({
      message: 'visit_id is not a visit of this location.',
      errors: { visit_id: ['visit_id is not a visit of this location.'] },
    });
    expect(messages).toEqual([messages[0], messages[0], messages[0]]);

    const another = await newcomerVisit(ctx, w, { client: { phone: uniquePhone() } });
    for (const recordId of [another.id, foreign.id, 2_147_483_000]) {
      const res = await applyReferral(ctx, w, made, { record_id: recordId });
      expect(res.statusCode).toBe(422);
      expect(res.json().meta.errors).toEqual({
        record_id: ['record_id is not the appointment of this visit.'],
      });
    }
    expect(await stateOf(ctx, w, made)).toEqual(before);
    expect(await ledgerOf(ctx, another.visit_id)).toEqual([]);
  });

  it('a closed visit: 422, nothing written', async () => {
    const w = await referralWorld(ctx);
    const made = await newcomerVisit(ctx, w);
    await payAndClose(ctx, w, made);
    const before = await stateOf(ctx, w, made);
    const res = await applyReferral(ctx, w, made);
    expect(res.statusCode).toBe(422);
    expect(res.json().meta.message).toBe('The visit is closed: set attendance away from 1 to reopen it.');
    expect(await stateOf(ctx, w, made)).toEqual(before);
  });

  it('referrer_phone: no card in the chain, a card of another chain only, a removed card, the client’s own phone', async () => {
    const w = await referralWorld(ctx);
    const made = await newcomerVisit(ctx, w);
    const before = await stateOf(ctx, w, made);
    const other = await visitWorld(ctx);
    const otherChain = await referralWorld(ctx);
    const removedPhone = uniquePhone();
    const issued = await ctx.api('POST', `/loyalty/cards/${w.locationId}`, w.auth, {
      loyalty_card_type_id: w.goldTypeId,
      phone: removedPhone,
    });
    await ctx.api('DELETE', `/loyalty/cards/${w.locationId}/${issued.json().data.id}`, w.auth);
    const noCard = { referrer_phone: ['referrer_phone holds no loyalty card in this chain.'] };
    for (const phone of [uniquePhone(), other.clientPhone, otherChain.referrerPhone, removedPhone]) {
      const res = await applyReferral(ctx, w, made, { referrer_phone: phone });
      expect(res.statusCode, phone).toBe(422);
      expect(res.json().meta.errors, phone).toEqual(noCard);
    }
    // The visit client's own phone, in any of the forms phones come in; refused whether it holds a card or not.
    const own = {
      referrer_phone: ["referrer_phone is the visit client's own phone: a client cannot refer themselves."],
    };
    for (const phone of [w.newcomer, `+${w.newcomer}`, Number(w.newcomer)]) {
      const res = await applyReferral(ctx, w, made, { referrer_phone: phone });
      expect(res.statusCode).toBe(422);
      expect(res.json().meta.errors).toEqual(own);
    }
    const cardHolder = await createAppointment(ctx, w);
    const self = await applyReferral(ctx, w, cardHolder, { referrer_phone: w.clientPhone });
    expect(self.json().meta.errors).toEqual(own);
    expect(await stateOf(ctx, w, made)).toEqual(before);
    expect(await ledgerOf(ctx, cardHolder.visit_id)).toEqual([]);
  });

  it('with several cards the referrer is the one with the lowest id', async () => {
    const w = await referralWorld(ctx);
    const second = await ctx.factory.setup.createCardType({
      chainId: w.chainId,
      title: 'Second',
      locationIds: [w.locationId],
    });
    const issued = await ctx.api('POST', `/loyalty/cards/${w.locationId}`, w.auth, {
      loyalty_card_type_id: second,
      phone: w.referrerPhone,
    });
    expect(issued.json().data.id).toBeGreaterThan(w.referrerCardId);
    const made = await newcomerVisit(ctx, w);
    await applyReferral(ctx, w, made, { referrer_phone: `+${w.referrerPhone}` });
    expect(await referralsOf(ctx, made.visit_id)).toMatchObject([{ referrer_card_id: w.referrerCardId }]);
  });

  it('only the first visit at the location: another closed visit, or another referred one, refuses it', async () => {
    const w = await referralWorld(ctx);
    // Visits that did not happen do not count: waiting, no-show, deleted, reopened.
    const waiting = await newcomerVisit(ctx, w);
    const noShow = await newcomerVisit(ctx, w, { attendance: -1 });
    const reopened = await newcomerVisit(ctx, w, { services: [{ id: w.haircut }] });
    await payAndClose(ctx, w, reopened);
    expect((await updateVisit(ctx, w, reopened, { attendance: 0 })).json().data.state).toBe('open');
    const deleted = await newcomerVisit(ctx, w);
    await ctx.api('DELETE', `/record/${w.locationId}/${deleted.id}`, w.auth);
    const first = await newcomerVisit(ctx, w);
    expect((await applyReferral(ctx, w, first)).statusCode).toBe(200);
    // The referral was applied to `first`: no other visit of the client takes it.
    const before = await stateOf(ctx, w, waiting);
    const twice = await applyReferral(ctx, w, waiting);
    expect(twice.statusCode).toBe(422);
    expect(twice.json().meta.errors).toEqual({
      visit_id: [
        `visit_id is not eligible: the referral program was already applied to the client's visit ${first.visit_id} at this location.`,
      ],
    });
    expect(await stateOf(ctx, w, waiting)).toEqual(before);
    expect((await applyReferral(ctx, w, noShow)).statusCode).toBe(422);

    // A client with a closed visit at the location is no newcomer.
    const regular = await referralWorld(ctx);
    const past = await newcomerVisit(ctx, regular);
    await payAndClose(ctx, regular, past);
    const next = await newcomerVisit(ctx, regular);
    const refused = await applyReferral(ctx, regular, next);
    expect(refused.statusCode).toBe(422);
    expect(refused.json().meta.errors).toEqual({
      visit_id: [
        `visit_id is not the client's first visit at this location: visit ${past.visit_id} is closed.`,
      ],
    });
    expect(await ledgerOf(ctx, next.visit_id)).toEqual([]);
    expect(await referralsOf(ctx, next.visit_id)).toEqual([]);

    // A closed visit at another location of the chain does not count: the first visit here is.
    const traveller = await referralWorld(ctx);
    const elsewhere = await ctx.factory.setup.createLocation(traveller.chainId, 'Second location');
    await ctx.factory.setup.connectPartner(traveller.partner.id, elsewhere);
    await ctx.factory.setup.grantUser(traveller.user.id, { locationId: elsewhere });
    const there = await ctx.api('POST', `/records/${elsewhere}`, traveller.auth, {
      staff_id: await insertStaff(ctx.database, elsewhere, 'Second master'),
      services: [{ id: await insertService(ctx.database, elsewhere, 'Trim', 50_000) }],
      client: { phone: traveller.newcomer },
      datetime: '2024-02-01T10:00:00+03:00',
      seance_length: 3600,
    });
    expect(there.statusCode, there.body).toBe(201);
    await payAndClose(ctx, traveller, there.json().data as Made);
    const here = await newcomerVisit(ctx, traveller);
    expect((await applyReferral(ctx, traveller, here)).statusCode).toBe(200);
  });

  it('a second apply on the same visit: 422 naming visit_id, and nothing more is written', async () => {
    const w = await referralWorld(ctx);
    const made = await newcomerVisit(ctx, w);
    expect((await applyReferral(ctx, w, made)).statusCode).toBe(200);
    const before = await stateOf(ctx, w, made);
    const again = await applyReferral(ctx, w, made);
    expect(again.statusCode).toBe(422);
    expect(again.json().meta.errors).toEqual({
      visit_id: ['visit_id already has the referral program applied: a visit takes it once.'],
    });
    expect(await stateOf(ctx, w, made)).toEqual(before);
  });

  it('a discount larger than the amount due: 422, nothing written', async () => {
    const w = await referralWorld(ctx);
    const made = await newcomerVisit(ctx, w, { services: [{ id: w.haircut }] });
    await updateVisit(ctx, w, made, {
      attendance: 2,
      new_transactions: [{ amount: 1400, account_id: w.accounts.cash }],
    });
    const before = await stateOf(ctx, w, made);
    const res = await applyReferral(ctx, w, made);
    expect(res.statusCode).toBe(422);
    expect(res.json().meta.message).toBe(
      "The referral discount (150) is more than the visit's amount due (100): a discount may not take it below 0.",
    );
    expect(await stateOf(ctx, w, made)).toEqual(before);
    // Exactly what is due is fine.
    const payment = await ctx.database.db
      .selectFrom('payments')
      .select('id')
      .where('visit_id', '=', made.visit_id)
      .executeTakeFirstOrThrow();
    const repaid = await updateVisit(ctx, w, made, {
      attendance: 2,
      deleted_transaction_ids: [payment.id],
      new_transactions: [{ amount: 1350, account_id: w.accounts.cash }],
    });
    expect(repaid.json().data.amount_due).toBe(150);
    expect((await applyReferral(ctx, w, made)).statusCode).toBe(200);
    expect((await ctx.api('GET', `/visits/${made.visit_id}`, w.auth)).json().data.amount_due).toBe(0);
  });

  it('bad bodies: 422 naming each field, nothing written', async () => {
    const w = await referralWorld(ctx);
    const made = await newcomerVisit(ctx, w);
    const before = await stateOf(ctx, w, made);
    const cases: [Record<string, unknown>, string][] = [
      [{ record_id: undefined }, 'record_id'],
      [{ visit_id: undefined }, 'visit_id'],
      [{ referrer_phone: undefined }, 'referrer_phone'],
      [{ record_id: 0 }, 'record_id'],
      [{ visit_id: 'abc' }, 'visit_id'],
      [{ visit_id: 1.5 }, 'visit_id'],
      [{ referrer_phone: 'call me' }, 'referrer_phone'],
      [{ referrer_phone: '12' }, 'referrer_phone'],
      [{ referrer_phone: true }, 'referrer_phone'],
    ];
    for (const [changes, field] of cases) {
      const payload = {
        record_id: made.id,
        visit_id: made.visit_id,
        referrer_phone: w.referrerPhone,
        ...changes,
      };
      const res = await ctx.api(
        'POST',
        `/visit/loyalty/apply_referral_program/${w.locationId}/${w.chainId}`,
        w.auth,
        JSON.parse(JSON.stringify(payload)),
      );
      expect(res.statusCode, JSON.stringify(changes)).toBe(422);
      expect(Object.keys(res.json().meta.errors), JSON.stringify(changes)).toEqual([field]);
    }
    // The ids may come as strings, as Altegio's clients send them.
    const lenient = await applyReferral(ctx, w, made, {
      record_id: String(made.id),
      visit_id: ` ${made.visit_id} `,
    });
    expect(lenient.statusCode, lenient.body).toBe(200);
    expect(before.rows).toEqual([]);
  });

  it('a location the caller may not use: 403; no token: 401', async () => {
    const w = await referralWorld(ctx);
    const made = await newcomerVisit(ctx, w);
    const other = await visitWorld(ctx);
    const foreign = await applyReferral(
      ctx,
      w,
      made,
      {},
      { locationId: other.locationId, chainId: other.chainId },
    );
    expect(foreign.statusCode).toBe(403);
    const anonymous = await ctx.request({
      method: 'POST',
      url: `/api/v1/visit/loyalty/apply_referral_program/${w.locationId}/${w.chainId}`,
      payload: { record_id: made.id, visit_id: made.visit_id, referrer_phone: w.referrerPhone },
    });
    expect(anonymous.statusCode).toBe(401);
    expect(await ledgerOf(ctx, made.visit_id)).toEqual([]);
  });
});

describeEachDialect('referral in a visit: exactly once', (ctx) => {
  it('Idempotency-Key: a retried apply replays the first answer and writes once', async () => {
    const w = await referralWorld(ctx);
    const made = await newcomerVisit(ctx, w);
    const key = `referral-${uniquePhone()}`;
    const first = await applyReferral(ctx, w, made, {}, { key });
    const retry = await applyReferral(ctx, w, made, {}, { key });
    expect(first.statusCode, first.body).toBe(200);
    expect(retry.statusCode).toBe(200);
    expect(retry.headers['idempotency-replayed']).toBe('true');
    expect(retry.body).toBe(first.body);
    expect(await ledgerOf(ctx, made.visit_id)).toHaveLength(2);
    expect(await referralsOf(ctx, made.visit_id)).toHaveLength(1);
    // The same key with another request is refused; a new key is a second apply (422).
    const reused = await applyReferral(ctx, w, made, { referrer_phone: `+${w.referrerPhone}` }, { key });
    expect(reused.statusCode).toBe(422);
    expect((await applyReferral(ctx, w, made, {}, { key: `${key}-2` })).statusCode).toBe(422);
    expect(await ledgerOf(ctx, made.visit_id)).toHaveLength(2);
  });

  it('ten concurrent applies on one visit: one is applied, nine are 422', async () => {
    const w = await referralWorld(ctx);
    const made = await newcomerVisit(ctx, w);
    const answers = await Promise.all(Array.from({ length: 10 }, () => applyReferral(ctx, w, made)));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, ...Array(9).fill(422)]);
    expect((await ledgerOf(ctx, made.visit_id)).map((r) => r.amount_minor)).toEqual([15_000, 40_000]);
    expect(await referralsOf(ctx, made.visit_id)).toHaveLength(1);
  });

  it('concurrent applies on two visits of one client: the client is invited once', async () => {
    const w = await referralWorld(ctx);
    const visits = [await newcomerVisit(ctx, w), await newcomerVisit(ctx, w), await newcomerVisit(ctx, w)];
    const answers = await Promise.all(visits.map((v) => applyReferral(ctx, w, v)));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 422, 422]);
    let referred = 0;
    for (const v of visits) referred += (await referralsOf(ctx, v.visit_id)).length;
    expect(referred).toBe(1);
  });

  it('twenty concurrent closes of a referred visit: the referrer earns once', async () => {
    const w = await referralWorld(ctx);
    const made = await newcomerVisit(ctx, w);
    await applyReferral(ctx, w, made);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => updateVisit(ctx, w, made, { attendance: 1, fast_payment: 1 })),
    );
    expect(answers.every((a) => a.statusCode === 200)).toBe(true);
    expect(await referrerBalance(ctx, w)).toEqual({ balance: 10_000, ledger: 10_000, rows: 1 });
    await expectLedgerConsistent(ctx);
  });
});

describeEachDialect('referral on the demo (SPEC §6.7: invited 10 %, referrer 100 fixed)', (ctx) => {
  it('a newcomer brought by the demo client: 10 % off the haircut, the demo card earns 100 at close', async () => {
    const newcomer = uniquePhone();
    const created = await ctx.api('POST', `/records/${DEMO.locationId}`, DEMO_AUTH, {
      staff_id: DEMO.staffId,
      services: [{ id: DEMO.haircutServiceId }],
      client: { phone: newcomer, name: 'Invited' },
      datetime: '2024-03-01T10:00:00+03:00',
      seance_length: 3600,
    });
    expect(created.statusCode, created.body).toBe(201);
    const made = created.json().data as Made;
    const demo = {
      auth: DEMO_AUTH,
      locationId: DEMO.locationId,
      chainId: DEMO.chainId,
      referrerPhone: DEMO.phone,
    };
    const applied = await applyReferral(ctx, demo, made);
    expect(applied.statusCode, applied.body).toBe(200);
    expect(applied.json().loyalty_transactions).toMatchObject([
      { type_id: 1, amount: 150, card_id: 0, item_id: DEMO.haircutServiceId, salon_group_id: DEMO.chainId },
    ]);
    const before = await ctx.factory.balanceOf(DEMO.cardId);
    await payAndClose(ctx, demo, made);
    const after = await ctx.factory.balanceOf(DEMO.cardId);
    expect(after.balance - before.balance).toBe(10_000);
    expect(after.balance).toBe(after.ledger);
    const v11 = await ctx.api('GET', `/visit/loyalty/transactions/${made.visit_id}`, DEMO_AUTH);
    expect(
      v11
        .json()
        .map((t: { type_id: number; card_id: number; program: { title: string; value: number } }) => [
          t.type_id,
          t.card_id,
          t.program.title,
          t.program.value,
        ]),
    ).toEqual([
      [1, 0, 'Referral', 10],
      [4, DEMO.cardId, 'Referral', 100],
    ]);
  });

  it('the document: Altegio’s operation id and path, the raw VLA answer, errors in the envelope', async () => {
    const document = (await ctx.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const operation = document.paths['/visit/loyalty/apply_referral_program/{location_id}/{chain_id}'].post;
    expect(operation.operationId).toBe('apply_referral_program');
    expect(operation.tags).toEqual(['Loyalty Programs']);
    expect(operation['x-extension']).toBeUndefined();
    expect(operation.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/VisitLoyaltyAnswer',
    });
    expect(document.components.schemas.VisitLoyaltyAnswer.required).toEqual([
      'payment_transactions',
      'loyalty_transactions',
      'kkm_transaction_details_container',
      'items',
    ]);
    expect(operation.responses['422'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/Error',
    });
    expect(operation.parameters).toContainEqual({ $ref: '#/components/parameters/IdempotencyKey' });
  });
});
