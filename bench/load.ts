import autocannon from 'autocannon';

/**
 * What a scenario sends, as data both load generators read, so a ratio means the same whichever
 * generator measured it: single requests (`SinglePlan`), or checkouts of three requests each
 * (`CheckoutPlan`, scenario V).
 */
export type RequestPlan = SinglePlan | CheckoutPlan;

/**
 * Every request takes a random path of `paths` and the next body of `bodies` (request n sends body
 * n mod their count; none when empty), with `headers`.
 */
export interface SinglePlan {
  kind?: 'single';
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  paths: string[];
  bodies: string[];
}

/**
 * Checkouts: each is three real requests, each reading the ids it needs from the answer before
 * it. `POST` one of `creates` at random (an appointment: its answer carries the record `id` and
 * its `visit_id`), then `PUT stepPath` with `pay` (the visit answer comes back open, attendance 2),
 * then `PUT stepPath` with `close` (the answer says `state: closed`: one checkout completed).
 * `stepPath` names the ids as `:visit` and `:record`. A step answered with anything but a 2xx (or
 * with a visit in another state than expected) ends its checkout; the next request starts another.
 */
export interface CheckoutPlan {
  kind: 'checkout';
  headers: Record<string, string>;
  creates: { path: string; body: string }[];
  stepPath: string;
  pay: string;
  close: string;
}

export interface LoadOptions {
  url: string;
  plan: RequestPlan;
  connections: number;
  durationSeconds: number;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Checkout plans: checkouts completed (closed) during the run, and those a step broke off. */
  completed?: number;
  broken?: number;
}

/** A load generator: wrk (bench/wrk.ts) or, as the fallback, autocannon. */
export interface LoadGenerator {
  name: 'wrk' | 'autocannon';
  /** e.g. `wrk debian/4.1.0-3+b2, 1 thread` */
  description: string;
  run(options: LoadOptions): Promise<LoadResult>;
}

/**
 * autocannon, in the benchmark's own process: no pipelining, a fresh path/body per request. On a
 * 2-core machine it tops out below what a raw node:http server answers, so the baseline measures
 * autocannon rather than the server; it is the fallback when wrk is not installed.
 */
export const autocannonGenerator: LoadGenerator = {
  name: 'autocannon',
  description: "autocannon, in the benchmark's process",
  async run(options) {
    const { plan } = options;
    let sent = 0;
    const tally = { completed: 0, broken: 0 };
    const result = await autocannon({
      url: options.url,
      connections: options.connections,
      pipelining: 1,
      duration: options.durationSeconds,
      headers: plan.headers,
      requests:
        plan.kind === 'checkout'
          ? checkoutRequests(plan, tally)
          : [
              {
                setupRequest: (request) => {
                  request.method = plan.method;
                  request.path = plan.paths[Math.floor(Math.random() * plan.paths.length)]!;
                  request.body = plan.bodies.length ? plan.bodies[sent++ % plan.bodies.length] : undefined;
                  return request;
                },
              },
            ],
    });
    return {
      ...(plan.kind === 'checkout' ? tally : {}),
      requests: result.requests.total,
      seconds: result.duration,
      rps: result.requests.total / result.duration,
      p50: result.latency.p50,
      p99: result.latency.p99,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
    };
  },
};

interface Visit {
  record?: number;
  visit?: number;
}

/** The answer's `data`, when it is a 2xx with a JSON body. */
function dataOf(status: number, body: string): Record<string, unknown> | null {
  if (status < 200 || status > 299) return null;
  try {
    return (JSON.parse(body) as { data?: Record<string, unknown> }).data ?? null;
  } catch {
    return null;
  }
}

/**
 * A checkout as autocannon's request sequence: each connection runs create → pay → close in turn,
 * the ids carried in the connection's context. A step whose answer is not what the next one needs
 * ends the checkout: the next step's setup returns nothing, which makes autocannon start over.
 */
function checkoutRequests(
  plan: CheckoutPlan,
  tally: { completed: number; broken: number },
): autocannon.Request[] {
  const step = (context: Visit) =>
    plan.stepPath.replace(':visit', String(context.visit)).replace(':record', String(context.record));
  const broken = (context: Visit) => {
    tally.broken += 1;
    context.visit = undefined;
  };
  return [
    {
      setupRequest: (request, context: Visit) => {
        const create = plan.creates[Math.floor(Math.random() * plan.creates.length)]!;
        context.visit = undefined;
        return { ...request, method: 'POST', path: create.path, body: create.body };
      },
      onResponse: (status, body, context: Visit) => {
        const data = dataOf(status, body);
        if (typeof data?.id !== 'number' || typeof data.visit_id !== 'number') return broken(context);
        context.record = data.id;
        context.visit = data.visit_id;
      },
    },
    {
      setupRequest: (request, context: Visit) =>
        context.visit === undefined
          ? null!
          : { ...request, method: 'PUT', path: step(context), body: plan.pay },
      onResponse: (status, body, context: Visit) => {
        const data = dataOf(status, body);
        if (data?.state !== 'open' || data.attendance !== 2) broken(context);
      },
    },
    {
      setupRequest: (request, context: Visit) =>
        context.visit === undefined
          ? null!
          : { ...request, method: 'PUT', path: step(context), body: plan.close },
      onResponse: (status, body, context: Visit) => {
        if (dataOf(status, body)?.state === 'closed') tally.completed += 1;
        else broken(context);
      },
    },
  ];
}
