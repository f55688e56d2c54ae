import { beforeAll, expect, it } from 'vitest';
import { MAX_PAGE } from '../../src/lib/fields.js';
import { DEMO, DEMO_AUTH, describeEachDialect } from '../helpers/app.js';
import { HTTP_METHODS } from '../helpers/contract.js';

type JsonObject = Record<string, any>;

const PAGING = new Set(['page', 'count', 'page_size']);

/** Demo values for every path parameter of the document. */
const DEMO_PARAMS: Record<string, string | number> = {
  location_id: DEMO.locationId,
  chain_id: DEMO.chainId,
  card_id: DEMO.cardId,
  client_id: DEMO.clientId,
  phone: DEMO.phone,
  card_type_id: 10992,
  loyalty_program_id: 18005,
  program_id: 18005,
  service_id: DEMO.haircutServiceId,
  staff_id: DEMO.staffId,
  // No demo appointment exists: the lists that page take none of these.
  record_id: 1,
  visit_id: 1,
};

interface Paged {
  label: string;
  method: string;
  /** Path with the demo ids, and the required query parameters (from the document's examples). */
  url: string;
  where: 'query' | 'body';
  name: string;
  schema: JsonObject;
}

/** Every paging parameter (query or body) of every operation of the served document. */
function pagingParameters(document: JsonObject): Paged[] {
  const resolve = (schema: JsonObject): JsonObject =>
    schema.$ref ? resolve(document.components.schemas[schema.$ref.split('/').pop()]) : schema;
  const found: Paged[] = [];
  for (const [path, item] of Object.entries<JsonObject>(document.paths)) {
    for (const method of HTTP_METHODS.filter((m) => item[m])) {
      const operation = item[method] as JsonObject;
      const url = path.replace(/\{([^}]+)\}/g, (_, name: string) => {
        expect(DEMO_PARAMS, `path parameter ${name}`).toHaveProperty([name]);
        return encodeURIComponent(String(DEMO_PARAMS[name]));
      });
      const required = (operation.parameters ?? [])
        .filter((p: JsonObject) => p.in === 'query' && p.required)
        .map(
          (p: JsonObject) => `${p.name}=${encodeURIComponent(String(p.example ?? p.schema.examples?.[0]))}`,
        );
      const base = { method, url: `/api/v1${url}${required.length ? `?${required.join('&')}` : ''}` };
      for (const parameter of operation.parameters ?? []) {
        if (parameter.in === 'query' && PAGING.has(parameter.name)) {
          const label = `${method} ${path} ?${parameter.name}`;
          found.push({ ...base, label, where: 'query', name: parameter.name, schema: parameter.schema });
        }
      }
      const body = operation.requestBody?.content?.['application/json']?.schema;
      for (const [name, schema] of Object.entries<JsonObject>(body ? (resolve(body).properties ?? {}) : {})) {
        if (PAGING.has(name)) {
          found.push({ ...base, label: `${method} ${path} body ${name}`, where: 'body', name, schema });
        }
      }
    }
  }
  return found;
}

/** The largest value a paging schema allows: the integer's maximum, the same in a numeric-string branch. */
function maximumOf(schema: JsonObject): number | undefined {
  if (schema.type === 'integer') return schema.maximum;
  const branches: JsonObject[] = schema.anyOf ?? [];
  const integer = branches.find((b) => b.type === 'integer');
  const text = branches.find((b) => b.type === 'string');
  if (!integer || !text) return undefined;
  const pattern = new RegExp(text.pattern, 'u');
  const max = integer.maximum as number;
  // The string form states the same bound: the maximum is allowed, one more is not.
  expect(pattern.test(String(max)) && !pattern.test(String(max + 1)) && !pattern.test('0')).toBe(true);
  return max;
}

/**
 * Issue 19, item 3: `page=9300000000000000` overflowed the offset (a 500). Every paging
 * parameter of every list has one bound, stated in the document, and 422 past it.
 */
describeEachDialect('paging: every list has bounded, documented paging parameters', (ctx) => {
  let paged: Paged[];

  beforeAll(async () => {
    paged = pagingParameters((await ctx.app.inject({ method: 'GET', url: '/openapi.json' })).json());
  });

  const send = (p: Paged, value: unknown) => {
    if (p.where === 'body') {
      return ctx.request({
        method: p.method.toUpperCase() as never,
        url: p.url,
        headers: { authorization: DEMO_AUTH },
        payload: { [p.name]: value },
      });
    }
    const separator = p.url.includes('?') ? '&' : '?';
    return ctx.request({
      method: p.method.toUpperCase() as never,
      url: `${p.url}${separator}${p.name}=${encodeURIComponent(String(value))}`,
      headers: { authorization: DEMO_AUTH },
    });
  };

  it('the document states a minimum of 1 and a maximum for each, the same last page for every list', () => {
    // The lists: locations, clients (two), card history, chain transactions, appointments.
    expect(new Set(paged.map((p) => p.label.split(' ?')[0]!.split(' body')[0])).size).toBe(6);
    for (const p of paged) {
      const max = maximumOf(p.schema);
      expect(max, p.label).toBeGreaterThanOrEqual(1);
      if (p.name === 'page') expect(max, p.label).toBe(MAX_PAGE);
      const integer =
        p.schema.type === 'integer' ? p.schema : p.schema.anyOf.find((b: any) => b.type === 'integer');
      expect(integer.minimum, p.label).toBe(1);
    }
  });

  it('past the bound, 0, or the overflowing page of the issue: 422 naming the parameter', async () => {
    for (const p of paged) {
      const max = maximumOf(p.schema)!;
      const values: unknown[] = [max + 1, 0, 9300000000000000, '9300000000000000'];
      if (p.where === 'body') values.push(String(max + 1), '0');
      for (const value of values) {
        const res = await send(p, value);
        expect(res.statusCode, `${p.label} = ${String(value)}`).toBe(422);
        expect(Object.keys(res.json().meta.errors), `${p.label} = ${String(value)}`).toEqual([p.name]);
      }
    }
  });

  it('at the bound: an exact, empty page on both databases (no offset overflow)', async () => {
    const pages = paged.filter((p) => p.name === 'page');
    expect(pages.length).toBe(6);
    for (const p of pages) {
      const size = paged.find(
        (q) => q.label.startsWith(p.label.replace(/(\?| body )page$/, '')) && q.name !== 'page',
      );
      const sizeMax = size ? maximumOf(size.schema)! : undefined;
      const res =
        p.where === 'body'
          ? await ctx.request({
              method: p.method.toUpperCase() as never,
              url: p.url,
              headers: { authorization: DEMO_AUTH },
              payload: { page: MAX_PAGE, ...(size ? { [size.name]: sizeMax } : {}) },
            })
          : await ctx.request({
              method: 'GET',
              url: `${p.url}${p.url.includes('?') ? '&' : '?'}page=${MAX_PAGE}${size ? `&${size.name}=${sizeMax}` : ''}`,
              headers: { authorization: DEMO_AUTH },
            });
      expect(res.statusCode, p.label).toBe(200);
      expect(res.json().data, p.label).toEqual([]);
      expect(typeof res.json().meta.count, p.label).toBe('number');
    }
  });
});
