import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validate } from '@readme/openapi-parser';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servedDocument } from '../scripts/generate-client.js';
import { buildApp } from '../src/app.js';
import type { DatabaseHandle } from '../src/db/database.js';
import { DEMO, loadDemo } from '../src/demo/dataset.js';
import { createServices } from '../src/services.js';
import { DEMO_CARD_FIGURES } from './helpers/cards.js';
import { Contract, ContractViolation, HTTP_METHODS } from './helpers/contract.js';
import { openMigrated } from './helpers/databases.js';

type JsonObject = Record<string, any>;

/** Altegio's operation names for the loyalty card operations and login (SPEC §3), and the catalogue's (§6). */
const ALTEGIO_OPERATIONS: Record<string, string> = {
  authorize_user: 'post /auth',
  get_loyalty_card_list_by_client_id: 'get /loyalty/client_cards/{client_id}',
  get_loyalty_card_list_by_phone: 'get /loyalty/cards/{phone}/{chain_id}/{location_id}',
  get_user_loyalty_cards: 'get /user/loyalty_cards/{chain_id}',
  get_loyalty_card_type_list: 'get /loyalty/card_types/salon/{location_id}',
  get_loyalty_card_type_list_for_client: 'get /loyalty/card_types/client/{location_id}/{phone}',
  get_chain_loyalty_card_type_list: 'get /chain/{chain_id}/loyalty/card_types',
  issue_loyalty_card: 'post /loyalty/cards/{location_id}',
  remove_loyalty_card: 'delete /loyalty/cards/{location_id}/{card_id}',
  create_loyalty_card_transaction: 'post /company/{location_id}/loyalty/cards/{card_id}/manual_transaction',
  create_chain_loyalty_card_transaction: 'post /chain/{chain_id}/loyalty/cards/{card_id}/manual_transaction',
  // SPEC §6.2, V1–V3: services, team members, accounts.
  get_service_list: 'get /services/{location_id}',
  create_service: 'post /services/{location_id}',
  get_service: 'get /company/{location_id}/services/{service_id}',
  deprecated_get_service_list_by_id: 'get /services/{location_id}/{service_id}',
  deprecated_update_service_by_id: 'put /services/{location_id}/{service_id}',
  patch_service: 'patch /services/{location_id}/{service_id}',
  delete_service: 'delete /services/{location_id}/{service_id}',
  get_team_member_list: 'get /staff/{location_id}',
  get_team_member: 'get /company/{location_id}/staff/{staff_id}',
  get_team_member_by_id: 'get /staff/{location_id}/{staff_id}',
  create_team_member_quick: 'post /company/{location_id}/staff/quick',
  deprecated_create_team_member: 'post /staff/{location_id}',
  update_team_member: 'put /staff/{location_id}/{staff_id}',
  delete_team_member: 'delete /staff/{location_id}/{staff_id}',
  get_account_list: 'get /accounts/{location_id}',
  // SPEC §6.2, V8, V9, V11: loyalty inside a visit.
  apply_discount_promotion: 'post /visit/loyalty/apply_discount_program/{location_id}/{card_id}/{program_id}',
  cancel_discount_promotion:
    'post /visit/loyalty/cancel_discount_program/{location_id}/{card_id}/{program_id}',
  apply_loyalty_card_deduction: 'post /visit/loyalty/apply_card_withdrawal/{location_id}/{card_id}',
  cancel_loyalty_card_withdrawal: 'post /visit/loyalty/cancel_card_withdrawal/{location_id}/{card_id}',
  get_loyalty_transactions_by_visit: 'get /visit/loyalty/transactions/{visit_id}',
};

const WRITES = new Set(['post', 'put', 'patch', 'delete']);
const ERROR_REF = '#/components/schemas/Error';

/**
 * The routes Fastify actually has, from its route tree: `[method, path with ":" for params]`.
 * Parameter names are dropped (the tree merges `:phone|:location_id`), shapes are compared.
 */
