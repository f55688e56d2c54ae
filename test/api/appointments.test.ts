import { expect, it } from 'vitest';
import { DEMO_AUTH, DEMO, describeEachDialect, type TestContext } from '../helpers/app.js';
import { uniquePhone } from '../helpers/factory.js';
import {
  appointmentBody,
  cardFigures,
  createAppointment,
  expectLedgerConsistent,
  insertService,
  insertStaff,
  updateVisit,
  visitWorld,
  withdrawFromCard,
  type VisitWorld,
} from '../helpers/visits.js';

const STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000$/;
const WALL = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

/** Rows of every table an appointment write touches: a refused request must leave them all as they were. */
async function rowCounts(ctx: TestContext) {
  const counts: Record<string, number> = {};
  for (const table of [
    'visits',
    'records',
    'record_services',
    'documents',
    'payments',
    'transactions',
    'clients',
  ] as const) {
    const row = await ctx.database.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}

function create(ctx: TestContext, w: VisitWorld, body: unknown, auth = w.auth) {
  return ctx.api('POST', `/records/${w.locationId}`, auth, body);
}

describeEachDialect('appointments: create (V4)', (ctx) => {
  it('answers 201 with one appointment object carrying its visit and visit document; the client is the phone’s', async () => {
    const w = await visitWorld(ctx);
    const before = await rowCounts(ctx);
    const res = await create(
      ctx,
      w,
      appointmentBody(w, {
        services: [{ id: w.haircut }, { id: w.coloring, amount: 2, discount: 12.5 }],
        comment: 'first visit',
        api_id: 42,
        record_labels: ['7', 8],
        custom_fields: { color: 'red' },
        sms_remain_hours: 2,
        technical_break_duration: 300,
        save_if_busy: true,
        send_sms: 1,
        custom_color: 'f44336',
        unknown_field: 'ignored',
      }),
    );
    expect(res.statusCode, res.body).toBe(201);
    const { success, data, meta } = res.json();
    expect(success).toBe(true);
    expect(meta).toEqual([]);
    const client = await ctx.database.db
      .selectFrom('clients')
      .select(['id', 'name'])
      .where('location_id', '=', w.locationId)
      .where('phone', '=', w.clientPhone)
      .executeTakeFirstOrThrow();
    expect(data).toEqual({
      id: expect.any(Number),
      company_id: w.locationId,
      staff_id: w.staffId,
      services: [
        {
          id: w.haircut,
          title: 'Haircut',
          cost: 1500,
          cost_per_unit: 1500,
          manual_cost: 1500,
          first_cost: 1500,
          discount: 0,
          amount: 1,
        },
        // 8000 at 12.5 %: 7000.
        {
          id: w.coloring,
          title: 'Coloring',
          cost: 7000,
          cost_per_unit: 4000,
          manual_cost: 7000,
          first_cost: 8000,
          discount: 12.5,
          amount: 2,
        },
      ],
      goods_transactions: [],
      staff: {
        id: w.staffId,
        name: 'Demo master',
        specialization: 'Stylist',
        position: [],
        avatar: '',
        avatar_big: '',
      },
      client: { id: client.id, name: client.name, phone: `+${w.clientPhone}`, email: '', card: '' },
      clients_count: 1,
      date: '2024-03-01 10:00:00',
      datetime: '2024-03-01T10:00:00+03:00',
      create_date: expect.stringMatching(STAMP),
      comment: 'first visit',
      online: false,
      visit_attendance: 0,
      attendance: 0,
      confirmed: 0,
      seance_length: 3600,
      length: 3600,
      technical_break_duration: 300,
      sms_remain_hours: 2,
      email_remain_hours: null,
      api_id: '42',
      custom_color: 'f44336',
      record_labels: ['7', '8'],
      custom_fields: { color: 'red' },
      visit_id: expect.any(Number),
      created_user_id: w.user.id,
      deleted: false,
      paid_full: 0,
      payment_status: 0,
      prepaid: false,
      prepaid_confirmed: false,
      last_change_date: expect.stringMatching(STAMP),
      activity_id: 0,
      documents: [
        {
          id: expect.any(Number),
          type_id: 7,
          type_title: 'Visit',
          visit_id: data.visit_id,
          record_id: data.id,
          number: data.documents[0].id,
          storage_id: 0,
          user_id: w.user.id,
          company_id: w.locationId,
          comment: '',
          date_created: expect.stringMatching(WALL),
          category_id: 0,
        },
      ],
    });
    // One visit, one record, two lines, one document; the card holder's client, not a new one.
    expect(await rowCounts(ctx)).toEqual({
      ...before,
      visits: before.visits! + 1,
      records: before.records! + 1,
      record_services: before.record_services! + 2,
      documents: before.documents! + 1,
    });
    const visit = await ctx.database.db
      .selectFrom('visits')
      .selectAll()
      .where('id', '=', data.visit_id)
      .executeTakeFirstOrThrow();
    expect(visit).toMatchObject({
      location_id: w.locationId,
      chain_id: w.chainId,
      client_id: client.id,
      state: 'open',
      attendance: 0,
      closes: 0,
    });
    const read = await ctx.api('GET', `/record/${w.locationId}/${data.id}`, w.auth);
    expect(read.statusCode).toBe(200);
    expect(read.json().data).toEqual(data);
  });

  it('keeps no schedule: two appointments of one team member at the same time are both created', async () => {
    const w = await visitWorld(ctx);
    const first = await createAppointment(ctx, w, { save_if_busy: false });
    const second = await createAppointment(ctx, w, { save_if_busy: false, client: { phone: uniquePhone() } });
    expect(second.datetime).toBe(first.datetime);
    expect(second.visit_id).not.toBe(first.visit_id);
  });

  it('creates the client of a phone new at the location, with the name and email given', async () => {
    const w = await visitWorld(ctx);
    const phone = uniquePhone();
    const data = await createAppointment(ctx, w, {
      client: { phone: `+${phone}`, name: 'New client', email: 'new@example.com' },
    });
    expect(data.client).toEqual({
      id: expect.any(Number),
      name: 'New client',
      phone: `+${phone}`,
      email: 'new@example.com',
      card: '',
    });
    // The same phone again finds that client; a name sent then does not rename it.
    const again = await createAppointment(ctx, w, { client: { phone, name: 'Another name' } });
    expect(again.client).toEqual(data.client);
  });

  it('computes the missing line fields and accepts a cost that matches; a cost that does not is 422', async () => {
    const w = await visitWorld(ctx);
    const data = await createAppointment(ctx, w, {
      services: [
        { id: w.haircut, first_cost: '1999.99', discount: '12.5', cost: 1749.99 },
        { id: w.coloring, amount: '3', discount: 0.01 },
      ],
    });
    expect(data.services).toMatchObject([
      { first_cost: 1999.99, discount: 12.5, cost: 1749.99, amount: 1 },
      // 12000 at 0.01 %: 11998.80.
      { first_cost: 12000, discount: 0.01, cost: 11998.8, amount: 3, cost_per_unit: 4000 },
    ]);
    const before = await rowCounts(ctx);
    const res = await create(
      ctx,
      w,
      appointmentBody(w, { services: [{ id: w.haircut }, { id: w.coloring, discount: 50, cost: 1999.99 }] }),
    );
    expect(res.statusCode).toBe(422);
    expect(res.json()).toEqual({
      success: false,
      data: null,
      meta: {
        message: expect.stringContaining('services.1.cost must equal'),
        errors: { 'services.1.cost': [expect.stringContaining('2000')] },
      },
    });
    expect(await rowCounts(ctx)).toEqual(before);
  });

  it('refuses every bad field with 422 naming it, and writes nothing', async () => {
    const w = await visitWorld(ctx);
    const other = await visitWorld(ctx);
    const removedService = await insertService(ctx.database, w.locationId, 'Gone', 100);
    await ctx.database.db
      .updateTable('services')
      .set({ deleted_at: new Date().toISOString() })
      .where('id', '=', removedService)
      .execute();
    const cases: [string, Record<string, unknown>, string][] = [
      ['staff_id missing', { staff_id: undefined }, 'staff_id'],
      ['staff_id not an id', { staff_id: 'abc' }, 'staff_id'],
      ['staff_id unknown', { staff_id: 999_999 }, 'staff_id'],
      ["staff_id another location's", { staff_id: other.staffId }, 'staff_id'],
      ['services missing', { services: undefined }, 'services'],
      ['services empty', { services: [] }, 'services'],
      ['services not a list', { services: { id: w.haircut } }, 'services'],
      ['services.0.id unknown', { services: [{ id: 999_999 }] }, 'services.0.id'],
      ["services.0.id another location's", { services: [{ id: other.haircut }] }, 'services.0.id'],
      ['services.0.id deleted', { services: [{ id: removedService }] }, 'services.0.id'],
      [
        'services.1.amount 0',
        { services: [{ id: w.haircut }, { id: w.haircut, amount: 0 }] },
        'services.1.amount',
      ],
      ['services.0.amount fraction', { services: [{ id: w.haircut, amount: 1.5 }] }, 'services.0.amount'],
      [
        'services.0.discount over 100',
        { services: [{ id: w.haircut, discount: 100.01 }] },
        'services.0.discount',
      ],
      [
        'services.0.discount negative',
        { services: [{ id: w.haircut, discount: -1 }] },
        'services.0.discount',
      ],
      [
        'services.0.first_cost negative',
        { services: [{ id: w.haircut, first_cost: -1 }] },
        'services.0.first_cost',
      ],
      [
        'services.0.first_cost 3 decimals',
        { services: [{ id: w.haircut, first_cost: '1.234' }] },
        'services.0.first_cost',
      ],
      ['services.0.cost boolean', { services: [{ id: w.haircut, cost: true }] }, 'services.0.cost'],
      ['client missing', { client: undefined }, 'client'],
      ['client.phone missing', { client: { name: 'x' } }, 'client.phone'],
      ['client.phone too short', { client: { phone: '12345' } }, 'client.phone'],
      ['datetime missing', { datetime: undefined }, 'datetime'],
      ['datetime without offset', { datetime: '2024-03-01T10:00:00' }, 'datetime'],
      ['datetime impossible', { datetime: '2024-02-30T10:00:00+03:00' }, 'datetime'],
      ['datetime 25 o’clock', { datetime: '2024-03-01T25:00:00Z' }, 'datetime'],
      ['seance_length missing', { seance_length: undefined }, 'seance_length'],
      ['seance_length negative', { seance_length: -1 }, 'seance_length'],
      ['seance_length over a day', { seance_length: 86_401 }, 'seance_length'],
      ['attendance 3', { attendance: 3 }, 'attendance'],
      ['attendance text', { attendance: 'arrived' }, 'attendance'],
      [
        'technical_break_duration not a step of 300',
        { technical_break_duration: 301 },
        'technical_break_duration',
      ],
      ['activity_id of a group event', { activity_id: 5 }, 'activity_id'],
      ['comment not a string', { comment: 5 }, 'comment'],
      ['custom_fields not an object', { custom_fields: [1] }, 'custom_fields'],
    ];
    const before = await rowCounts(ctx);
    for (const [label, changes, field] of cases) {
      const body = appointmentBody(w, changes);
      for (const [k, v] of Object.entries(changes))
        if (v === undefined) delete (body as Record<string, unknown>)[k];
      const res = await create(ctx, w, body);
      expect(res.statusCode, label).toBe(422);
      expect(Object.keys(res.json().meta.errors ?? {}), label).toContain(field);
    }
    // An id of another location's team member or service is answered exactly like a missing one.
    const unknown = await create(ctx, w, appointmentBody(w, { staff_id: 999_999 }));
    const foreign = await create(ctx, w, appointmentBody(w, { staff_id: other.staffId }));
    expect(foreign.body.replace(String(other.staffId), '<id>')).toBe(unknown.body.replace('999999', '<id>'));
    expect(await rowCounts(ctx)).toEqual(before);
  });

  it('403 at a location the caller may not act on; 401 without the user token', async () => {
    const w = await visitWorld(ctx);
    const other = await visitWorld(ctx);
    const before = await rowCounts(ctx);
    const foreign = await ctx.api('POST', `/records/${other.locationId}`, w.auth, appointmentBody(other));
    expect(foreign.statusCode).toBe(403);
    const missing = await ctx.api('POST', `/records/2000000000`, w.auth, appointmentBody(w));
    expect(missing.statusCode).toBe(403);
    expect(foreign.body).toBe(missing.body);
    // The demo user is not granted the other demo chain's location (its partner is connected to it).
    expect(
      (await ctx.api('POST', `/records/${DEMO.otherLocationId}`, DEMO_AUTH, appointmentBody(w))).statusCode,
    ).toBe(403);
    expect((await create(ctx, w, appointmentBody(w), w.partnerAuth)).statusCode).toBe(401);
    expect(await rowCounts(ctx)).toEqual(before);
  });

  it('an appointment created arrived with nothing due closes its visit at once, and counts the visit', async () => {
    const w = await visitWorld(ctx);
    const consultation = await insertService(ctx.database, w.locationId, 'Free consultation', 0);
    const data = await createAppointment(ctx, w, { services: [{ id: consultation }], attendance: 1 });
    expect(data).toMatchObject({ attendance: 1, paid_full: 1, payment_status: 2 });
    const visit = (await ctx.api('GET', `/visits/${data.visit_id}`, w.auth)).json().data;
    expect(visit).toMatchObject({ state: 'closed', amount_due: 0, paid_amount: 0, sold_amount: 0 });
    expect(await cardFigures(ctx, w)).toEqual({
      balance: 0,
      paid_amount: 0,
      sold_amount: 0,
      visits_count: 1,
    });
    await expectLedgerConsistent(ctx);
  });
});

describeEachDialect('appointments: list, read (V5)', (ctx) => {
  it('lists by start time with the filters Altegio has, paged, meta.count before paging', async () => {
    const w = await visitWorld(ctx);
    const otherStaff = await insertStaff(ctx.database, w.locationId, 'Second master');
    // 23:30 at −05:00 is the next day in UTC: the appointment's own day is 2024-03-01.
    const late = await createAppointment(ctx, w, { datetime: '2024-03-01T23:30:00-05:00' });
    const early = await createAppointment(ctx, w, {
      datetime: '2024-03-01T08:00:00+03:00',
      staff_id: otherStaff,
    });
    const nextDay = await createAppointment(ctx, w, {
      datetime: '2024-03-02 09:00:00+0300',
      client: { phone: uniquePhone() },
    });
    const list = async (query: string) => {
      const res = await ctx.api('GET', `/records/${w.locationId}${query}`, w.auth);
      expect(res.statusCode, `${query}: ${res.body}`).toBe(200);
      return res.json();
    };
    const all = await list('');
    expect(all.meta).toEqual({ count: 3 });
    expect(all.data.map((a: { id: number }) => a.id)).toEqual([early.id, late.id, nextDay.id]);
    expect(nextDay.date).toBe('2024-03-02 09:00:00');
    const ids = async (query: string) => (await list(query)).data.map((a: { id: number }) => a.id);
    expect(await ids('?start_date=2024-03-01&end_date=2024-03-01')).toEqual([early.id, late.id]);
    expect(await ids('?start_date=2024-03-02')).toEqual([nextDay.id]);
    expect(await ids(`?staff_id=${otherStaff}`)).toEqual([early.id]);
    expect(await ids(`?client_id=${(nextDay.client as { id: number }).id}`)).toEqual([nextDay.id]);
    expect(await ids(`?created_user_id=${w.user.id}`)).toHaveLength(3);
    const today = new Date().toISOString().slice(0, 10);
    expect(await ids(`?c_start_date=${today}&c_end_date=${today}`)).toHaveLength(3);
    expect(await ids('?c_end_date=2020-01-01')).toEqual([]);
    expect(await ids('?changed_after=2020-01-01T00:00:00')).toHaveLength(3);
    expect(await ids('?changed_before=2020-01-01T00:00:00%2B03:00')).toEqual([]);
    const page = await list('?count=2&page=2');
    expect(page.meta).toEqual({ count: 3 });
    expect(page.data.map((a: { id: number }) => a.id)).toEqual([nextDay.id]);
    for (const query of [
      '?start_date=2024-02-30',
      '?end_date=01.03.2024',
      '?count=0',
      '?count=1001',
      '?staff_id=x',
    ]) {
      const res = await ctx.api('GET', `/records/${w.locationId}${query}`, w.auth);
      expect(res.statusCode, query).toBe(422);
      expect(Object.keys(res.json().meta.errors), query).toEqual([query.slice(1).split('=')[0]]);
    }
  });

  it('reads one appointment; another location’s and a missing one are 404 alike', async () => {
    const w = await visitWorld(ctx);
    const other = await visitWorld(ctx);
    const theirs = await createAppointment(ctx, other);
    const foreign = await ctx.api('GET', `/record/${w.locationId}/${theirs.id}`, w.auth);
    const missing = await ctx.api('GET', `/record/${w.locationId}/2000000000`, w.auth);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.body).toBe(missing.body);
    expect((await ctx.api('GET', `/record/${other.locationId}/${theirs.id}`, w.auth)).statusCode).toBe(403);
  });
});

