import { expect, it } from 'vitest';
import { DEMO, DEMO_AUTH, DEMO_PARTNER, describeEachDialect } from '../helpers/app.js';

describeEachDialect('chains', (ctx) => {
  const get = (url: string, authorization: string) =>
    ctx.request({ method: 'GET', url: `/api/v1${url}`, headers: { authorization } });

  it('GET /groups with the partner token: the chains it reaches, with their locations', async () => {
    const res = await get('/groups', DEMO_PARTNER);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.meta).toEqual({ count: 2 });
    expect(body.data.map((c: { id: number }) => c.id)).toEqual([DEMO.chainId, DEMO.otherChainId]);
    const [demo] = body.data;
    expect(demo).toMatchObject({ id: DEMO.chainId, title: 'Dough chain1.' });
    expect(demo.companies.map((l: { id: number }) => l.id)).toEqual([DEMO.locationId]);
    expect(demo.companies[0]).toMatchObject({ title: 'Demo location', main_group_id: DEMO.chainId });
    expect(Object.keys(demo.access)).toContain('loyalty_programs_access');
    expect(Object.values(demo.access).every((v) => v === 0)).toBe(true);
  });

  it('GET /groups with the user token: only the chains the user is granted', async () => {
    const res = await get('/groups', DEMO_AUTH);
    expect(res.json().data.map((c: { id: number }) => c.id)).toEqual([DEMO.chainId]);
    expect(res.json().data[0].access.loyalty_access).toBe(1);
    expect(res.json().data[0].access.clients_access).toBe(1);

    const w = await ctx.factory.world();
    const own = await get('/groups', w.auth);
    expect(own.json().data).toMatchObject([
      { id: w.chainId, title: 'Test chain', companies: [{ id: w.locationId }] },
    ]);
  });

  it('GET /group/{chain_id}/clients?phone= finds the chain clients of that phone', async () => {
    for (const phone of ['+13155550175', '13155550175', '%2B1%20315%20555-0175']) {
      const res = await get(`/group/${DEMO.chainId}/clients?phone=${phone}`, DEMO_AUTH);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        success: true,
        data: {
          phone: '+13155550175',
          salon_group_id: DEMO.chainId,
          clients: [{ id: DEMO.clientId, company_id: DEMO.locationId, name: 'Demo client', email: '' }],
        },
        meta: [],
      });
    }
    const none = await get(`/group/${DEMO.chainId}/clients?phone=15550001111`, DEMO_AUTH);
    expect(none.json().data.clients).toEqual([]);
  });

  it('GET /group/{chain_id}/clients: validation and access', async () => {
    const missing = await get(`/group/${DEMO.chainId}/clients`, DEMO_AUTH);
    expect(missing.statusCode).toBe(422);
    expect(missing.json().meta.errors).toHaveProperty('phone');
    const invalid = await get(`/group/${DEMO.chainId}/clients?phone=12ab`, DEMO_AUTH);
    expect(invalid.statusCode).toBe(422);
    expect(invalid.json().meta.errors).toHaveProperty('phone');
    // The other chain is reached by the partner, not granted to the user.
    expect((await get(`/group/${DEMO.otherChainId}/clients?phone=13155550175`, DEMO_AUTH)).statusCode).toBe(
      403,
    );
    expect((await get(`/group/${DEMO.chainId}/clients?phone=13155550175`, DEMO_PARTNER)).statusCode).toBe(
      401,
    );
    const w = await ctx.factory.world();
    expect((await get(`/group/${DEMO.chainId}/clients?phone=13155550175`, w.auth)).statusCode).toBe(403);
  });
});
