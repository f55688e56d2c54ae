import { expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { DEMO, DEMO_AUTH, describeEachDialect } from '../helpers/app.js';
import { manualTransactionPath } from '../helpers/cards.js';

const TX = `/api/v1${manualTransactionPath({ location: DEMO.locationId }, DEMO.cardId)}`;

/** SPEC §1's error table: every row answered in the envelope, nothing internal leaked. */
describeEachDialect('error table', (ctx) => {
  const expectError = (
    res: { statusCode: number; json: () => any; headers: Record<string, unknown> },
    status: number,
  ) => {
    expect(res.statusCode).toBe(status);
    expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
    const body = res.json();
    expect(body.success).toBe(false);
    expect(body.data).toBeNull();
    expect(typeof body.meta.message).toBe('string');
    expect(JSON.stringify(body)).not.toMatch(/at .*\.(ts|js):\d+|select |insert |update |SQLITE|stack/i);
    return body;
  };

  it('400: malformed JSON', async () => {
    const res = await ctx.request({
      method: 'POST',
      url: TX,
      headers: { authorization: DEMO_AUTH, 'content-type': 'application/json' },
      payload: '{"amount": 1,',
    });
    expect(expectError(res, 400).meta.message).toMatch(/Malformed JSON/);
  });

  it('401: no token, malformed header, unknown partner, unknown user', async () => {
    for (const authorization of [
      undefined,
      'Basic xyz',
      'Bearer nope, User demo-user-token',
      'Bearer demo-partner-token, User nope',
    ]) {
      const res = await ctx.request({
        method: 'GET',
        url: '/api/v1/loyalty/card_types/salon/12345',
        headers: authorization ? { authorization } : {},
      });
      expect(expectError(res, 401).meta.message).toBe('Authentication needed.');
    }
  });

  it('403: valid tokens without the location', async () => {
    const res = await ctx.request({
      method: 'GET',
      url: '/api/v1/loyalty/card_types/salon/20001',
      headers: { authorization: DEMO_AUTH },
    });
    expect(expectError(res, 403).meta.message).toBe('Access denied.');
  });

  it('404: unknown route and unknown entity', async () => {
    expect(
      expectError(await ctx.request({ method: 'GET', url: '/api/v1/nothing/here' }), 404).meta.message,
    ).toMatch(/not found/);
    const res = await ctx.manualTransaction({ location: DEMO.locationId }, 999999, DEMO_AUTH, { amount: 1 });
    expect(expectError(res, 404).meta.message).toBe('Loyalty card not found.');
  });

  it('404 (never 500) for a malformed path id', async () => {
    const res = await ctx.request({
      method: 'POST',
      url: '/api/v1/company/12345/loyalty/cards/abc/manual_transaction',
      headers: { authorization: DEMO_AUTH },
      payload: { amount: 1 },
    });
    expectError(res, 404);
  });

  it('406: an Accept that excludes JSON; a non-media-type Accept is ignored', async () => {
    const refused = await ctx.request({
      method: 'GET',
      url: '/api/v1/loyalty/card_types/salon/12345',
      headers: { authorization: DEMO_AUTH, accept: 'text/html' },
    });
    expect(expectError(refused, 406).meta.message).toMatch(/application\/json/);
    const ignored = await ctx.request({
      method: 'GET',
      url: '/api/v1/loyalty/card_types/salon/12345',
      headers: { authorization: DEMO_AUTH, accept: 'string', 'content-type': 'string' },
    });
    expect(ignored.statusCode).toBe(200);
  });

  it('413: body over the limit', async () => {
    const res = await ctx.request({
      method: 'POST',
      url: TX,
      headers: { authorization: DEMO_AUTH, 'content-type': 'application/json' },
      payload: JSON.stringify({ amount: 1, title: 'x'.repeat(70_000) }),
    });
    expectError(res, 413);
  });

  it('415: a body that is not JSON', async () => {
    const res = await ctx.request({
      method: 'POST',
      url: TX,
      headers: { authorization: DEMO_AUTH, 'content-type': 'text/plain' },
      payload: 'amount=1',
    });
    expect(expectError(res, 415).meta.message).toMatch(/Content-Type/);
  });

  it('422: field errors in meta.errors, and nothing changed', async () => {
    const before = await ctx.factory.balanceOf(9210520);
    const res = await ctx.request({
      method: 'POST',
      url: TX,
      headers: { authorization: DEMO_AUTH },
      payload: { amount: 'lots', title: 5 },
    });
    const body = expectError(res, 422);
    expect(body.meta.errors.amount).toEqual(['amount must be a number.']);
    expect(body.meta.errors.title).toEqual(['title must be a string.']);
    expect(await ctx.factory.balanceOf(9210520)).toEqual(before);
  });

  it('422: a missing body names the missing field', async () => {
    const res = await ctx.request({ method: 'POST', url: TX, headers: { authorization: DEMO_AUTH } });
    expect(expectError(res, 422).meta.errors).toEqual({ amount: ['amount is required.'] });
  });

  it('500: a generic sentence, no stack, no SQL', async () => {
    const app = await buildApp({
      services: ctx.services,
      config: { bodyLimit: 65536, logLevel: 'silent' },
      logger: false,
    });
    app.get('/boom', async () => {
      throw new Error('select secret from vault where 1=1');
    });
    const res = await app.inject({ method: 'GET', url: '/boom' });
    expect(expectError(res, 500).meta.message).toBe('Internal server error.');
    expect(res.body).not.toContain('vault');
    await app.close();
  });

  it('every answer carries a request id', async () => {
    const res = await ctx.request({ method: 'GET', url: '/health', headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers['x-request-id']).toBe('abc-123');
  });
});
