import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Executor } from '../../src/db/database.js';
import { registerAuth } from '../../src/http/auth.js';
import { registerErrorHandling } from '../../src/http/error-handler.js';
import { registerNegotiation } from '../../src/http/negotiation.js';
import { registerOpenApi } from '../../src/http/openapi.js';
import { AT_LOCATION, errorStatuses, IN_CHAIN, mount, route } from '../../src/http/route.js';
import { ChainParams, LocationParams, PathId } from '../../src/http/schemas.js';
import { validatorCompiler } from '../../src/http/validation.js';
import { checkInjected } from '../helpers/contract.js';
import { DEMO, DEMO_AUTH, DEMO_PARTNER, describeEachDialect } from '../helpers/app.js';

const Visit = Type.Object({ id: Type.Integer(), location_id: Type.Integer(), chain_id: Type.Integer() });

/**
 * The route kit (src/http/route.ts) with the operations the visit engine will need: raw answers
 * (SPEC §6.2), 201 answers, lists with a total, body-less answers, and each commit mode. The
 * routes live in an app of their own, over this dialect's services, with the OpenAPI document
 * built from them.
 */
describeEachDialect('route kit', (ctx) => {
  let app: FastifyInstance;
  /** Per write: whether its handler was handed a transaction. */
  const executors: Record<string, boolean[]> = {};
  const seen = (name: string, executor: Executor) => (executors[name] ??= []).push(executor.isTransaction);

  beforeAll(async () => {
    app = Fastify({ logger: false });
    app.setValidatorCompiler(validatorCompiler);
    registerErrorHandling(app, ctx.database.availability);
    registerNegotiation(app);
    registerAuth(app, ctx.services.auth);
    await registerOpenApi(app);
    const { writes } = ctx.services;
    await app.register(
      async (api) => {
        mount(api, writes, [
          route({
            method: 'GET',
            url: '/visit/loyalty/:location_id',
            operationId: 'raw_read',
            summary: 'A raw answer',
            tag: 'Kit',
            ...AT_LOCATION,
            extension: true,
            params: LocationParams,
            answer: { status: 200, envelope: 'raw', schema: Visit },
            handler: async ({ scope, params }) => ({
              id: params.location_id,
              location_id: scope.location.id,
              chain_id: scope.location.chain_id,
            }),
          }),
          route({
            method: 'GET',
            url: '/visit/pages/:location_id',
            operationId: 'paged_read',
            summary: 'One page of a list, with its total',
            tag: 'Kit',
            ...AT_LOCATION,
            params: LocationParams,
            answer: { status: 200, envelope: 'list', schema: Visit },
            handler: async ({ scope }) => ({
              data: [{ id: 1, location_id: scope.location.id, chain_id: scope.location.chain_id }],
              total: 7,
              meta: { total_count: 7 },
            }),
          }),
          route({
            method: 'POST',
            url: '/visit/created/:location_id',
            operationId: 'created',
            summary: 'A 201 in the single envelope, in a transaction',
            tag: 'Kit',
            ...AT_LOCATION,
            params: LocationParams,
            body: Type.Object({ id: Type.Integer() }),
            answer: { status: 201, envelope: 'single', schema: Visit },
            handler: async ({ scope, body }, executor) => {
              seen('transaction', executor);
              return { id: body.id, location_id: scope.location.id, chain_id: scope.location.chain_id };
            },
          }),
          route({
            method: 'PATCH',
            url: '/visit/patched/:location_id',
            operationId: 'patched',
            summary: 'A PATCH is a write like the others',
            tag: 'Kit',
            ...AT_LOCATION,
            params: LocationParams,
            body: Type.Object({ id: Type.Integer() }),
            answer: { status: 200, envelope: 'single', schema: Visit },
            handler: async ({ scope, body }, executor) => {
              seen('transaction', executor);
              return { id: body.id, location_id: scope.location.id, chain_id: scope.location.chain_id };
            },
          }),
          route({
            method: 'POST',
            url: '/visit/raw-write/:chain_id',
            operationId: 'raw_write',
            summary: 'A raw write, atomic on its own',
            tag: 'Kit',
            auth: 'partnerUser',
            access: { chain: 'chain_id' },
            params: Type.Object({ chain_id: PathId('Chain id') }),
            answer: { status: 200, envelope: 'raw', schema: Type.Array(Type.Integer()) },
            write: { commit: 'atomic' },
            handler: async ({ scope }, executor) => {
              seen('atomic', executor);
              return [scope.chain.id];
            },
          }),
          route({
            method: 'DELETE',
            url: '/visit/gone',
            operationId: 'gone',
            summary: 'No content, never in a transaction, no key',
            tag: 'Kit',
            auth: 'partner',
            refusals: [],
            answer: { status: 204 },
            write: { commit: 'none', idempotency: false },
            handler: async (_context, executor) => seen('none', executor),
          }),
        ]);
      },
      { prefix: '/api/v1' },
    );
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
  });

  const call = async (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    headers: object = {},
    body?: object,
  ) => {
    const res = await app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { authorization: DEMO_AUTH, ...headers },
      ...(body ? { payload: body } : {}),
    });
    await checkInjected(app, res);
    return res;
  };

  it('answers raw JSON where declared, and keeps the error envelope', async () => {
    const ok = await call('GET', `/visit/loyalty/${DEMO.locationId}`);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ id: DEMO.locationId, location_id: DEMO.locationId, chain_id: DEMO.chainId });
    const refused = await call('GET', `/visit/loyalty/${DEMO.otherLocationId}`);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toEqual({ success: false, data: null, meta: { message: 'Access denied.' } });
    const raw = await call('POST', `/visit/raw-write/${DEMO.chainId}`);
    expect([raw.statusCode, raw.body]).toEqual([200, `[${DEMO.chainId}]`]);
  });

  it('wraps lists with their total and extra meta, and answers 201 in the single envelope', async () => {
    const page = await call('GET', `/visit/pages/${DEMO.locationId}`);
    expect(page.json()).toEqual({
      success: true,
      data: [{ id: 1, location_id: DEMO.locationId, chain_id: DEMO.chainId }],
      meta: { count: 7, total_count: 7 },
    });
    const created = await call('POST', `/visit/created/${DEMO.locationId}`, {}, { id: 5 });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({
      success: true,
      data: { id: 5, location_id: DEMO.locationId, chain_id: DEMO.chainId },
      meta: [],
    });
  });

  it('hands each write the executor its commit mode calls for', async () => {
    await call('POST', `/visit/created/${DEMO.locationId}`, {}, { id: 6 });
    const key = { 'idempotency-key': `patch-${ctx.kind}` };
    const patched = await call('PATCH', `/visit/patched/${DEMO.locationId}`, key, { id: 7 });
    expect(patched.statusCode).toBe(200);
    const again = await call('PATCH', `/visit/patched/${DEMO.locationId}`, key, { id: 7 });
    expect([again.headers['idempotency-replayed'], again.body]).toEqual(['true', patched.body]);
    await call('POST', `/visit/raw-write/${DEMO.chainId}`);
    await call('POST', `/visit/raw-write/${DEMO.chainId}`, { 'idempotency-key': `kit-${ctx.kind}` });
    const gone = await call('DELETE', '/visit/gone', { authorization: DEMO_PARTNER, 'idempotency-key': 'x' });
    expect([gone.statusCode, gone.body]).toEqual([204, '']);
    expect(executors.transaction?.every(Boolean)).toBe(true);
    // Atomic: alone on PostgreSQL (one statement there) unless a key's answer must commit with it.
    expect(executors.atomic?.slice(-2)).toEqual(ctx.kind === 'postgres' ? [false, true] : [true, true]);
    expect(executors.none).toEqual([false]);
  });

  it('derives the document: security, error answers, x-extension and Idempotency-Key', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const op = (path: string, method: string) => doc.paths[path][method];
    const statuses = (path: string, method: string) =>
      Object.keys(op(path, method).responses).filter((s) => s !== 'default');
    const refs = (path: string, method: string) =>
      (op(path, method).parameters ?? []).map((p: { $ref?: string }) => p.$ref);

    expect(op('/visit/loyalty/{location_id}', 'get').security).toEqual([{ BearerPartnerUser: [] }]);
    expect(op('/visit/gone', 'delete').security).toEqual([{ BearerPartner: [] }]);
    expect(statuses('/visit/loyalty/{location_id}', 'get')).toEqual([
      '200',
      '401',
      '403',
      '404',
      '406',
      '422',
    ]);
    expect(statuses('/visit/created/{location_id}', 'post')).toEqual([
      '201',
      '400',
      '401',
      '403',
      '404',
      '406',
      '409',
      '413',
      '415',
      '422',
      '503',
    ]);
    expect(statuses('/visit/gone', 'delete')).toEqual([
      '204',
      '400',
      '401',
      '406',
      '413',
      '415',
      '422',
      '503',
    ]);
    expect(op('/visit/loyalty/{location_id}', 'get')['x-extension']).toBe(true);
    expect(op('/visit/pages/{location_id}', 'get')['x-extension']).toBeUndefined();
    expect(refs('/visit/created/{location_id}', 'post')).toContain('#/components/parameters/IdempotencyKey');
    expect(refs('/visit/gone', 'delete')).not.toContain('#/components/parameters/IdempotencyKey');
    expect(refs('/visit/patched/{location_id}', 'patch')).toContain('#/components/parameters/IdempotencyKey');
    // The raw answer is documented as the object itself, not an envelope.
    expect(
      op('/visit/loyalty/{location_id}', 'get').responses['200'].content['application/json'].schema,
    ).toEqual(expect.objectContaining({ required: ['id', 'location_id', 'chain_id'] }));
  });
});

