import { expect, it } from 'vitest';
import { DEMO, DEMO_AUTH, describeEachDialect, type TestContext } from '../helpers/app.js';

/** The demo's services (SPEC §6.7) as every service operation answers them. */
const HAIRCUT = {
  id: DEMO.haircutServiceId,
  title: 'Haircut',
  booking_title: 'Haircut',
  category_id: 0,
  price_min: 1500,
  price_max: 1500,
  discount: 0,
  duration: 3600,
  active: 1,
  api_id: '',
  comment: '',
  salon_service_id: DEMO.haircutServiceId,
  technical_break_duration: null,
  weight: 0,
  staff: [{ id: DEMO.staffId, seance_length: 3600 }],
};
const COLORING = {
  ...HAIRCUT,
  id: DEMO.coloringServiceId,
  title: 'Coloring',
  booking_title: 'Coloring',
  price_min: 4000,
  price_max: 4000,
  salon_service_id: DEMO.coloringServiceId,
};

describeEachDialect('services (V1)', (ctx: TestContext) => {
  const send = (method: string, path: string, auth: string, payload?: unknown, key?: string) =>
    ctx.request({
      method: method as never,
      url: `/api/v1${path}`,
      headers: { authorization: auth, ...(key ? { 'idempotency-key': key } : {}) },
      ...(payload === undefined ? {} : { payload: payload as never }),
    });

  /** A world with two team members, and the paths of its services. */
  async function arrange() {
    const w = await ctx.factory.world();
    const anna = await ctx.factory.setup.createStaff(w.locationId, { name: 'Anna' });
    const boris = await ctx.factory.setup.createStaff(w.locationId, { name: 'Boris' });
    const list = `/services/${w.locationId}`;
    const one = (id: number) => `/services/${w.locationId}/${id}`;
    const read = (id: number) => `/company/${w.locationId}/services/${id}`;
    return { w, anna, boris, list, one, read };
  }

  const storedServices = async (locationId: number) =>
    ctx.database.db
      .selectFrom('services')
      .selectAll()
      .where('location_id', '=', locationId)
      .orderBy('id')
      .execute();

  const storedLinks = async (serviceId: number) =>
    ctx.database.db
      .selectFrom('service_staff')
      .select(['staff_id', 'seance_length'])
      .where('service_id', '=', serviceId)
      .orderBy('staff_id')
      .execute();

  it('get_service_list: the demo catalogue, exact wire shape, meta.count', async () => {
    const res = await send('GET', `/services/${DEMO.locationId}`, DEMO_AUTH);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: true, data: [HAIRCUT, COLORING], meta: { count: 2 } });
  });

  it('get_service: one object; another location’s, a missing and a malformed id are 404', async () => {
    const res = await send('GET', `/company/${DEMO.locationId}/services/${DEMO.haircutServiceId}`, DEMO_AUTH);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: true, data: HAIRCUT, meta: [] });

    const { w, read } = await arrange();
    const theirs = await ctx.factory.setup.createService(w.locationId, { title: 'Theirs' });
    // A service of another location, reached through a location the caller may use: 404.
    const foreign = await send('GET', `/company/${DEMO.locationId}/services/${theirs}`, DEMO_AUTH);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json()).toEqual({ success: false, data: null, meta: { message: 'Service not found.' } });
    const missing = await send('GET', `/company/${DEMO.locationId}/services/2147483000`, DEMO_AUTH);
    expect(missing.body).toBe(foreign.body);
    expect((await send('GET', `/company/${DEMO.locationId}/services/abc`, DEMO_AUTH)).statusCode).toBe(404);
    // The older path Altegio still documents answers the same.
    const older = await send('GET', `/services/${DEMO.locationId}/${DEMO.haircutServiceId}`, DEMO_AUTH);
    expect(older.body).toBe(res.body);
    expect((await send('GET', `/services/${DEMO.locationId}/${theirs}`, DEMO_AUTH)).body).toBe(foreign.body);
    // Their own location answers them.
    expect((await send('GET', read(theirs), w.auth)).json().data.title).toBe('Theirs');
  });

  it('create_service: 201 with every field, numeric strings read exactly, staff linked', async () => {
    const { w, anna, boris, list } = await arrange();
    const res = await send('POST', list, w.auth, {
      title: ' Men’s haircut ',
      booking_title: 'Haircut (men)',
      category_id: '83167',
      price_min: '1300.10',
      price_max: 1400.5,
      discount: '12.5',
      duration: '2700',
      active: 0,
      api_id: 42,
      comment: 'Short',
      weight: 6,
      technical_break_duration: '600',
      staff: [{ id: String(boris), seance_length: '3600' }, { id: anna }],
      // Altegio's PATCH fields this server keeps no data for, and an unknown one: ignored.
      is_multi: false,
      tax_variant: 1,
      whatever: { nested: true },
    });
    expect(res.statusCode).toBe(201);
    const id = res.json().data.id as number;
    expect(res.json()).toEqual({
      success: true,
      data: {
        id,
        title: 'Men’s haircut',
        booking_title: 'Haircut (men)',
        category_id: 83167,
        price_min: 1300.1,
        price_max: 1400.5,
        discount: 12.5,
        duration: 2700,
        active: 0,
        api_id: '42',
        comment: 'Short',
        salon_service_id: id,
        technical_break_duration: 600,
        weight: 6,
        staff: [
          { id: anna, seance_length: 2700 },
          { id: boris, seance_length: 3600 },
        ],
      },
      meta: [],
    });
    const [row] = await storedServices(w.locationId);
    expect(row).toMatchObject({
      price_min_minor: 130010,
      price_max_minor: 140050,
      discount_hundredths: 1250,
    });
    expect(await storedLinks(id)).toEqual([
      { staff_id: anna, seance_length: 2700 },
      { staff_id: boris, seance_length: 3600 },
    ]);
  });

  it('create_service: only the title is required; the defaults', async () => {
    const { w, list, read } = await arrange();
    const bare = await send('POST', list, w.auth, { title: 'Bare' });
    expect(bare.statusCode).toBe(201);
    const id = bare.json().data.id as number;
    expect(bare.json().data).toEqual({
      id,
      title: 'Bare',
      booking_title: 'Bare',
      category_id: 0,
      price_min: 0,
      price_max: 0,
      discount: 0,
      duration: 3600,
      active: 1,
      api_id: '',
      comment: '',
      salon_service_id: id,
      technical_break_duration: null,
      weight: 0,
      staff: [],
    });
    // One price given: the other takes its value.
    const onlyMin = await send('POST', list, w.auth, { title: 'Min', price_min: 25 });
    expect(onlyMin.json().data).toMatchObject({ price_min: 25, price_max: 25 });
    const onlyMax = await send('POST', list, w.auth, { title: 'Max', price_max: '30' });
    expect(onlyMax.json().data).toMatchObject({ price_min: 30, price_max: 30 });
    expect((await send('GET', read(id), w.auth)).json().data).toEqual(bare.json().data);
  });

  it('get_service_list: category_id and staff_id filters; a deleted member leaves the lists', async () => {
    const { w, anna, boris, list } = await arrange();
    const cut = await ctx.factory.setup.createService(w.locationId, {
      title: 'Cut',
      category_id: 7,
      staff: [{ id: anna }],
    });
    const dye = await ctx.factory.setup.createService(w.locationId, {
      title: 'Dye',
      category_id: 8,
      staff: [{ id: anna }, { id: boris }],
    });
    const ids = async (query: string) =>
      (await send('GET', `${list}${query}`, w.auth)).json().data.map((s: { id: number }) => s.id);
    expect(await ids('')).toEqual([cut, dye]);
    expect(await ids('?category_id=8')).toEqual([dye]);
    expect(await ids(`?staff_id=${boris}`)).toEqual([dye]);
    expect(await ids(`?staff_id=${anna}&category_id=7`)).toEqual([cut]);
    expect(await ids('?staff_id=2147483000')).toEqual([]);
    const bad = await send('GET', `${list}?staff_id=0`, w.auth);
    expect(bad.statusCode).toBe(422);
    expect(bad.json().meta.errors).toHaveProperty('staff_id');

    expect((await send('DELETE', `/staff/${w.locationId}/${boris}`, w.auth)).statusCode).toBe(204);
    expect(await ids(`?staff_id=${boris}`)).toEqual([]);
    const after = (await send('GET', list, w.auth)).json().data;
    expect(after.find((s: { id: number }) => s.id === dye).staff).toEqual([
      { id: anna, seance_length: 3600 },
    ]);
  });

  for (const method of ['PUT', 'PATCH'] as const) {
    it(`${method}: only the fields sent change; a staff list sent replaces the stored one`, async () => {
      const { w, anna, boris, one } = await arrange();
      const id = await ctx.factory.setup.createService(w.locationId, {
        title: 'Before',
        price_min: 10,
        price_max: 20,
        comment: 'kept',
        staff: [{ id: anna, seance_length: 1800 }],
      });
      const res = await send(method, one(id), w.auth, { price_max: '25.75', duration: 1800 });
      expect(res.statusCode).toBe(200);
      expect(res.json().meta).toEqual([]);
      expect(res.json().data).toMatchObject({
        id,
        title: 'Before',
        price_min: 10,
        price_max: 25.75,
        duration: 1800,
        comment: 'kept',
        staff: [{ id: anna, seance_length: 1800 }],
      });
      const restaffed = await send(method, one(id), w.auth, { staff: [{ id: boris }] });
      expect(restaffed.json().data.staff).toEqual([{ id: boris, seance_length: 1800 }]);
      const cleared = await send(method, one(id), w.auth, { staff: [], technical_break_duration: null });
      expect(cleared.json().data).toMatchObject({ staff: [], technical_break_duration: null });
      // An empty body (or none) changes nothing.
      const before = (await send('GET', `/company/${w.locationId}/services/${id}`, w.auth)).body;
      const empty = await send(method, one(id), w.auth, {});
      expect(empty.statusCode).toBe(200);
      expect(JSON.stringify(empty.json())).toBe(before);
      expect((await send(method, one(id), w.auth)).statusCode).toBe(200);
    });
  }

  it('PATCH accepts the body Altegio documents (its 14 "required" fields and more)', async () => {
    const { w, anna, one } = await arrange();
    const id = await ctx.factory.setup.createService(w.locationId, { title: 'Altegio' });
    const res = await send('PATCH', one(id), w.auth, {
      title: 'Altegio patched',
      category_id: 3,
      price_min: 100,
      price_max: 150,
      duration: 3600,
      booking_title: 'Online name',
      is_multi: false,
      tax_variant: 0,
      vat_id: 0,
      is_need_limit_date: false,
      seance_search_start: 0,
      seance_search_finish: 86400,
      step: 900,
      seance_search_step: 900,
      date_from: '2024-01-01',
      staff: [{ id: anna, seance_length: 2700 }],
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toMatchObject({
      title: 'Altegio patched',
      booking_title: 'Online name',
      category_id: 3,
      price_min: 100,
      price_max: 150,
      staff: [{ id: anna, seance_length: 2700 }],
    });
  });

  it('price_min above price_max is 422 naming the field sent, on create and on change; nothing written', async () => {
    const { w, list, one } = await arrange();
    const created = await send('POST', list, w.auth, { title: 'X', price_min: 30, price_max: 20 });
    expect(created.statusCode).toBe(422);
    expect(created.json()).toEqual({
      success: false,
      data: null,
      meta: {
        message: 'price_max must not be below price_min.',
        errors: { price_max: ['price_max must not be below price_min.'] },
      },
    });
    const alone = await send('POST', list, w.auth, { title: 'X', price_min: 30, price_max: 29.99 });
    expect(alone.statusCode).toBe(422);
    expect(await storedServices(w.locationId)).toEqual([]);

    const id = await ctx.factory.setup.createService(w.locationId, {
      title: 'Y',
      price_min: 10,
      price_max: 20,
    });
    const raised = await send('PATCH', one(id), w.auth, { price_min: 25, title: 'Not saved' });
    expect(raised.statusCode).toBe(422);
    expect(raised.json().meta.errors).toEqual({ price_min: ['price_min must not exceed price_max.'] });
    const lowered = await send('PUT', one(id), w.auth, { price_max: 5 });
    expect(lowered.json().meta.errors).toHaveProperty('price_max');
    const [row] = await storedServices(w.locationId);
    expect(row).toMatchObject({ title: 'Y', price_min_minor: 1000, price_max_minor: 2000 });
    // Equal prices are fine.
    expect((await send('PATCH', one(id), w.auth, { price_min: 20 })).statusCode).toBe(200);
  });

  it('bad input: wrong type, missing, out of range — 422 naming each field, nothing written', async () => {
    const { w, list, one } = await arrange();
    const cases: [unknown, string[]][] = [
      [{}, ['title']],
      [{ title: '   ' }, ['title']],
      [{ title: 5 }, ['title']],
      [{ title: 'x'.repeat(256) }, ['title']],
      [{ title: 'X', price_min: 'cheap' }, ['price_min']],
      [{ title: 'X', price_min: -1 }, ['price_min']],
      [{ title: 'X', price_max: '1.234' }, ['price_max']],
      [{ title: 'X', price_max: 1e13 }, ['price_max']],
      [{ title: 'X', discount: 100.01 }, ['discount']],
      [{ title: 'X', discount: '101' }, ['discount']],
      [{ title: 'X', discount: true }, ['discount']],
      [{ title: 'X', duration: 86401 }, ['duration']],
      [{ title: 'X', duration: 1.5 }, ['duration']],
      [{ title: 'X', active: 2 }, ['active']],
      [{ title: 'X', category_id: -1 }, ['category_id']],
      [{ title: 'X', weight: 'heavy' }, ['weight']],
      [{ title: 'X', technical_break_duration: 301 }, ['technical_break_duration']],
      [{ title: 'X', technical_break_duration: 3900 }, ['technical_break_duration']],
      [{ title: 'X', staff: 'everyone' }, ['staff']],
      [{ title: 'X', staff: [{}] }, ['staff.0.id']],
      [{ title: 'X', staff: [{ id: 0 }] }, ['staff.0.id']],
      [{ title: 'X', staff: [{ id: 1, seance_length: -5 }] }, ['staff.0.seance_length']],
      [{ title: 'X', comment: ['no'] }, ['comment']],
      [{ title: 'X', price_min: 'a', discount: 500, active: '3' }, ['active', 'discount', 'price_min']],
    ];
    for (const [body, fields] of cases) {
      const res = await send('POST', list, w.auth, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
      expect(res.json().success).toBe(false);
      expect(Object.keys(res.json().meta.errors).sort(), JSON.stringify(body)).toEqual(fields);
    }
    expect(await storedServices(w.locationId)).toEqual([]);

    const id = await ctx.factory.setup.createService(w.locationId, { title: 'Kept', price_min: 5 });
    for (const [body, fields] of cases.slice(1)) {
      const res = await send('PATCH', one(id), w.auth, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
      expect(Object.keys(res.json().meta.errors).sort(), JSON.stringify(body)).toEqual(fields);
    }
    const [row] = await storedServices(w.locationId);
    expect(row).toMatchObject({ title: 'Kept', price_min_minor: 500, updated_at: row!.created_at });
  });

  it('staff ids: unknown, deleted, another location’s and another chain’s are refused alike; twice is 422', async () => {
    const { w, anna, boris, list, one } = await arrange();
    const other = await ctx.factory.world();
    const theirs = await ctx.factory.setup.createStaff(other.locationId, { name: 'Theirs' });
    const sameChain = await ctx.factory.setup.createLocation(w.chainId, 'Second location');
    const neighbour = await ctx.factory.setup.createStaff(sameChain, { name: 'Neighbour' });
    await send('DELETE', `/staff/${w.locationId}/${boris}`, w.auth);
    const answers: string[] = [];
    for (const staffId of [2147483000, theirs, neighbour, boris]) {
      const res = await send('POST', list, w.auth, { title: 'X', staff: [{ id: anna }, { id: staffId }] });
      expect(res.statusCode).toBe(422);
      answers.push(res.body.replace(String(staffId), '<id>'));
    }
    expect(new Set(answers).size).toBe(1);
    expect(JSON.parse(answers[0]!).meta.errors).toEqual({
      'staff.1.id': ['staff.1.id must be a team member of this location.'],
    });
    const twice = await send('POST', list, w.auth, {
      title: 'X',
      staff: [{ id: anna }, { id: String(anna) }],
    });
    expect(twice.json().meta.errors).toEqual({ 'staff.1.id': ['staff.1.id is listed twice.'] });
    expect(await storedServices(w.locationId)).toEqual([]);

    const id = await ctx.factory.setup.createService(w.locationId, {
      title: 'Linked',
      staff: [{ id: anna }],
    });
    const refused = await send('PUT', one(id), w.auth, { title: 'Changed', staff: [{ id: theirs }] });
    expect(refused.statusCode).toBe(422);
    expect(await storedLinks(id)).toEqual([{ staff_id: anna, seance_length: 3600 }]);
    expect((await storedServices(w.locationId))[0]!.title).toBe('Linked');
  });

  it('a location the caller may not use is 403 on every operation; a service of another location is 404', async () => {
    const { w } = await arrange();
    const theirs = await ctx.factory.setup.createService(w.locationId, { title: 'Theirs' });
    const calls: [string, string, unknown?][] = [
      ['GET', `/services/${w.locationId}`],
      ['POST', `/services/${w.locationId}`, { title: 'X' }],
      ['GET', `/company/${w.locationId}/services/${theirs}`],
      ['PUT', `/services/${w.locationId}/${theirs}`, { title: 'X' }],
      ['PATCH', `/services/${w.locationId}/${theirs}`, { title: 'X' }],
      ['DELETE', `/services/${w.locationId}/${theirs}`],
    ];
    for (const [method, path, body] of calls) {
      const res = await send(method, path, DEMO_AUTH, body);
      expect(res.statusCode, `${method} ${path}`).toBe(403);
      expect(res.json()).toEqual({ success: false, data: null, meta: { message: 'Access denied.' } });
      // Without a user token: 401 before anything else.
      expect((await send(method, path, w.partnerAuth, body)).statusCode).toBe(401);
    }
    for (const [method, path, body] of [
      ['PUT', `/services/${DEMO.locationId}/${theirs}`, { title: 'X' }],
      ['PATCH', `/services/${DEMO.locationId}/${theirs}`, { title: 'X' }],
      ['DELETE', `/services/${DEMO.locationId}/${theirs}`],
    ] as const) {
      expect((await send(method, path, DEMO_AUTH, body)).statusCode, `${method} ${path}`).toBe(404);
    }
    expect((await storedServices(w.locationId)).map((s) => [s.title, s.deleted_at])).toEqual([
      ['Theirs', null],
    ]);
  });

  it('delete_service: 204, a soft delete; afterwards every operation on it is 404', async () => {
    const { w, anna, list, one, read } = await arrange();
    const id = await ctx.factory.setup.createService(w.locationId, { title: 'Gone', staff: [{ id: anna }] });
    const res = await send('DELETE', one(id), w.auth);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect((await send('GET', list, w.auth)).json()).toEqual({ success: true, data: [], meta: { count: 0 } });
    for (const [method, path, body] of [
      ['GET', read(id)],
      ['PUT', one(id), { title: 'Back' }],
      ['PATCH', one(id), { title: 'Back' }],
      ['DELETE', one(id)],
    ] as const) {
      const gone = await send(method, path, w.auth, body);
      expect(gone.statusCode, `${method} ${path}`).toBe(404);
      expect(gone.json().meta.message).toBe('Service not found.');
    }
    const [row] = await storedServices(w.locationId);
    expect(row).toMatchObject({ id, title: 'Gone' });
    expect(row!.deleted_at).not.toBeNull();
  });

  it('Idempotency-Key: a create, a change and a delete replay their first answer and apply once', async () => {
    const { w, list, one } = await arrange();
    const body = { title: 'Once', price_min: 10 };
    const first = await send('POST', list, w.auth, body, `svc-create-${ctx.kind}`);
    expect(first.statusCode).toBe(201);
    const again = await send('POST', list, w.auth, body, `svc-create-${ctx.kind}`);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotency-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    expect(await storedServices(w.locationId)).toHaveLength(1);
    // The same key with another request is refused.
    const other = await send('POST', list, w.auth, { title: 'Other' }, `svc-create-${ctx.kind}`);
    expect(other.statusCode).toBe(422);

    const id = first.json().data.id as number;
    const patched = await send('PATCH', one(id), w.auth, { weight: 3 }, `svc-patch-${ctx.kind}`);
    await send('PATCH', one(id), w.auth, { weight: 4 });
    const replayed = await send('PATCH', one(id), w.auth, { weight: 3 }, `svc-patch-${ctx.kind}`);
    expect(replayed.headers['idempotency-replayed']).toBe('true');
    expect(replayed.body).toBe(patched.body);
    expect((await storedServices(w.locationId))[0]!.weight).toBe(4);

    const removed = await send('DELETE', one(id), w.auth, undefined, `svc-delete-${ctx.kind}`);
    const removedAgain = await send('DELETE', one(id), w.auth, undefined, `svc-delete-${ctx.kind}`);
    expect([removed.statusCode, removedAgain.statusCode]).toEqual([204, 204]);
    expect(removedAgain.headers['idempotency-replayed']).toBe('true');
  });
});
