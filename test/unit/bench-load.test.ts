import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autocannonGenerator, type LoadGenerator, type RequestPlan } from '../../bench/load.js';
import { findWrk, wrkGenerator } from '../../bench/wrk.js';

/**
 * Both load generators of `npm run bench` read one request plan: a random path of the plan per
 * request, the plan's bodies in turn, its headers; and both count the answers that are not 2xx.
 * A small server here records what arrives, so what each generator sends and counts is checked
 * against what was really served.
 */
const work = mkdtempSync(join(tmpdir(), 'loyalty-bench-load-'));
const wrk = findWrk();
const CONNECTIONS = 4;

const seen = {
  requests: 0,
  missing: 0,
  byPath: new Map<string, number>(),
  bodies: new Map<string, number>(),
};
let headersOk = true;
let server: Server;
let url = '';

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      seen.requests++;
      const path = request.url ?? '';
      seen.byPath.set(path, (seen.byPath.get(path) ?? 0) + 1);
      seen.bodies.set(body, (seen.bodies.get(body) ?? 0) + 1);
      if (request.method !== 'POST' || request.headers['x-plan'] !== 'yes') headersOk = false;
      if (request.headers['content-type'] !== 'application/json') headersOk = false;
      if (path === '/missing') seen.missing++;
      response.writeHead(path === '/missing' ? 404 : 200, { 'content-type': 'application/json' });
      response.end('{"success":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

const plan: RequestPlan = {
  method: 'POST',
  headers: { 'x-plan': 'yes', 'content-type': 'application/json' },
  paths: ['/a', '/b', '/missing'],
  bodies: ['{"amount":1}', '{"amount":-1}'],
};

const generators: [string, () => LoadGenerator | null][] = [
  // Two threads, as the benchmark runs it: the non-2xx count is summed over threads.
  ['wrk', () => (wrk.found ? wrkGenerator(wrk, { threads: 2, work }) : null)],
  ['autocannon', () => autocannonGenerator],
];

describe.each(generators)('the %s driver', (name, make) => {
  it.skipIf(name === 'wrk' && !wrk.found)(
    "sends the plan's method, headers, random paths and alternating bodies, and counts the non-2xx answers",
    async () => {
      seen.requests = 0;
      seen.missing = 0;
      seen.byPath.clear();
      seen.bodies.clear();
      headersOk = true;
      const result = await make()!.run({ url, plan, connections: CONNECTIONS, durationSeconds: 1 });

      expect(headersOk).toBe(true);
      expect(result.requests).toBeGreaterThan(100);
      // Answers still in flight when the run stops were served but not counted.
      expect(result.requests).toBeLessThanOrEqual(seen.requests);
      expect(result.requests).toBeGreaterThanOrEqual(seen.requests - CONNECTIONS);
      expect(result.non2xx).toBeLessThanOrEqual(seen.missing);
      expect(result.non2xx).toBeGreaterThanOrEqual(seen.missing - CONNECTIONS);
      expect(result.errors).toBe(0);
      expect(result.rps).toBeCloseTo(result.requests / result.seconds, 6);
      expect(result.p99).toBeGreaterThanOrEqual(result.p50);

      expect([...seen.byPath.keys()].sort()).toEqual(['/a', '/b', '/missing']);
      for (const path of plan.paths) expect(seen.byPath.get(path)! / seen.requests).toBeGreaterThan(0.2);
      expect([...seen.bodies.keys()].sort()).toEqual(['{"amount":-1}', '{"amount":1}']);
      const ones = seen.bodies.get('{"amount":1}')!;
      const minusOnes = seen.bodies.get('{"amount":-1}')!;
      expect(Math.abs(ones - minusOnes)).toBeLessThanOrEqual(CONNECTIONS);
    },
  );
});
