import { expect, it } from 'vitest';
import { DEMO, DEMO_AUTH, DEMO_PARTNER, describeEachDialect } from '../helpers/app.js';

const LOCATION_FIELDS = [
  'id',
  'title',
  'public_title',
  'short_descr',
  'address',
  'city',
  'city_id',
  'country',
  'country_id',
  'coordinate_lat',
  'coordinate_lon',
  'timezone',
  'timezone_name',
  'phone',
  'phones',
  'site',
  'zip',
  'social',
  'business_type_id',
  'active',
  'main_group_id',
  'main_group',
  'active_staff_count',
  'logo',
  'currency_short_title',
  'schedule',
  'phone_confirmation',
];

describeEachDialect('locations', (ctx) => {
  it('GET /companies lists the partner locations with the documented fields', async () => {
    const res = await ctx.api('GET', '/companies', DEMO_PARTNER);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.success).toBe(true);
    expect(body.data.map((l: { id: number }) => l.id)).toEqual([DEMO.locationId, DEMO.otherLocationId]);
    expect(body.meta).toEqual({ count: 2 });
    const demo = body.data[0];
    for (const field of LOCATION_FIELDS) expect(demo).toHaveProperty(field);
    expect(demo).toMatchObject({
      id: DEMO.locationId,
      title: 'Demo location',
      active: 1,
      main_group_id: DEMO.chainId,
      main_group: { id: DEMO.chainId, title: 'Dough chain1.' },
      timezone_name: 'UTC',
      timezone: 0,
    });
  });

  it('my=1 narrows to the locations the user is granted, and needs the user token', async () => {
    const mine = await ctx.api('GET', '/companies?my=1', DEMO_AUTH);
    expect(mine.statusCode).toBe(200);
    expect(mine.json().data.map((l: { id: number }) => l.id)).toEqual([DEMO.locationId]);
    expect((await ctx.api('GET', '/companies?my=1', DEMO_PARTNER)).statusCode).toBe(401);
  });

  it('filters and pages: group_id, id, min_id, count/page; meta.count counts before paging', async () => {
    const chain = await ctx.api('GET', `/companies?group_id=${DEMO.otherChainId}`, DEMO_PARTNER);
    expect(chain.json().data.map((l: { id: number }) => l.id)).toEqual([DEMO.otherLocationId]);
    const byId = await ctx.api('GET', `/companies?id=${DEMO.locationId}`, DEMO_PARTNER);
    expect(byId.json().meta.count).toBe(1);
    const fromId = await ctx.api('GET', `/companies?min_id=${DEMO.locationId + 1}`, DEMO_PARTNER);
    expect(fromId.json().data.map((l: { id: number }) => l.id)).toEqual([DEMO.otherLocationId]);
    const page2 = await ctx.api('GET', '/companies?count=1&page=2', DEMO_PARTNER);
    expect(page2.json().data.map((l: { id: number }) => l.id)).toEqual([DEMO.otherLocationId]);
    expect(page2.json().meta.count).toBe(2);
    const bad = await ctx.api('GET', '/companies?count=0', DEMO_PARTNER);
    expect(bad.statusCode).toBe(422);
    expect(bad.json().meta.errors).toHaveProperty('count');
  });

  it('a partner sees only its own locations', async () => {
    const w = await ctx.factory.world();
    const res = await ctx.api('GET', '/companies', w.partnerAuth);
    expect(res.json().data.map((l: { id: number }) => l.id)).toEqual([w.locationId]);
  });

  it('GET /company/{id}: one location; not connected is 404; my=1 adds access and needs the grant', async () => {
    const res = await ctx.api('GET', `/company/${DEMO.locationId}?show_groups=1`, DEMO_PARTNER);
    expect(res.statusCode).toBe(200);
    expect(res.json().meta).toEqual([]);
    expect(res.json().data).toMatchObject({
      id: DEMO.locationId,
      main_group_id: DEMO.chainId,
      groups: { [DEMO.chainId]: { id: DEMO.chainId, title: 'Dough chain1.' } },
    });
    expect(res.json().data).not.toHaveProperty('access');

    const mine = await ctx.api('GET', `/company/${DEMO.locationId}?my=1`, DEMO_AUTH);
    expect(mine.json().data.access).toMatchObject({ loyalty_access: 1, clients_access: 1 });
    expect((await ctx.api('GET', `/company/${DEMO.otherLocationId}?my=1`, DEMO_AUTH)).statusCode).toBe(403);
    expect((await ctx.api('GET', `/company/${DEMO.locationId}?my=1`, DEMO_PARTNER)).statusCode).toBe(401);

    const w = await ctx.factory.world();
    const foreign = await ctx.api('GET', `/company/${w.locationId}`, DEMO_PARTNER);
    expect(foreign.statusCode).toBe(404);
    expect((await ctx.api('GET', '/company/99999999', DEMO_PARTNER)).statusCode).toBe(404);
    expect((await ctx.api('GET', '/company/abc', DEMO_PARTNER)).statusCode).toBe(404);
  });

  it('POST /companies creates a location in a granted chain, connects the partner and grants the user', async () => {
    const w = await ctx.factory.world();
    const res = await ctx.api('POST', '/companies', w.auth, {
      title: 'Second location',
      group_id: String(w.chainId),
      address: '1 Main St',
      city_id: '5',
      country_id: 3,
      coordinate_lat: '40.5',
      coordinate_lot: -73.25,
      short_descr: 'Nails',
      site: 'https://example.com',
      business_type_id: 2,
    });
    expect(res.statusCode).toBe(201);
    const location = res.json().data;
    expect(res.json().meta).toEqual([]);
    expect(location).toMatchObject({
      title: 'Second location',
      address: '1 Main St',
      city_id: 5,
      country_id: 3,
      coordinate_lat: 40.5,
      coordinate_lon: -73.25,
      short_descr: 'Nails',
      site: 'https://example.com',
      business_type_id: 2,
      active: 1,
      main_group_id: w.chainId,
    });
    const mine = await ctx.api('GET', '/companies?my=1', w.auth);
    expect(mine.json().data.map((l: { id: number }) => l.id)).toEqual([w.locationId, location.id]);
    // The new location is usable at once by the card operations.
    const types = await ctx.api('GET', `/loyalty/card_types/salon/${location.id}`, w.auth);
    expect(types.statusCode).toBe(200);
  });

  it('POST /companies: the chain may be left out when the user has one; validation per field', async () => {
    const w = await ctx.factory.world();
    const implicit = await ctx.api('POST', '/companies', w.auth, { title: 'Implicit chain' });
    expect(implicit.statusCode).toBe(201);
    expect(implicit.json().data.main_group_id).toBe(w.chainId);

    const missing = await ctx.api('POST', '/companies', w.auth, { address: 'no title' });
    expect(missing.statusCode).toBe(422);
    expect(missing.json().meta.errors).toHaveProperty('title');

    // Another tenant's chain and a chain that does not exist get the same answer.
    for (const group of [DEMO.chainId, 987654]) {
      const foreign = await ctx.api('POST', '/companies', w.auth, { title: 'X', group_id: group });
      expect(foreign.statusCode).toBe(422);
      expect(foreign.json().meta.errors.group_id).toEqual(['group_id must be a chain you are granted.']);
    }

    const invalid = await ctx.api('POST', '/companies', w.auth, {
      title: 'X',
      coordinate_lat: 'north',
      city_id: true,
    });
    expect(invalid.statusCode).toBe(422);
    expect(Object.keys(invalid.json().meta.errors).sort()).toEqual(['city_id', 'coordinate_lat']);

    const range = await ctx.api('POST', '/companies', w.auth, { title: 'X', coordinate_lat: 91 });
    expect(range.json().meta.errors).toHaveProperty('coordinate_lat');
    const phone = await ctx.api('POST', '/companies', w.auth, { title: 'X', phones: ['12'] });
    expect(phone.json().meta.errors).toHaveProperty(['phones.0']);

    expect((await ctx.api('POST', '/companies', w.partnerAuth, { title: 'X' })).statusCode).toBe(401);
  });

  it('PUT /company/{id} changes the fields sent; another location is 403', async () => {
    const w = await ctx.factory.world();
    const res = await ctx.api('PUT', `/company/${w.locationId}`, w.auth, {
      title: 'Renamed',
      city: 'Springfield',
      phones: ['+1 (315) 555-0175', 13155550176],
      social: { instagram: 'https://instagram.com/x' },
      zip: '12345',
      description: '<p>Hi</p>',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toMatchObject({
      id: w.locationId,
      title: 'Renamed',
      city: 'Springfield',
      phone: '+13155550175',
      phones: ['+13155550175', '+13155550176'],
      zip: '12345',
      description: '<p>Hi</p>',
      social: { instagram: 'https://instagram.com/x', facebook: '' },
    });
    const again = await ctx.api('PUT', `/company/${w.locationId}`, w.auth, { social: { vk: 'vk.com/x' } });
    expect(again.json().data).toMatchObject({
      title: 'Renamed',
      social: { instagram: 'https://instagram.com/x', vk: 'vk.com/x' },
    });
    const empty = await ctx.api('PUT', `/company/${w.locationId}`, w.auth, { title: '  ' });
    expect(empty.statusCode).toBe(422);
    expect(empty.json().meta.errors).toHaveProperty('title');
    expect((await ctx.api('PUT', `/company/${DEMO.locationId}`, w.auth, { title: 'x' })).statusCode).toBe(
      403,
    );
  });

  it('DELETE /company/{id}: 202; an unused location is erased', async () => {
    const w = await ctx.factory.world();
    const created = await ctx.api('POST', '/companies', w.auth, { title: 'Short-lived' });
    const id = created.json().data.id;
    const res = await ctx.api('DELETE', `/company/${id}`, w.auth);
    expect(res.statusCode).toBe(202);
    expect(res.body).toBe('');
    expect((await ctx.api('GET', `/company/${id}`, w.partnerAuth)).statusCode).toBe(404);
    const row = await ctx.database.db
      .selectFrom('locations')
      .select('id')
      .where('id', '=', id)
      .executeTakeFirst();
    expect(row).toBeUndefined();
  });

  it('DELETE /company/{id}: a location with cards is deactivated, never erased', async () => {
    const w = await ctx.factory.world();
    const issued = await ctx.api('POST', `/loyalty/cards/${w.locationId}`, w.auth, {
      loyalty_card_type_id: w.cardTypeId,
      phone: w.phone,
    });
    expect(issued.statusCode).toBe(200);
    expect((await ctx.api('DELETE', `/company/${w.locationId}`, w.auth)).statusCode).toBe(202);

    const row = await ctx.database.db
      .selectFrom('locations')
      .select(['deleted_at', 'active'])
      .where('id', '=', w.locationId)
      .executeTakeFirstOrThrow();
    expect(row.deleted_at).not.toBeNull();
    expect(row.active).toBe(0);
    expect((await ctx.api('GET', '/companies', w.partnerAuth)).json().data).toEqual([]);
    const shown = await ctx.api('GET', '/companies?show_deleted=1', w.partnerAuth);
    expect(shown.json().data).toMatchObject([{ id: w.locationId, active: 0 }]);
    expect((await ctx.api('GET', `/company/${w.locationId}`, w.partnerAuth)).statusCode).toBe(404);
    expect((await ctx.api('GET', `/loyalty/card_types/salon/${w.locationId}`, w.auth)).statusCode).toBe(403);
    const cards = await ctx.database.db
      .selectFrom('cards')
      .select('id')
      .where('issued_location_id', '=', w.locationId)
      .execute();
    expect(cards).toHaveLength(1);
  });
});
