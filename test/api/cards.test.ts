import { expect, it } from 'vitest';
import { DEMO, DEMO_AUTH, DEMO_PARTNER, describeEachDialect } from '../helpers/app.js';
import { DEMO_CARD, DEMO_PROGRAM } from '../helpers/cards.js';
import { uniquePhone } from '../helpers/factory.js';

const CARD_KEYS = [
  'balance',
  'id',
  'number',
  'paid_amount',
  'points',
  'programs',
  'salon_group',
  'salon_group_id',
  'sold_amount',
  'type',
  'type_id',
  'visits_count',
];

function expectCardShape(card: any) {
  expect(Object.keys(card).sort()).toEqual(CARD_KEYS);
  expect(card).toMatchObject({
    id: expect.any(Number),
    balance: expect.any(Number),
    points: expect.any(Number),
    paid_amount: expect.any(Number),
    sold_amount: expect.any(Number),
    visits_count: expect.any(Number),
    number: expect.any(String),
    type_id: expect.any(Number),
    salon_group_id: expect.any(Number),
  });
  expect(card.type).toEqual({
    id: card.type_id,
    title: expect.any(String),
    salon_group_id: card.salon_group_id,
  });
  expect(card.salon_group).toEqual({ id: card.salon_group_id, title: expect.any(String) });
}

