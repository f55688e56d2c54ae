import { Type, type Static, type TSchema, type TUnknown } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest, preValidationHookHandler, RouteOptions } from 'fastify';
import type { Executor } from '../db/database.js';
import type { AccessRule, AuthContext, AuthScheme, ScopeOf } from './access.js';
import { list, single } from './envelope.js';
import { ErrorEnvelope, ListEnvelope, ObjectMetaEnvelope, SingleEnvelope } from './schemas.js';
import type { CommitMode, WriteAnswer, WriteEffect, WritePlan, WriteRunner } from './write.js';

/**
 * The route kit. An operation is declared once — method, path, schemas, auth rule, access rule,
 * extension flag, answer, commit mode — and everything else derives from that declaration:
 * - the auth hook's rule (`config.auth`, `config.access`: http/auth.ts) and the OpenAPI
 *   `security` (http/openapi.ts);
 * - the error answers the operation documents (`errorStatuses` below);
 * - `x-extension` and the Idempotency-Key header in the document;
 * - the envelope the handler's result is wrapped in, and its response schema;
 * - for a write, the commit path: the handler receives the executor (a transaction or the
 *   database) from the write runner (http/write.ts), which chose it from the declared mode.
 * The handler gets the request itself, typed as a `RouteContext`: its params, query and body
 * from the schemas, the caller, and the scope the access rule guarantees (nothing is built per
 * request beyond what the handler builds).
 */

/** Every POST, PUT, PATCH and DELETE is a write (PATCH: Altegio's own client changes a service so). */
type WriteMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type Method = 'GET' | WriteMethod;

/**
 * How a success answer is shaped (SPEC §1): `single` is `{success, data, meta: []}`,
 * `objectMeta` the same with `meta: {}` (the manual transaction), `list` has `meta.count`, and
 * `raw` is the value itself, no envelope (SPEC §6.2: the visit loyalty operations). Error answers
 * always keep the envelope.
 */
type Envelope = 'single' | 'list' | 'objectMeta' | 'raw';

/** A list handler's result: the items, or one page of them with the total before paging. */
export interface ListPage<T> {
  data: T[];
  total: number;
  /** More `meta` fields next to `count` (e.g. `total_count`). */
  meta?: Record<string, unknown>;
}

/** A body-less success (`202`, `204`), or a JSON one shaped by `envelope` around `schema`. */
type Answer = { status: 202 | 204 } | { status: 200 | 201; envelope: Envelope; schema: TSchema };

/** What the handler returns for its declared answer (a body-less answer ignores it). */
type HandlerResult<A extends Answer> = A extends { status: 202 | 204 }
  ? unknown
  : A extends { envelope: 'list'; schema: infer S extends TSchema }
    ? Static<S>[] | ListPage<Static<S>>
    : A extends { schema: infer S extends TSchema }
      ? Static<S>
      : never;

/** A handler's view of its request (it is the request: nothing is copied). */
interface RouteContext<Params, Query, Body, Scope> {
  readonly params: Params;
  readonly query: Query;
  readonly body: Body;
  readonly auth: AuthContext;
  /** What the access rule granted: `location` for a location rule, `chain` for a chain rule. */
  readonly scope: Scope;
}

/** How a write runs (http/write.ts). Every POST, PUT, PATCH and DELETE is a write. */
interface WriteSpec {
  /** Default `transaction`. */
  commit?: CommitMode;
  /** `false`: the answer carries a secret, so Idempotency-Key is neither honoured nor offered. */
  idempotency?: false;
}

/** Statuses a route's business rules may answer beyond 422; by default 403 and 404. */
type Refusal = 403 | 404 | 429;

/** What every declaration has, whatever its types. */
interface RouteBase {
  /** The path under /api/v1, with `:name` parameters. */
  url: string;
  operationId: string;
  summary: string;
  /** Say here what the server does where the SPEC is silent. */
  description?: string;
  deprecated?: true;
  /** The OpenAPI tag (declared in http/openapi.ts). */
  tag: string;
  auth: AuthScheme;
  /** Ours, not Altegio's: marked `x-extension: true` in the document. */
  extension?: true;
  /** Runs before validation (e.g. folding array query parameters). */
  preValidation?: preValidationHookHandler;
  /** Default `[403, 404]`: the refusals documented next to the derived error answers. */
  refusals?: readonly Refusal[];
}

/** A path parameter of these params. */
type ParamOf<P extends TSchema> = Extract<keyof Static<P>, string>;

interface RouteSpec<
  M extends Method,
  P extends TSchema,
  Q extends TSchema,
  B extends TSchema,
  A extends AccessRule | undefined,
  R extends Answer,
> extends RouteBase {
  method: M;
  /** Checked before validation, naming the path parameter that carries the id (SPEC §2). */
  access?: A & AccessRule<ParamOf<P>>;
  params?: P;
  querystring?: Q;
  body?: B;
  answer: R;
  write?: M extends WriteMethod ? WriteSpec : never;
  handler: M extends WriteMethod
    ? (context: Context<P, Q, B, A>, executor: Executor) => Promise<HandlerResult<R>>
    : (context: Context<P, Q, B, A>) => Promise<HandlerResult<R>>;
}

type Context<P extends TSchema, Q extends TSchema, B extends TSchema, A> = RouteContext<
  Static<P>,
  Static<Q>,
  Static<B>,
  ScopeOf<A>
>;

type AnyHandler = (request: FastifyRequest, executor?: Executor) => Promise<unknown>;

