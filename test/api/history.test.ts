import { expect, it } from 'vitest';
import { DEMO, DEMO_AUTH, describeEachDialect, type TestContext } from '../helpers/app.js';
import { uniquePhone } from '../helpers/factory.js';
import { runAdmin } from '../helpers/server-process.js';

const TRANSACTION_KEYS = [
  'actor',
  'amount',
  'card_id',
  'company',
  'company_id',
  'created',
  'id',
  'program_id',
  'salon_group_id',
  'status_id',
  'title',
  'type',
  'type_id',
  'visit_id',
  // Altegio's item fields (L-23) and the extension fields of SPEC §6.6.
  'item_id',
  'item_record_id',
  'item_type_id',
  'is_discount',
  'is_loyalty_withdraw',
  'goods_transaction_id',
  'balance_effect',
  'cancels_id',
].sort();

const CREATED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000$/;
const day = (offsetDays = 0) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

type World = Awaited<ReturnType<TestContext['factory']['world']>>;

/** A world with one card carrying: +10.50 at the location, −3 at chain level, +0.25 at the location. */
async function cardWithHistory(ctx: TestContext) {
  const world = await ctx.factory.world();
  const cardId = await ctx.issueCard(world);
  const move = async (amount: number, title: string, chainLevel = false) => {
    const at = chainLevel ? { chain: world.chainId } : { location: world.locationId };
    const res = await ctx.manualTransaction(at, cardId, world.auth, { amount, title });
    expect(res.statusCode).toBe(200);
  };
  await move(10.5, 'opening');
  await move(-3, 'chain withdrawal', true);
  await move(0.25, 'small top-up');
  return { ...world, cardId };
}

function history(ctx: TestContext, world: World, cardId: number, query = '', locationId = world.locationId) {
  return ctx.request({
    method: 'GET',
    url: `/api/v1/loyalty/cards/${locationId}/${cardId}/transactions${query}`,
    headers: { authorization: world.auth },
  });
}

function chainList(
  ctx: TestContext,
  world: World,
  query: string,
  chainId = world.chainId,
  auth = world.auth,
) {
  return ctx.request({
    method: 'GET',
    url: `/api/v1/chain/${chainId}/loyalty/transactions${query}`,
    headers: { authorization: auth },
  });
}

describeEachDialect('card transaction history (extension)', (ctx) => {
  it('lists the card transactions newest first, with type, signed amount, place and actor', async () => {
    const world = await cardWithHistory(ctx);
    const res = await history(ctx, world, world.cardId);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.success).toBe(true);
    expect(body.meta).toEqual({ count: 3 });
    expect(body.data.map((t: any) => [t.type_id, t.amount, t.title])).toEqual([
      [5, 0.25, 'small top-up'],
      [6, -3, 'chain withdrawal'],
      [5, 10.5, 'opening'],
    ]);
    const [topUp, withdrawal] = body.data;
    expect(Object.keys(topUp).sort()).toEqual(TRANSACTION_KEYS);
    expect(topUp).toMatchObject({
      card_id: world.cardId,
      salon_group_id: world.chainId,
      company_id: world.locationId,
      company: { id: world.locationId, title: 'Test location' },
      type: { id: 5, title: 'Manual top-up' },
      visit_id: 0,
      program_id: 0,
      item_id: 0,
      item_record_id: 0,
      item_type_id: 0,
      is_discount: false,
      is_loyalty_withdraw: false,
      goods_transaction_id: 0,
      status_id: 1,
      balance_effect: topUp.amount,
      cancels_id: 0,
      actor: { partner_id: world.partner.id, user_id: world.user.id, user_name: 'Tester' },
    });
    expect(topUp.created).toMatch(CREATED);
    expect(withdrawal).toMatchObject({
      company_id: null,
      company: null,
      type: { id: 6, title: 'Manual withdrawal' },
      amount: -3,
      balance_effect: -3,
    });
    expect(topUp.id).toBeGreaterThan(withdrawal.id);
  });

  it('pages with page and count; meta.count is the total before paging', async () => {
    const world = await cardWithHistory(ctx);
    const page2 = (await history(ctx, world, world.cardId, '?count=2&page=2')).json();
    expect(page2.meta).toEqual({ count: 3 });
    expect(page2.data.map((t: any) => t.title)).toEqual(['opening']);
    const beyond = (await history(ctx, world, world.cardId, '?count=2&page=3')).json();
    expect(beyond).toEqual({ success: true, data: [], meta: { count: 3 } });
    for (const query of ['?count=0', '?count=1001', '?page=0', '?count=abc']) {
      const res = await history(ctx, world, world.cardId, query);
      expect(res.statusCode, query).toBe(422);
      expect(Object.keys(res.json().meta.errors)).toEqual([query.slice(1).split('=')[0]]);
    }
  });

  it('answers 404 for a card of another chain or no card, 403 for a location not granted', async () => {
    const mine = await ctx.factory.world();
    const theirs = await cardWithHistory(ctx);
    expect((await history(ctx, mine, theirs.cardId)).statusCode).toBe(404);
    expect((await history(ctx, mine, 2_000_000_000)).statusCode).toBe(404);
    expect((await history(ctx, mine, theirs.cardId, '', theirs.locationId)).statusCode).toBe(403);
    // The demo user is not granted the other chain's location.
    const res = await ctx.request({
      method: 'GET',
      url: `/api/v1/loyalty/cards/${DEMO.otherLocationId}/${DEMO.otherCardId}/transactions`,
      headers: { authorization: DEMO_AUTH },
    });
    expect(res.statusCode).toBe(403);
  });

  it('keeps the history of a removed card', async () => {
    const world = await cardWithHistory(ctx);
    const removed = await ctx.request({
      method: 'DELETE',
      url: `/api/v1/loyalty/cards/${world.locationId}/${world.cardId}`,
      headers: { authorization: world.auth },
    });
    expect(removed.statusCode).toBe(204);
    const res = await history(ctx, world, world.cardId);
    expect(res.statusCode).toBe(200);
    expect(res.json().meta).toEqual({ count: 3 });
    const listed = (await chainList(ctx, world, `?created_after=${day(-1)}&created_before=${day(1)}`)).json();
    expect(listed.data.filter((t: any) => t.card_id === world.cardId)).toHaveLength(3);
  });

  it('shows the demo card opening balance', async () => {
    const res = await ctx.request({
      method: 'GET',
      url: `/api/v1/loyalty/cards/${DEMO.locationId}/${DEMO.cardId}/transactions`,
      headers: { authorization: DEMO_AUTH },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().data.at(-1)).toMatchObject({ card_id: DEMO.cardId, amount: 100, type_id: 5 });
  });
});

