import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  authorization,
  createLoyaltyClient,
  DEFAULT_ACCEPT,
  LoyaltyApiError,
  orThrow,
  type LoyaltyClient,
} from '../client/index.js';
import { generateClientTypes, SCHEMA_FILE, servedDocument } from '../scripts/generate-client.js';
import { DEMO, describeEachDialect } from './helpers/app.js';
import { checkFetched, contractOf, type Contract } from './helpers/contract.js';

describe('client/schema.d.ts', () => {
  it('is what `npm run client:generate` makes of the served document (run it when this fails)', async () => {
    const fresh = await generateClientTypes(await servedDocument());
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    expect(committed === fresh, 'client/schema.d.ts is stale: run `npm run client:generate`').toBe(true);
  });
});

/** Demo ids by path parameter name, for the operations this file has no dedicated test for. */
const DEMO_PARAMS: Record<string, string | number> = {
  location_id: DEMO.locationId,
  company_id: DEMO.locationId,
  chain_id: DEMO.chainId,
  group_id: DEMO.chainId,
  card_id: DEMO.cardId,
  client_id: DEMO.clientId,
  phone: DEMO.phone,
  card_type_id: 10992,
  loyalty_card_type_id: 10992,
  type_id: 10992,
  program_id: 18005,
  loyalty_program_id: 18005,
};

