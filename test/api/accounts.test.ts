import { expect, it } from 'vitest';
import { AccountsRepository } from '../../src/modules/accounts/accounts.repository.js';
import { DEMO, DEMO_AUTH, describeEachDialect, type TestContext } from '../helpers/app.js';

const DEFAULTS = [
  { title: 'Cash', type: 0, comment: '' },
  { title: 'Non-cash', type: 1, comment: '' },
];

describeEachDialect('accounts (V3) and the default accounts of a new location', (ctx: TestContext) => {
  const accountsOf = (locationId: number) =>
    ctx.database.db
      .selectFrom('accounts')
      .select(['id', 'title', 'type', 'is_default'])
      .where('location_id', '=', locationId)
      .orderBy('id')
      .execute();

  it('get_account_list: the demo location has exactly its two defaults, 701 Cash and 702 Card', async () => {
    const res = await ctx.api('GET', `/accounts/${DEMO.locationId}`, DEMO_AUTH);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      success: true,
      data: [
        { id: DEMO.cashAccountId, title: 'Cash', type: 0, comment: '' },
        { id: DEMO.cardAccountId, title: 'Card', type: 1, comment: '' },
      ],
      meta: { count: 2 },
    });
    expect(await accountsOf(DEMO.locationId)).toEqual([
      { id: DEMO.cashAccountId, title: 'Cash', type: 0, is_default: 1 },
      { id: DEMO.cardAccountId, title: 'Card', type: 1, is_default: 1 },
    ]);
  });

  it('a location created by the setup service (admin CLI, test factory) gets Cash and Non-cash', async () => {
    const w = await ctx.factory.world();
    const res = await ctx.api('GET', `/accounts/${w.locationId}`, w.auth);
    expect(res.json().data.map(({ id: _, ...rest }: { id: number }) => rest)).toEqual(DEFAULTS);
    expect((await accountsOf(w.locationId)).map((a) => a.is_default)).toEqual([1, 1]);
  });

  it('POST /companies: the new location has its default accounts at once; erasing it erases them', async () => {
    const w = await ctx.factory.world();
    const created = await ctx.api('POST', '/companies', w.auth, { title: 'With accounts' });
    expect(created.statusCode).toBe(201);
    const id = created.json().data.id as number;
    const res = await ctx.api('GET', `/accounts/${id}`, w.auth);
    expect(res.statusCode).toBe(200);
    expect(res.json().data.map(({ id: _, ...rest }: { id: number }) => rest)).toEqual(DEFAULTS);

    // An unused location is erased (LOC-5), its accounts, services and team members with it.
    const master = await ctx.factory.setup.createStaff(id, { name: 'M' });
    await ctx.factory.setup.createService(id, { title: 'S', staff: [{ id: master }] });
    expect((await ctx.api('DELETE', `/company/${id}`, w.auth)).statusCode).toBe(202);
    expect(await accountsOf(id)).toEqual([]);
    for (const table of ['services', 'staff', 'locations'] as const) {
      const column = table === 'locations' ? 'id' : 'location_id';
      const rows = await ctx.database.db.selectFrom(table).select('id').where(column, '=', id).execute();
      expect(rows, table).toEqual([]);
    }
  });

  it('a location the caller may not use is 403; without the user token 401', async () => {
    const w = await ctx.factory.world();
    const foreign = await ctx.api('GET', `/accounts/${w.locationId}`, DEMO_AUTH);
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json()).toEqual({ success: false, data: null, meta: { message: 'Access denied.' } });
    expect((await ctx.api('GET', `/accounts/${DEMO.otherLocationId}`, DEMO_AUTH)).statusCode).toBe(403);
    expect((await ctx.api('GET', `/accounts/${w.locationId}`, w.partnerAuth)).statusCode).toBe(401);
    // A location id that is no id at all is answered like any location the caller may not use.
    expect((await ctx.api('GET', '/accounts/abc', DEMO_AUTH)).statusCode).toBe(403);
  });

  it('the lookups the visit code uses: a live account of this location, the default of a type', async () => {
    const w = await ctx.factory.world();
    const repo = new AccountsRepository(ctx.database.db);
    const cash = await repo.defaultOf(DEMO.locationId, 0);
    const card = await repo.defaultOf(DEMO.locationId, 1);
    expect([cash?.id, card?.id]).toEqual([DEMO.cashAccountId, DEMO.cardAccountId]);
    expect((await repo.liveById(DEMO.locationId, DEMO.cashAccountId))?.title).toBe('Cash');
    // An account of another location is not found through this one.
    const theirs = await repo.defaultOf(w.locationId, 0);
    expect(theirs).toBeDefined();
    expect(await repo.liveById(DEMO.locationId, theirs!.id)).toBeUndefined();
    expect(await repo.liveById(DEMO.locationId, 2147483000)).toBeUndefined();
  });

  it('one default account per location and type: the database refuses a second', async () => {
    const w = await ctx.factory.world();
    const repo = new AccountsRepository(ctx.database.db);
    await expect(
      repo.insert(w.locationId, { type: 0, title: 'Second cash', is_default: 1 }),
    ).rejects.toThrow();
    // A second, non-default account of a type is allowed, and listed after the defaults.
    await repo.insert(w.locationId, { type: 0, title: 'Advances', is_default: 0 });
    const res = await ctx.api('GET', `/accounts/${w.locationId}`, w.auth);
    expect(res.json().data.map((a: { title: string }) => a.title)).toEqual(['Cash', 'Non-cash', 'Advances']);
  });
});
