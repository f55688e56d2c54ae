import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { findWrk } from '../bench/wrk.js';

/**
 * `npm run bench -- --quick` runs end to end and produces its table and JSON. Timing is not
 * asserted (the figures depend on the machine); what is checked is that every scenario ran,
 * every answer was a 2xx, V's checkouts all completed (each of its three steps answered as the
 * next one needs), the ledger still adds up afterwards and every visit V closed earned once, and
 * which load generator drove the run: wrk when it is installed, else autocannon, and then the
 * output says so.
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = mkdtempSync(join(tmpdir(), 'loyalty-bench-smoke-'));

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const FALLBACK = /^WARNING: load generator: autocannon in the benchmark's own process, wrk could not be run /;

describe('npm run bench -- --quick --floor --pairs 2', () => {
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("measures the baseline, R, W, H, V, R's floors and their paired ratios on SQLite, prints the table and writes the JSON", async () => {
    const { code, stdout, stderr } = await run('npm', [
      'run',
      'bench',
      '--',
      '--quick',
      '--floor',
      '--pairs',
      '2',
      '--pair-seconds',
      '1',
      '--out',
      out,
    ]);
    expect(code, stderr).toBe(0);
    // wrk where it is installed (as on CI); where it is not, the run falls back and says so.
    const generator = findWrk().found ? 'wrk' : 'autocannon';

    const lines = stdout.split('\n');
    expect(
      lines.some((l) => /^\| db\s+\| scenario\s+\| req\/s .*\| × baseline .*\| load\s+\|$/.test(l)),
    ).toBe(true);
    expect(lines.some((l) => l.startsWith(`load generator: ${generator}`))).toBe(true);
    expect(lines.some((l) => FALLBACK.test(l))).toBe(generator === 'autocannon');
    expect(lines.some((l) => /^\| —\s+\| baseline /.test(l))).toBe(true);
    for (const scenario of ['R', 'W', 'H', 'V', 'R floor: node', 'R floor: Fastify']) {
      expect(lines.some((l) => new RegExp(`^\\| sqlite\\s+\\| ${scenario} \\(`).test(l))).toBe(true);
    }

    for (const scenario of ['R', 'R floor: node', 'R floor: Fastify']) {
      const pairs = new RegExp(
        `^${scenario} ÷ baseline in 2 alternating pairs of 1 s slices \\(sqlite\\): median `,
      );
      expect(lines.some((l) => pairs.test(l))).toBe(true);
    }
    expect(
      lines.some((l) => /^(PASS|FAIL) {2}R ≥ 0\.5× baseline, median of 2 pairs \(SQLite\): /.test(l)),
    ).toBe(true);
    expect(lines.some((l) => /^V ÷ W in 2 alternating pairs of 1 s slices \(sqlite\): median /.test(l))).toBe(
      true,
    );
    expect(lines.some((l) => /^(PASS|FAIL) {2}V ≥ 1\/3 of W's rate \(SQLite, requests\/s\): /.test(l))).toBe(
      true,
    );
    expect(
      lines.some((l) =>
        /^V \(sqlite\): \d+ req\/s = \d+ checkouts\/s \(create, pay, close\); [1-9]\d* completed, 0 broken off$/.test(
          l,
        ),
      ),
    ).toBe(true);

    const files = readdirSync(out).filter((f) => /^bench-quick-.*\.json$/.test(f));
    expect(files).toHaveLength(1);
    const result = JSON.parse(readFileSync(join(out, files[0]!), 'utf8'));
    expect(result.settings.quick).toBe(true);
    expect(result.generator.name).toBe(generator);
    expect(result.generator.fallback).toBe(generator === 'autocannon');
    expect(result.rows.map((r: { generator: string }) => r.generator)).toEqual(Array(7).fill(generator));
    expect(result.rows.map((r: { db: string | null; scenario: string }) => `${r.db}:${r.scenario}`)).toEqual([
      'null:baseline',
      'sqlite:R',
      'sqlite:W',
      'sqlite:H',
      'sqlite:V',
      'sqlite:R floor: node',
      'sqlite:R floor: Fastify',
    ]);
    for (const row of result.rows) {
      expect(row.requests).toBeGreaterThan(0);
      expect(row.non2xx).toBe(0);
      expect(row.errors).toBe(0);
    }
    const v = result.rows.find((r: { scenario: string }) => r.scenario === 'V');
    expect(v.checkouts).toBeGreaterThan(0);
    expect(v.brokenCheckouts).toBe(0);
    // checkouts/s and req/s come from one measured duration: a checkout is at most three requests.
    expect(v.checkoutsPerSecond / v.checkouts).toBeCloseTo(v.rps / v.requests, 6);
    expect(v.checkouts * 3).toBeLessThanOrEqual(v.requests);
    expect(result.paired.map((p: { scenario: string }) => p.scenario)).toEqual([
      'R',
      'V',
      'R floor: node',
      'R floor: Fastify',
    ]);
    for (const paired of result.paired) {
      expect(paired.pairs).toHaveLength(2);
      for (const pair of paired.pairs) {
        expect(pair.baselineRps).toBeGreaterThan(0);
        expect(pair.rps).toBeGreaterThan(0);
        expect(pair.ratio).toBeCloseTo(pair.rps / pair.baselineRps, 6);
      }
    }
    expect(result.dialects.sqlite.ledgerMismatches).toBe(0);
    // Warm-up and the V-against-W pairs close visits too: at least those V's own row counted.
    expect(result.dialects.sqlite.closedVisits).toBeGreaterThanOrEqual(v.checkouts);
    expect(result.dialects.sqlite.visitsNotEarnedOnce).toBe(0);
    expect(result.table).toContain('| sqlite');
  }, 240_000);
});

describe('npm run bench without wrk', () => {
  const fallbackOut = mkdtempSync(join(tmpdir(), 'loyalty-bench-smoke-fallback-'));
  afterAll(() => rmSync(fallbackOut, { recursive: true, force: true }));
  const noWrk = { ...process.env, BENCH_WRK: join(fallbackOut, 'no-such-wrk') };

  it('falls back to autocannon and flags it in the output, the table and the JSON; V chains its checkouts there too', async () => {
    const { code, stdout, stderr } = await run(
      'npm',
      ['run', 'bench', '--', '--quick', '--only', 'R,V', '--out', fallbackOut],
      noWrk,
    );
    expect(code, stderr).toBe(0);
    const lines = stdout.split('\n');
    expect(lines.some((l) => FALLBACK.test(l))).toBe(true);
    expect(stderr.split('\n').some((l) => FALLBACK.test(l))).toBe(true);
    expect(lines.filter((l) => /^\| (—|sqlite) .*\| autocannon \|$/.test(l))).toHaveLength(3);

    const files = readdirSync(fallbackOut).filter((f) => /^bench-quick-.*\.json$/.test(f));
    expect(files).toHaveLength(1);
    const result = JSON.parse(readFileSync(join(fallbackOut, files[0]!), 'utf8'));
    expect(result.generator).toMatchObject({ name: 'autocannon', fallback: true });
    expect(result.generator.warning).toMatch(/no-such-wrk not found/);
    expect(
      result.rows.map((r: { scenario: string; generator: string }) => `${r.scenario}:${r.generator}`),
    ).toEqual(['baseline:autocannon', 'R:autocannon', 'V:autocannon']);
    for (const row of result.rows) expect(row.requests).toBeGreaterThan(0);
    const v = result.rows.find((r: { scenario: string }) => r.scenario === 'V');
    expect(v.checkouts).toBeGreaterThan(0);
    expect(v.brokenCheckouts).toBe(0);
    expect(v.non2xx).toBe(0);
    expect(result.dialects.sqlite.visitsNotEarnedOnce).toBe(0);
  }, 120_000);

  it('refuses --generator wrk when wrk cannot be run, naming why', async () => {
    const { code, stdout, stderr } = await run(
      'npm',
      ['run', 'bench', '--', '--quick', '--generator', 'wrk', '--out', fallbackOut],
      noWrk,
    );
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/--generator wrk: .*no-such-wrk not found/);
    expect(stdout).not.toMatch(/^\| db /m);
  }, 120_000);
});
