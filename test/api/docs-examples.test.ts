import { expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/app.js';
import { DEMO_CARD_FIGURES } from '../helpers/cards.js';

/**
 * The Altegio docs' own curl requests for the loyalty card operations (shared/docs-examples.md),
 * replayed verbatim against the demo dataset: the docs' placeholder headers (`Accept: string`,
 * `Content-Type: string`) included, demo tokens substituted for the token placeholders.
 */
const PARTNER_USER = 'Bearer demo-partner-token, User demo-user-token';
const PARTNER = 'Bearer demo-partner-token';

describeEachDialect('the docs examples', (ctx) => {
  const send = (
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    headers: Record<string, string>,
    body?: string,
  ) =>
    ctx.request({ method, url: `/api/v1${path}`, headers, ...(body === undefined ? {} : { payload: body }) });
  const placeholders = { accept: 'string', 'content-type': 'string' };

  const demoCard = DEMO_CARD_FIGURES;

  it('op 1: GET /loyalty/client_cards/{client_id}', async () => {
    const res = await send('GET', '/loyalty/client_cards/55555', {
      ...placeholders,
      authorization: PARTNER_USER,
    });
    expect(res.statusCode).toBe(200);
    const [card] = res.json().data;
    expect(card).toMatchObject(demoCard);
    expect(card.programs[0]).toMatchObject({ id: 18005, title: '5+2', loyalty_type_id: 13 });
    expect(card.programs[0].rules.map((r: any) => [r.id, r.value, r.parameter])).toEqual([
      [72803, 20, 0],
      [72804, 10, 0],
      [72805, 100, 0],
    ]);
  });

  it('op 2: GET /loyalty/cards/{phone}/{chain_id}/{location_id}', async () => {
    const res = await send('GET', '/loyalty/cards/13155550175/145071/12345', { authorization: PARTNER_USER });
    expect(res.json().data[0]).toMatchObject(demoCard);
  });

  it('op 3: GET /user/loyalty_cards/{chain_id} (Decision: with the user token)', async () => {
    const res = await send('GET', '/user/loyalty_cards/145071', {
      ...placeholders,
      authorization: PARTNER_USER,
    });
    expect(res.json().data[0]).toMatchObject(demoCard);
  });

  it('op 4: GET /loyalty/card_types/salon/12345', async () => {
    const res = await send('GET', '/loyalty/card_types/salon/12345', {
      accept: 'application/vnd.api.v2+json',
      authorization: PARTNER_USER,
    });
    expect(res.json().data.map((t: any) => [t.id, t.title, t.salon_group_id])).toEqual(
      expect.arrayContaining([
        [10992, 'Cashback', 145071],
        [8230, 'Referral program', 145071],
      ]),
    );
  });

  it('op 5: GET /loyalty/card_types/client/12345/13155550175', async () => {
    const res = await send('GET', '/loyalty/card_types/client/12345/13155550175', {
      ...placeholders,
      authorization: PARTNER_USER,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().data.every((t: any) => t.salon_group_id === 145071)).toBe(true);
  });

  it('op 6: GET /chain/{chain_id}/loyalty/card_types with the partner token', async () => {
    const res = await send('GET', '/chain/145071/loyalty/card_types', {
      ...placeholders,
      authorization: PARTNER,
    });
    expect(res.json().data.map((t: any) => ({ id: t.id, title: t.title }))).toEqual(
      expect.arrayContaining([{ id: 8230, title: 'Referral program' }]),
    );
  });

  it('A1: POST /auth', async () => {
    const res = await send(
      'POST',
      '/auth',
      { accept: 'application/vnd.api.v2+json', authorization: PARTNER, 'content-type': 'application/json' },
      JSON.stringify({ login: 'testuser@alteg.io', password: 'demo-password' }),
    );
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ success: true, data: { phone: '+13155550175' }, meta: [] });
  });

  it('op 7: POST /loyalty/cards/{location_id}', async () => {
    const res = await send(
      'POST',
      '/loyalty/cards/12345',
      { accept: 'string', authorization: PARTNER_USER, 'content-type': 'application/json' },
      '{\n    "loyalty_card_number": "9090909",\n    "loyalty_card_type_id": "8230",\n    "phone": 13155550175\n  }',
    );
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toMatchObject({
      balance: 0,
      number: '9090909',
      type_id: 8230,
      salon_group_id: 145071,
    });
  });

  it('op 9: POST /company/{location_id}/loyalty/cards/{card_id}/manual_transaction', async () => {
    const res = await send(
      'POST',
      '/company/12345/loyalty/cards/9210520/manual_transaction',
      {
        accept: 'application/vnd.api.v2+json',
        authorization: PARTNER_USER,
        'content-type': 'application/json',
      },
      '{"amount": 100.5, "title": "string"}',
    );
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      success: true,
      data: {
        id: 9210520,
        balance: 200.5,
        points: 0,
        paid_amount: 1000,
        sold_amount: 1000,
        visits_count: 1,
        number: '14507109210520',
        type_id: 10992,
        salon_group_id: 145071,
        max_discount_percent: 0,
        max_discount_amount: 0,
      },
      meta: {},
    });
  });

  it('op 10: POST /chain/{chain_id}/loyalty/cards/{card_id}/manual_transaction', async () => {
    const res = await send(
      'POST',
      '/chain/145071/loyalty/cards/9210520/manual_transaction',
      {
        accept: 'application/vnd.api.v2+json',
        authorization: PARTNER_USER,
        'content-type': 'application/json',
      },
      '{"amount": 100.5, "title": "string"}',
    );
    expect(res.statusCode).toBe(200);
    expect(res.json().data.balance).toBe(301);
  });

  it('op 8: DELETE /loyalty/cards/{location_id}/{card_id} answers 204, no content', async () => {
    const res = await send('DELETE', '/loyalty/cards/12345/9210520', {
      accept: 'application/vnd.api.v2+json',
      authorization: PARTNER_USER,
    });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
  });
});
