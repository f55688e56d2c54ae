import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

/**
 * The contract check: an answer the API gives must match what the served OpenAPI document says
 * for that operation and status. `test/helpers/app.ts` runs it on every `ctx.request`, and the
 * client test on every answer the typed client receives, so the document cannot drift from the
 * behaviour the tests pin down.
 */

type JsonObject = Record<string, any>;

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;

export interface Operation {
  method: string;
  /** The document's path template, e.g. `/loyalty/cards/{location_id}`. */
  path: string;
  operationId: string | undefined;
  operation: JsonObject;
}

export interface Answer {
  method: string;
  /** The request URL as sent (path and query), base path included. */
  url: string;
  status: number;
  contentType: string | undefined;
  body: string;
}

export class ContractViolation extends Error {
  override name = 'ContractViolation';
}

/** RFC 6901 token, then URI-encoded: it goes into a `$ref` fragment. */
const pointerToken = (token: string) => encodeURIComponent(token.replace(/~/g, '~0').replace(/\//g, '~1'));

const isJson = (mediaType: string) =>
  /^application\/([\w.+-]+\+)?json$/i.test(mediaType.split(';')[0]!.trim());

/**
 * How a path template matches concrete segments: one character per segment, `0` static, `1`
 * parameter (so the smallest rank is the route the router picks), or null for no match.
 */
function matchRank(template: string[], actual: string[]): string | null {
  if (template.length !== actual.length) return null;
  let rank = '';
  for (let i = 0; i < template.length; i++) {
    const isParam = /^\{[^}]+\}$/.test(template[i]!);
    if (isParam ? actual[i] === '' : template[i] !== actual[i]) return null;
    rank += isParam ? '1' : '0';
  }
  return rank;
}

export class Contract {
  readonly basePath: string;
  readonly operations: Operation[];
  private readonly ajv: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(readonly document: JsonObject) {
    const server = (document.servers?.[0]?.url as string | undefined) ?? '';
    this.basePath = (server.startsWith('/') ? server : server ? new URL(server).pathname : '').replace(
      /\/$/,
      '',
    );
    this.operations = Object.entries<JsonObject>(document.paths ?? {}).flatMap(([path, item]) =>
      HTTP_METHODS.filter((m) => item[m]).map((method) => ({
        method,
        path,
        operationId: item[method].operationId as string | undefined,
        operation: item[method] as JsonObject,
      })),
    );
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false, logger: false });
    this.ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)$/i);
    this.ajv.addFormat('date', /^\d{4}-\d\d-\d\d$/);
    this.ajv.addSchema(document, 'openapi.json');
  }

  /** The operation the server routes `method url` to (static segments win over parameters). */
  find(method: string, url: string): Operation | null {
    const path = url.split('?')[0]!.replace(/(.)\/+$/, '$1');
    if (!path.startsWith(`${this.basePath}/`)) return null;
    const actual = path.slice(this.basePath.length).split('/');
    let best: { operation: Operation; rank: string } | null = null;
    for (const operation of this.operations) {
      if (operation.method !== method.toLowerCase()) continue;
      const rank = matchRank(operation.path.split('/'), actual);
      if (rank !== null && (!best || rank < best.rank)) best = { operation, rank };
    }
    return best?.operation ?? null;
  }

  /**
   * Why the document refuses a request (empty when it allows it): its path and query parameters,
   * read from the URL as a generic OpenAPI client or fuzzer would (numbers from numeric text),
   * and its JSON body, each against the schema the document gives. Headers are not checked.
   */
  requestErrors(request: { method: string; url: string; body?: unknown }): string[] {
    const operation = this.find(request.method, request.url);
    if (!operation) return [`no operation for ${request.method} ${request.url}`];
    const [pathPart, queryPart = ''] = request.url.split('?') as [string, string?];
    const segments = pathPart.slice(this.basePath.length).split('/');
    const template = operation.path.split('/');
    const query = new URLSearchParams(queryPart);
    const base = ['paths', operation.path, operation.method].map(pointerToken).join('/');
    const errors: string[] = [];
    (operation.operation.parameters ?? []).forEach((parameter: JsonObject, i: number) => {
      if (parameter.in !== 'path' && parameter.in !== 'query') return;
      const schema = parameter.schema as JsonObject;
      let raw: string[];
      if (parameter.in === 'path') {
        const at = template.indexOf(`{${parameter.name}}`);
        raw = at === -1 ? [] : [decodeURIComponent(segments[at]!)];
      } else raw = query.getAll(parameter.name);
      if (raw.length === 0) {
        if (parameter.required) errors.push(`${parameter.name}: required`);
        return;
      }
      const typed = (text: string, type: unknown) =>
        (type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(text)
          ? Number(text)
          : text;
      const value =
        schema.type === 'array' ? raw.map((r) => typed(r, schema.items?.type)) : typed(raw[0]!, schema.type);
      errors.push(...this.schemaErrors(`#/${base}/parameters/${i}/schema`, value, parameter.name));
    });
    const content = operation.operation.requestBody?.content as JsonObject | undefined;
    const mediaType = Object.keys(content ?? {}).find(isJson);
    if (mediaType && request.body !== undefined) {
      const pointer = `#/${base}/${['requestBody', 'content', mediaType, 'schema'].map(pointerToken).join('/')}`;
      errors.push(...this.schemaErrors(pointer, request.body, 'body'));
    } else if (operation.operation.requestBody?.required && request.body === undefined) {
      errors.push('body: required');
    }
    return errors;
  }

  private schemaErrors(pointer: string, value: unknown, label: string): string[] {
    let validate = this.validators.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `openapi.json${pointer}` });
      this.validators.set(pointer, validate);
    }
    return validate(value)
      ? []
      : (validate.errors ?? []).map((e) => `${label}${e.instancePath} ${e.message ?? 'is invalid'}`);
  }

  /** Throws a `ContractViolation` when the answer is not what the document promises. */
  check(answer: Answer): void {
    const method = answer.method.toLowerCase();
    if (method === 'head' || method === 'options') return;
    const path = answer.url.split('?')[0]!;
    if (!path.startsWith(`${this.basePath}/`)) return; // health, metrics, docs: not in the document
    const where = `${answer.method.toUpperCase()} ${path} → ${answer.status}`;
    const operation = this.find(method, path);
    if (!operation) {
      // An unknown route (or method): only an error envelope may come back.
      if (answer.status < 400)
        throw new ContractViolation(`${where}: success from a route the document lacks`);
      this.validateJson(where, answer, '#/components/schemas/Error');
      return;
    }
    const label = `${where} (${operation.operationId ?? 'no operationId'})`;
    const responses: JsonObject = operation.operation.responses ?? {};
    const status = String(answer.status);
    const key = [status, `${status[0]}XX`, 'default'].find((k) => responses[k]);
    if (!key) throw new ContractViolation(`${label}: status ${status} is not documented`);
    const content = responses[key].content as JsonObject | undefined;
    const mediaType = Object.keys(content ?? {}).find(isJson);
    if (!content || !mediaType) {
      if (answer.body.length > 0) {
        throw new ContractViolation(
          `${label}: documented without content, answered ${answer.body.length} bytes`,
        );
      }
      return;
    }
    const pointer = [
      'paths',
      operation.path,
      operation.method,
      'responses',
      key,
      'content',
      mediaType,
      'schema',
    ]
      .map(pointerToken)
      .join('/');
    this.validateJson(label, answer, `#/${pointer}`);
  }

  private validateJson(label: string, answer: Answer, pointer: string): void {
    if (!answer.contentType || !isJson(answer.contentType)) {
      throw new ContractViolation(`${label}: Content-Type ${answer.contentType ?? '(none)'} is not JSON`);
    }
    let body: unknown;
    try {
      body = JSON.parse(answer.body);
    } catch {
      throw new ContractViolation(`${label}: the body is not JSON: ${answer.body.slice(0, 200)}`);
    }
    let validate = this.validators.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `openapi.json${pointer}` });
      this.validators.set(pointer, validate);
    }
    if (!validate(body)) {
      const errors = (validate.errors ?? [])
        .slice(0, 5)
        .map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`)
        .join('; ');
      throw new ContractViolation(
        `${label}: answer does not match the document: ${errors}\n${answer.body.slice(0, 500)}`,
      );
    }
  }
}

const contracts = new WeakMap<FastifyInstance, Promise<Contract>>();

/** The contract of an app, built from the document it serves at `/openapi.json` (once per app). */
export function contractOf(app: FastifyInstance): Promise<Contract> {
  let contract = contracts.get(app);
  if (!contract) {
    contract = app.inject({ method: 'GET', url: '/openapi.json' }).then((res) => {
      if (res.statusCode !== 200) throw new Error(`GET /openapi.json answered ${res.statusCode}`);
      return new Contract(res.json());
    });
    contracts.set(app, contract);
  }
  return contract;
}

/** Checks an `inject` answer against the app's document. */
export async function checkInjected(app: FastifyInstance, res: LightMyRequestResponse): Promise<void> {
  const contract = await contractOf(app);
  const header = res.headers['content-type'];
  contract.check({
    method: res.raw.req.method ?? 'GET',
    url: res.raw.req.url ?? '/',
    status: res.statusCode,
    contentType: Array.isArray(header) ? header[0] : header === undefined ? undefined : String(header),
    body: res.body,
  });
}

/** Checks a `fetch` answer (e.g. from the typed client) against a contract; the body is read from a clone. */
export async function checkFetched(contract: Contract, request: Request, response: Response): Promise<void> {
  contract.check({
    method: request.method,
    url: new URL(request.url).pathname + new URL(request.url).search,
    status: response.status,
    contentType: response.headers.get('content-type') ?? undefined,
    body: await response.clone().text(),
  });
}
