import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';
import { ErrorEnvelope } from './schemas.js';

/**
 * The OpenAPI 3.1 document (`GET /openapi.json`) and the docs page (`GET /docs`), both generated
 * from the route schemas that validate requests, so the document cannot drift from the server.
 *
 * Routes are declared with the route kit (http/route.ts), which gives each its `operationId`,
 * `summary`, `tags`, `x-extension`, params/body/response schemas and error answers; this module
 * adds what every operation shares: the security scheme derived from `config.auth`, the
 * `Idempotency-Key` header on writes that honour it, a `default` error answer, and stable
 * (sorted) output. Register it before the routes: it collects them as they are added.
 */

const API_BASE = '/api/v1';
const WRITE_METHODS = new Set(['post', 'put', 'patch', 'delete']);
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

const SCHEME_OF_AUTH: Record<string, string> = {
  partner: 'BearerPartner',
  partnerUser: 'BearerPartnerUser',
};

const STATUS_TEXT: Record<string, string> = {
  '200': 'OK',
  '201': 'Created',
  '202': 'Accepted',
  '204': 'No Content: the answer has no body.',
  '400': 'Bad request: malformed JSON or an unparseable body.',
  '401': 'Authentication needed: a token is missing, malformed or unknown.',
  '403': 'Access denied: the tokens are valid, but give no right to this location or chain.',
  '404': 'Not found: an unknown route, or an entity that does not exist for this caller.',
  '406': 'Not acceptable: the Accept header allows no JSON.',
  '409': 'Conflict: a request with this Idempotency-Key is still running.',
  '413': 'Payload too large: the body is over the limit.',
  '415': 'Unsupported media type: send the body as application/json.',
  '422': 'Invalid input, or a business rule refused the request; field errors in meta.errors.',
  '429': 'Too many requests: see Retry-After.',
  '500': 'Internal server error.',
  '503': 'The server or its database is busy; retry after Retry-After seconds.',
  default: 'Any other error: the error envelope, success false, data null, meta.message a sentence.',
};

const DESCRIPTION = `Self-hosted loyalty-card server speaking the Altegio (formerly YCLIENTS) Business Management
B2B API v1: same paths, headers, field names, envelope and status codes as \`https://api.alteg.io/api/v1\`.

**Envelope.** Every JSON answer, success or error, is \`{"success": <bool>, "data": <object|array|null>, "meta": <object|array>}\`.
\`meta\` is \`[]\` for a single object and \`{"count": N}\` for lists. Errors: \`success: false\`, \`data: null\`,
\`meta.message\` a human sentence, and for invalid input \`meta.errors\` = \`{"<field>": ["<message>", …]}\` (schema \`Error\`).

**Authorization.** Two schemes, named as Altegio names them, both in the \`Authorization\` header:
\`BearerPartner\` = \`Bearer <partner_token>\`; \`BearerPartnerUser\` = \`Bearer <partner_token>, User <user_token>\`.
Get a user token with \`POST /auth\`.

**Accept.** \`application/vnd.api.v2+json\` (Altegio), \`application/vnd.yclients.v2+json\`, \`application/json\` or \`*/*\`.

**Input.** Beyond each schema: no string of a body, query string or path (object keys included) may hold U+0000 or an
unpaired UTF-16 surrogate, and input nests at most 32 levels of objects and lists; else 422 naming the field. Every list
pages with \`page\` from 1 to 1000000.

**Extensions** (ours, additive, marked \`x-extension: true\`): the \`Idempotency-Key\` request header on every
POST/PUT/PATCH/DELETE (same key and request within 24 h replays the first answer with \`Idempotency-Replayed: true\`;
same key, different request: 422; same key while the first runs: 409; not on \`POST /auth\`, whose answer holds a
token that is never stored), and the card transaction history.

**Errors below the routes**, in the envelope too: \`405\` with \`Allow\` for a known path asked with a method it
does not have (e.g. \`TRACE\`); \`414\` for a path parameter over 100 characters; and, on a connection the server then
closes (\`Connection: close\`), \`400\` for a request the HTTP parser refuses (unknown method, an invalid character in
a header, \`Content-Length\` with \`Transfer-Encoding\`, an HTTP/1.1 request without \`Host\`), \`417\` for an
\`Expect\` other than \`100-continue\`, \`431\` for a request line and headers over 16 KiB, and \`408\` when the
headers do not arrive within 5 s or the whole request within 10 s of its first byte (defaults). A kept-alive
connection idle for 5 s is closed. A request that arrives while the server shuts down: \`503\` with \`Retry-After: 1\`.

**Database unavailable.** While the database cannot be reached (down, restarting, or the connection lost during a
request) every request that needs it is answered \`503\` with \`Retry-After: 2\`; the server recovers by itself when the
database is back. A write whose connection was lost during it may or may not have been applied: retry it with the
same \`Idempotency-Key\` to learn which (the first answer is replayed, or the write runs now).`;

