import { expect, it } from 'vitest';
import { DEMO, DEMO_AUTH, describeEachDialect, type TestContext } from '../helpers/app.js';

/** The demo's team member (SPEC §6.7) as the object operations answer it. */
const DEMO_MASTER = {
  id: DEMO.staffId,
  api_id: null,
  name: 'Demo master',
  specialization: '',
  information: '',
  company_id: DEMO.locationId,
  position_id: 0,
  position: [],
  user_id: null,
  avatar: '',
  avatar_big: '',
  image_group: [],
  fired: 0,
  hidden: 0,
  status: 0,
  bookable: true,
  has_access_timetable: true,
  is_paid_staff: false,
  is_included_in_payment_policy: false,
  weight: 0,
  rating: 0,
  votes_count: 0,
  comments_count: 0,
  show_rating: 0,
};

describeEachDialect('team members (V2)', (ctx: TestContext) => {
  const send = (method: string, path: string, auth: string, payload?: unknown, key?: string) =>
    ctx.request({
      method: method as never,
      url: `/api/v1${path}`,
      headers: { authorization: auth, ...(key ? { 'idempotency-key': key } : {}) },
      ...(payload === undefined ? {} : { payload: payload as never }),
    });

  const storedStaff = (locationId: number) =>
    ctx.database.db
      .selectFrom('staff')
      .selectAll()
      .where('location_id', '=', locationId)
      .orderBy('id')
      .execute();

  it('get_team_member_list, get_team_member, get_team_member_by_id: the demo master, exact wire shapes', async () => {
    const list = await send('GET', `/staff/${DEMO.locationId}`, DEMO_AUTH);
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual({ success: true, data: [DEMO_MASTER], meta: { count: 1 } });

    const one = await send('GET', `/company/${DEMO.locationId}/staff/${DEMO.staffId}`, DEMO_AUTH);
    expect(one.json()).toEqual({ success: true, data: DEMO_MASTER, meta: [] });

    const byId = await send('GET', `/staff/${DEMO.locationId}/${DEMO.staffId}`, DEMO_AUTH);
    expect(byId.json()).toEqual({
      success: true,
      data: [
        {
          id: DEMO.staffId,
          api_id: null,
          name: 'Demo master',
          specialization: '',
          information: '',
          position: [],
          user_id: null,
          avatar: '',
          avatar_big: '',
          image_group: [],
          fired: '0',
          hidden: '0',
          status: '0',
          weight: '0',
          rating: 0,
          votes_count: 0,
          comments_count: 0,
          show_rating: 0,
        },
      ],
      meta: { count: 1 },
    });
  });

  it('create_team_member_quick: 201; name and specialization required, the rest optional and checked', async () => {
    const w = await ctx.factory.world();
    const quick = `/company/${w.locationId}/staff/quick`;
    const res = await send('POST', quick, w.auth, {
      name: ' Quick Anna ',
      specialization: 'Stylist',
      position_id: null,
      phone_number: '+1 (315) 555-0190',
      user_email: 'anna@example.com',
      user_phone: 13155550191,
      is_user_invite: true,
      is_paid_staff: true,
      unknown_field: 'ignored',
    });
    expect(res.statusCode).toBe(201);
    const id = res.json().data.id as number;
    expect(res.json()).toEqual({
      success: true,
      data: {
        ...DEMO_MASTER,
        id,
        name: 'Quick Anna',
        specialization: 'Stylist',
        company_id: w.locationId,
        is_paid_staff: true,
      },
      meta: [],
    });
    const [row] = await storedStaff(w.locationId);
    expect(row).toMatchObject({
      phone_number: '13155550190',
      user_phone: '13155550191',
      user_email: 'anna@example.com',
      is_paid_staff: 1,
      position_id: null,
    });

    const minimal = await send('POST', quick, w.auth, { name: 'Min', specialization: '', position_id: 0 });
    expect(minimal.statusCode).toBe(201);
    expect(minimal.json().data).toMatchObject({ name: 'Min', specialization: '', is_paid_staff: false });

    const cases: [unknown, string[]][] = [
      [{}, ['name', 'specialization']],
      [{ name: 'X' }, ['specialization']],
      [{ specialization: 'X' }, ['name']],
      [{ name: '  ', specialization: 'X' }, ['name']],
      [{ name: 'X', specialization: 5 }, ['specialization']],
      [{ name: 'X', specialization: '', position_id: 3 }, ['position_id']],
      [{ name: 'X', specialization: '', position_id: 'first' }, ['position_id']],
      [{ name: 'X', specialization: '', phone_number: '123' }, ['phone_number']],
      [{ name: 'X', specialization: '', user_phone: 'call me' }, ['user_phone']],
      [{ name: 'X', specialization: '', user_email: 'not an email' }, ['user_email']],
      [{ name: 'X', specialization: '', is_paid_staff: 'yes' }, ['is_paid_staff']],
    ];
    for (const [body, fields] of cases) {
      const refused = await send('POST', quick, w.auth, body);
      expect(refused.statusCode, JSON.stringify(body)).toBe(422);
      expect(Object.keys(refused.json().meta.errors).sort(), JSON.stringify(body)).toEqual(fields);
    }
    expect(await storedStaff(w.locationId)).toHaveLength(2);
  });

  it('deprecated_create_team_member: 201 with every field; name required; user_id must be a user granted here', async () => {
    const w = await ctx.factory.world();
    const res = await send('POST', `/staff/${w.locationId}`, w.auth, {
      name: 'Vasily',
      specialization: 'Hairdresser',
      weight: '10',
      information: '<p>Three hands</p>',
      api_id: '42',
      hidden: 1,
      fired: '0',
      user_id: String(w.user.id),
      is_paid_staff: true,
      is_included_in_payment_policy: true,
      has_access_timetable: false,
    });
    expect(res.statusCode).toBe(201);
    const id = res.json().data.id as number;
    expect(res.json().data).toEqual({
      ...DEMO_MASTER,
      id,
      api_id: '42',
      name: 'Vasily',
      specialization: 'Hairdresser',
      information: '<p>Three hands</p>',
      company_id: w.locationId,
      user_id: w.user.id,
      hidden: 1,
      bookable: false,
      has_access_timetable: false,
      is_paid_staff: true,
      is_included_in_payment_policy: true,
      weight: 10,
    });

    const other = await ctx.factory.world();
    const answers: string[] = [];
    for (const userId of [other.user.id, 2147483000]) {
      const refused = await send('POST', `/staff/${w.locationId}`, w.auth, { name: 'X', user_id: userId });
      expect(refused.statusCode).toBe(422);
      answers.push(refused.body.replace(String(userId), '<id>'));
    }
    expect(answers[0]).toBe(answers[1]);
    expect(JSON.parse(answers[0]!).meta.errors).toEqual({
      user_id: ['user_id must be a user granted this location, or 0.'],
    });
    for (const [body, fields] of [
      [{}, ['name']],
      [{ specialization: 'X' }, ['name']],
      [{ name: 'X', fired: 2 }, ['fired']],
      [{ name: 'X', hidden: -1 }, ['hidden']],
      [{ name: 'X', weight: 1.5 }, ['weight']],
      [{ name: 'X', api_id: { id: 1 } }, ['api_id']],
      [{ name: 'X', has_access_timetable: 1 }, ['has_access_timetable']],
      [{ name: 'X', information: 'x'.repeat(20001) }, ['information']],
    ] as [unknown, string[]][]) {
      const refused = await send('POST', `/staff/${w.locationId}`, w.auth, body);
      expect(refused.statusCode, JSON.stringify(body)).toBe(422);
      expect(Object.keys(refused.json().meta.errors).sort(), JSON.stringify(body)).toEqual(fields);
    }
    expect(await storedStaff(w.locationId)).toHaveLength(1);
  });

  it('update_team_member: only the fields sent change; user_id 0 unlinks; bad input changes nothing', async () => {
    const w = await ctx.factory.world();
    const id = await ctx.factory.setup.createStaff(w.locationId, {
      name: 'Before',
      specialization: 'Colorist',
      user_id: w.user.id,
    });
    const path = `/staff/${w.locationId}/${id}`;
    const res = await send('PUT', path, w.auth, { fired: 1, weight: 3 });
    expect(res.statusCode).toBe(200);
    expect(res.json().meta).toEqual([]);
    expect(res.json().data).toMatchObject({
      id,
      name: 'Before',
      specialization: 'Colorist',
      user_id: w.user.id,
      fired: 1,
      bookable: false,
      weight: 3,
    });
    const unlinked = await send('PUT', path, w.auth, { user_id: 0, name: 'After' });
    expect(unlinked.json().data).toMatchObject({ name: 'After', user_id: null, fired: 1 });
    const empty = await send('PUT', path, w.auth);
    expect(empty.statusCode).toBe(200);
    expect(empty.json().data).toEqual(unlinked.json().data);

    const before = await storedStaff(w.locationId);
    for (const body of [{ name: '' }, { fired: 'yes' }, { name: 'Z', user_id: 2147483000 }]) {
      expect((await send('PUT', path, w.auth, body)).statusCode, JSON.stringify(body)).toBe(422);
    }
    expect(await storedStaff(w.locationId)).toEqual(before);
  });

  it('a location the caller may not use is 403; another location’s member, a deleted one and a missing id are 404', async () => {
    const w = await ctx.factory.world();
    const theirs = await ctx.factory.setup.createStaff(w.locationId, { name: 'Theirs' });
    const calls: [string, string, unknown?][] = [
      ['GET', `/staff/${w.locationId}`],
      ['GET', `/company/${w.locationId}/staff/${theirs}`],
      ['GET', `/staff/${w.locationId}/${theirs}`],
      ['POST', `/company/${w.locationId}/staff/quick`, { name: 'X', specialization: '' }],
      ['POST', `/staff/${w.locationId}`, { name: 'X' }],
      ['PUT', `/staff/${w.locationId}/${theirs}`, { name: 'X' }],
      ['DELETE', `/staff/${w.locationId}/${theirs}`],
    ];
    for (const [method, path, body] of calls) {
      const res = await send(method, path, DEMO_AUTH, body);
      expect(res.statusCode, `${method} ${path}`).toBe(403);
      expect(res.json().meta).toEqual({ message: 'Access denied.' });
    }
    const notHere: [string, string, unknown?][] = [
      ['GET', `/company/${DEMO.locationId}/staff/%ID%`],
      ['GET', `/staff/${DEMO.locationId}/%ID%`],
      ['PUT', `/staff/${DEMO.locationId}/%ID%`, { name: 'X' }],
      ['DELETE', `/staff/${DEMO.locationId}/%ID%`],
    ];
    for (const [method, template, body] of notHere) {
      const foreign = await send(method, template.replace('%ID%', String(theirs)), DEMO_AUTH, body);
      const missing = await send(method, template.replace('%ID%', '2147483000'), DEMO_AUTH, body);
      expect(foreign.statusCode, `${method} ${template}`).toBe(404);
      expect(foreign.json().meta).toEqual({ message: 'Team member not found.' });
      expect(missing.body).toBe(foreign.body);
    }
    expect((await storedStaff(w.locationId)).map((m) => [m.name, m.deleted_at])).toEqual([['Theirs', null]]);
  });

  it('delete_team_member: 204, a soft delete; it leaves the lists and services, and is 404 from then on', async () => {
    const w = await ctx.factory.world();
    const id = await ctx.factory.setup.createStaff(w.locationId, { name: 'Leaving' });
    const service = await ctx.factory.setup.createService(w.locationId, { title: 'Cut', staff: [{ id }] });
    const res = await send('DELETE', `/staff/${w.locationId}/${id}`, w.auth);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect((await send('GET', `/staff/${w.locationId}`, w.auth)).json().data).toEqual([]);
    for (const [method, path, body] of [
      ['GET', `/company/${w.locationId}/staff/${id}`],
      ['GET', `/staff/${w.locationId}/${id}`],
      ['PUT', `/staff/${w.locationId}/${id}`, { name: 'Back' }],
      ['DELETE', `/staff/${w.locationId}/${id}`],
    ] as const) {
      expect((await send(method, path, w.auth, body)).statusCode, `${method} ${path}`).toBe(404);
    }
    const read = await send('GET', `/company/${w.locationId}/services/${service}`, w.auth);
    expect(read.json().data.staff).toEqual([]);
    const [row] = await storedStaff(w.locationId);
    expect(row!.deleted_at).not.toBeNull();
  });

  it('Idempotency-Key: the quick create and a change replay their first answer and apply once', async () => {
    const w = await ctx.factory.world();
    const body = { name: 'Once', specialization: '' };
    const path = `/company/${w.locationId}/staff/quick`;
    const first = await send('POST', path, w.auth, body, `staff-quick-${ctx.kind}`);
    const again = await send('POST', path, w.auth, body, `staff-quick-${ctx.kind}`);
    expect([first.statusCode, again.statusCode]).toEqual([201, 201]);
    expect(again.headers['idempotency-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    expect(await storedStaff(w.locationId)).toHaveLength(1);

    const id = first.json().data.id as number;
    const changed = await send(
      'PUT',
      `/staff/${w.locationId}/${id}`,
      w.auth,
      { weight: 1 },
      `staff-put-${ctx.kind}`,
    );
    const replayed = await send(
      'PUT',
      `/staff/${w.locationId}/${id}`,
      w.auth,
      { weight: 1 },
      `staff-put-${ctx.kind}`,
    );
    expect(replayed.headers['idempotency-replayed']).toBe('true');
    expect(replayed.body).toBe(changed.body);
  });
});