describeEachDialect('chain loyalty transactions (Altegio get_chain_loyalty_transaction_list)', (ctx) => {
  it('lists the chain transactions of the period, newest first, in the Altegio shape', async () => {
    const world = await cardWithHistory(ctx);
    const res = await chainList(ctx, world, `?created_after=${day(-1)}&created_before=${day(1)}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.meta).toEqual({ count: 3 });
    expect(body.data.map((t: any) => t.amount)).toEqual([0.25, -3, 10.5]);
    for (const item of body.data) {
      expect(Object.keys(item).sort()).toEqual(TRANSACTION_KEYS);
      expect(item).toMatchObject({
        id: expect.any(Number),
        visit_id: 0,
        status_id: 1,
        type_id: expect.any(Number),
        type: { id: item.type_id, title: expect.any(String) },
        card_id: world.cardId,
        program_id: 0,
        salon_group_id: world.chainId,
      });
      expect(item.created).toMatch(CREATED);
    }
  });

  it('takes both days as whole UTC days, included', async () => {
    const world = await ctx.factory.world();
    const issued = await ctx.request({
      method: 'POST',
      url: `/api/v1/loyalty/cards/${world.locationId}`,
      headers: { authorization: world.auth },
      payload: { loyalty_card_type_id: world.cardTypeId, phone: uniquePhone() },
    });
    const cardId: number = issued.json().data.id;
    // Rows at the edges of 2024-01-31 (UTC), written directly, with the balance they add up to.
    const at = [
      '2024-01-30T23:59:59.999Z',
      '2024-01-31T00:00:00.000Z',
      '2024-01-31T23:59:59.999Z',
      '2024-02-01T00:00:00.000Z',
    ];
    await ctx.database.db.transaction().execute(async (trx) => {
      for (const created_at of at) {
        await trx
          .insertInto('transactions')
          .values({
            card_id: cardId,
            chain_id: world.chainId,
            location_id: world.locationId,
            type_id: 5,
            amount_minor: 100,
            balance_effect_minor: 100,
            title: created_at,
            partner_id: world.partner.id,
            user_id: null,
            program_id: null,
            visit_id: null,
            created_at,
          })
          .execute();
      }
      await trx.updateTable('cards').set({ balance_minor: 400 }).where('id', '=', cardId).execute();
    });
    const titles = async (query: string) =>
      (await chainList(ctx, world, query)).json().data.map((t: any) => t.title);
    expect(await titles('?created_after=2024-01-31&created_before=2024-01-31')).toEqual([at[2], at[1]]);
    expect(await titles('?created_after=2024-01-30&created_before=2024-01-31')).toEqual([
      at[2],
      at[1],
      at[0],
    ]);
    expect(await titles('?created_after=2024-02-01&created_before=2024-02-28')).toEqual([at[3]]);
    expect(await titles('?created_after=2023-01-01&created_before=2023-12-31')).toEqual([]);
    const first = (await chainList(ctx, world, '?created_after=2024-01-30&created_before=2024-01-31'))
      .json()
      .data.at(-1);
    expect(first.created).toBe('2024-01-30T23:59:59+0000');
  });

  it('narrows by types[], company_ids[] and paging', async () => {
    const world = await cardWithHistory(ctx);
    const range = `?created_after=${day(-1)}&created_before=${day(1)}`;
    const amounts = async (query: string) => {
      const res = await chainList(ctx, world, range + query);
      expect(res.statusCode, query).toBe(200);
      return res.json().data.map((t: any) => t.amount);
    };
    expect(await amounts('&types[]=5')).toEqual([0.25, 10.5]);
    expect(await amounts('&types[]=6')).toEqual([-3]);
    expect(await amounts('&types[]=5&types[]=6')).toEqual([0.25, -3, 10.5]);
    expect(await amounts('&types=6')).toEqual([-3]);
    expect(await amounts('&types[0]=6&types[1]=1')).toEqual([-3]);
    expect(await amounts('&types[]=1')).toEqual([]);
    // A chain-level transaction has no company, so a company filter leaves it out.
    expect(await amounts(`&company_ids[]=${world.locationId}`)).toEqual([0.25, 10.5]);
    expect(await amounts('&company_ids[]=999999')).toEqual([]);
    expect(await amounts('&visit_ids[]=1')).toEqual([]);
    const page = (await chainList(ctx, world, `${range}&count=1&page=2`)).json();
    expect(page.meta).toEqual({ count: 3 });
    expect(page.data.map((t: any) => t.amount)).toEqual([-3]);
  });

  it('answers 422 naming the field for missing, malformed or impossible dates and bad filters', async () => {
    const world = await ctx.factory.world();
    const errorsOf = async (query: string) => {
      const res = await chainList(ctx, world, query);
      expect(res.statusCode, query).toBe(422);
      expect(res.json()).toMatchObject({ success: false, data: null, meta: { message: expect.any(String) } });
      return Object.keys(res.json().meta.errors).sort();
    };
    expect(await errorsOf('')).toEqual(['created_after', 'created_before']);
    expect(await errorsOf('?created_after=2024-01-01')).toEqual(['created_before']);
    expect(await errorsOf('?created_after=31.01.2024&created_before=2024-01-31')).toEqual(['created_after']);
    expect(await errorsOf('?created_after=2024-01-01&created_before=2024-02-30')).toEqual(['created_before']);
    expect(await errorsOf('?created_after=2024-13-01&created_before=2024-12-31')).toEqual(['created_after']);
    expect(await errorsOf('?created_after=2024-02-01&created_before=2024-01-31')).toEqual(['created_before']);
    const types = await errorsOf('?created_after=2024-01-01&created_before=2024-01-31&types[]=12');
    expect(types).toHaveLength(1);
    expect(types[0]).toMatch(/^types/);
    const companies = await errorsOf('?created_after=2024-01-01&created_before=2024-01-31&company_ids[]=x');
    expect(companies[0]).toMatch(/^company_ids/);
  });

  it('needs the chain grant: 403 without it, 403 for another chain', async () => {
    const world = await ctx.factory.world();
    const other = await ctx.factory.world();
    const locationOnly = await ctx.factory.setup.createUser({
      login: `loc${uniquePhone()}@example.com`,
      password: 'secret-password',
      locationIds: [world.locationId],
    });
    const range = '?created_after=2024-01-01&created_before=2024-01-31';
    const auth = `Bearer ${world.partner.token}, User ${locationOnly.token}`;
    expect((await chainList(ctx, world, range, world.chainId, auth)).statusCode).toBe(403);
    expect((await chainList(ctx, world, range, other.chainId)).statusCode).toBe(403);
    expect((await chainList(ctx, world, range, world.chainId, world.partnerAuth)).statusCode).toBe(401);
  });
});

describeEachDialect('admin verify', (ctx) => {
  it('passes on a consistent ledger, lists a card whose balance is not the sum of its rows', async () => {
    const world = await cardWithHistory(ctx);
    const clean = await ctx.services.ledger.verify();
    expect(clean.mismatches).toEqual([]);
    expect(clean.cards).toBeGreaterThan(0);
    expect(clean.transactions).toBeGreaterThanOrEqual(3);

    await ctx.database.db
      .updateTable('cards')
      .set({ balance_minor: 999 })
      .where('id', '=', world.cardId)
      .execute();
    try {
      const report = await ctx.services.ledger.verify();
      expect(report.mismatches).toEqual([
        {
          card_id: world.cardId,
          chain_id: world.chainId,
          number: expect.any(String),
          removed: false,
          balance: 9.99,
          ledger: 7.75,
          difference: 2.24,
          rows: 3,
        },
      ]);
      const cli = await runAdmin(ctx.url, ['verify']);
      expect(cli.code).toBe(1);
      expect(JSON.parse(cli.stdout)).toMatchObject({ ok: false, mismatches: [{ card_id: world.cardId }] });
    } finally {
      await ctx.database.db
        .updateTable('cards')
        .set({ balance_minor: 775 })
        .where('id', '=', world.cardId)
        .execute();
    }
    const cli = await runAdmin(ctx.url, ['verify']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ ok: true, mismatches: [] });
  });
});