type JsonObject = Record<string, any>;

/** `$id` → component name: OpenAPI allows `^[a-zA-Z0-9.\-_]+$`. */
function componentName(id: string): string {
  return id.replace(/[^a-zA-Z0-9.\-_]/g, '_');
}

function sortKeys<T extends JsonObject>(object: T, order?: (a: string, b: string) => number): T {
  return Object.fromEntries(
    Object.entries(object).sort(([a], [b]) => (order ? order(a, b) : a < b ? -1 : a > b ? 1 : 0)),
  ) as T;
}

/** Operations in the usual get, put, post, delete… order; other keys (parameters) after them. */
function methodRank(key: string): number {
  const index = (HTTP_METHODS as readonly string[]).indexOf(key);
  return index === -1 ? HTTP_METHODS.length : index;
}

/** Status codes in numeric order, `default` last. */
function byStatus(a: string, b: string): number {
  if (a === b) return 0;
  if (a === 'default') return 1;
  if (b === 'default') return -1;
  return Number(a) - Number(b);
}

/**
 * Removes what is JSON Schema for Ajv but noise (or worse) in the document: `$id` (the component
 * name carries the identity, and a nested `$id` would change the base of the `$ref`s inside it)
 * and Ajv's `errorMessage`.
 */
function clean(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) clean(item);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const object = node as JsonObject;
  if (typeof object.$id === 'string') delete object.$id;
  if ('errorMessage' in object && typeof object.errorMessage === 'string') delete object.errorMessage;
  for (const value of Object.values(object)) clean(value);
}

/** Marks, on its way through @fastify/swagger, an operation that does not honour Idempotency-Key. */
const NO_IDEMPOTENCY = 'x-no-idempotency-key';

function transformRoute({
  schema,
  url,
  route,
}: {
  schema: FastifySchema;
  url: string;
  route: RouteOptions;
}): { schema: FastifySchema; url: string } {
  // Health, metrics, the docs page and the document itself are not API operations.
  if (!url.startsWith(`${API_BASE}/`)) return { schema: { ...(schema ?? {}), hide: true }, url };
  if (!schema) return { schema, url };
  const auth = route.config?.auth;
  const scheme = typeof auth === 'string' ? SCHEME_OF_AUTH[auth] : undefined;
  const response = schema.response as JsonObject | undefined;
  return {
    schema: {
      ...schema,
      ...(scheme ? { security: [{ [scheme]: [] }] } : {}),
      ...(schema.body ? { body: markNamed(schema.body as JsonObject) } : {}),
      ...(route.config?.idempotency === false ? { [NO_IDEMPOTENCY]: true } : {}),
      ...(response
        ? { response: Object.fromEntries(Object.entries(response).map(([s, r]) => [s, markNamed(r)])) }
        : {}),
    },
    url,
  };
}

/**
 * The generator drops the `$id` of a whole body or answer schema and inlines it; the marker
 * survives, so `transformDocument` can name it as a component (`Error`, not 12 inline copies).
 */
const NAMED = 'x-component-name';
function markNamed(schema: JsonObject): JsonObject {
  return typeof schema?.$id === 'string' ? { ...schema, [NAMED]: schema.$id } : schema;
}

