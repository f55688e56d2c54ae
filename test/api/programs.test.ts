import { expect, it } from 'vitest';
import { DEMO, DEMO_AUTH, describeEachDialect } from '../helpers/app.js';
import { uniquePhone } from '../helpers/factory.js';

const PROMOTION_FIELDS = [
  'id',
  'title',
  'type',
  'value_unit',
  'service_item_type',
  'good_item_type',
  'expiration_timeout',
  'expiration_timeout_unit',
  'expiration_notification_timeout',
  'history_start_date',
  'params_source_type',
  'sold_items_multiplicity',
  'usage_limit',
  'visit_multiplicity',
];

describeEachDialect('loyalty programs', (ctx) => {
  /** A world with a second card type, and a valid promotion body for it. */
  async function arrange() {
    const w = await ctx.factory.world();
    const body = {
      title: 'Ten percent',
      type: 'discount_static',
      value_unit: 'percent',
      service_item_type: 'any_allowed',
      good_item_type: 'not_allowed',
      company_ids: [w.locationId],
      loyalty_card_type_ids: [String(w.cardTypeId)],
      rules: [{ parameter: 0, value: '10' }],
    };
    return { w, body };
  }

  const programsOfCard = async (w: {
    auth: string;
    chainId: number;
    locationId: number;
    cardTypeId: number;
  }) => {
    const phone = uniquePhone();
    await ctx.api('POST', `/loyalty/cards/${w.locationId}`, w.auth, {
      loyalty_card_type_id: w.cardTypeId,
      phone,
    });
    return async () => {
      const res = await ctx.api('GET', `/loyalty/cards/${phone}/${w.chainId}/${w.locationId}`, w.auth);
      return res.json().data[0].programs as { id: number; title: string; rules: { value: number }[] }[];
    };
  };

  it('GET /company/{location_id}/loyalty/programs/search: the promotions active there, type filter', async () => {
    const res = await ctx.api('GET', `/company/${DEMO.locationId}/loyalty/programs/search`, DEMO_AUTH);
    expect(res.statusCode).toBe(200);
    // 18005 (SPEC §5), and SPEC §6.7's 18006 and 18007 of the Gold card type.
    expect(res.json().meta).toEqual({ count: 3 });
    expect(res.json().data.map((p: { id: number }) => p.id)).toEqual([18005, 18006, 18007]);
    const [program] = res.json().data;
    for (const field of PROMOTION_FIELDS) expect(program).toHaveProperty(field);
    expect(program).toMatchObject({
      id: 18005,
      title: '5+2',
      type: 'package_discount',
      loyalty_type_id: 13,
      value_unit: 'percent',
      value_unit_id: 1,
      item_type_id: 3,
      group_id: DEMO.chainId,
    });
    expect(program).not.toHaveProperty('first_transaction_date');

    const same = await ctx.api(
      'GET',
      `/company/${DEMO.locationId}/loyalty/programs/search?type=package_discount`,
      DEMO_AUTH,
    );
    expect(same.json().meta.count).toBe(1);
    const other = await ctx.api(
      'GET',
      `/company/${DEMO.locationId}/loyalty/programs/search?type=discount_static`,
      DEMO_AUTH,
    );
    expect(other.json()).toEqual({ success: true, data: [], meta: { count: 0 } });
    const cashback = await ctx.api(
      'GET',
      `/company/${DEMO.locationId}/loyalty/programs/search?type=cashback_static_paid`,
      DEMO_AUTH,
    );
    expect(cashback.json().data.map((p: { id: number }) => p.id)).toEqual([18006]);
    const withDate = await ctx.api(
      'GET',
      `/company/${DEMO.locationId}/loyalty/programs/search?include=first_transaction_date`,
      DEMO_AUTH,
    );
    expect(withDate.json().data[0].first_transaction_date).toBeNull();

    const bad = await ctx.api(
      'GET',
      `/company/${DEMO.locationId}/loyalty/programs/search?type=nope`,
      DEMO_AUTH,
    );
    expect(bad.statusCode).toBe(422);
    expect(bad.json().meta.errors).toHaveProperty('type');
    expect(
      (await ctx.api('GET', `/company/${DEMO.otherLocationId}/loyalty/programs/search`, DEMO_AUTH))
        .statusCode,
    ).toBe(403);
  });

  it('POST /chain/{chain_id}/loyalty/programs creates a promotion; include adds its parts', async () => {
    const { w, body } = await arrange();
    const res = await ctx.api(
      'POST',
      `/chain/${w.chainId}/loyalty/programs?include=rules,companies&include=loyalty_card_types`,
      w.auth,
      {
        ...body,
        expiration_timeout: '30',
        expiration_timeout_unit: 'day',
        history_start_date: '2024-01-01',
        params_source_type: 'chain',
        on_changed_notification_template: { type: 'none' },
      },
    );
    expect(res.statusCode).toBe(200);
    expect(res.json().meta).toEqual([]);
    const program = res.json().data;
    for (const field of PROMOTION_FIELDS) expect(program).toHaveProperty(field);
    expect(program).toMatchObject({
      title: 'Ten percent',
      type: 'discount_static',
      loyalty_type_id: 1,
      value_unit: 'percent',
      value_unit_id: 1,
      item_type_id: 1,
      group_id: w.chainId,
      service_item_type: 'any_allowed',
      good_item_type: 'not_allowed',
      expiration_timeout: 30,
      history_start_date: '2024-01-01',
      params_source_type: 'chain',
      rules: [{ loyalty_program_id: program.id, loyalty_type_id: 1, parameter: 0, service_id: 0, value: 10 }],
      companies: [{ id: w.locationId, title: 'Test location' }],
      loyalty_card_types: [{ id: w.cardTypeId, title: 'Test card' }],
    });
    const rule = await ctx.database.db
      .selectFrom('program_rules')
      .select('value_hundredths')
      .where('program_id', '=', program.id)
      .executeTakeFirstOrThrow();
    expect(rule.value_hundredths).toBe(1000);

    const plain = await ctx.api('GET', `/chain/${w.chainId}/loyalty/programs/${program.id}`, w.auth);
    expect(plain.statusCode).toBe(200);
    expect(plain.json().data).not.toHaveProperty('rules');
    expect(plain.json().data.title).toBe('Ten percent');

    const custom = await ctx.api(
      'POST',
      `/chain/${w.chainId}/loyalty/programs?include=applicable_items`,
      w.auth,
      {
        ...body,
        type: 'cashback_accumulative_paid',
        value_unit: 'amount',
        service_item_type: 'custom_allowed',
        allowed_service_ids: [7, '8'],
        rules: [
          { parameter: 0, value: 1.5 },
          { parameter: 1000, value: 2.25 },
        ],
        usage_limit: 3,
      },
    );
    expect(custom.statusCode).toBe(200);
    expect(custom.json().data).toMatchObject({
      type: 'cashback_accumulative_paid',
      loyalty_type_id: 7,
      value_unit: 'amount',
      value_unit_id: 2,
      item_type_id: 3,
      usage_limit: 3,
      applicable_items: [
        { id: 7, is_service: true, is_category: false },
        { id: 8, is_service: true, is_category: false },
      ],
    });
  });

  it('POST promotion: the reference body rules, each failure named by field', async () => {
    const { w, body } = await arrange();
    const create = (payload: unknown, query = '') =>
      ctx.api('POST', `/chain/${w.chainId}/loyalty/programs${query}`, w.auth, payload);

    const empty = await create({});
    expect(empty.statusCode).toBe(422);
    expect(Object.keys(empty.json().meta.errors).sort()).toEqual([
      'company_ids',
      'good_item_type',
      'rules',
      'service_item_type',
      'title',
      'type',
      'value_unit',
    ]);

    const enums = await create({
      ...body,
      type: 'nope',
      value_unit: 'x',
      service_item_type: 'x',
      good_item_type: 'x',
    });
    expect(Object.keys(enums.json().meta.errors).sort()).toEqual([
      'good_item_type',
      'service_item_type',
      'type',
      'value_unit',
    ]);

    const other = await ctx.factory.world();
    const cases: [Record<string, unknown>, string][] = [
      [{ rules: [{ value: 5 }, { parameter: 3, value: 10 }] }, 'rules'],
      [{ rules: [] }, 'rules'],
      [{ rules: [{ value: 150 }] }, 'rules.0.value'],
      [{ rules: [{ value: 1.234 }] }, 'rules.0.value'],
      [{ rules: [{ value: -1 }] }, 'rules.0.value'],
      [{ rules: [{ value: 5, parameter: 'x' }] }, 'rules.0.parameter'],
      [{ company_ids: [other.locationId] }, 'company_ids'],
      [{ company_ids: [DEMO.locationId] }, 'company_ids'],
      [{ loyalty_card_type_ids: [other.cardTypeId] }, 'loyalty_card_type_ids'],
      [{ service_item_type: 'not_allowed' }, 'service_item_type'],
      [{ service_item_type: 'custom_allowed' }, 'allowed_service_ids'],
      [{ good_item_type: 'custom_allowed' }, 'allowed_good_ids'],
      [{ usage_limit: 2 }, 'usage_limit'],
      [{ history_start_date: '01.01.2024' }, 'history_start_date'],
      [{ expiration_timeout_unit: 'hour' }, 'expiration_timeout_unit'],
      [{ title: '' }, 'title'],
    ];
    for (const [fields, field] of cases) {
      const res = await create({ ...body, ...fields });
      expect(res.statusCode, field).toBe(422);
      expect(res.json().meta.errors, field).toHaveProperty([field]);
    }
    const include = await create(body, '?include=everything');
    expect(include.json().meta.errors).toHaveProperty('include');
    const count = await ctx.database.db
      .selectFrom('programs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('chain_id', '=', w.chainId)
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);
  });

  it('another chain promotion is 404; a chain not granted is 403', async () => {
    const { w } = await arrange();
    expect((await ctx.api('GET', `/chain/${w.chainId}/loyalty/programs/18005`, w.auth)).statusCode).toBe(404);
    expect(
      (await ctx.api('PUT', `/chain/${w.chainId}/loyalty/programs/18005`, w.auth, { title: 'x' })).statusCode,
    ).toBe(404);
    expect((await ctx.api('DELETE', `/chain/${w.chainId}/loyalty/programs/18005`, w.auth)).statusCode).toBe(
      404,
    );
    expect((await ctx.api('GET', `/chain/${DEMO.chainId}/loyalty/programs/18005`, w.auth)).statusCode).toBe(
      403,
    );
    const demo = await ctx.api(
      'GET',
      `/chain/${DEMO.chainId}/loyalty/programs/18005?include=rules`,
      DEMO_AUTH,
    );
    expect(demo.json().data.rules.map((r: { id: number; value: number }) => [r.id, r.value])).toEqual([
      [72803, 20],
      [72804, 10],
      [72805, 100],
    ]);
  });

  it('PUT edits the promotion and the card operations show it at once; fixed fields stay', async () => {
    const { w, body } = await arrange();
    const created = await ctx.api('POST', `/chain/${w.chainId}/loyalty/programs`, w.auth, body);
    const id = created.json().data.id;
    const programs = await programsOfCard(w);
    expect((await programs()).map((p) => p.title)).toEqual(['Ten percent']);

    const res = await ctx.api('PUT', `/chain/${w.chainId}/loyalty/programs/${id}?include=rules`, w.auth, {
      title: 'Fifteen percent',
      rules: [{ value: 15 }],
      type: 'discount_static',
      value_unit: 'percent',
      history_start_date: null,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toMatchObject({ id, title: 'Fifteen percent', rules: [{ value: 15 }] });
    expect(await programs()).toMatchObject([{ id, title: 'Fifteen percent', rules: [{ value: 15 }] }]);

    for (const [field, value] of [
      ['type', 'discount_accumulative_visits'],
      ['value_unit', 'amount'],
      ['good_item_type', 'any_allowed'],
      ['visit_multiplicity', 2],
    ] as const) {
      const refused = await ctx.api('PUT', `/chain/${w.chainId}/loyalty/programs/${id}`, w.auth, {
        [field]: value,
      });
      expect(refused.statusCode, field).toBe(422);
      expect(refused.json().meta.errors[field]).toEqual([`${field} cannot be changed after creation.`]);
    }
    const twoRules = await ctx.api('PUT', `/chain/${w.chainId}/loyalty/programs/${id}`, w.auth, {
      rules: [{ value: 1 }, { value: 2 }],
    });
    expect(twoRules.json().meta.errors).toHaveProperty('rules');

    const moved = await ctx.api('PUT', `/chain/${w.chainId}/loyalty/programs/${id}`, w.auth, {
      company_ids: [],
    });
    expect(moved.statusCode).toBe(200);
    expect(await programs()).toEqual([]);
    const search = await ctx.api('GET', `/company/${w.locationId}/loyalty/programs/search`, w.auth);
    expect(search.json().data).toEqual([]);
  });

  it('DELETE: 204, the promotion is gone from reads, searches and cards at once', async () => {
    const { w, body } = await arrange();
    const created = await ctx.api('POST', `/chain/${w.chainId}/loyalty/programs`, w.auth, body);
    const id = created.json().data.id;
    const programs = await programsOfCard(w);
    expect(await programs()).toHaveLength(1);
    const res = await ctx.api('DELETE', `/chain/${w.chainId}/loyalty/programs/${id}`, w.auth);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect(await programs()).toEqual([]);
    expect((await ctx.api('GET', `/chain/${w.chainId}/loyalty/programs/${id}`, w.auth)).statusCode).toBe(404);
    const search = await ctx.api('GET', `/company/${w.locationId}/loyalty/programs/search`, w.auth);
    expect(search.json().data).toEqual([]);
    expect((await ctx.api('DELETE', `/chain/${w.chainId}/loyalty/programs/${id}`, w.auth)).statusCode).toBe(
      404,
    );
  });
});