function registeredRoutes(app: FastifyInstance): Array<[string, string]> {
  const routes: Array<[string, string]> = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+)(?: \(([^)]*)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    const path = (stack[depth - 1] ?? '') + match[2]!;
    stack.push(path);
    for (const method of (match[3] ?? '').split(', ').filter(Boolean))
      routes.push([method.toLowerCase(), path]);
  }
  return routes;
}

const shape = (path: string) =>
  path
    .split('/')
    .map((segment) => (/^(\{[^}]+\}|:.*)$/.test(segment) ? ':' : segment))
    .join('/');

describe('OpenAPI document', () => {
  let app: FastifyInstance;
  let database: DatabaseHandle;
  let dir: string;
  let doc: JsonObject;
  let operations: Array<{ method: string; path: string; op: JsonObject }>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'loyalty-openapi-test-'));
    database = await openMigrated(`file:${join(dir, 'test.sqlite')}`);
    await loadDemo(database);
    app = await buildApp({
      services: createServices(database),
      config: { bodyLimit: 65536, logLevel: 'silent' },
      logger: false,
    });
    await app.ready();
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    doc = res.json();
    operations = Object.entries<JsonObject>(doc.paths).flatMap(([path, item]) =>
      HTTP_METHODS.filter((m) => item[m]).map((method) => ({ method, path, op: item[method] as JsonObject })),
    );
  });

  afterAll(async () => {
    await app?.close();
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is a valid OpenAPI 3.1 document (checked by @readme/openapi-parser)', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? [] : result.errors).toEqual([]);
    expect(result.valid).toBe(true);

    // The validator is not a rubber stamp: a dangling reference is caught.
    const broken = structuredClone(doc);
    broken.components.schemas.LoyaltyCard.properties.type = { $ref: '#/components/schemas/Nope' };
    expect((await validate(broken as never)).valid).toBe(false);
  });

  it('serves relative paths under the /api/v1 server, and hides health, metrics and docs', () => {
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/api/v1' })]);
    const paths = Object.keys(doc.paths);
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) {
      expect(path.startsWith('/api/'), path).toBe(false);
      expect(['/health', '/metrics', '/openapi.json'].includes(path) || path.startsWith('/docs'), path).toBe(
        false,
      );
    }
  });

  it('documents every API route the server has, and nothing else', () => {
    const documented = new Set(operations.map(({ method, path }) => `${method} ${shape('/api/v1' + path)}`));
    const registered = registeredRoutes(app).filter(
      ([method, path]) => path.startsWith('/api/v1/') && method !== 'head',
    );
    const keys = registered.map(([m, p]) => `${m} ${shape(p)}`);
    // The tree parser sees nested routes too (DELETE hangs under POST /loyalty/cards/:location_id).
    expect(keys).toEqual(expect.arrayContaining(['post /api/v1/auth', 'delete /api/v1/loyalty/cards/:/:']));
    const missing = keys.filter((key) => !documented.has(key));
    expect(missing).toEqual([]);
    for (const { method, path } of operations) {
      const url = '/api/v1' + path.replace(/\{([^}]+)\}/g, ':$1');
      expect(app.hasRoute({ method: method.toUpperCase() as 'GET', url }), `${method} ${path}`).toBe(true);
    }
  });

  it('names the loyalty card operations and login as Altegio does', () => {
    const byId = new Map(operations.map(({ method, path, op }) => [op.operationId, `${method} ${path}`]));
    for (const [operationId, where] of Object.entries(ALTEGIO_OPERATIONS)) {
      expect(byId.get(operationId), operationId).toBe(where);
    }
  });

  it('gives every operation a unique operationId, a summary, a tag and one Altegio security scheme', () => {
    const ids = operations.map(({ op }) => op.operationId);
    expect(
      ids.every((id) => typeof id === 'string' && /^[a-zA-Z][\w-]*$/.test(id)),
      ids.join(),
    ).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    const declaredTags = (doc.tags as { name: string; description: string }[]).map((t) => t.name);
    for (const { method, path, op } of operations) {
      const label = `${method} ${path}`;
      expect(op.summary, label).toEqual(expect.any(String));
      expect(op.tags?.length, label).toBeGreaterThan(0);
      // Every tag is declared with a description (the docs page groups and explains by them).
      for (const tag of op.tags) expect(declaredTags, `${label}: tag "${tag}"`).toContain(tag);
      // One requirement, or alternatives ("either token form") — each one of Altegio's two schemes.
      expect(op.security?.length, label).toBeGreaterThan(0);
      for (const requirement of op.security) {
        expect(Object.keys(requirement), label).toHaveLength(1);
        expect(['BearerPartner', 'BearerPartnerUser'], label).toContain(Object.keys(requirement)[0]);
      }
    }
    const scheme = (id: string) =>
      Object.keys(operations.find(({ op }) => op.operationId === id)!.op.security[0])[0];
    expect(scheme('authorize_user')).toBe('BearerPartner');
    expect(scheme('get_chain_loyalty_card_type_list')).toBe('BearerPartner');
    expect(scheme('get_loyalty_card_list_by_phone')).toBe('BearerPartnerUser');
    expect(scheme('create_loyalty_card_transaction')).toBe('BearerPartnerUser');
  });

  it('declares both security schemes as the verbatim Authorization header, with its exact format', () => {
    const schemes = doc.components.securitySchemes;
    expect(Object.keys(schemes).sort()).toEqual(['BearerPartner', 'BearerPartnerUser']);
    for (const scheme of Object.values<JsonObject>(schemes)) {
      expect(scheme).toMatchObject({ type: 'apiKey', in: 'header', name: 'Authorization' });
    }
    expect(schemes.BearerPartner.description).toContain('Bearer <partner_token>');
    expect(schemes.BearerPartnerUser.description).toContain('Bearer <partner_token>, User <user_token>');
  });

  it('documents every path parameter and the request body of every write that takes one', () => {
    for (const { method, path, op } of operations) {
      const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const params = (op.parameters ?? []).filter((p: JsonObject) => p.in === 'path');
      expect(params.map((p: JsonObject) => p.name).sort(), `${method} ${path}`).toEqual(names.sort());
      expect(params.every((p: JsonObject) => p.required === true && p.schema)).toBe(true);
    }
    const body = (id: string) => operations.find(({ op }) => op.operationId === id)!.op.requestBody;
    expect(body('issue_loyalty_card').content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/IssueCardBody',
    });
    expect(body('create_loyalty_card_transaction').content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/ManualTransactionBody',
    });
    expect(body('authorize_user').content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/AuthBody',
    });
  });

  it('documents every answer: the success envelope, error answers as the Error envelope, 204 without content', () => {
    for (const { method, path, op } of operations) {
      const label = `${method} ${path}`;
      const responses: JsonObject = op.responses;
      const success = Object.keys(responses).filter((s) => s.startsWith('2'));
      expect(success.length, label).toBeGreaterThan(0);
      for (const status of success) {
        const content = responses[status].content;
        if (status === '204' || status === '202') {
          expect(content, `${label} ${status}`).toBeUndefined();
          continue;
        }
        const schema = content['application/json'].schema;
        // SPEC §6.2: the visit loyalty operations answer raw JSON (their errors keep the envelope).
        if (path.startsWith('/visit/loyalty/')) continue;
        expect(schema.required, `${label} ${status}`).toEqual(['success', 'data', 'meta']);
        expect(schema.properties.success, label).toMatchObject({ enum: [true] });
      }
      for (const status of ['401', 'default']) {
        expect(responses[status]?.content['application/json'].schema, `${label} ${status}`).toEqual({
          $ref: ERROR_REF,
        });
      }
      if (op.security.some((r: JsonObject) => r.BearerPartnerUser) || path.includes('{')) {
        expect(Object.keys(responses), label).toEqual(expect.arrayContaining(['404', '406']));
      }
      for (const [status, response] of Object.entries<JsonObject>(responses)) {
        expect(response.description, `${label} ${status}`).toEqual(expect.any(String));
        if (/^[45]/.test(status)) {
          expect(response.content['application/json'].schema, `${label} ${status}`).toEqual({
            $ref: ERROR_REF,
          });
        }
      }
    }
    const remove = operations.find(({ op }) => op.operationId === 'remove_loyalty_card')!.op;
    expect(Object.keys(remove.responses)).toContain('204');
    expect(remove.responses['200']).toBeUndefined();
    const issue = operations.find(({ op }) => op.operationId === 'issue_loyalty_card')!.op;
    expect(issue.responses['200'].content['application/json'].schema.properties.data).toEqual({
      $ref: '#/components/schemas/LoyaltyCard',
    });
    const byPhone = operations.find(({ op }) => op.operationId === 'get_loyalty_card_list_by_phone')!.op;
    const list = byPhone.responses['200'].content['application/json'].schema;
    expect(list.properties.data).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/LoyaltyCard' },
    });
    expect(list.properties.meta.required).toEqual(['count']);
  });

  it('names the component schemas, and every $ref resolves', () => {
    const schemas: JsonObject = doc.components.schemas;
    for (const name of [
      'LoyaltyCard',
      'LoyaltyCardBalance',
      'CardType',
      'Program',
      'Rule',
      'LoyaltyType',
      'Error',
    ]) {
      expect(schemas[name], name).toBeDefined();
    }
    expect(schemas.LoyaltyCard.properties.programs.items).toEqual({ $ref: '#/components/schemas/Program' });
    expect(schemas.Program.properties.rules.items).toEqual({ $ref: '#/components/schemas/Rule' });
    expect(schemas.Error.properties.meta.required).toEqual(['message']);
    if (operations.some(({ path }) => path.endsWith('/transactions'))) {
      expect(Object.keys(schemas).some((name) => /Transaction/.test(name))).toBe(true);
    }
    const text = JSON.stringify(doc);
    for (const [, ref] of text.matchAll(/"\$ref":"([^"]+)"/g)) {
      const target = ref!
        .slice(2)
        .split('/')
        .reduce<any>((node, token) => node?.[token.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
      expect(target, ref).toBeDefined();
    }
    // Ajv-only keywords and schema ids stay out of the document.
    expect(text).not.toContain('"$id"');
    expect(text).not.toContain('errorMessage');
    expect(text).not.toContain('x-component-name');
  });

  it('marks the extensions: Idempotency-Key on every write, the card history operation', () => {
    const key = doc.components.parameters.IdempotencyKey;
    expect(key).toMatchObject({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      'x-extension': true,
    });
    expect(doc.components.headers.IdempotencyReplayed['x-extension']).toBe(true);
    for (const { method, path, op } of operations) {
      const refs = (op.parameters ?? []).map((p: JsonObject) => p.$ref);
      // POST /auth is the one write without a key: its answer holds a token, never stored.
      expect(refs.includes('#/components/parameters/IdempotencyKey'), `${method} ${path}`).toBe(
        WRITES.has(method) && op.operationId !== 'authorize_user',
      );
      expect(JSON.stringify(op)).not.toContain('x-no-idempotency-key');
    }
    const history = operations.find(
      ({ method, path }) =>
        method === 'get' && path === '/loyalty/cards/{location_id}/{card_id}/transactions',
    );
    if (history) expect(history.op['x-extension']).toBe(true);
    for (const id of Object.keys(ALTEGIO_OPERATIONS)) {
      expect(operations.find(({ op }) => op.operationId === id)!.op['x-extension'], id).toBeUndefined();
    }
    expect(doc.info.description).toContain(
      '{"success": <bool>, "data": <object|array|null>, "meta": <object|array>}',
    );
  });

  it('is stable: the same bytes on every request and from a freshly built app', async () => {
    const again = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(again.json()).toEqual(doc);
    expect(await servedDocument()).toEqual(doc);
    expect(Object.keys(doc.paths)).toEqual([...Object.keys(doc.paths)].sort());
    expect(Object.keys(doc.components.schemas)).toEqual([...Object.keys(doc.components.schemas)].sort());
    const ui = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(ui.json()).toEqual(doc);
  });

  it('serves the docs page from the package: every asset is local', async () => {
    const page = await app.inject({
      method: 'GET',
      url: '/docs',
      headers: { accept: 'text/html,*/*;q=0.8' },
    });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(3);
    for (const asset of assets) {
      expect(asset, 'no CDN').not.toMatch(/^(https?:)?\/\//);
      const res = await app.inject({ method: 'GET', url: asset, headers: { accept: '*/*' } });
      expect(res.statusCode, asset).toBe(200);
    }
    const init = await app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
    expect(init.body).toContain('"displayOperationId":true');
    expect(init.body).toMatch(/validatorUrl: null/);
  });

  describe('the contract check (test/helpers/contract.ts)', () => {
    let contract: Contract;
    beforeAll(() => {
      contract = new Contract(doc);
    });
    const json = 'application/json; charset=utf-8';
    const card = { ...DEMO_CARD_FIGURES, programs: [] };
    const byPhone = `/api/v1/loyalty/cards/${DEMO.phone}/${DEMO.chainId}/${DEMO.locationId}`;

    it('routes like the server: a static segment wins over a parameter', () => {
      expect(contract.find('GET', byPhone)?.operationId).toBe('get_loyalty_card_list_by_phone');
      expect(
        contract.find('GET', '/api/v1/loyalty/cards/12345/9210520/transactions?page=1')?.path ?? null,
      ).toBe(
        operations.some(({ path }) => path.endsWith('{card_id}/transactions'))
          ? '/loyalty/cards/{location_id}/{card_id}/transactions'
          : null,
      );
      expect(contract.find('DELETE', '/api/v1/loyalty/cards/12345/9210520/')?.operationId).toBe(
        'remove_loyalty_card',
      );
      expect(contract.find('GET', '/health')).toBeNull();
    });

    it('accepts a conforming answer and rejects a drifting one', () => {
      const answer = { method: 'GET', url: byPhone, status: 200, contentType: json };
      expect(() =>
        contract.check({
          ...answer,
          body: JSON.stringify({ success: true, data: [card], meta: { count: 1 } }),
        }),
      ).not.toThrow();
      const drift = { ...card, number: 14507109210520 };
      expect(() =>
        contract.check({
          ...answer,
          body: JSON.stringify({ success: true, data: [drift], meta: { count: 1 } }),
        }),
      ).toThrow(/\/data\/0\/number must be string/);
      expect(() => contract.check({ ...answer, body: JSON.stringify({ data: [card] }) })).toThrow(
        ContractViolation,
      );
    });

    it('rejects undocumented statuses, bodies on 204 and non-JSON answers', () => {
      const remove = { method: 'DELETE', url: '/api/v1/loyalty/cards/12345/9210520', contentType: json };
      expect(() => contract.check({ ...remove, status: 204, body: '' })).not.toThrow();
      expect(() => contract.check({ ...remove, status: 204, body: '{}' })).toThrow(/without content/);
      // A 2xx the operation does not document falls to `default`, the error envelope: refused.
      expect(() =>
        contract.check({
          ...remove,
          status: 200,
          body: JSON.stringify({ success: true, data: null, meta: [] }),
        }),
      ).toThrow(ContractViolation);
      const error = JSON.stringify({
        success: false,
        data: null,
        meta: { message: 'Internal server error.' },
      });
      expect(() => contract.check({ ...remove, status: 500, body: error })).not.toThrow();
      expect(() => contract.check({ ...remove, status: 500, body: error, contentType: 'text/html' })).toThrow(
        /not JSON/,
      );
      const unknownRoute = { method: 'GET', url: '/api/v1/nope', contentType: json };
      expect(() => contract.check({ ...unknownRoute, status: 404, body: error })).not.toThrow();
      expect(() => contract.check({ ...unknownRoute, status: 200, body: '{}' })).toThrow(ContractViolation);
    });
  });
});