describeEachDialect('appointments: replace and delete (V5)', (ctx) => {
  it('replaces with 201; optional fields not sent keep their values; required ones are required', async () => {
    const w = await visitWorld(ctx);
    const made = await createAppointment(ctx, w, { comment: 'keep me', api_id: 'ext-1' });
    const res = await ctx.api(
      'PUT',
      `/record/${w.locationId}/${made.id}`,
      w.auth,
      appointmentBody(w, {
        services: [{ id: w.coloring }],
        datetime: '2024-03-05T12:00:00Z',
        seance_length: 7200,
      }),
    );
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().data).toMatchObject({
      id: made.id,
      visit_id: made.visit_id,
      services: [{ id: w.coloring, cost: 4000 }],
      datetime: '2024-03-05T12:00:00Z',
      date: '2024-03-05 12:00:00',
      seance_length: 7200,
      comment: 'keep me',
      api_id: 'ext-1',
      documents: made.documents,
    });
    for (const field of ['staff_id', 'services', 'client', 'datetime', 'seance_length']) {
      const body: Record<string, unknown> = appointmentBody(w);
      delete body[field];
      const refused = await ctx.api('PUT', `/record/${w.locationId}/${made.id}`, w.auth, body);
      expect(refused.statusCode, field).toBe(422);
      expect(Object.keys(refused.json().meta.errors), field).toEqual([field]);
    }
  });

  it('refuses to replace a closed visit, a cost below what is paid, and services while loyalty rows exist', async () => {
    const w = await visitWorld(ctx);
    const made = await createAppointment(ctx, w, { services: [{ id: w.coloring }] });
    const paid = await updateVisit(ctx, w, made, {
      attendance: 0,
      new_transactions: [{ amount: 2000, account_id: w.accounts.cash }],
    });
    expect(paid.statusCode, paid.body).toBe(200);
    const cheaper = await ctx.api('PUT', `/record/${w.locationId}/${made.id}`, w.auth, appointmentBody(w));
    expect(cheaper.statusCode).toBe(422);
    expect(cheaper.json().meta.errors).toEqual({ services: [expect.stringContaining('already been paid')] });

    // A card withdrawal (V9, issue 22) is a loyalty row of the visit: the services are frozen while it lives.
    const other = await createAppointment(ctx, w);
    await withdrawFromCard(ctx, w, other, 10_00);
    const frozen = await ctx.api(
      'PUT',
      `/record/${w.locationId}/${other.id}`,
      w.auth,
      appointmentBody(w, { services: [{ id: w.coloring }] }),
    );
    expect(frozen.statusCode).toBe(422);
    expect(frozen.json().meta.errors).toEqual({
      services: [expect.stringContaining('loyalty transactions')],
    });
    // The same services and client: allowed.
    const same = await ctx.api(
      'PUT',
      `/record/${w.locationId}/${other.id}`,
      w.auth,
      appointmentBody(w, { comment: 'x' }),
    );
    expect(same.statusCode, same.body).toBe(201);

    const closed = await createAppointment(ctx, w);
    expect((await updateVisit(ctx, w, closed, { attendance: 1, fast_payment: 1 })).json().data.state).toBe(
      'closed',
    );
    const refused = await ctx.api('PUT', `/record/${w.locationId}/${closed.id}`, w.auth, appointmentBody(w));
    expect(refused.statusCode).toBe(422);
    expect(refused.json().meta.message).toBe('The visit is closed: set attendance away from 1 to reopen it.');
    await expectLedgerConsistent(ctx);
  });

  it('deletes with 204 (then 404, listed only with with_deleted=1); refuses a paid, a loyalty or a closed visit', async () => {
    const w = await visitWorld(ctx);
    const made = await createAppointment(ctx, w);
    const res = await ctx.api('DELETE', `/record/${w.locationId}/${made.id}`, w.auth);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect((await ctx.api('GET', `/record/${w.locationId}/${made.id}`, w.auth)).statusCode).toBe(404);
    expect((await ctx.api('GET', `/visits/${made.visit_id}`, w.auth)).statusCode).toBe(404);
    expect((await ctx.api('GET', `/records/${w.locationId}`, w.auth)).json().meta.count).toBe(0);
    const withDeleted = (await ctx.api('GET', `/records/${w.locationId}?with_deleted=1`, w.auth)).json();
    expect(withDeleted.data).toMatchObject([{ id: made.id, deleted: true }]);
    expect((await ctx.api('DELETE', `/record/${w.locationId}/${made.id}`, w.auth)).statusCode).toBe(404);

    const paid = await createAppointment(ctx, w);
    await updateVisit(ctx, w, paid, {
      attendance: 0,
      new_transactions: [{ amount: 1, account_id: w.accounts.cash }],
    });
    const refusedPaid = await ctx.api('DELETE', `/record/${w.locationId}/${paid.id}`, w.auth);
    expect(refusedPaid.statusCode).toBe(422);
    expect(refusedPaid.json().meta.message).toContain('money payments');

    const loyal = await createAppointment(ctx, w);
    await withdrawFromCard(ctx, w, loyal, 1_00);
    const refusedLoyal = await ctx.api('DELETE', `/record/${w.locationId}/${loyal.id}`, w.auth);
    expect(refusedLoyal.statusCode).toBe(422);
    expect(refusedLoyal.json().meta.message).toContain('loyalty transactions');

    const closed = await createAppointment(ctx, w);
    await updateVisit(ctx, w, closed, { attendance: 1, fast_payment: 2 });
    expect((await ctx.api('DELETE', `/record/${w.locationId}/${closed.id}`, w.auth)).statusCode).toBe(422);
    // Still there, each of them.
    expect((await ctx.api('GET', `/records/${w.locationId}`, w.auth)).json().meta.count).toBe(3);
  });
});
