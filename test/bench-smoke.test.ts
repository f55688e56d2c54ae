import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `npm run bench -- --quick` runs end to end and produces its table and JSON. Timing is not
 * asserted (the figures depend on the machine); what is checked is that every scenario ran,
 * every answer was a 2xx, and the ledger still adds up afterwards.
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = mkdtempSync(join(tmpdir(), 'loyalty-bench-smoke-'));

function run(
  command: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run bench -- --quick --floor --pairs 2', () => {
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("measures the baseline, R, W, H, R's floors and their paired ratios on SQLite, prints the table and writes the JSON", async () => {
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

    const lines = stdout.split('\n');
    expect(lines.some((l) => /^\| db\s+\| scenario\s+\| req\/s .*\| × baseline/.test(l))).toBe(true);
    expect(lines.some((l) => /^\| —\s+\| baseline /.test(l))).toBe(true);
    for (const scenario of ['R', 'W', 'H', 'R floor: node', 'R floor: Fastify']) {
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

    const files = readdirSync(out).filter((f) => /^bench-quick-.*\.json$/.test(f));
    expect(files).toHaveLength(1);
    const result = JSON.parse(readFileSync(join(out, files[0]!), 'utf8'));
    expect(result.settings.quick).toBe(true);
    expect(result.rows.map((r: { db: string | null; scenario: string }) => `${r.db}:${r.scenario}`)).toEqual([
      'null:baseline',
      'sqlite:R',
      'sqlite:W',
      'sqlite:H',
      'sqlite:R floor: node',
      'sqlite:R floor: Fastify',
    ]);
    for (const row of result.rows) {
      expect(row.requests).toBeGreaterThan(0);
      expect(row.non2xx).toBe(0);
      expect(row.errors).toBe(0);
    }
    expect(result.paired.map((p: { scenario: string }) => p.scenario)).toEqual([
      'R',
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
    expect(result.table).toContain('| sqlite');
  }, 240_000);
});
