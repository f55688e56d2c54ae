import { beforeAll, expect, it } from 'vitest';
import { DEMO, DEMO_AUTH, describeEachDialect } from '../helpers/app.js';
import { contractOf, type Contract } from '../helpers/contract.js';
import { uniquePhone } from '../helpers/factory.js';

interface Case {
  label: string;
  method: string;
  /** Under /api/v1. */
  path: string;
  body?: unknown;
}

const TX = `/company/${DEMO.locationId}/loyalty/cards/${DEMO.cardId}/manual_transaction`;
const CHAIN_TX = `/chain/${DEMO.chainId}/loyalty/cards/${DEMO.cardId}/manual_transaction`;
const CLIENTS = `/clients/${DEMO.locationId}`;
const SEARCH = `/company/${DEMO.locationId}/clients/search`;
const CARD_TYPES = `/chain/${DEMO.chainId}/loyalty/card_types`;
const PROGRAMS = `/chain/${DEMO.chainId}/loyalty/programs`;
const REFERRAL = `/chain/${DEMO.chainId}/loyalty/referral_program`;
const LOCATION = `/company/${DEMO.locationId}`;
const HISTORY = `/loyalty/cards/${DEMO.locationId}/${DEMO.cardId}/transactions`;
const SERVICES = `/services/${DEMO.locationId}`;
const SERVICE = `/services/${DEMO.locationId}/${DEMO.haircutServiceId}`;
const QUICK = `/company/${DEMO.locationId}/staff/quick`;
const STAFF = `/staff/${DEMO.locationId}`;

const promotion = (changes: Record<string, unknown>) => ({
  title: 'Strict',
  type: 'discount_static',
  value_unit: 'percent',
  service_item_type: 'any_allowed',
  good_item_type: 'any_allowed',
  company_ids: [DEMO.locationId],
  rules: [{ value: 5 }],
  ...changes,
});
const client = (changes: Record<string, unknown>) => ({ name: 'Strict', phone: uniquePhone(), ...changes });

/**
 * Requests the server refuses with 422 although they are well-formed: the document's schemas
 * must refuse each of them too (issue 19, item 10: a fuzzer driven by the document found such
 * requests in every run).
 */
