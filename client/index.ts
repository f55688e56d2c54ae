import createClient, {
  type Client,
  type ClientOptions,
  type ClientPathsWithMethod,
  type FetchResponse,
  type MaybeOptionalInit,
} from 'openapi-fetch';
import type { components, operations, paths } from './schema.js';

/**
 * A typed client for the loyalty API. Types come from `schema.d.ts`, generated from the served
 * OpenAPI document (`npm run client:generate`); requests go through openapi-fetch. The wrapper
 * sends the Accept and Authorization headers Altegio expects and unwraps the `{success, data,
 * meta}` envelope into a typed result: `{ ok: true, data, meta }` or `{ ok: false, error }`.
 *
 * ```ts
 * const api = createLoyaltyClient({ baseUrl: 'http://127.0.0.1:8080/api/v1', partnerToken, userToken });
 * const cards = await api.GET('/loyalty/cards/{phone}/{chain_id}/{location_id}', {
 *   params: { path: { phone: '13155550175', chain_id: 145071, location_id: 12345 } },
 * });
 * if (cards.ok) console.log(cards.data[0]?.balance);
 * else console.error(cards.status, cards.error.message);
 * ```
 */

export type { components, operations, paths };
export type Schemas = components['schemas'];
/** The error envelope: `success: false`, `data: null`, `meta.message`, `meta.errors`. */
export type ErrorBody = Schemas['Error'];
export type LoyaltyCard = Schemas['LoyaltyCard'];
export type LoyaltyCardBalance = Schemas['LoyaltyCardBalance'];
export type CardType = Schemas['CardType'];
export type Program = Schemas['Program'];
export type Rule = Schemas['Rule'];
export type AuthUser = Schemas['AuthUser'];
export type Appointment = Schemas['Appointment'];
export type Visit = Schemas['Visit'];
/** The raw answer of the `/visit/loyalty/*` writes: the visit after the loyalty change. */
export type VisitLoyaltyAnswer = Schemas['VisitLoyaltyAnswer'];

/** Altegio's own Accept value; the server answers JSON to it. */
export const DEFAULT_ACCEPT = 'application/vnd.api.v2+json';

/** A refused request: the HTTP status and the error envelope the server sent. */
export class LoyaltyApiError extends Error {
  override name = 'LoyaltyApiError';
  constructor(
    readonly status: number,
    /** The error envelope, or null when the answer was not one (a proxy page, say). */
    readonly body: ErrorBody | null,
    readonly response: Response,
  ) {
    super(body?.meta.message ?? `HTTP ${status}`);
  }

  /** Field errors of a 422 (`meta.errors`): `{ "<field>": ["<message>", …] }`. */
  get fieldErrors(): Record<string, string[]> {
    return this.body?.meta.errors ?? {};
  }
}

/** What a call answers when the server accepted it: the envelope's `data` and `meta`. */
export type Success<Body> = [Body] extends [never]
  ? { ok: true; status: number; data: undefined; meta: undefined; response: Response }
  : Body extends { data: infer Data; meta: infer Meta }
    ? { ok: true; status: number; data: Data; meta: Meta; response: Response }
    : { ok: true; status: number; data: Body; meta: undefined; response: Response };

export interface Failure {
  ok: false;
  status: number;
  error: LoyaltyApiError;
  response: Response;
}

export type Result<Body> = Success<Body> | Failure;

type Method = 'get' | 'put' | 'post' | 'delete' | 'patch';
type RawClient = Client<paths, 'application/json'>;
type OperationOf<P extends keyof paths, M extends Method> = Extract<
  paths[P][M],
  Record<string | number, any>
>;
type RequiredKeysOf<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
type InitParam<Init> =
  RequiredKeysOf<Init> extends never
    ? [(Init & { [key: string]: unknown })?]
    : [Init & { [key: string]: unknown }];

/** Same call signature as openapi-fetch (path template, `{ params, body, headers }`), unwrapped answer. */
export type Call<M extends Method> = <
  P extends ClientPathsWithMethod<RawClient, M>,
  Init extends MaybeOptionalInit<paths[P], M>,
>(
  path: P,
  ...init: InitParam<Init>
) => Promise<Result<NonNullable<FetchResponse<OperationOf<P, M>, Init, 'application/json'>['data']>>>;

