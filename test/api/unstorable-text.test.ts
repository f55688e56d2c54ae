import { expect, it } from 'vitest';
import { DEMO, DEMO_AUTH, describeEachDialect } from '../helpers/app.js';
import { uniquePhone } from '../helpers/factory.js';

const MESSAGE = 'must not contain U+0000 (NUL) or unpaired surrogate characters';
const TX = `/company/${DEMO.locationId}/loyalty/cards/${DEMO.cardId}/manual_transaction`;

/** The one answer for a field holding text no database stores faithfully. */
const refusal = (field: string) => ({
  success: false,
  data: null,
  meta: { message: `${field} ${MESSAGE}.`, errors: { [field]: [`${field} ${MESSAGE}.`] } },
});

/**
 * Issue 19, item 4: a NUL in stored text answered 500 on PostgreSQL and was stored on SQLite.
 * Every string of a body, query string or path (object keys too) holding U+0000 or an unpaired
 * surrogate is refused alike on both databases: 422 naming the field, nothing changed.
 */
describeEachDialect('text no database stores faithfully: 422 naming the field', (ctx) => {
  /** Raw JSON, so an unpaired surrogate escape reaches the server as the client wrote it. */
  const sendRaw = (method: string, path: string, json: string) =>
    ctx.request({
      method: method as never,
      url: `/api/v1${path}`,
      headers: { authorization: DEMO_AUTH, 'content-type': 'application/json' },
      payload: json,
    });

  it('a manual transaction title with NUL, a lone high or low surrogate: 422, balance and ledger unchanged', async () => {
    const before = await ctx.factory.balanceOf(DEMO.cardId);
    for (const title of ['"a\\u0000b"', '"a\\ud800b"', '"a\\udc00"', '"\\ud83d"', '"x\\ude00\\ud83d"']) {
      const res = await sendRaw('POST', TX, `{"amount": 1, "title": ${title}}`);
      expect(res.statusCode, title).toBe(422);
      expect(res.json(), title).toEqual(refusal('title'));
    }
    expect(await ctx.factory.balanceOf(DEMO.cardId)).toEqual(before);
  });

  it('a well-formed pair (an emoji) is text like any other, stored and read back as sent', async () => {
    const res = await sendRaw('POST', TX, '{"amount": 1, "title": "thanks \\ud83d\\ude00"}');
    expect(res.statusCode).toBe(200);
    const history = await ctx.api(
      'GET',
      `/loyalty/cards/${DEMO.locationId}/${DEMO.cardId}/transactions`,
      DEMO_AUTH,
    );
    expect(history.json().data[0].title).toBe('thanks 😀');
    await ctx.api('POST', TX, DEMO_AUTH, { amount: -1 });
  });

  it("a client's name, a custom field's value or key: 422 naming it, no client created", async () => {
    const count = async () =>
      Number(
        (
          await ctx.database.db
            .selectFrom('clients')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    const phone = uniquePhone();
    const cases: [string, string][] = [
      [`{"name": "a\\u0000b", "phone": "${phone}"}`, 'name'],
      [`{"name": "x", "phone": "${phone}", "custom_fields": {"k": "\\udc00"}}`, 'custom_fields.k'],
      [
        `{"name": "x", "phone": "${phone}", "custom_fields": {"k": [1, {"deep": "a\\u0000"}]}}`,
        'custom_fields.k.1.deep',
      ],
      [`{"name": "x", "phone": "${phone}", "custom_fields": {"k\\u0000": "v"}}`, 'custom_fields'],
    ];
    for (const [json, field] of cases) {
      const res = await sendRaw('POST', `/clients/${DEMO.locationId}`, json);
      expect(res.statusCode, json).toBe(422);
      expect(res.json(), json).toEqual(refusal(field));
    }
    expect(await count()).toBe(before);
  });

  it("a location's title: 422, the title unchanged", async () => {
    const res = await sendRaw('PUT', `/company/${DEMO.locationId}`, '{"title": "a\\u0000b"}');
    expect(res.statusCode).toBe(422);
    expect(res.json()).toEqual(refusal('title'));
    const location = await ctx.api('GET', `/company/${DEMO.locationId}`, DEMO_AUTH);
    expect(location.json().data.title).toBe('Demo location');
  });

  it('a query string compared with stored text, and a path phone: 422 naming the parameter', async () => {
    const search = await ctx.api('GET', `/clients/${DEMO.locationId}?fullname=a%00b`, DEMO_AUTH);
    expect(search.statusCode).toBe(422);
    expect(search.json()).toEqual(refusal('fullname'));
    const byPhone = await ctx.api(
      'GET',
      `/loyalty/card_types/client/${DEMO.locationId}/1315555%000175`,
      DEMO_AUTH,
    );
    expect(byPhone.statusCode).toBe(422);
    expect(byPhone.json().meta.errors).toHaveProperty(['phone']);
  });
});