const REFUSED: Case[] = [
  { label: 'amount 0', method: 'POST', path: TX, body: { amount: 0 } },
  { label: 'amount "0.00"', method: 'POST', path: TX, body: { amount: '0.00' } },
  { label: 'amount "-0"', method: 'POST', path: CHAIN_TX, body: { amount: '-0' } },
  { label: 'amount beyond 10^12', method: 'POST', path: TX, body: { amount: 1e13 } },
  { label: 'amount "1.234"', method: 'POST', path: TX, body: { amount: '1.234' } },
  { label: 'amount "+5"', method: 'POST', path: TX, body: { amount: '+5' } },
  { label: 'title of 256 characters', method: 'POST', path: TX, body: { amount: 1, title: 'x'.repeat(256) } },
  {
    label: 'phone of 6 digits',
    method: 'POST',
    path: `/loyalty/cards/${DEMO.locationId}`,
    body: { loyalty_card_type_id: 10992, phone: '123456' },
  },
  { label: 'phone of 16 digits', method: 'POST', path: CLIENTS, body: client({ phone: '1234567890123456' }) },
  { label: 'phone as a short number', method: 'POST', path: CLIENTS, body: client({ phone: 12345 }) },
  { label: 'phone with letters', method: 'POST', path: CLIENTS, body: client({ phone: '+1 315 CALL NOW' }) },
  {
    label: 'phone of 6 digits in a path',
    method: 'GET',
    path: `/loyalty/card_types/client/${DEMO.locationId}/123456`,
  },
  {
    label: 'phone of 6 digits in a query',
    method: 'GET',
    path: `/group/${DEMO.chainId}/clients?phone=123456`,
  },
  { label: 'empty client name', method: 'POST', path: CLIENTS, body: client({ name: '' }) },
  { label: 'blank client name', method: 'POST', path: CLIENTS, body: client({ name: '   ' }) },
  { label: 'gender_id 3', method: 'POST', path: CLIENTS, body: client({ gender_id: 3 }) },
  { label: 'importance_id "4"', method: 'POST', path: CLIENTS, body: client({ importance_id: '4' }) },
  { label: 'discount 101', method: 'POST', path: CLIENTS, body: client({ discount: 101 }) },
  { label: 'sms_check 2', method: 'POST', path: CLIENTS, body: client({ sms_check: 2 }) },
  { label: 'negative spent', method: 'POST', path: CLIENTS, body: client({ spent: -1 }) },
  { label: 'balance "1.234"', method: 'POST', path: CLIENTS, body: client({ balance: '1.234' }) },
  { label: 'empty card type title', method: 'POST', path: CARD_TYPES, body: { title: '' } },
  { label: 'blank card type title', method: 'POST', path: CARD_TYPES, body: { title: '  ' } },
  { label: 'blank promotion title', method: 'POST', path: PROGRAMS, body: promotion({ title: ' ' }) },
  {
    label: 'negative rule value',
    method: 'POST',
    path: PROGRAMS,
    body: promotion({ rules: [{ value: -1 }] }),
  },
  {
    label: 'fractional rule parameter',
    method: 'POST',
    path: PROGRAMS,
    body: promotion({ rules: [{ value: 1, parameter: 1.5 }] }),
  },
  { label: 'negative usage_limit', method: 'POST', path: PROGRAMS, body: promotion({ usage_limit: -1 }) },
  {
    label: 'referral percent 100.01',
    method: 'PUT',
    path: REFERRAL,
    body: { invited: { value: 100.01, value_unit_id: 1 } },
  },
  {
    label: 'referral percent "101" with unit "1"',
    method: 'PUT',
    path: REFERRAL,
    body: { referrer: { value: '101', value_unit_id: ' 1 ' } },
  },
  { label: 'referral value "1.234"', method: 'PUT', path: REFERRAL, body: { referrer: { value: '1.234' } } },
  { label: 'negative referral value', method: 'PUT', path: REFERRAL, body: { referrer: { value: -1 } } },
  { label: 'referral unit 3', method: 'PUT', path: REFERRAL, body: { invited: { value_unit_id: 3 } } },
  { label: 'blank referral title', method: 'PUT', path: REFERRAL, body: { title: ' ' } },
  { label: 'blank location title', method: 'PUT', path: LOCATION, body: { title: '   ' } },
  {
    label: 'new location without a title',
    method: 'POST',
    path: '/companies',
    body: { group_id: DEMO.chainId },
  },
  { label: 'latitude 91', method: 'PUT', path: LOCATION, body: { coordinate_lat: 91 } },
  { label: 'longitude "-180.5"', method: 'PUT', path: LOCATION, body: { coordinate_lon: '-180.5' } },
  { label: 'negative city_id', method: 'PUT', path: LOCATION, body: { city_id: -1 } },
  { label: 'page 0', method: 'GET', path: `${HISTORY}?page=0` },
  { label: 'count 0', method: 'GET', path: `/companies?count=0` },
  { label: 'page past the last', method: 'GET', path: `${CLIENTS}?page=1000001` },
  { label: 'search page 0', method: 'POST', path: SEARCH, body: { page: 0 } },
  { label: 'search page "0"', method: 'POST', path: SEARCH, body: { page: '0' } },
  { label: 'search page_size 201', method: 'POST', path: SEARCH, body: { page_size: 201 } },
  { label: 'blank service title', method: 'POST', path: SERVICES, body: { title: ' ' } },
  { label: 'service discount 101', method: 'POST', path: SERVICES, body: { title: 'S', discount: 101 } },
  { label: 'service discount "100.5"', method: 'PATCH', path: SERVICE, body: { discount: '100.5' } },
  { label: 'negative service price', method: 'PUT', path: SERVICE, body: { price_min: -1 } },
  { label: 'service price "1.234"', method: 'PATCH', path: SERVICE, body: { price_max: '1.234' } },
  { label: 'service duration 86401', method: 'PATCH', path: SERVICE, body: { duration: 86401 } },
  { label: 'technical break 301', method: 'PATCH', path: SERVICE, body: { technical_break_duration: 301 } },
  {
    label: 'technical break "3900"',
    method: 'PATCH',
    path: SERVICE,
    body: { technical_break_duration: '3900' },
  },
  { label: 'service active 2', method: 'PATCH', path: SERVICE, body: { active: 2 } },
  {
    label: 'negative seance_length',
    method: 'PATCH',
    path: SERVICE,
    body: { staff: [{ id: DEMO.staffId, seance_length: -1 }] },
  },
  { label: 'quick member without specialization', method: 'POST', path: QUICK, body: { name: 'M' } },
  { label: 'blank quick member name', method: 'POST', path: QUICK, body: { name: ' ', specialization: '' } },
  {
    label: 'quick member email',
    method: 'POST',
    path: QUICK,
    body: { name: 'M', specialization: '', user_email: 'nope' },
  },
  { label: 'member fired 2', method: 'POST', path: STAFF, body: { name: 'M', fired: 2 } },
];