/** A declaration with its types erased, as `mount` reads it. */
interface DeclaredRoute extends RouteBase {
  method: Method;
  access?: AccessRule;
  params?: TSchema;
  querystring?: TSchema;
  body?: TSchema;
  answer: Answer;
  write?: WriteSpec;
  handler: AnyHandler;
}

/** A declared route, ready for `mount`. */
interface Route {
  readonly spec: DeclaredRoute;
}

/**
 * The two rules most operations declare (spread into the declaration): the partner and user
 * tokens, and the user granted the location (or the chain) whose id is the path's `location_id`
 * (or `chain_id`; see `LocationParams` and `ChainParams` in http/schemas.ts).
 */
export const AT_LOCATION = { auth: 'partnerUser', access: { location: 'location_id' } } as const;
export const IN_CHAIN = { auth: 'partnerUser', access: { chain: 'chain_id' } } as const;

/** Declares one operation (see the module comment). */
export function route<
  M extends Method,
  R extends Answer,
  P extends TSchema = TUnknown,
  Q extends TSchema = TUnknown,
  B extends TSchema = TUnknown,
  A extends AccessRule | undefined = undefined,
>(spec: RouteSpec<M, P, Q, B, A, R>): Route {
  return { spec: spec as unknown as DeclaredRoute };
}

const JSON_ERRORS = [401, 406, 422] as const;
const BODY_ERRORS = [400, 413, 415] as const;

/**
 * The error answers an operation documents: 401 and 406 (every authenticated JSON route), 422
 * (validation and business rules), its refusals (403 and 404 unless declared otherwise), and for a
 * write 400/413/415 (the body), 503 (the write runner's answer to a busy database) and 409 (an
 * Idempotency-Key still running) where the key is honoured.
 */
export function errorStatuses(spec: DeclaredRoute): number[] {
  const statuses: number[] = [...JSON_ERRORS, ...(spec.refusals ?? [403, 404])];
  if (spec.method !== 'GET') {
    statuses.push(...BODY_ERRORS, 503);
    if (spec.write?.idempotency !== false) statuses.push(409);
  }
  return statuses.sort((a, b) => a - b);
}

function successSchema(answer: Answer): TSchema {
  if (!('envelope' in answer)) {
    return Type.Null({ description: answer.status === 204 ? 'No Content' : 'Accepted' });
  }
  switch (answer.envelope) {
    case 'single':
      return SingleEnvelope(answer.schema);
    case 'objectMeta':
      return ObjectMetaEnvelope(answer.schema);
    case 'list':
      return ListEnvelope(answer.schema);
    case 'raw':
      return answer.schema;
  }
}

type Wrap = (result: any) => unknown;
const WRAP: Record<Envelope, Wrap> = {
  single: (data) => single(data),
  objectMeta: (data) => single(data, {}),
  list: (result: unknown[] | ListPage<unknown>) =>
    Array.isArray(result) ? list(result) : list(result.data, result.total, result.meta),
  raw: (data) => data,
};

/** The write runner's effect for a route: built once, not per request. */
function effectOf(answer: Answer, handler: AnyHandler): WriteEffect {
  if (!('envelope' in answer)) {
    const bodyless: WriteAnswer = { status: answer.status };
    return async (executor, request) => {
      await handler(request, executor);
      return bodyless;
    };
  }
  const { status } = answer;
  const wrap = WRAP[answer.envelope];
  return async (executor, request) => ({ status, body: wrap(await handler(request, executor)) });
}

function routeOptions(spec: DeclaredRoute, writes: WriteRunner | null): RouteOptions {
  const { answer } = spec;
  const { handler } = spec;
  const writing = spec.method !== 'GET';
  const schema = {
    operationId: spec.operationId,
    summary: spec.summary,
    ...(spec.description === undefined ? {} : { description: spec.description }),
    ...(spec.deprecated ? { deprecated: true } : {}),
    ...(spec.extension ? { 'x-extension': true } : {}),
    tags: [spec.tag],
    ...(spec.params ? { params: spec.params } : {}),
    ...(spec.querystring ? { querystring: spec.querystring } : {}),
    ...(spec.body ? { body: spec.body } : {}),
    response: {
      [answer.status]: successSchema(answer),
      ...Object.fromEntries(errorStatuses(spec).map((status) => [status, ErrorEnvelope])),
    },
  };
  const options = {
    method: spec.method,
    url: spec.url,
    schema,
    config: {
      auth: spec.auth,
      ...(spec.access ? { access: spec.access } : {}),
      ...(spec.write?.idempotency === false ? { idempotency: false as const } : {}),
    },
    ...(spec.preValidation ? { preValidation: spec.preValidation } : {}),
  };
  if (writing) {
    if (!writes) throw new Error(`${spec.method} ${spec.url} writes: mount it with the write runner`);
    const plan: WritePlan = {
      commit: spec.write?.commit ?? 'transaction',
      idempotency: spec.write?.idempotency !== false,
    };
    const effect = effectOf(answer, handler);
    return { ...options, handler: (request, reply) => writes.run(request, reply, effect, plan) };
  }
  if (!('envelope' in answer) || answer.status !== 200) {
    throw new Error(`${spec.method} ${spec.url}: a read answers 200 with a body`);
  }
  const wrap = WRAP[answer.envelope];
  return { ...options, handler: async (request) => wrap(await handler(request)) };
}

/** Registers declared routes on a plugin's instance; `writes` runs those that write. */
export function mount(app: FastifyInstance, writes: WriteRunner | null, routes: readonly Route[]): void {
  for (const { spec } of routes) app.route(routeOptions(spec, writes));
}
