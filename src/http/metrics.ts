import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * GET /metrics in the Prometheus text format: request counts by method, route and status, and
 * a latency histogram per route. Counters live in the process (each server process reports its
 * own, as Prometheus expects of scraped targets).
 */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** One route's figures: answers by status, and the latency histogram. */
interface RouteStats {
  labels: string;
  statuses: Map<number, number>;
  counts: number[];
  sum: number;
  count: number;
}

export function registerMetrics(app: FastifyInstance): void {
  // Method, then route: recording a request builds no label string.
  const routes = new Map<string, Map<string, RouteStats>>();
  const started = Date.now();

  const statsOf = (method: string, route: string): RouteStats => {
    let byRoute = routes.get(method);
    if (!byRoute) routes.set(method, (byRoute = new Map()));
    let stats = byRoute.get(route);
    if (!stats) {
      const labels = `method="${method}",route="${route}"`;
      stats = { labels, statuses: new Map(), counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
      byRoute.set(route, stats);
    }
    return stats;
  };

  const record = (request: FastifyRequest, reply: FastifyReply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (route === '/metrics') return;
    const stats = statsOf(request.method, route);
    const status = reply.statusCode;
    stats.statuses.set(status, (stats.statuses.get(status) ?? 0) + 1);
    const seconds = reply.elapsedTime / 1000;
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) stats.counts[i]! += 1;
    stats.sum += seconds;
    stats.count += 1;
  };
  app.addHook('onResponse', (request, reply, done) => {
    record(request, reply);
    done();
  });

  app.get('/metrics', async (_request, reply) => {
    const all = [...routes.values()].flatMap((byRoute) => [...byRoute.values()]);
    const lines = [
      '# HELP http_requests_total HTTP requests answered, by method, route and status.',
      '# TYPE http_requests_total counter',
      ...all.flatMap(({ labels, statuses }) =>
        [...statuses].map(([status, n]) => `http_requests_total{${labels},status="${status}"} ${n}`),
      ),
      '# HELP http_request_duration_seconds Time to answer, by method and route.',
      '# TYPE http_request_duration_seconds histogram',
    ];
    for (const h of all) {
      BUCKETS.forEach((le, i) =>
        lines.push(`http_request_duration_seconds_bucket{${h.labels},le="${le}"} ${h.counts[i]}`),
      );
      lines.push(`http_request_duration_seconds_bucket{${h.labels},le="+Inf"} ${h.count}`);
      lines.push(`http_request_duration_seconds_sum{${h.labels}} ${h.sum}`);
      lines.push(`http_request_duration_seconds_count{${h.labels}} ${h.count}`);
    }
    const memory = process.memoryUsage();
    lines.push(
      '# TYPE process_resident_memory_bytes gauge',
      `process_resident_memory_bytes ${memory.rss}`,
      '# TYPE process_uptime_seconds gauge',
      `process_uptime_seconds ${(Date.now() - started) / 1000}`,
    );
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(`${lines.join('\n')}\n`);
  });
}