describeEachDialect('card reads (ops 1–6)', (ctx) => {
  const get = (url: string, authorization = DEMO_AUTH) =>
    ctx.request({ method: 'GET', url: `/api/v1${url}`, headers: { authorization } });

  it('op 1: a client’s cards, with the programs active at the client’s location', async () => {
    const res = await get(`/loyalty/client_cards/${DEMO.clientId}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: true, data: [DEMO_CARD], meta: { count: 1 } });
    expectCardShape(res.json().data[0]);
  });

  it('op 1: unknown client 404; a client the user is not granted or of another partner 404 alike; 401 without the user', async () => {
    const other = await ctx.database.db
      .selectFrom('clients')
      .select('id')
      .where('location_id', '=', DEMO.otherLocationId)
      .executeTakeFirstOrThrow();
    const foreign = await get(`/loyalty/client_cards/${other.id}`);
    const missing = await get('/loyalty/client_cards/77777777');
    // The partner reaches 20001, the user is not granted it: answered exactly as a missing client.
    expect(missing.statusCode).toBe(404);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.body).toBe(missing.body);
    const w = await ctx.factory.world();
    const hidden = await get(`/loyalty/client_cards/${DEMO.clientId}`, w.auth);
    expect(hidden.statusCode).toBe(404);
    expect(hidden.body).toBe(missing.body);
    expect((await get(`/loyalty/client_cards/${DEMO.clientId}`, DEMO_PARTNER)).statusCode).toBe(401);
  });

  it('op 2: cards by phone in any accepted form; chain 0 is the location’s chain', async () => {
    for (const phone of ['13155550175', '+13155550175']) {
      for (const chain of [DEMO.chainId, 0]) {
        const res = await get(`/loyalty/cards/${encodeURIComponent(phone)}/${chain}/${DEMO.locationId}`);
        expect(res.statusCode).toBe(200);
        expect(res.json().data).toEqual([DEMO_CARD]);
      }
    }
  });

  it('op 2: another chain than the location’s is 404; a bad phone 422; a foreign location 403', async () => {
    expect((await get(`/loyalty/cards/13155550175/${DEMO.otherChainId}/${DEMO.locationId}`)).statusCode).toBe(
      404,
    );
    const bad = await get(`/loyalty/cards/12ab/${DEMO.chainId}/${DEMO.locationId}`);
    expect(bad.statusCode).toBe(422);
    expect(bad.json().meta.errors.phone).toBeDefined();
    expect(
      (await get(`/loyalty/cards/13155550175/${DEMO.otherChainId}/${DEMO.otherLocationId}`)).statusCode,
    ).toBe(403);
  });

  it('op 2: an unknown phone has no cards', async () => {
    const res = await get(`/loyalty/cards/19998887766/${DEMO.chainId}/${DEMO.locationId}`);
    expect(res.json()).toEqual({ success: true, data: [], meta: { count: 0 } });
  });

  it('op 3: the authorised user’s cards in the chain, all of the chain’s programs', async () => {
    const res = await get(`/user/loyalty_cards/${DEMO.chainId}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toEqual([DEMO_CARD]);
    // No grant is needed for one's own cards: the partner reaches chain 200000.
    const other = await get(`/user/loyalty_cards/${DEMO.otherChainId}`);
    expect(other.statusCode).toBe(200);
    expect(other.json().data.map((c: any) => c.id)).toEqual([DEMO.otherCardId]);
    expect((await get(`/user/loyalty_cards/${DEMO.chainId}`, DEMO_PARTNER)).statusCode).toBe(401);
    const w = await ctx.factory.world();
    expect((await get(`/user/loyalty_cards/${DEMO.chainId}`, w.auth)).statusCode).toBe(403);
  });

  it('op 4: card types issuable at the location', async () => {
    const res = await get(`/loyalty/card_types/salon/${DEMO.locationId}`);
    expect(res.json()).toEqual({
      success: true,
      data: [
        {
          id: 8230,
          title: 'Referral program',
          salon_group_id: 145071,
          salon_group: { id: 145071, title: 'Dough chain1.' },
        },
        {
          id: 10992,
          title: 'Cashback',
          salon_group_id: 145071,
          salon_group: { id: 145071, title: 'Dough chain1.' },
        },
        // SPEC §6.7's Gold card type is issuable at 12345 too.
        {
          id: 10993,
          title: 'Gold',
          salon_group_id: 145071,
          salon_group: { id: 145071, title: 'Dough chain1.' },
        },
      ],
      meta: { count: 3 },
    });
  });

  it('op 5: as op 4 minus the types the phone holds', async () => {
    const held = await get(`/loyalty/card_types/client/${DEMO.locationId}/13155550175`);
    expect(held.json().data.map((t: any) => t.id)).toEqual([8230, 10993]);
    const visitor = await get(`/loyalty/card_types/client/${DEMO.locationId}/${DEMO.visitPhone}`);
    expect(visitor.json().data.map((t: any) => t.id)).toEqual([8230, 10992]);
    const fresh = await get(`/loyalty/card_types/client/${DEMO.locationId}/${uniquePhone()}`);
    expect(fresh.json().data.map((t: any) => t.id)).toEqual([8230, 10992, 10993]);
    expect((await get(`/loyalty/card_types/client/${DEMO.locationId}/abc`)).statusCode).toBe(422);
  });

  it('op 6: all card types of the chain with the partner token alone', async () => {
    const res = await get(`/chain/${DEMO.chainId}/loyalty/card_types`, DEMO_PARTNER);
    expect(res.statusCode).toBe(200);
    expect(res.json().data.map((t: any) => t.id)).toEqual([8230, 10992, 10993]);
    const w = await ctx.factory.world();
    expect((await get(`/chain/${DEMO.chainId}/loyalty/card_types`, w.partnerAuth)).statusCode).toBe(403);
    expect((await get(`/chain/${DEMO.chainId}/loyalty/card_types`, '')).statusCode).toBe(401);
  });
});

describeEachDialect('issue and remove (ops 7–8)', (ctx) => {
  const issue = (location: number, payload: object, authorization = DEMO_AUTH) =>
    ctx.request({
      method: 'POST',
      url: `/api/v1/loyalty/cards/${location}`,
      headers: { authorization },
      payload,
    });

  it('op 7: issues a card with the given number, numeric strings accepted, and creates the client', async () => {
    const phone = uniquePhone();
    const res = await issue(DEMO.locationId, {
      loyalty_card_number: '5550001',
      loyalty_card_type_id: '10992',
      phone: `+${phone}`,
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.meta).toEqual([]);
    expectCardShape(body.data);
    expect(body.data).toMatchObject({
      number: '5550001',
      balance: 0,
      points: 0,
      paid_amount: 0,
      sold_amount: 0,
      visits_count: 0,
      type_id: 10992,
    });
    expect(body.data.programs).toEqual([DEMO_PROGRAM]);
    const client = await ctx.database.db
      .selectFrom('clients')
      .selectAll()
      .where('phone', '=', phone)
      .where('location_id', '=', DEMO.locationId)
      .execute();
    expect(client).toHaveLength(1);
    const card = await ctx.database.db
      .selectFrom('cards')
      .selectAll()
      .where('id', '=', body.data.id)
      .executeTakeFirstOrThrow();
    expect(card).toMatchObject({ phone, client_id: client[0]!.id, balance_minor: 0, removed_at: null });
    // The card is found by phone and by the client.
    const byClient = await ctx.request({
      method: 'GET',
      url: `/api/v1/loyalty/client_cards/${client[0]!.id}`,
      headers: { authorization: DEMO_AUTH },
    });
    expect(byClient.json().data.map((c: any) => c.id)).toEqual([body.data.id]);
  });

  it('op 7: generates the number as chain id + card id padded to 8 digits', async () => {
    const res = await issue(DEMO.locationId, { loyalty_card_type_id: 8230, phone: Number(uniquePhone()) });
    expect(res.statusCode).toBe(200);
    const { id, number } = res.json().data;
    expect(number).toBe(`${DEMO.chainId}${String(id).padStart(8, '0')}`);
  });

  it('op 7: reuses the existing client for a known phone', async () => {
    const before = await ctx.database.db
      .selectFrom('clients')
      .select('id')
      .where('phone', '=', DEMO.phone)
      .execute();
    expect((await issue(DEMO.locationId, { loyalty_card_type_id: 8230, phone: DEMO.phone })).statusCode).toBe(
      200,
    );
    const after = await ctx.database.db
      .selectFrom('clients')
      .select('id')
      .where('phone', '=', DEMO.phone)
      .execute();
    expect(after).toHaveLength(before.length);
  });

  it('op 7: each rule refused with 422 and nothing stored', async () => {
    const count = async () =>
      Number(
        (
          await ctx.database.db
            .selectFrom('cards')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    const cases: [object, string][] = [
      [{ loyalty_card_type_id: 30001, phone: uniquePhone() }, 'loyalty_card_type_id'], // another chain's type
      [{ loyalty_card_type_id: 424242, phone: uniquePhone() }, 'loyalty_card_type_id'], // no such type
      [{ loyalty_card_type_id: 10992, phone: DEMO.phone }, 'phone'], // one live card per phone per type
      [
        { loyalty_card_type_id: 8230, phone: uniquePhone(), loyalty_card_number: '14507109210520' },
        'loyalty_card_number',
      ],
      [{ loyalty_card_type_id: 8230, phone: '12' }, 'phone'],
      [
        { loyalty_card_type_id: 8230, phone: uniquePhone(), loyalty_card_number: 'no spaces!' },
        'loyalty_card_number',
      ],
      [{ phone: uniquePhone() }, 'loyalty_card_type_id'],
      [{ loyalty_card_type_id: true, phone: uniquePhone() }, 'loyalty_card_type_id'],
      [{ loyalty_card_type_id: 8230 }, 'phone'],
    ];
    for (const [payload, field] of cases) {
      const res = await issue(DEMO.locationId, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(422);
      expect(Object.keys(res.json().meta.errors), JSON.stringify(payload)).toContain(field);
    }
    expect(await count()).toBe(before);
  });

  it('op 7: 400 malformed body, 401, 403 foreign location', async () => {
    const malformed = await ctx.request({
      method: 'POST',
      url: `/api/v1/loyalty/cards/${DEMO.locationId}`,
      headers: { authorization: DEMO_AUTH, 'content-type': 'application/json' },
      payload: '{"phone":',
    });
    expect(malformed.statusCode).toBe(400);
    expect(
      (await issue(DEMO.locationId, { loyalty_card_type_id: 8230, phone: uniquePhone() }, DEMO_PARTNER))
        .statusCode,
    ).toBe(401);
    expect(
      (await issue(DEMO.otherLocationId, { loyalty_card_type_id: 30001, phone: uniquePhone() })).statusCode,
    ).toBe(403);
  });

  it('op 8: 204 with no content; the card leaves every list, keeps its rows, can be re-issued', async () => {
    const phone = uniquePhone();
    const card = (await issue(DEMO.locationId, { loyalty_card_type_id: 10992, phone })).json().data;
    const topUp = await ctx.manualTransaction({ location: DEMO.locationId }, card.id, DEMO_AUTH, {
      amount: 5,
    });
    expect(topUp.statusCode).toBe(200);

    const removed = await ctx.request({
      method: 'DELETE',
      url: `/api/v1/loyalty/cards/${DEMO.locationId}/${card.id}`,
      headers: { authorization: DEMO_AUTH, accept: 'application/vnd.api.v2+json' },
    });
    expect(removed.statusCode).toBe(204);
    expect(removed.body).toBe('');

    const byPhone = await ctx.request({
      method: 'GET',
      url: `/api/v1/loyalty/cards/${phone}/0/${DEMO.locationId}`,
      headers: { authorization: DEMO_AUTH },
    });
    expect(byPhone.json().data).toEqual([]);
    const types = await ctx.request({
      method: 'GET',
      url: `/api/v1/loyalty/card_types/client/${DEMO.locationId}/${phone}`,
      headers: { authorization: DEMO_AUTH },
    });
    expect(types.json().data.map((t: any) => t.id)).toContain(10992);
    const transact = await ctx.manualTransaction({ location: DEMO.locationId }, card.id, DEMO_AUTH, {
      amount: 1,
    });
    expect(transact.statusCode).toBe(404);
    const again = await ctx.request({
      method: 'DELETE',
      url: `/api/v1/loyalty/cards/${DEMO.locationId}/${card.id}`,
      headers: { authorization: DEMO_AUTH },
    });
    expect(again.statusCode).toBe(404);
    expect(await ctx.factory.balanceOf(card.id)).toEqual({ balance: 500, ledger: 500, rows: 1 });
    expect((await issue(DEMO.locationId, { loyalty_card_type_id: 10992, phone })).statusCode).toBe(200);
  });

  it('op 8: a card of another chain is 404', async () => {
    const res = await ctx.request({
      method: 'DELETE',
      url: `/api/v1/loyalty/cards/${DEMO.locationId}/${DEMO.otherCardId}`,
      headers: { authorization: DEMO_AUTH },
    });
    expect(res.statusCode).toBe(404);
  });
});

describeEachDialect('manual transactions (ops 9–10)', (ctx) => {
  const at = (location: number, card: number, payload: object, authorization = DEMO_AUTH) =>
    ctx.manualTransaction({ location }, card, authorization, payload);
  const chainLevel = (chain: number, card: number, payload: object, authorization = DEMO_AUTH) =>
    ctx.manualTransaction({ chain }, card, authorization, payload);

  it('op 9: a top-up writes a type-5 row and answers the reduced card', async () => {
    const w = await ctx.factory.world({ programs: true });
    const card = await ctx.issueCard(w);
    const res = await at(w.locationId, card, { amount: '100.5', title: 'gift' }, w.auth);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.meta).toEqual({});
    expect(Object.keys(body.data).sort()).toEqual(
      [
        'balance',
        'id',
        'max_discount_amount',
        'max_discount_percent',
        'number',
        'paid_amount',
        'points',
        'salon_group_id',
        'sold_amount',
        'type_id',
        'visits_count',
      ].sort(),
    );
    expect(body.data).toMatchObject({
      id: card,
      balance: 100.5,
      max_discount_percent: 5,
      max_discount_amount: 0,
    });
    const rows = await ctx.database.db
      .selectFrom('transactions')
      .selectAll()
      .where('card_id', '=', card)
      .execute();
    expect(rows).toEqual([
      expect.objectContaining({
        type_id: 5,
        amount_minor: 10050,
        title: 'gift',
        location_id: w.locationId,
        chain_id: w.chainId,
        partner_id: w.partner.id,
        user_id: w.user.id,
      }),
    ]);
  });

  it('op 9: a withdrawal writes a type-6 row; beyond the balance is 422 and changes nothing', async () => {
    const w = await ctx.factory.world();
    const card = await ctx.issueCard(w);
    await at(w.locationId, card, { amount: 10 }, w.auth);
    const withdrawn = await at(w.locationId, card, { amount: -2.25 }, w.auth);
    expect(withdrawn.json().data.balance).toBe(7.75);
    const refused = await at(w.locationId, card, { amount: -7.76 }, w.auth);
    expect(refused.statusCode).toBe(422);
    expect(refused.json().meta.message).toMatch(/balance/i);
    expect(await ctx.factory.balanceOf(card)).toEqual({ balance: 775, ledger: 775, rows: 2 });
    const all = await at(w.locationId, card, { amount: -7.75 }, w.auth);
    expect(all.json().data.balance).toBe(0);
    const types = await ctx.database.db
      .selectFrom('transactions')
      .select('type_id')
      .where('card_id', '=', card)
      .orderBy('id')
      .execute();
    expect(types.map((t) => t.type_id)).toEqual([5, 6, 6]);
  });

  it('op 9: 0, more than two decimals, non-numbers and huge amounts are 422', async () => {
    const w = await ctx.factory.world();
    const card = await ctx.issueCard(w);
    for (const amount of [0, '0', 1.234, 'ten', null, true, [], 1e13, '1e3']) {
      const res = await at(w.locationId, card, { amount }, w.auth);
      expect(res.statusCode, JSON.stringify(amount)).toBe(422);
      expect(res.json().meta.errors.amount, JSON.stringify(amount)).toHaveLength(1);
    }
    expect(await ctx.factory.balanceOf(card)).toEqual({ balance: 0, ledger: 0, rows: 0 });
  });

  it('op 9: max discounts follow the cumulative rule the card has reached', async () => {
    const w = await ctx.factory.world({ programs: true });
    const card = await ctx.issueCard(w);
    await ctx.database.db.updateTable('cards').set({ visits_count: 3 }).where('id', '=', card).execute();
    const res = await at(w.locationId, card, { amount: 1 }, w.auth);
    expect(res.json().data).toMatchObject({
      visits_count: 3,
      max_discount_percent: 10,
      max_discount_amount: 0,
    });
  });

  it('op 9: a card of another chain 404; a location without the grant 403; 401', async () => {
    expect((await at(DEMO.locationId, DEMO.otherCardId, { amount: 1 })).statusCode).toBe(404);
    expect((await at(DEMO.otherLocationId, DEMO.otherCardId, { amount: 1 })).statusCode).toBe(403);
    expect((await at(DEMO.locationId, DEMO.cardId, { amount: 1 }, DEMO_PARTNER)).statusCode).toBe(401);
  });

  it('op 10: chain-level transaction recorded with no location; needs the chain grant', async () => {
    const w = await ctx.factory.world();
    const card = await ctx.issueCard(w);
    const res = await chainLevel(w.chainId, card, { amount: 3 }, w.auth);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      success: true,
      data: { id: card, balance: 3, salon_group_id: w.chainId },
      meta: {},
    });
    const row = await ctx.database.db
      .selectFrom('transactions')
      .selectAll()
      .where('card_id', '=', card)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ location_id: null, type_id: 5, amount_minor: 300 });
    expect((await chainLevel(w.chainId, card, { amount: -4 }, w.auth)).statusCode).toBe(422);
    expect((await chainLevel(DEMO.chainId, card, { amount: 1 })).statusCode).toBe(404);
    await ctx.database.db.deleteFrom('user_chains').where('user_id', '=', w.user.id).execute();
    expect((await chainLevel(w.chainId, card, { amount: 1 }, w.auth)).statusCode).toBe(403);
    expect(await ctx.factory.balanceOf(card)).toEqual({ balance: 300, ledger: 300, rows: 1 });
  });
});
