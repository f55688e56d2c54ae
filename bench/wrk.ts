import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadGenerator, LoadOptions, LoadResult, RequestPlan } from './load.js';

/**
 * wrk (https://github.com/wg/wrk) as the load generator: a separate C process, so the load costs
 * the benchmark's Node process nothing, and ~11 µs of CPU per request where a raw node:http server
 * spends ~15–25 µs per answer, so wrk can keep the baseline busy on a 2-core machine.
 * bench/wrk.lua carries the scenarios' request variety: it reads a plan file written here from
 * the same RequestPlan the autocannon driver reads.
 */

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'wrk.lua');

/** The binary the benchmark runs: `BENCH_WRK` when set (a path or a name on PATH), else `wrk`. */
export const wrkBinary = (): string => process.env.BENCH_WRK || 'wrk';

export type WrkLookup = { found: true; binary: string; version: string } | { found: false; reason: string };

/** Whether wrk can be run, and its version (`wrk -v` prints it and exits with status 1). */
export function findWrk(binary = wrkBinary()): WrkLookup {
  const probe = spawnSync(binary, ['-v'], { encoding: 'utf8' });
  if (probe.error) {
    const code = (probe.error as NodeJS.ErrnoException).code;
    return { found: false, reason: code === 'ENOENT' ? `${binary} not found` : `${binary}: ${code}` };
  }
  const version = /^wrk (\S+)/.exec(probe.stdout ?? '')?.[1];
  if (!version) return { found: false, reason: `${binary} -v did not print a wrk version` };
  return { found: true, binary, version };
}

interface WrkOutput {
  requests: number;
  durationUs: number;
  non2xx: number;
  connect: number;
  read: number;
  write: number;
  timeout: number;
  p50Us: number;
  p99Us: number;
  /** Checkout plans only. */
  completed?: number;
  broken?: number;
}

/** The plan as bench/wrk.lua reads it: one `key value` item a line. */
function planText(plan: RequestPlan): string {
  const lines: string[] = [];
  if (plan.kind === 'checkout') {
    lines.push('mode checkout');
    for (const [name, value] of Object.entries(plan.headers)) lines.push(`header ${name}: ${value}`);
    lines.push(`steppath ${plan.stepPath}`, `pay ${plan.pay}`, `close ${plan.close}`);
    for (const create of plan.creates) lines.push(`create ${create.path} ${create.body}`);
  } else {
    lines.push(`method ${plan.method}`);
    for (const [name, value] of Object.entries(plan.headers)) lines.push(`header ${name}: ${value}`);
    for (const body of plan.bodies) lines.push(`body ${body}`);
    for (const path of plan.paths) lines.push(`path ${path}`);
  }
  for (const line of lines)
    if (/[\r\n]/.test(line)) throw new Error(`wrk plan: a line break in "${line.slice(0, 60)}"`);
  return `${lines.join('\n')}\n`;
}

/**
 * wrk with `threads` threads. Its durations are whole seconds (a fraction is rounded up; the
 * result's rate uses the duration wrk reports). Plan files are written once per plan into `work`.
 */
export function wrkGenerator(
  wrk: { binary: string; version: string },
  options: { threads: number; work: string },
): LoadGenerator {
  const planFiles = new WeakMap<RequestPlan, string>();
  let written = 0;
  const planFile = (plan: RequestPlan) => {
    let file = planFiles.get(plan);
    if (!file) {
      file = join(options.work, `wrk-plan-${++written}.txt`);
      writeFileSync(file, planText(plan));
      planFiles.set(plan, file);
    }
    return file;
  };
  return {
    name: 'wrk',
    description: `wrk ${wrk.version}, ${options.threads} thread${options.threads === 1 ? '' : 's'}`,
    run: (load: LoadOptions) => runWrk(wrk.binary, options.threads, load, planFile(load.plan)),
  };
}

function runWrk(binary: string, threads: number, load: LoadOptions, plan: string): Promise<LoadResult> {
  const args = [
    '-t',
    String(Math.min(threads, load.connections)),
    '-c',
    String(load.connections),
    '-d',
    `${Math.max(1, Math.ceil(load.durationSeconds))}s`,
    '--timeout',
    '10s',
    '-s',
    SCRIPT,
    load.url,
    '--',
    plan,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = /^WRK-RESULT (.*)$/m.exec(stdout)?.[1];
      if (code !== 0 || !line) {
        reject(new Error(`${binary} ${args.join(' ')} exited with ${code}:\n${stdout}${stderr}`));
        return;
      }
      const out = JSON.parse(line) as WrkOutput;
      const seconds = out.durationUs / 1e6;
      resolve({
        requests: out.requests,
        seconds,
        rps: out.requests / seconds,
        p50: out.p50Us / 1000,
        p99: out.p99Us / 1000,
        non2xx: out.non2xx,
        errors: out.connect + out.read + out.write + out.timeout,
        timeouts: out.timeout,
        ...(load.plan.kind === 'checkout' ? { completed: out.completed ?? 0, broken: out.broken ?? 0 } : {}),
      });
    });
  });
}