/** The finished document (OpenAPI mode: `{ openapiObject }`), completed and sorted in place. */
function transformDocument(input: object): JsonObject {
  const document = (input as { openapiObject: JsonObject }).openapiObject;
  document.components ??= {};
  const schemas: JsonObject = (document.components.schemas ??= {});
  // A body or answer schema that has an `$id` is inlined by the generator; name it instead.
  const named = (schema: JsonObject | undefined): JsonObject | undefined => {
    if (typeof schema?.[NAMED] !== 'string') return schema;
    const name = componentName(schema[NAMED]);
    delete schema[NAMED];
    schemas[name] ??= schema;
    return { $ref: `#/components/schemas/${name}` };
  };
  for (const item of Object.values<JsonObject>(document.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const operation = item[method] as JsonObject | undefined;
      const contents = [
        ...Object.values<JsonObject>(operation?.requestBody?.content ?? {}),
        ...Object.values<JsonObject>(operation?.responses ?? {}).flatMap((r) =>
          Object.values<JsonObject>(r.content ?? {}),
        ),
      ];
      for (const media of contents) media.schema = named(media.schema);
    }
  }
  // The `default` answers below reference it, whether or not a route names it.
  schemas.Error ??= JSON.parse(JSON.stringify(ErrorEnvelope));
  clean(document);
  document.components.parameters = {
    IdempotencyKey: {
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description:
        'Extension (not Altegio). Makes the write safe to retry: the same key with the same request ' +
        'within 24 hours replays the first answer (status and body) with `Idempotency-Replayed: true`; ' +
        'the same key with another request is 422; while the first request still runs, 409. ' +
        'Scoped to the partner token.',
      schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
      'x-extension': true,
    },
  };
  document.components.headers = {
    IdempotencyReplayed: {
      description:
        'Extension: `true` when the answer is the replay of an earlier request with this Idempotency-Key.',
      schema: { type: 'string', enum: ['true'] },
      'x-extension': true,
    },
  };

  const paths: JsonObject = document.paths ?? {};
  for (const item of Object.values<JsonObject>(paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method] as JsonObject | undefined;
      if (!operation) continue;
      const idempotent = WRITE_METHODS.has(method) && !operation[NO_IDEMPOTENCY];
      delete operation[NO_IDEMPOTENCY];
      const responses: JsonObject = operation.responses ?? {};
      responses.default ??= {
        description: STATUS_TEXT.default,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
      for (const [status, response] of Object.entries(responses)) {
        if (response.description === 'Default Response' && STATUS_TEXT[status]) {
          response.description = STATUS_TEXT[status];
        }
        if (idempotent && status.startsWith('2')) {
          response.headers = {
            ...response.headers,
            'Idempotency-Replayed': { $ref: '#/components/headers/IdempotencyReplayed' },
          };
        }
      }
      operation.responses = sortKeys(responses, byStatus);
      if (idempotent) {
        operation.parameters = [
          ...(operation.parameters ?? []),
          { $ref: '#/components/parameters/IdempotencyKey' },
        ];
      }
    }
  }
  // Sorted output: the generated client types stay byte-identical whatever the route order.
  document.paths = Object.fromEntries(
    Object.entries(sortKeys(paths)).map(([path, item]) => [
      path,
      sortKeys(item, (a, b) => methodRank(a) - methodRank(b)),
    ]),
  );
  document.components.schemas = sortKeys(document.components.schemas ?? {});
  return document;
}

/** Registers the document and the docs page. Call before registering the routes. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Altegio loyalty API (self-hosted)',
        version: '1.0.0',
        description: DESCRIPTION,
        license: { name: 'MIT', identifier: 'MIT' },
      },
      servers: [{ url: API_BASE, description: 'This server' }],
      tags: [
        { name: 'Authentication B2B', description: 'User tokens' },
        { name: 'Chain Management', description: 'Chains (networks of locations) the user can see' },
        {
          name: 'Locations',
          description: 'Locations (companies): reading them and, as our extension, creating them',
        },
        { name: 'Clients', description: "A location's clients, found and created by phone" },
        { name: 'Loyalty Cards', description: 'Cards, card types and manual transactions' },
        {
          name: 'Loyalty Card Types (extension)',
          description:
            "Creating, changing and removing a chain's card types (Altegio has no such operations)",
        },
        {
          name: 'Loyalty Programs',
          description:
            'Promotions (loyalty programs) at a location, and loyalty inside an open visit (V8–V11)',
        },
        {
          name: 'Chain Loyalty Programs',
          description: "A chain's promotions, its loyalty transactions, and its referral program (extension)",
        },
        { name: 'Services', description: "A location's service catalogue (SPEC §6, V1)" },
        { name: 'Team Members', description: "A location's team members (staff, masters; SPEC §6, V2)" },
        { name: 'Accounts', description: "A location's accounts (checkouts) that visits are paid into (V3)" },
        { name: 'Appointments', description: 'Appointments (records): each is its own visit' },
        { name: 'Visits', description: 'Visits: paying, closing (which earns cashback) and reopening' },
      ],
      components: {
        securitySchemes: {
          BearerPartner: {
            type: 'apiKey',
            in: 'header',
            name: 'Authorization',
            description:
              'The partner token: send the header `Authorization: Bearer <partner_token>` ' +
              '(in the docs page, type the whole value, e.g. `Bearer demo-partner-token`).',
          },
          BearerPartnerUser: {
            type: 'apiKey',
            in: 'header',
            name: 'Authorization',
            description:
              'The partner token and a user token (from POST /auth): send the header ' +
              '`Authorization: Bearer <partner_token>, User <user_token>` ' +
              '(in the docs page, type the whole value, e.g. `Bearer demo-partner-token, User demo-user-token`).',
          },
        },
      },
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? componentName(json.$id) : `def-${i}`,
    },
    transform: transformRoute,
    transformObject: transformDocument,
  });

  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: {
      docExpansion: 'list',
      deepLinking: true,
      displayOperationId: true,
      displayRequestDuration: true,
      defaultModelsExpandDepth: 1,
      tryItOutEnabled: false,
    },
    theme: { title: 'Altegio loyalty API — docs' },
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