describeEachDialect('typed client against a live server', (ctx) => {
  let baseUrl: string;
  let contract: Contract;
  /** operationId of every answer the client received, matched through the served document. */
  const exercised = new Set<string>();
  const sent: Request[] = [];

  /** The client's fetch: every answer is checked against the document and counted. */
  const checkedFetch = async (request: Request): Promise<Response> => {
    sent.push(request.clone());
    const response = await fetch(request);
    const operation = contract.find(request.method, new URL(request.url).pathname);
    if (operation?.operationId) exercised.add(operation.operationId);
    await checkFetched(contract, request, response);
    return response;
  };

  const client = (options: { partnerToken?: string; userToken?: string } = {}): LoyaltyClient =>
    createLoyaltyClient({
      baseUrl,
      partnerToken: options.partnerToken ?? DEMO.partnerToken,
      userToken: 'userToken' in options ? options.userToken : DEMO.userToken,
      fetch: checkedFetch,
    });

  beforeAll(async () => {
    const address = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `${address}/api/v1`;
    contract = await contractOf(ctx.app);
  });

  it('sends Altegio headers and unwraps a list into typed data and meta', async () => {
    const api = client();
    const cards = await api.GET('/loyalty/cards/{phone}/{chain_id}/{location_id}', {
      params: { path: { phone: DEMO.phone, chain_id: DEMO.chainId, location_id: DEMO.locationId } },
    });
    expect(cards.ok).toBe(true);
    if (!cards.ok) return;
    expect(cards.status).toBe(200);
    expect(cards.meta.count).toBe(cards.data.length);
    const card = cards.data.find((c) => c.id === DEMO.cardId)!;
    expect(card).toMatchObject({
      number: '14507109210520',
      balance: 100,
      type_id: 10992,
      salon_group_id: DEMO.chainId,
    });
    expect(card.programs[0]?.rules.map((r) => r.id)).toEqual([72803, 72804, 72805]);

    const request = sent.at(-1)!;
    expect(request.headers.get('accept')).toBe(DEFAULT_ACCEPT);
    expect(request.headers.get('authorization')).toBe(`Bearer ${DEMO.partnerToken}, User ${DEMO.userToken}`);
  });

  it('reads every card and card type list', async () => {
    const api = client();
    const byClient = await orThrow(
      api.GET('/loyalty/client_cards/{client_id}', { params: { path: { client_id: DEMO.clientId } } }),
    );
    expect(byClient.data.map((c) => c.id)).toContain(DEMO.cardId);
    const mine = await orThrow(
      api.GET('/user/loyalty_cards/{chain_id}', { params: { path: { chain_id: DEMO.chainId } } }),
    );
    expect(mine.data.map((c) => c.number)).toContain('14507109210520');

    const salon = await orThrow(
      api.GET('/loyalty/card_types/salon/{location_id}', {
        params: { path: { location_id: DEMO.locationId } },
      }),
    );
    expect(salon.data.map((t) => t.id).sort((a, b) => a - b)).toEqual([8230, 10992, 10993]);
    expect(salon.data[0]!.salon_group).toEqual({ id: DEMO.chainId, title: 'Dough chain1.' });
    const forClient = await orThrow(
      api.GET('/loyalty/card_types/client/{location_id}/{phone}', {
        params: { path: { location_id: DEMO.locationId, phone: DEMO.phone } },
      }),
    );
    expect(forClient.data.map((t) => t.id)).toEqual(expect.not.arrayContaining([10992]));

    // A BearerPartner operation, with the partner token alone.
    const partnerOnly = client({ userToken: undefined });
    const chainTypes = await orThrow(
      partnerOnly.GET('/chain/{chain_id}/loyalty/card_types', {
        params: { path: { chain_id: DEMO.chainId } },
      }),
    );
    expect(chainTypes.data.map((t) => t.id)).toEqual(expect.arrayContaining([8230, 10992]));
    expect(sent.at(-1)!.headers.get('authorization')).toBe(`Bearer ${DEMO.partnerToken}`);
  });

  it('logs in and then uses the new user token', async () => {
    const api = client({ userToken: undefined });
    const login = await api.login(DEMO.login, DEMO.password);
    expect(login.ok).toBe(true);
    if (!login.ok) return;
    expect(login.status).toBe(201);
    expect(login.data).toMatchObject({ login: DEMO.login, phone: '+13155550175' });
    expect(login.meta).toEqual([]);
    expect(sent.at(-1)!.headers.get('authorization')).toBe(authorization(DEMO.partnerToken));

    const mine = await orThrow(
      api.GET('/user/loyalty_cards/{chain_id}', { params: { path: { chain_id: DEMO.chainId } } }),
    );
    expect(mine.data.length).toBeGreaterThan(0);
    expect(sent.at(-1)!.headers.get('authorization')).toBe(
      `Bearer ${DEMO.partnerToken}, User ${login.data.user_token}`,
    );
  });

  it('issues a card, moves money both ways, replays an idempotent write and removes the card', async () => {
    const api = client();
    const phone = `1315555${ctx.kind === 'sqlite' ? '1' : '2'}${String(Date.now()).slice(-3)}`;
    const issue = () =>
      api.POST('/loyalty/cards/{location_id}', {
        params: { path: { location_id: DEMO.locationId }, header: { 'Idempotency-Key': `issue-${phone}` } },
        body: { loyalty_card_type_id: '8230', phone: Number(phone) },
      });
    const issued = await orThrow(issue());
    expect(issued.status).toBe(200);
    expect(issued.data).toMatchObject({ balance: 0, type_id: 8230, salon_group_id: DEMO.chainId });
    expect(issued.data.number).toEqual(expect.any(String));
    const replay = await orThrow(issue());
    expect(replay.response.headers.get('idempotency-replayed')).toBe('true');
    expect(replay.data).toEqual(issued.data);

    const cardId = issued.data.id;
    const topUp = await orThrow(
      api.POST('/company/{location_id}/loyalty/cards/{card_id}/manual_transaction', {
        params: { path: { location_id: DEMO.locationId, card_id: cardId } },
        body: { amount: 100.5, title: 'client test' },
      }),
    );
    expect(topUp.data).toMatchObject({
      id: cardId,
      balance: 100.5,
      max_discount_percent: expect.any(Number),
    });
    expect(topUp.meta).toEqual({});
    const withdraw = await orThrow(
      api.POST('/chain/{chain_id}/loyalty/cards/{card_id}/manual_transaction', {
        params: { path: { chain_id: DEMO.chainId, card_id: cardId } },
        body: { amount: '-0.5' },
      }),
    );
    expect(withdraw.data.balance).toBe(100);

    const refused = await api.POST('/company/{location_id}/loyalty/cards/{card_id}/manual_transaction', {
      params: { path: { location_id: DEMO.locationId, card_id: cardId } },
      body: { amount: -1000 },
    });
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.status).toBe(422);
    expect(refused.error).toBeInstanceOf(LoyaltyApiError);
    expect(refused.error.body?.success).toBe(false);
    expect(refused.error.message).toEqual(expect.any(String));

    const removed = await orThrow(
      api.DELETE('/loyalty/cards/{location_id}/{card_id}', {
        params: { path: { location_id: DEMO.locationId, card_id: cardId } },
      }),
    );
    expect(removed.status).toBe(204);
    expect(removed.data).toBeUndefined();
    const again = await api.DELETE('/loyalty/cards/{location_id}/{card_id}', {
      params: { path: { location_id: DEMO.locationId, card_id: cardId } },
    });
    expect(again.ok ? 204 : again.status).toBe(404);
  });

  it('answers the raw /visit/loyalty/* operations with the value itself as data; their errors stay typed', async () => {
    const api = client();
    const made = await orThrow(
      api.POST('/records/{location_id}', {
        params: { path: { location_id: DEMO.locationId } },
        body: {
          staff_id: DEMO.staffId,
          services: [{ id: DEMO.haircutServiceId }],
          client: { phone: DEMO.visitPhone },
          datetime: '2024-03-01T10:00:00+03:00',
          seance_length: 3600,
        },
      }),
    );
    const discount = {
      params: {
        path: {
          location_id: DEMO.locationId,
          card_id: DEMO.visitCardId,
          program_id: DEMO.loyalDiscountProgramId,
        },
      },
      body: { record_id: made.data.id, visit_id: made.data.visit_id },
    };
    const applied = await orThrow(
      api.POST('/visit/loyalty/apply_discount_program/{location_id}/{card_id}/{program_id}', discount),
    );
    expect(applied.meta).toBeUndefined();
    expect(applied.data.loyalty_transactions.map((t) => [t.type_id, t.amount])).toEqual([[1, 75]]);
    expect(applied.data.items[0]!.cost).toBe(1500);
    const cancelled = await orThrow(
      api.POST('/visit/loyalty/cancel_discount_program/{location_id}/{card_id}/{program_id}', discount),
    );
    expect(cancelled.data.loyalty_transactions).toEqual([]);

    const refused = await api.POST('/visit/loyalty/apply_card_withdrawal/{location_id}/{card_id}', {
      params: { path: { location_id: DEMO.locationId, card_id: DEMO.visitCardId } },
      body: { amount: 1.005, record_id: made.data.id, visit_id: made.data.visit_id },
    });
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.status).toBe(422);
      expect(refused.error.fieldErrors.amount).toEqual(['amount must have at most 2 decimal places.']);
    }
  });

  it('answers refusals as typed errors: 401, 403, 422 with field errors', async () => {
    const stranger = client({ partnerToken: 'no-such-partner' });
    const unauthenticated = await stranger.GET('/loyalty/client_cards/{client_id}', {
      params: { path: { client_id: DEMO.clientId } },
    });
    expect(unauthenticated.ok).toBe(false);
    if (!unauthenticated.ok) {
      expect(unauthenticated.status).toBe(401);
      expect(unauthenticated.error.body).toEqual({
        success: false,
        data: null,
        meta: { message: 'Authentication needed.' },
      });
    }

    const api = client();
    await expect(
      orThrow(
        api.GET('/loyalty/card_types/salon/{location_id}', {
          params: { path: { location_id: DEMO.otherLocationId } },
        }),
      ),
    ).rejects.toMatchObject({ name: 'LoyaltyApiError', status: 403, message: 'Access denied.' });

    const invalid = await api.POST('/loyalty/cards/{location_id}', {
      params: { path: { location_id: DEMO.locationId } },
      body: { loyalty_card_type_id: 8230 } as never,
    });
    expect(invalid.ok).toBe(false);
    if (!invalid.ok) {
      expect(invalid.status).toBe(422);
      expect(invalid.error.fieldErrors.phone).toEqual([expect.stringContaining('phone')]);
    }
  });

  it('exercises every operation of the served document', async () => {
    const api = client() as unknown as Record<
      string,
      (path: string, init: unknown) => Promise<{ status: number }>
    >;
    // The operations without a dedicated test above (added by other modules): called with the
    // demo ids; whatever they answer, the answer must be one the document promises.
    for (const operation of contract.operations) {
      if (!operation.operationId || exercised.has(operation.operationId)) continue;
      const path = Object.fromEntries(
        [...operation.path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => [name, DEMO_PARAMS[name!] ?? 1]),
      );
      const writes = ['post', 'put', 'patch'].includes(operation.method);
      const result = await api[operation.method.toUpperCase()]!(operation.path, {
        params: { path },
        ...(writes ? { body: {} } : {}),
      });
      expect(result.status, `${operation.method} ${operation.path}`).toBeLessThan(500);
    }
    const missing = contract.operations.map((o) => o.operationId).filter((id) => !exercised.has(id!));
    expect(missing).toEqual([]);
    expect(exercised.size).toBe(contract.operations.length);
  });
});
