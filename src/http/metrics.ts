import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * GET /metrics in the Prometheus text format: request counts by method, route and status, and
 * a latency histogram per route. Counters live in the process (each server process reports its
 * own, as Prometheus expects of scraped targets).
 */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

export function registerMetrics(app: FastifyInstance): void {
  const requests = new Map<string, number>();
  const latency = new Map<string, Histogram>();
  const started = Date.now();

  const record = (request: FastifyRequest, reply: FastifyReply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (route === '/metrics') return;
    const key = `method="${request.method}",route="${route}",status="${reply.statusCode}"`;
    requests.set(key, (requests.get(key) ?? 0) + 1);
    const seconds = reply.elapsedTime / 1000;
    const routeKey = `method="${request.method}",route="${route}"`;
    let h = latency.get(routeKey);
    if (!h) {
      h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
      latency.set(routeKey, h);
    }
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) h.counts[i]! += 1;
    h.sum += seconds;
    h.count += 1;
  };
  app.addHook('onResponse', (request, reply, done) => {
    record(request, reply);
    done();
  });

  app.get('/metrics', async (_request, reply) => {
    const lines = [
      '# HELP http_requests_total HTTP requests answered, by method, route and status.',
      '# TYPE http_requests_total counter',
      ...[...requests].map(([labels, n]) => `http_requests_total{${labels}} ${n}`),
      '# HELP http_request_duration_seconds Time to answer, by method and route.',
      '# TYPE http_request_duration_seconds histogram',
    ];
    for (const [labels, h] of latency) {
      BUCKETS.forEach((le, i) =>
        lines.push(`http_request_duration_seconds_bucket{${labels},le="${le}"} ${h.counts[i]}`),
      );
      lines.push(`http_request_duration_seconds_bucket{${labels},le="+Inf"} ${h.count}`);
      lines.push(`http_request_duration_seconds_sum{${labels}} ${h.sum}`);
      lines.push(`http_request_duration_seconds_count{${labels}} ${h.count}`);
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
