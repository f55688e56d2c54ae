import { expect, it } from 'vitest';
import { DEMO, DEMO_AUTH, describeEachDialect, type TestContext } from '../helpers/app.js';
import { DEMO_CARD } from '../helpers/cards.js';

const CHAIN = { id: DEMO.chainId, title: 'Dough chain1.' };

/** SPEC §6.7's Gold card of the visit demo client, as op 2 answers it at 12345. */
const GOLD_CARD = {
  id: DEMO.visitCardId,
  balance: 0,
  points: 0,
  paid_amount: 0,
  sold_amount: 0,
  visits_count: 0,
  number: '14507109210521',
  type_id: DEMO.goldCardTypeId,
  salon_group_id: DEMO.chainId,
  type: { id: DEMO.goldCardTypeId, title: 'Gold', salon_group_id: DEMO.chainId },
  salon_group: CHAIN,
  programs: [
    {
      id: DEMO.cashbackProgramId,
      title: 'Cashback 5%',
      value: 5,
      loyalty_type_id: 6,
      item_type_id: 0,
      value_unit_id: 1,
      group_id: DEMO.chainId,
      loyalty_type: {
        id: 6,
        title: 'Fixed cashback (paid amount)',
        is_discount: false,
        is_cashback: true,
        is_static: true,
        is_accumulative: false,
      },
      rules: [{ id: 72806, loyalty_program_id: 18006, loyalty_type_id: 6, value: 5, parameter: 0 }],
    },
    {
      id: DEMO.loyalDiscountProgramId,
      title: 'Loyal discount',
      value: 0,
      loyalty_type_id: 4,
      item_type_id: 0,
      value_unit_id: 1,
      group_id: DEMO.chainId,
      loyalty_type: {
        id: 4,
        title: 'Cumulative discount by paid amount',
        is_discount: true,
        is_cashback: false,
        is_static: false,
        is_accumulative: true,
      },
      rules: [
        { id: 72807, loyalty_program_id: 18007, loyalty_type_id: 4, value: 5, parameter: 0 },
        { id: 72808, loyalty_program_id: 18007, loyalty_type_id: 4, value: 10, parameter: 10000 },
      ],
    },
  ],
};

describeEachDialect('demo dataset: the SPEC §6.7 additions', (ctx: TestContext) => {
  it('the visit demo client holds the Gold card at zero, with its two programs active at 12345', async () => {
    const res = await ctx.api(
      'GET',
      `/loyalty/cards/${DEMO.visitPhone}/${DEMO.chainId}/${DEMO.locationId}`,
      DEMO_AUTH,
    );
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: true, data: [GOLD_CARD], meta: { count: 1 } });
    const client = await ctx.api('GET', `/client/${DEMO.locationId}/${DEMO.visitClientId}`, DEMO_AUTH);
    expect(client.json().data).toMatchObject({ id: 55557, name: 'Visit demo client', phone: '+13155550176' });
    // The discount the card earns now: 5 % (it has paid less than 10000).
    const topUp = await ctx.manualTransaction({ location: DEMO.locationId }, DEMO.visitCardId, DEMO_AUTH, {
      amount: 1,
    });
    expect(topUp.json().data).toMatchObject({ balance: 1, max_discount_percent: 5, max_discount_amount: 0 });
  });

  it('the §5 data stays: the demo card and its answers, and the other chain’s client 55556', async () => {
    const res = await ctx.api(
      'GET',
      `/loyalty/cards/${DEMO.phone}/${DEMO.chainId}/${DEMO.locationId}`,
      DEMO_AUTH,
    );
    expect(res.json().data).toEqual([DEMO_CARD]);
    const other = await ctx.database.db
      .selectFrom('clients')
      .select(['id', 'phone'])
      .where('location_id', '=', DEMO.otherLocationId)
      .execute();
    expect(other).toEqual([{ id: 55556, phone: DEMO.phone }]);
  });

  it('the catalogue: services 1001 and 1002, master 501, accounts 701 and 702 only', async () => {
    const services = await ctx.api('GET', `/services/${DEMO.locationId}`, DEMO_AUTH);
    expect(
      services
        .json()
        .data.map((s: { id: number; title: string; price_min: number; price_max: number }) => [
          s.id,
          s.title,
          s.price_min,
          s.price_max,
        ]),
    ).toEqual([
      [1001, 'Haircut', 1500, 1500],
      [1002, 'Coloring', 4000, 4000],
    ]);
    const staff = await ctx.api('GET', `/staff/${DEMO.locationId}`, DEMO_AUTH);
    expect(staff.json().data.map((m: { id: number; name: string }) => [m.id, m.name])).toEqual([
      [501, 'Demo master'],
    ]);
    const accounts = await ctx.api('GET', `/accounts/${DEMO.locationId}`, DEMO_AUTH);
    expect(accounts.json().data.map((a: { id: number }) => a.id)).toEqual([701, 702]);
  });

  it('new rows get ids past the demo’s explicit ones (the sequences moved on PostgreSQL)', async () => {
    const service = await ctx.api('POST', `/services/${DEMO.locationId}`, DEMO_AUTH, { title: 'New' });
    expect(service.statusCode).toBe(201);
    expect(service.json().data.id).toBeGreaterThan(DEMO.coloringServiceId);
    const member = await ctx.api('POST', `/staff/${DEMO.locationId}`, DEMO_AUTH, { name: 'New' });
    expect(member.json().data.id).toBeGreaterThan(DEMO.staffId);
    const w = await ctx.factory.world();
    const accounts = await ctx.api('GET', `/accounts/${w.locationId}`, w.auth);
    for (const account of accounts.json().data) expect(account.id).toBeGreaterThan(DEMO.cardAccountId);
    const client = await ctx.factory.setup.createClient(DEMO.locationId, '13155550177', 'Next');
    expect(client).toBeGreaterThan(DEMO.visitClientId);
    // Leave the demo catalogue as it was for anyone reading it after this test.
    await ctx.api('DELETE', `/services/${DEMO.locationId}/${service.json().data.id}`, DEMO_AUTH);
    await ctx.api('DELETE', `/staff/${DEMO.locationId}/${member.json().data.id}`, DEMO_AUTH);
  });
});