it('derives error answers from what a route declares', () => {
  const base = { url: '/x', operationId: 'x', summary: 'x', tag: 'x', auth: 'partnerUser' } as const;
  const read = route({
    ...base,
    method: 'GET',
    answer: { status: 200, envelope: 'raw', schema: Type.Integer() },
    handler: async () => 1,
  });
  const write = route({ ...base, method: 'POST', answer: { status: 204 }, handler: async () => undefined });
  const login = route({
    ...base,
    method: 'POST',
    refusals: [429],
    write: { commit: 'none', idempotency: false },
    answer: { status: 204 },
    handler: async () => undefined,
  });
  expect(errorStatuses(read.spec)).toEqual([401, 403, 404, 406, 422]);
  expect(errorStatuses(write.spec)).toEqual([400, 401, 403, 404, 406, 409, 413, 415, 422, 503]);
  expect(errorStatuses(login.spec)).toEqual([400, 401, 406, 413, 415, 422, 429, 503]);
});

it('types the handler context from the declaration (checked by tsc)', () => {
  const declared = [
    route({
      method: 'GET',
      url: '/a/:location_id',
      operationId: 'a',
      summary: 'a',
      tag: 'x',
      auth: 'partnerUser',
      access: { location: 'location_id' },
      params: LocationParams,
      answer: { status: 200, envelope: 'single', schema: Type.Integer() },
      handler: async ({ scope }) => {
        // @ts-expect-error a location rule guarantees the location, not a chain
        void scope.chain;
        return scope.location.chain_id;
      },
    }),
    route({
      method: 'GET',
      url: '/d',
      operationId: 'd',
      summary: 'd',
      tag: 'x',
      auth: 'partnerUser',
      answer: { status: 200, envelope: 'list', schema: Type.Integer() },
      // @ts-expect-error a list answer is an array of its schema (or a page of them)
      handler: async () => 'no',
    }),
    route({
      method: 'GET',
      url: '/b/:location_id',
      operationId: 'b',
      summary: 'b',
      tag: 'x',
      auth: 'partnerUser',
      // @ts-expect-error an access rule names a path parameter of the route
      access: { location: 'chain_id' },
      params: LocationParams,
      answer: { status: 200, envelope: 'raw', schema: Type.Integer() },
      handler: async () => 1,
    }),
    route({
      method: 'PUT',
      url: '/e/:chain_id',
      operationId: 'e',
      summary: 'e',
      tag: 'x',
      ...IN_CHAIN,
      params: ChainParams,
      answer: { status: 200, envelope: 'single', schema: Type.String() },
      handler: async ({ scope }, executor) => {
        // @ts-expect-error a chain rule guarantees the chain, not a location
        void scope.location;
        return `${scope.chain.title}${executor.isTransaction}`;
      },
    }),
    // @ts-expect-error AT_LOCATION names location_id, which these params do not have
    route({
      method: 'GET',
      url: '/f/:location_id',
      operationId: 'f',
      summary: 'f',
      tag: 'x',
      ...AT_LOCATION,
      params: ChainParams,
      answer: { status: 200, envelope: 'raw', schema: Type.Integer() },
      handler: async () => 1,
    }),
    route({
      method: 'POST',
      url: '/c',
      operationId: 'c',
      summary: 'c',
      tag: 'x',
      auth: 'partner',
      answer: { status: 204 },
      handler: async (_context, executor) => executor.isTransaction,
    }),
  ];
  expect(declared.map(({ spec }) => spec.operationId)).toEqual(['a', 'd', 'b', 'e', 'f', 'c']);
});