export interface LoyaltyClient {
  GET: Call<'get'>;
  POST: Call<'post'>;
  PUT: Call<'put'>;
  PATCH: Call<'patch'>;
  DELETE: Call<'delete'>;
  /** `POST /auth` with the partner token only; on success the client uses the new user token. */
  login(login: string, password: string): Promise<Result<{ data: AuthUser; meta: unknown[] }>>;
  /** Switch to another user token (or none: partner-only calls). */
  setUserToken(userToken: string | undefined): void;
  /** The underlying openapi-fetch client (headers set, envelope not unwrapped). */
  readonly raw: RawClient;
}

export interface LoyaltyClientOptions {
  /** The API root, e.g. `http://127.0.0.1:8080/api/v1`. */
  baseUrl: string;
  partnerToken: string;
  /** For `BearerPartnerUser` operations; get one with `login()`. */
  userToken?: string;
  /** Defaults to Altegio's `application/vnd.api.v2+json`. */
  accept?: string;
  /** A custom fetch (tests, proxies, retries). */
  fetch?: ClientOptions['fetch'];
  /** Headers sent with every request. */
  headers?: Record<string, string>;
}

/** The Authorization header in Altegio's two forms: `Bearer <partner>` or `Bearer <partner>, User <user>`. */
export function authorization(partnerToken: string, userToken?: string): string {
  return userToken ? `Bearer ${partnerToken}, User ${userToken}` : `Bearer ${partnerToken}`;
}

type Envelope = { success: boolean; data: unknown; meta: unknown };
const isEnvelope = (body: unknown): body is Envelope =>
  typeof body === 'object' && body !== null && 'success' in body && 'data' in body && 'meta' in body;

function toResult(answer: { data?: unknown; error?: unknown; response: Response }): Result<any> {
  const { response } = answer;
  const status = response.status;
  if (!response.ok) {
    const body = isEnvelope(answer.error) && answer.error.success === false ? answer.error : null;
    return {
      ok: false,
      status,
      error: new LoyaltyApiError(status, body as ErrorBody | null, response),
      response,
    };
  }
  if (answer.data === undefined) return { ok: true, status, data: undefined, meta: undefined, response };
  if (isEnvelope(answer.data)) {
    if (answer.data.success === true) {
      return { ok: true, status, data: answer.data.data, meta: answer.data.meta, response };
    }
    // A 2xx carrying a failure envelope breaks the contract: say so rather than guess.
    return { ok: false, status, error: new LoyaltyApiError(status, null, response), response };
  }
  // The operations Altegio documents raw (`/visit/loyalty/*`: SPEC §6.2) answer the value itself.
  return { ok: true, status, data: answer.data, meta: undefined, response };
}

export function createLoyaltyClient(options: LoyaltyClientOptions): LoyaltyClient {
  let userToken = options.userToken;
  const raw = createClient<paths, 'application/json'>({
    baseUrl: options.baseUrl,
    fetch: options.fetch,
    headers: { Accept: options.accept ?? DEFAULT_ACCEPT, ...options.headers },
  });
  raw.use({
    onRequest({ request }) {
      // Read at request time: `login()` and `setUserToken()` change it.
      if (!request.headers.has('Authorization')) {
        request.headers.set('Authorization', authorization(options.partnerToken, userToken));
      }
      return request;
    },
  });

  const call =
    (method: Method) =>
    async (path: string, init?: Record<string, unknown>): Promise<Result<any>> =>
      toResult(
        await (raw.request as (...a: unknown[]) => Promise<FetchResponse<any, any, any>>)(method, path, init),
      );

  return {
    GET: call('get') as Call<'get'>,
    POST: call('post') as Call<'post'>,
    PUT: call('put') as Call<'put'>,
    PATCH: call('patch') as Call<'patch'>,
    DELETE: call('delete') as Call<'delete'>,
    async login(login, password) {
      const result = await call('post')('/auth', {
        body: { login, password },
        // A stale user token would make the partner-only call fail: send the partner token alone.
        headers: { Authorization: authorization(options.partnerToken) },
      });
      if (result.ok) userToken = (result.data as AuthUser).user_token;
      return result as Result<{ data: AuthUser; meta: unknown[] }>;
    },
    setUserToken(token) {
      userToken = token;
    },
    raw,
  };
}

/** The success of a result, or its `LoyaltyApiError` thrown: `const { data } = await orThrow(api.GET(…))`. */
export async function orThrow<R extends Result<any>>(
  result: R | Promise<R>,
): Promise<Extract<R, { ok: true }>> {
  const settled = await result;
  if (!settled.ok) throw settled.error;
  return settled as Extract<R, { ok: true }>;
}
