import { expect, it } from 'vitest';
import { DEMO, DEMO_AUTH, describeEachDialect } from '../helpers/app.js';
import { uniquePhone } from '../helpers/factory.js';

const CLIENT_FIELDS = [
  'id',
  'name',
  'surname',
  'patronymic',
  'display_name',
  'phone',
  'email',
  'card',
  'birth_date',
  'comment',
  'discount',
  'importance_id',
  'importance',
  'sex_id',
  'sex',
  'sms_check',
  'sms_not',
  'spent',
  'paid',
  'balance',
  'visits',
  'categories',
  'custom_fields',
  'last_change_date',
];

describeEachDialect('clients', (ctx) => {
  it('POST /clients/{location_id} adds a client with the documented fields; GET reads it back', async () => {
    const w = await ctx.factory.world();
    const phone = uniquePhone();
    const res = await ctx.api('POST', `/clients/${w.locationId}`, w.auth, {
      name: 'Jane',
      surname: 'Doe',
      middle_name: 'Q',
      phone: `+${phone}`,
      email: 'jane@example.com',
      birth_date: '1990-02-28',
      comment: 'VIP',
      gender_id: 2,
      importance_id: '3',
      discount: 10,
      card: 555,
      sms_check: 1,
      sms_not: 0,
      balance: '12.5',
      spent: 100.25,
      custom_fields: { 'api-key': 'value' },
      categories: [1, 2],
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().meta).toEqual([]);
    const client = res.json().data;
    for (const field of CLIENT_FIELDS) expect(client).toHaveProperty(field);
    expect(client).toMatchObject({
      name: 'Jane',
      surname: 'Doe',
      patronymic: 'Q',
      display_name: 'Jane Doe',
      phone: `+${phone}`,
      email: 'jane@example.com',
      birth_date: '1990-02-28',
      comment: 'VIP',
      sex_id: 2,
      sex: 'Female',
      importance_id: 3,
      importance: 'Gold',
      discount: 10,
      card: '555',
      sms_check: 1,
      sms_not: 0,
      balance: 12.5,
      spent: 100.25,
      paid: 0,
      visits: 0,
      categories: [],
      custom_fields: { 'api-key': 'value' },
    });
    const stored = await ctx.database.db
      .selectFrom('clients')
      .select(['phone', 'balance_minor', 'spent_minor'])
      .where('id', '=', client.id)
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ phone, balance_minor: 1250, spent_minor: 10025 });

    const read = await ctx.api('GET', `/client/${w.locationId}/${client.id}`, w.auth);
    expect(read.statusCode).toBe(200);
    expect(read.json().data).toEqual(client);
  });

  it('a client added here is the one the card operations find', async () => {
    const w = await ctx.factory.world();
    const phone = uniquePhone();
    const created = await ctx.api('POST', `/clients/${w.locationId}`, w.auth, { name: 'Card holder', phone });
    const clientId = created.json().data.id;
    const issued = await ctx.api('POST', `/loyalty/cards/${w.locationId}`, w.auth, {
      loyalty_card_type_id: w.cardTypeId,
      phone: `+${phone}`,
    });
    expect(issued.statusCode).toBe(200);
    const card = await ctx.database.db
      .selectFrom('cards')
      .select('client_id')
      .where('id', '=', issued.json().data.id)
      .executeTakeFirstOrThrow();
    expect(card.client_id).toBe(clientId);
    const clients = await ctx.database.db
      .selectFrom('clients')
      .select('id')
      .where('location_id', '=', w.locationId)
      .where('phone', '=', phone)
      .execute();
    expect(clients).toHaveLength(1);
    const cards = await ctx.api('GET', `/loyalty/client_cards/${clientId}`, w.auth);
    expect(cards.json().data.map((c: { id: number }) => c.id)).toEqual([issued.json().data.id]);
  });

  it('POST /clients: validation failures name their fields; one client per phone per location', async () => {
    const w = await ctx.factory.world();
    const missing = await ctx.api('POST', `/clients/${w.locationId}`, w.auth, {});
    expect(missing.statusCode).toBe(422);
    expect(Object.keys(missing.json().meta.errors).sort()).toEqual(['name', 'phone']);

    const invalid = await ctx.api('POST', `/clients/${w.locationId}`, w.auth, { name: 'X', phone: '12' });
    expect(invalid.json().meta.errors.phone).toEqual(['phone must be a phone number with 7 to 15 digits.']);

    const cases: [Record<string, unknown>, string][] = [
      [{ birth_date: '2023-02-30' }, 'birth_date'],
      [{ birth_date: '30.01.2000' }, 'birth_date'],
      [{ gender_id: 5 }, 'gender_id'],
      [{ importance_id: 'gold' }, 'importance_id'],
      [{ discount: 101 }, 'discount'],
      [{ balance: 1.234 }, 'balance'],
      [{ spent: -1 }, 'spent'],
      [{ email: 42 }, 'email'],
    ];
    for (const [fields, field] of cases) {
      const res = await ctx.api('POST', `/clients/${w.locationId}`, w.auth, {
        name: 'X',
        phone: uniquePhone(),
        ...fields,
      });
      expect(res.statusCode, field).toBe(422);
      expect(res.json().meta.errors, field).toHaveProperty([field]);
    }

    const phone = uniquePhone();
    expect((await ctx.api('POST', `/clients/${w.locationId}`, w.auth, { name: 'A', phone })).statusCode).toBe(
      201,
    );
    const duplicate = await ctx.api('POST', `/clients/${w.locationId}`, w.auth, {
      name: 'B',
      phone: `+${phone}`,
    });
    expect(duplicate.statusCode).toBe(422);
    expect(duplicate.json().meta.errors).toHaveProperty('phone');
  });

  it('a client of another location or chain is 404; another chain location is 403', async () => {
    const w = await ctx.factory.world();
    const created = await ctx.api('POST', `/clients/${w.locationId}`, w.auth, {
      name: 'Mine',
      phone: uniquePhone(),
    });
    const id = created.json().data.id;
    // The demo user cannot act on the world location at all.
    expect((await ctx.api('GET', `/client/${w.locationId}/${id}`, DEMO_AUTH)).statusCode).toBe(403);
    // Through a location it may act on, another chain's client does not exist.
    expect((await ctx.api('GET', `/client/${DEMO.locationId}/${id}`, DEMO_AUTH)).statusCode).toBe(404);
    expect(
      (
        await ctx.api('PUT', `/client/${DEMO.locationId}/${id}`, DEMO_AUTH, {
          name: 'x',
          phone: uniquePhone(),
        })
      ).statusCode,
    ).toBe(404);
    expect((await ctx.api('DELETE', `/client/${DEMO.locationId}/${id}`, DEMO_AUTH)).statusCode).toBe(404);
    expect((await ctx.api('GET', `/client/${w.locationId}/${DEMO.clientId}`, w.auth)).statusCode).toBe(404);
    expect(
      (await ctx.api('POST', `/clients/${DEMO.locationId}`, w.auth, { name: 'x', phone: uniquePhone() }))
        .statusCode,
    ).toBe(403);
  });

  it('PUT /client edits the client; a phone of another client here is 422', async () => {
    const w = await ctx.factory.world();
    const first = await ctx.api('POST', `/clients/${w.locationId}`, w.auth, {
      name: 'First',
      phone: uniquePhone(),
    });
    const second = await ctx.api('POST', `/clients/${w.locationId}`, w.auth, {
      name: 'Second',
      phone: uniquePhone(),
    });
    const id = first.json().data.id;
    const newPhone = uniquePhone();
    const res = await ctx.api('PUT', `/client/${w.locationId}/${id}`, w.auth, {
      name: 'Renamed',
      phone: newPhone,
      surname: 'Smith',
      importance_id: 1,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toMatchObject({
      id,
      name: 'Renamed',
      surname: 'Smith',
      phone: `+${newPhone}`,
      importance: 'Bronze',
    });
    const taken = await ctx.api('PUT', `/client/${w.locationId}/${id}`, w.auth, {
      name: 'Renamed',
      phone: second.json().data.phone,
    });
    expect(taken.statusCode).toBe(422);
    expect(taken.json().meta.errors).toHaveProperty('phone');
    const missing = await ctx.api('PUT', `/client/${w.locationId}/${id}`, w.auth, { surname: 'x' });
    expect(Object.keys(missing.json().meta.errors).sort()).toEqual(['name', 'phone']);
  });

  it('DELETE /client: 204, then the client is gone from reads and lists', async () => {
    const w = await ctx.factory.world();
    const phone = uniquePhone();
    const created = await ctx.api('POST', `/clients/${w.locationId}`, w.auth, { name: 'Gone', phone });
    const id = created.json().data.id;
    const res = await ctx.api('DELETE', `/client/${w.locationId}/${id}`, w.auth);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect((await ctx.api('GET', `/client/${w.locationId}/${id}`, w.auth)).statusCode).toBe(404);
    expect((await ctx.api('GET', `/clients/${w.locationId}?phone=${phone}`, w.auth)).json().data).toEqual([]);
    expect((await ctx.api('DELETE', `/client/${w.locationId}/${id}`, w.auth)).statusCode).toBe(404);
    // The phone is free again.
    expect(
      (await ctx.api('POST', `/clients/${w.locationId}`, w.auth, { name: 'Back', phone })).statusCode,
    ).toBe(201);
  });

  it('POST /company/{location_id}/clients/search: name and phone filters, fields, order, paging', async () => {
    const w = await ctx.factory.world();
    const phones = [uniquePhone(), uniquePhone(), uniquePhone()];
    const names = ['Alice Smith', 'Bob Jones', 'Alicia Keys'];
    const ids: number[] = [];
    for (const [i, name] of names.entries()) {
      const [first, last] = name.split(' ');
      const res = await ctx.api('POST', `/clients/${w.locationId}`, w.auth, {
        name: first,
        surname: last,
        phone: phones[i],
        email: `${first!.toLowerCase()}@example.com`,
      });
      ids.push(res.json().data.id);
    }
    const search = (body: unknown) =>
      ctx.api('POST', `/company/${w.locationId}/clients/search`, w.auth, body);

    const byName = await search({
      filters: [{ type: 'quick_search', state: { value: 'ALI' } }],
      fields: ['name', 'phone'],
    });
    expect(byName.statusCode).toBe(200);
    expect(byName.json()).toEqual({
      success: true,
      data: [
        { id: ids[0], name: 'Alice', phone: `+${phones[0]}` },
        { id: ids[2], name: 'Alicia', phone: `+${phones[2]}` },
      ],
      meta: { count: 2, total_count: 2 },
    });

    const surname = await search({ filters: [{ type: 'name', state: { value: 'jones' } }] });
    expect(surname.json().data).toEqual([{ id: ids[1] }]);

    const byPhone = await search({
      filters: [{ type: 'phone', state: { value: `+${phones[2]}` } }],
      fields: ['id', 'name'],
    });
    expect(byPhone.json().data).toEqual([{ id: ids[2], name: 'Alicia' }]);

    const fragment = await search({
      filters: [{ type: 'quick_search', state: { value: phones[1]!.slice(-6) } }],
    });
    expect(fragment.json().data).toEqual([{ id: ids[1] }]);

    const either = await search({
      operation: 'OR',
      filters: [
        { type: 'name', state: { value: 'bob' } },
        { type: 'email', state: { value: 'alicia@' } },
      ],
    });
    expect(either.json().data.map((r: { id: number }) => r.id)).toEqual([ids[1], ids[2]]);

    const paged = await search({
      order_by: 'name',
      order_by_direction: 'DESC',
      page: 2,
      page_size: '1',
      fields: ['name'],
    });
    expect(paged.json().data).toEqual([{ id: ids[2], name: 'Alicia' }]);
    expect(paged.json().meta.total_count).toBe(3);

    const all = await search({});
    expect(all.json().data).toEqual(ids.map((id) => ({ id })));
  });

  it('client search: validation failures name their fields; another chain location is 403', async () => {
    const w = await ctx.factory.world();
    const search = (body: unknown) =>
      ctx.api('POST', `/company/${w.locationId}/clients/search`, w.auth, body);
    const badType = await search({ filters: [{ type: 'shoe_size', state: { value: 42 } }] });
    expect(badType.statusCode).toBe(422);
    expect(badType.json().meta.errors).toHaveProperty(['filters.0.type']);
    const badPhone = await search({ filters: [{ type: 'phone', state: { value: '12' } }] });
    expect(badPhone.json().meta.errors).toHaveProperty(['filters.0.state.value']);
    // The page size's bound is the schema's now (it is in the document), so both are named at once.
    const badSize = await search({ page_size: 500, fields: ['shoe_size'] });
    expect(Object.keys(badSize.json().meta.errors).sort()).toEqual(['fields.0', 'page_size']);
    const size = await search({ page_size: 500 });
    expect(size.json().meta.errors).toHaveProperty('page_size');
    const forbidden = await ctx.api('POST', `/company/${DEMO.locationId}/clients/search`, w.auth, {});
    expect(forbidden.statusCode).toBe(403);
  });

  it('GET /clients/{location_id} (deprecated): phone fragment, fullname, paging, total_count', async () => {
    const w = await ctx.factory.world();
    const phones = [uniquePhone(), uniquePhone()];
    const first = await ctx.api('POST', `/clients/${w.locationId}`, w.auth, {
      name: 'Carol',
      phone: phones[0],
    });
    const second = await ctx.api('POST', `/clients/${w.locationId}`, w.auth, {
      name: 'Dave',
      surname: 'Carolson',
      phone: phones[1],
    });
    const list = (query: string) => ctx.api('GET', `/clients/${w.locationId}?${query}`, w.auth);

    const byPhone = await list(`phone=${encodeURIComponent(`+${phones[0]}`)}`);
    expect(byPhone.statusCode).toBe(200);
    expect(byPhone.json().data).toMatchObject([
      { id: first.json().data.id, name: 'Carol', phone: `+${phones[0]}` },
    ]);
    expect(byPhone.json().meta).toEqual({ count: 1, total_count: 1 });

    const byName = await list('fullname=carol');
    expect(byName.json().data.map((c: { id: number }) => c.id)).toEqual([
      first.json().data.id,
      second.json().data.id,
    ]);
    const page = await list('fullname=carol&count=1&page=2');
    expect(page.json().data.map((c: { id: number }) => c.id)).toEqual([second.json().data.id]);
    expect(page.json().meta.total_count).toBe(2);
    const byId = await list(`id=${second.json().data.id}`);
    expect(byId.json().data).toHaveLength(1);

    expect((await list('phone=abc')).json().meta.errors).toHaveProperty('phone');
    expect((await list('count=301')).json().meta.errors).toHaveProperty('count');
  });
});
