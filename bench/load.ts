import autocannon from 'autocannon';

/**
 * What a scenario sends, as data both load generators read: every request takes a random path of
 * `paths` and the next body of `bodies` (request n sends body n mod their count; none when empty),
 * with `headers`. One definition, so a ratio means the same whichever generator measured it.
 */
export interface RequestPlan {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  paths: string[];
  bodies: string[];
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
    const result = await autocannon({
      url: options.url,
      connections: options.connections,
      pipelining: 1,
      duration: options.durationSeconds,
      headers: plan.headers,
      requests: [
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