/** Their well-formed neighbours: both the server and the document accept them. */
const ACCEPTED: Case[] = [
  { label: 'amount "-0.5"', method: 'POST', path: TX, body: { amount: '-0.5', title: 'x'.repeat(255) } },
  { label: 'amount 1000000000000', method: 'POST', path: CHAIN_TX, body: { amount: 1e12 } },
  {
    label: 'a client at the bounds',
    method: 'POST',
    path: CLIENTS,
    body: client({ name: ' A ', gender_id: '2', discount: 100, spent: '0', balance: -5.5 }),
  },
  {
    label: 'phone in the docs form',
    method: 'POST',
    path: CLIENTS,
    body: client({ phone: `+${uniquePhone()}` }),
  },
  { label: 'card type title', method: 'POST', path: CARD_TYPES, body: { title: ' Silver ' } },
  {
    label: 'promotion',
    method: 'POST',
    path: PROGRAMS,
    body: promotion({ rules: [{ value: '100', parameter: '0' }] }),
  },
  {
    label: 'referral program at the bounds',
    method: 'PUT',
    path: REFERRAL,
    body: { invited: { value: '100.00', value_unit_id: '1' }, referrer: { value: 1e12, value_unit_id: 2 } },
  },
  {
    label: 'location at the bounds',
    method: 'PUT',
    path: LOCATION,
    body: { coordinate_lat: '-90', coordinate_lon: 180, city_id: '0' },
  },
  {
    label: 'phone in a path',
    method: 'GET',
    path: `/loyalty/card_types/client/${DEMO.locationId}/%2B13155550175`,
  },
  { label: 'last page', method: 'GET', path: `${HISTORY}?page=1000000&count=1000` },
  { label: 'search page as text', method: 'POST', path: SEARCH, body: { page: ' 2 ', page_size: '200' } },
  {
    label: 'a service at the bounds',
    method: 'POST',
    path: SERVICES,
    body: {
      title: ' A ',
      discount: '100.00',
      price_min: '0',
      price_max: 1e12,
      duration: 86400,
      technical_break_duration: '3600',
      active: '0',
      staff: [{ id: String(DEMO.staffId), seance_length: '0' }],
    },
  },
  { label: 'a service change', method: 'PATCH', path: SERVICE, body: { technical_break_duration: null } },
  {
    label: 'a quick member',
    method: 'POST',
    path: QUICK,
    body: { name: 'M', specialization: '', position_id: null },
  },
  { label: 'a member', method: 'POST', path: STAFF, body: { name: 'M', fired: '1', hidden: 0 } },
];

describeEachDialect('the OpenAPI document is as strict as the server', (ctx) => {
  let contract: Contract;

  beforeAll(async () => {
    contract = await contractOf(ctx.app);
  });

  const send = (c: Case) =>
    ctx.request({
      method: c.method as never,
      url: `/api/v1${c.path}`,
      headers: { authorization: DEMO_AUTH },
      ...(c.body === undefined ? {} : { payload: c.body as never }),
    });

  it('every well-formed request the server refuses with 422, the document refuses too', async () => {
    const allowed: string[] = [];
    for (const c of REFUSED) {
      const res = await send(c);
      expect(res.statusCode, `${c.label}: ${res.body}`).toBe(422);
      const why = contract.requestErrors({ method: c.method, url: `/api/v1${c.path}`, body: c.body });
      if (why.length === 0) allowed.push(c.label);
    }
    expect(allowed, 'requests the document allows and the server refuses').toEqual([]);
  });

  it('their neighbours within the bounds pass both (the document does not just refuse everything)', async () => {
    for (const c of ACCEPTED) {
      const why = contract.requestErrors({ method: c.method, url: `/api/v1${c.path}`, body: c.body });
      expect(why, c.label).toEqual([]);
      const res = await send(c);
      expect(res.statusCode, `${c.label}: ${res.body}`).toBeLessThan(300);
    }
  });

  it('the 422 says what is wrong: the limit, not the type', async () => {
    const message = async (c: Case) =>
      Object.values((await send(c)).json().meta.errors as Record<string, string[]>).flat();
    expect(await message(REFUSED.find((c) => c.label === 'title of 256 characters')!)).toEqual([
      'title must be at most 255 characters.',
    ]);
    expect(await message(REFUSED.find((c) => c.label === 'amount 0')!)).toEqual(['amount must not be 0.']);
    expect(await message(REFUSED.find((c) => c.label === 'amount beyond 10^12')!)).toEqual([
      'amount must be at most 1000000000000.',
    ]);
    expect(await message(REFUSED.find((c) => c.label === 'page 0')!)).toEqual(['page must be at least 1.']);
    expect(await message(REFUSED.find((c) => c.label === 'search page_size 201')!)).toEqual([
      'page_size must be at most 200.',
    ]);
    expect(await message(REFUSED.find((c) => c.label === 'blank card type title')!)).toEqual([
      'title must be a non-blank string.',
    ]);
    expect(await message({ label: 'count', method: 'GET', path: `${HISTORY}?count=lots` })).toEqual([
      'count must be a whole number.',
    ]);
    expect(
      await message({ label: 'title type', method: 'POST', path: TX, body: { amount: 1, title: 5 } }),
    ).toEqual(['title must be a string.']);
  });
});
