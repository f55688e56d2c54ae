/**
 * `npm run bench`: the server (compiled, in its own process) on a generated dataset, measured
 * with wrk (autocannon when wrk is not installed, flagged) against a raw node:http baseline, on
 * SQLite and on PostgreSQL when one can be started. Prints one table and writes the same as JSON
 * to bench/results/.
 *
 * Options:
 *   --quick            tiny dataset, 2 s per scenario, SQLite only (the smoke test uses this)
 *   --db sqlite,postgres   dialects to run (default: both; PostgreSQL skipped if unavailable)
 *   --only R,W,H,V     scenarios to run (the baseline always runs unless --no-baseline)
 *   --no-baseline      skip the baseline (ratios are then omitted)
 *   --baseline-slice S the baseline is measured S seconds right before and S right after each scenario
 *   --pairs N          on SQLite, right after R, also alternate N slices of the baseline and of R (see
 *                      measurePairs): R's ratio per pair, their median (also checked against R's
 *                      target) and the ratio of the totals; with --floor, each floor's too
 *   --pair-seconds S   the length of each of those slices (default 3)
 *   --profile          run the server with --cpu-prof and summarise the profile of each dialect
 *   --floor            on SQLite, also measure R's floors (bench/floor.mjs): node:http, then
 *                      Fastify, running R's query without the API around it
 *   --generator G      wrk or autocannon (default: wrk when it can be run, else autocannon, flagged)
 *   --wrk-threads N    wrk's threads (default 2, which gave the baseline the most req/s here)
 *   --duration S --warmup S --clients N --connections N   override the defaults (wrk runs whole
 *                      seconds: fractions are rounded up)
 *   --out DIR          where the JSON (and profiles) go (default bench/results)
 *   --server FILE      measure this server entry instead of dist/main.js (e.g. an older build)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { startPostgres } from '../scripts/throwaway-postgres.mjs';
import { generateDataset, type BenchDataset } from './dataset.js';
import { autocannonGenerator, type LoadGenerator, type LoadResult, type RequestPlan } from './load.js';
import { ChildServer, freePort } from './processes.js';
import { summarizeProfile } from './profile-summary.js';
import { findWrk, wrkGenerator } from './wrk.js';
import {
  formatCheckouts,
  formatPairs,
  formatTable,
  formatTargets,
  type PairedRatio,
  type ResultRow,
  type TargetCheck,
} from './report.js';

type Dialect = 'sqlite' | 'postgres';
type Scenario = 'R' | 'W' | 'H' | 'V';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Settings {
  /** The load generator every measurement uses (chosen once, in main). */
  load: LoadGenerator;
  generator: 'auto' | 'wrk' | 'autocannon';
  wrkThreads: number;
  quick: boolean;
  dialects: Dialect[];
  scenarios: Scenario[];
  baseline: boolean;
  profile: boolean;
  floor: boolean;
  durationSeconds: number;
  warmupSeconds: number;
  baselineSliceSeconds: number;
  pairs: number;
  pairSeconds: number;
  clients: number;
  locations: number;
  connections: number;
  out: string;
  server: string | null;
}

function parseArgs(argv: string[]): Omit<Settings, 'load'> {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const number = (name: string, fallback: number) => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}: expected a positive number, got "${raw}"`);
    return n;
  };
  const quick = argv.includes('--quick');
  const dialects = (value('--db') ?? (quick ? 'sqlite' : 'sqlite,postgres')).split(',') as Dialect[];
  const scenarios = (value('--only') ?? 'R,W,H,V').split(',') as Scenario[];
  for (const d of dialects) if (d !== 'sqlite' && d !== 'postgres') throw new Error(`--db: unknown "${d}"`);
  for (const s of scenarios) if (!['R', 'W', 'H', 'V'].includes(s)) throw new Error(`--only: unknown "${s}"`);
  const generator = (value('--generator') ?? 'auto') as Settings['generator'];
  if (!['auto', 'wrk', 'autocannon'].includes(generator))
    throw new Error(`--generator: unknown "${generator}" (wrk or autocannon)`);
  return {
    generator,
    wrkThreads: Math.max(1, Math.round(number('--wrk-threads', 2))),
    quick,
    dialects,
    scenarios,
    baseline: !argv.includes('--no-baseline'),
    profile: argv.includes('--profile'),
    floor: argv.includes('--floor'),
    durationSeconds: number('--duration', quick ? 2 : 15),
    warmupSeconds: number('--warmup', quick ? 1 : 5),
    baselineSliceSeconds: number('--baseline-slice', quick ? 1 : 5),
    pairs: value('--pairs') === undefined ? 0 : number('--pairs', 0),
    pairSeconds: number('--pair-seconds', 3),
    clients: number('--clients', quick ? 1000 : 100_000),
    locations: 10,
    connections: number('--connections', 32),
    out: resolve(value('--out') ?? join(ROOT, 'bench/results')),
    server: value('--server') ?? null,
  };
}

const log = (message: string) => process.stderr.write(`${message}\n`);

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/**
 * The Node options of `npm start` (everything between `node` and the entry), so the benchmark
 * runs the server as production does (e.g. its young-generation size, see docs/performance.md).
 */
function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.split(/\s+/);
  return words.slice(1, words.indexOf('dist/main.js'));
}

/**
 * The compiled server is what gets measured (with `npm start`'s Node options); it is rebuilt when any source is newer than
 * dist/main.js. tsc emits even when it reports type errors (another change may be half-done
 * in the tree); that output is still measured, with a warning. Only when nothing was emitted
 * does the source run under tsx instead.
 */
function serverEntry(): { args: string[]; via: 'dist' | 'dist with type errors' | 'tsx' } {
  const main = join(ROOT, 'dist/main.js');
  const mtime = () => {
    try {
      return statSync(main).mtimeMs;
    } catch {
      return 0;
    }
  };
  const sources = Math.max(newestMtime(join(ROOT, 'src')), newestMtime(join(ROOT, 'package.json')));
  const flags = startFlags();
  if (mtime() >= sources) return { args: [...flags, main], via: 'dist' };
  log('building the server (dist/ is missing or older than src/)…');
  const started = Date.now();
  const build = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (build.status === 0) return { args: [...flags, main], via: 'dist' };
  const errors = `${build.stdout}${build.stderr}`.split('\n').slice(0, 10).join('\n');
  if (mtime() >= started - 1000) {
    log(`the build reported type errors; measuring what it emitted:\n${errors}`);
    return { args: [...flags, main], via: 'dist with type errors' };
  }
  log(`the build failed; measuring the source under tsx instead:\n${errors}`);
  return { args: [...flags, '--import', 'tsx', join(ROOT, 'src/main.ts')], via: 'tsx' };
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const plans = new WeakMap<BenchDataset, Map<Scenario | 'baseline', RequestPlan>>();

/** A scenario's requests, built once per dataset (wrk's plan files are written once per plan). */
function scenarioPlan(scenario: Scenario | 'baseline', data: BenchDataset): RequestPlan {
  let byScenario = plans.get(data);
  if (!byScenario) plans.set(data, (byScenario = new Map()));
  let plan = byScenario.get(scenario);
  if (plan) return plan;
  const rPath = (card: BenchDataset['cards'][number]) =>
    `/api/v1/loyalty/cards/${card.phone}/${data.chainId}/${card.locationId}`;
  const wPath = (card: BenchDataset['cards'][number]) =>
    `/api/v1/company/${card.locationId}/loyalty/cards/${card.id}/manual_transaction`;
  // Alternating top-ups and withdrawals keep balances near their opening value.
  const bodies = ['{"amount":1}', '{"amount":-1}'];
  const hot = data.cards[Math.floor(data.cards.length / 2)]!;
  const headers = headersFor(scenario, data);
  switch (scenario) {
    case 'baseline':
    case 'R':
      plan = { method: 'GET', headers, paths: data.cards.map(rPath), bodies: [] };
      break;
    case 'W':
      plan = { method: 'POST', headers, paths: data.cards.map(wPath), bodies };
      break;
    case 'H':
      plan = { method: 'POST', headers, paths: [wPath(hot)], bodies };
      break;
    case 'V':
      plan = checkoutPlan(data, headers);
      break;
  }
  byScenario.set(scenario, plan);
  return plan;
}

function headersFor(scenario: Scenario | 'baseline', data: BenchDataset): Record<string, string> {
  const headers: Record<string, string> = { authorization: data.authorization, accept: 'application/json' };
  if (scenario === 'W' || scenario === 'H' || scenario === 'V') headers['content-type'] = 'application/json';
  return headers;
}

/**
 * Scenario V, a checkout in three requests: create an appointment for a random client of V's own
 * (one service, at the client's location; the client is found by phone), pay the whole amount
 * due into the default cash account with attendance 2 (confirmed: the visit stays open), then set
 * attendance 1 (arrived): nothing is due, so the visit closes and the client's card earns.
 */
function checkoutPlan(data: BenchDataset, headers: Record<string, string>): RequestPlan {
  const at = new Map(data.checkout.locations.map((l) => [l.locationId, l]));
  return {
    kind: 'checkout',
    headers,
    creates: data.checkout.clients.map((client) => {
      const location = at.get(client.locationId)!;
      return {
        path: `/api/v1/records/${client.locationId}`,
        body: JSON.stringify({
          staff_id: location.staffId,
          services: [{ id: location.serviceId }],
          client: { phone: client.phone, name: 'Checkout client' },
          datetime: '2026-03-02T10:00:00+03:00',
          seance_length: 3600,
        }),
      };
    }),
    stepPath: '/api/v1/visits/:visit/:record',
    pay: JSON.stringify({ attendance: 2, comment: '', fast_payment: 1 }),
    close: JSON.stringify({ attendance: 1, comment: '' }),
  };
}

interface Measured {
  result: LoadResult;
  peakRssMb: number | null;
  cpuUsPerRequest: number | null;
}

/** One timed run of the load generator against a process, with that process's CPU time per request. */
async function timed(
  server: ChildServer,
  scenario: Scenario | 'baseline',
  data: BenchDataset,
  settings: Settings,
  seconds: number,
): Promise<Measured> {
  const started = Date.now();
  const cpuBefore = server.cpuTime();
  const result = await settings.load.run({
    url: server.baseUrl,
    plan: scenarioPlan(scenario, data),
    connections: settings.connections,
    durationSeconds: seconds,
  });
  const cpuAfter = server.cpuTime();
  const peak = server.peakSince(started);
  return {
    result,
    peakRssMb: peak === null ? null : peak / 2 ** 20,
    cpuUsPerRequest:
      cpuBefore === null || cpuAfter === null || result.requests === 0
        ? null
        : ((cpuAfter - cpuBefore) * 1000) / result.requests,
  };
}

/**
 * The baseline process runs for the whole benchmark and is measured in slices right before and
 * right after every scenario: each scenario's ratio is to the baseline of the same minutes, so
 * whatever else loads the machine meanwhile weighs on both sides.
 */
class Baseline {
  readonly slices: Measured[] = [];

  private constructor(
    private readonly server: ChildServer,
    private readonly data: BenchDataset,
    private readonly settings: Settings,
  ) {}

  static async start(
    body: string,
    contentType: string,
    data: BenchDataset,
    settings: Settings,
    work: string,
  ) {
    const bodyFile = join(work, 'r-body.json');
    writeFileSync(bodyFile, body);
    const port = await freePort();
    const server = await ChildServer.start({
      name: 'baseline',
      args: [join(ROOT, 'bench/baseline.mjs'), bodyFile, contentType, String(port)],
      env: process.env,
      port,
      readyPath: '/',
    });
    const baseline = new Baseline(server, data, settings);
    log(`baseline: ${settings.warmupSeconds} s warm-up`);
    await timed(server, 'baseline', data, settings, settings.warmupSeconds);
    return baseline;
  }

  /** A slice around a scenario (it counts in the baseline's row), or one of a pair (it does not). */
  async slice(seconds = this.settings.baselineSliceSeconds, around = true): Promise<Measured> {
    const measured = await timed(this.server, 'baseline', this.data, this.settings, seconds);
    if (around) this.slices.push(measured);
    return measured;
  }

  /** The baseline row: all slices together (percentiles: the median of the slices'). */
  row(): ResultRow {
    const requests = this.slices.reduce((n, s) => n + s.result.requests, 0);
    const seconds = this.slices.reduce((n, s) => n + s.result.seconds, 0);
    const cpu = this.slices.reduce((n, s) => n + (s.cpuUsPerRequest ?? 0) * s.result.requests, 0);
    const hwm = this.server.highWaterMark();
    return {
      db: null,
      scenario: 'baseline',
      generator: this.settings.load.name,
      rps: requests / seconds,
      p50: median(this.slices.map((s) => s.result.p50)),
      p99: median(this.slices.map((s) => s.result.p99)),
      peakRssMb: hwm === null ? null : hwm / 2 ** 20,
      cpuUsPerRequest: requests ? cpu / requests : null,
      ratio: null,
      baselineRps: null,
      requests,
      non2xx: this.slices.reduce((n, s) => n + s.result.non2xx, 0),
      errors: this.slices.reduce((n, s) => n + s.result.errors, 0),
    };
  }

  stop(): Promise<void> {
    return this.server.stop();
  }
}

async function measureScenario(
  server: ChildServer,
  kind: Dialect,
  scenario: Scenario,
  data: BenchDataset,
  settings: Settings,
  baseline: Baseline | null,
  label: ResultRow['scenario'] = scenario,
): Promise<ResultRow> {
  log(`[${kind}] ${label}: ${settings.warmupSeconds} s warm-up, ${settings.durationSeconds} s measured…`);
  const started = Date.now();
  await timed(server, scenario, data, settings, settings.warmupSeconds);
  const before = await baseline?.slice();
  const measured = await timed(server, scenario, data, settings, settings.durationSeconds);
  const after = await baseline?.slice();
  const peak = server.peakSince(started);
  const { result } = measured;
  const baselineRps =
    before && after
      ? (before.result.requests + after.result.requests) / (before.result.seconds + after.result.seconds)
      : null;
  const checkouts =
    result.completed === undefined
      ? {}
      : {
          checkouts: result.completed,
          checkoutsPerSecond: result.completed / result.seconds,
          brokenCheckouts: result.broken ?? 0,
        };
  log(
    `[${kind}] ${label}: ${Math.round(result.rps)} req/s` +
      (checkouts.checkoutsPerSecond === undefined
        ? ''
        : ` (${Math.round(checkouts.checkoutsPerSecond)} checkouts/s, ${checkouts.brokenCheckouts} broken off)`) +
      (baselineRps ? ` (baseline around it ${Math.round(baselineRps)} req/s)` : '') +
      `, p99 ${result.p99} ms, non-2xx ${result.non2xx}, errors ${result.errors}`,
  );
  return {
    ...checkouts,
    db: kind,
    scenario: label,
    generator: settings.load.name,
    rps: result.rps,
    p50: result.p50,
    p99: result.p99,
    peakRssMb: peak === null ? null : peak / 2 ** 20,
    cpuUsPerRequest: measured.cpuUsPerRequest,
    ratio: baselineRps ? result.rps / baselineRps : null,
    baselineRps,
    requests: result.requests,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/**
 * The baseline and a server answering R alternate in short slices, each pair within a few
 * seconds, so that a phase of the machine weighs on both sides of most pairs (one 15 s scenario
 * between two 5 s baseline slices cannot tell a slow minute of the load generator from a fast
 * server). Run for the API's R and, with `--floor`, for each floor.
 */
async function measurePairs(
  server: ChildServer,
  label: PairedRatio['scenario'],
  data: BenchDataset,
  settings: Settings,
  baseline: Baseline,
): Promise<PairedRatio> {
  log(
    `[sqlite] ${label}: ${settings.pairs} pairs of ${settings.pairSeconds} s slices, baseline then ${label}…`,
  );
  const pairs: PairedRatio['pairs'] = [];
  let baselineRequests = 0;
  let requests = 0;
  for (let i = 0; i < settings.pairs; i++) {
    const base = (await baseline.slice(settings.pairSeconds, false)).result;
    const r = (await timed(server, 'R', data, settings, settings.pairSeconds)).result;
    pairs.push({ baselineRps: base.rps, rps: r.rps, ratio: r.rps / base.rps });
    baselineRequests += base.requests;
    requests += r.requests;
  }
  return {
    db: 'sqlite',
    scenario: label,
    reference: 'baseline',
    seconds: settings.pairSeconds,
    pairs,
    median: median(pairs.map((p) => p.ratio)),
    total: requests / baselineRequests,
  };
}

/**
 * W and V alternate in short slices on the same server (`--pairs`, when both run): V's req/s over
 * W's per pair, whose median is the steadier measure of the "V ≥ 1/3 of W" target on a machine
 * whose speed changes from one minute to the next.
 */
async function measureVersusW(
  server: ChildServer,
  data: BenchDataset,
  settings: Settings,
): Promise<PairedRatio> {
  log(`[sqlite] V: ${settings.pairs} pairs of ${settings.pairSeconds} s slices, W then V…`);
  const pairs: PairedRatio['pairs'] = [];
  let wRequests = 0;
  let vRequests = 0;
  for (let i = 0; i < settings.pairs; i++) {
    const w = (await timed(server, 'W', data, settings, settings.pairSeconds)).result;
    const v = (await timed(server, 'V', data, settings, settings.pairSeconds)).result;
    pairs.push({ baselineRps: w.rps, rps: v.rps, ratio: v.rps / w.rps });
    wRequests += w.requests;
    vRequests += v.requests;
  }
  return {
    db: 'sqlite',
    scenario: 'V',
    reference: 'W',
    seconds: settings.pairSeconds,
    pairs,
    median: median(pairs.map((p) => p.ratio)),
    total: vRequests / wRequests,
  };
}

/**
 * After the load: SPEC §3, a card's balance equals the sum of its ledger rows' balance effects
 * (every card: R's, W's and H's, and those V's checkouts earned on); and SPEC §6.3, every visit
 * V closed closed once and earned once — its card's one accrual row — and no open visit earned.
 */
async function ledgerCheck(
  kind: Dialect,
  url: string,
): Promise<{ mismatches: number; closedVisits: number; visitsNotEarnedOnce: number }> {
  const queries = {
    mismatches: `select count(*) as n from cards c where c.balance_minor <> (select coalesce(sum(t.balance_effect_minor), 0) from transactions t where t.card_id = c.id)`,
    closedVisits: `select count(*) as n from visits where state = 'closed'`,
    visitsNotEarnedOnce: `select count(*) as n from visits v where case when v.state = 'closed' then v.closes <> 1 or (select count(*) from transactions t where t.visit_id = v.id and t.type_id = 2) <> 1 else exists (select 1 from transactions t where t.visit_id = v.id and t.type_id = 2) end`,
  };
  const counts: Record<string, number> = {};
  if (kind === 'sqlite') {
    const database = new SQLite(url.replace(/^file:/, ''), { readonly: true });
    try {
      for (const [name, query] of Object.entries(queries))
        counts[name] = (database.prepare(query).get() as { n: number }).n;
    } finally {
      database.close();
    }
  } else {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      for (const [name, query] of Object.entries(queries))
        counts[name] = Number((await client.query<{ n: string }>(query)).rows[0]!.n);
    } finally {
      await client.end();
    }
  }
  return {
    mismatches: counts.mismatches!,
    closedVisits: counts.closedVisits!,
    visitsNotEarnedOnce: counts.visitsNotEarnedOnce!,
  };
}

interface DialectRun {
  rows: ResultRow[];
  peakRssMb: number | null;
  datasetSeconds: number;
  ledgerMismatches: number;
  /** Visits V closed, and visits that did not earn exactly once (closed) or earned (open). */
  closedVisits: number;
  visitsNotEarnedOnce: number;
  rBody: string;
  profile: string | null;
  paired: PairedRatio[];
}

async function runDialect(
  kind: Dialect,
  url: string,
  entry: { args: string[] },
  settings: Settings,
  baseline: {
    current: Baseline | null;
    start: (body: string, type: string, data: BenchDataset) => Promise<Baseline>;
  },
): Promise<DialectRun> {
  log(`[${kind}] generating ${settings.clients} clients and cards…`);
  const t0 = Date.now();
  const data = await generateDataset(url, { locations: settings.locations, clients: settings.clients });
  const datasetSeconds = (Date.now() - t0) / 1000;
  log(`[${kind}] dataset ready in ${datasetSeconds.toFixed(1)} s`);

  const port = await freePort();
  const profile = settings.profile
    ? join(settings.out, 'profiles', `${kind}-${Date.now()}.cpuprofile`)
    : null;
  const profileArgs = profile
    ? ['--cpu-prof', `--cpu-prof-dir=${dirname(profile)}`, `--cpu-prof-name=${basename(profile)}`]
    : [];
  const server = await ChildServer.start({
    name: `server (${kind})`,
    args: [...profileArgs, ...entry.args],
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: url, LOG_LEVEL: 'warn' },
    port,
    readyPath: '/health',
  });
  const rows: ResultRow[] = [];
  let rBody = '';
  let peakRssMb: number | null = null;
  const paired: PairedRatio[] = [];
  try {
    // One real R answer: the baseline serves exactly these bytes.
    const card = data.cards[0]!;
    const answer = await fetch(
      `${server.baseUrl}/api/v1/loyalty/cards/${card.phone}/${data.chainId}/${card.locationId}`,
      {
        headers: headersFor('R', data),
      },
    );
    rBody = await answer.text();
    if (answer.status !== 200) throw new Error(`R answered ${answer.status}: ${rBody}`);
    if (!baseline.current && settings.baseline) {
      baseline.current = await baseline.start(
        rBody,
        answer.headers.get('content-type') ?? 'application/json',
        data,
      );
    }
    for (const scenario of settings.scenarios) {
      rows.push(await measureScenario(server, kind, scenario, data, settings, baseline.current));
      // Right after R, before W and H write: the same database state as R's own row.
      if (scenario === 'R' && settings.pairs > 0 && kind === 'sqlite' && baseline.current)
        paired.push(await measurePairs(server, 'R', data, settings, baseline.current));
      // Right after V, when W ran too: V against W in pairs.
      if (scenario === 'V' && settings.pairs > 0 && kind === 'sqlite' && settings.scenarios.includes('W'))
        paired.push(await measureVersusW(server, data, settings));
    }
    const hwm = server.highWaterMark();
    peakRssMb = hwm === null ? null : hwm / 2 ** 20;
  } catch (error) {
    log(server.log());
    throw error;
  } finally {
    await server.stop();
  }
  if (settings.floor && kind === 'sqlite') {
    const floors = await measureFloors(url, rBody, data, settings, baseline.current);
    rows.push(...floors.rows);
    paired.push(...floors.paired);
  }
  const check = await ledgerCheck(kind, url);
  log(
    `[${kind}] ledger check: ${check.mismatches === 0 ? 'every balance equals the sum of its rows' : `${check.mismatches} cards differ`}; ` +
      `${check.closedVisits} visits closed, ${check.visitsNotEarnedOnce === 0 ? 'each earned once' : `${check.visitsNotEarnedOnce} did not earn exactly once`}`,
  );
  return {
    rows,
    peakRssMb,
    datasetSeconds,
    ledgerMismatches: check.mismatches,
    closedVisits: check.closedVisits,
    visitsNotEarnedOnce: check.visitsNotEarnedOnce,
    rBody,
    profile,
    paired,
  };
}

/**
 * R's floors (bench/floor.mjs): R's query and JSON on raw node:http, then on Fastify, without
 * the API around them, on the same database, measured like R (with baseline slices, and in
 * pairs with the baseline when `--pairs` is given).
 */
async function measureFloors(
  url: string,
  rBody: string,
  data: BenchDataset,
  settings: Settings,
  baseline: Baseline | null,
): Promise<{ rows: ResultRow[]; paired: PairedRatio[] }> {
  const bodyFile = join(dirname(url.slice('file:'.length)), 'floor-body.json');
  writeFileSync(bodyFile, rBody);
  const rows: ResultRow[] = [];
  const paired: PairedRatio[] = [];
  for (const [kind, label] of [
    ['node', 'R floor: node'],
    ['fastify', 'R floor: Fastify'],
  ] as const) {
    const port = await freePort();
    const server = await ChildServer.start({
      name: `floor (${kind})`,
      args: [...startFlags(), join(ROOT, 'bench/floor.mjs'), kind, bodyFile],
      env: { ...process.env, PORT: String(port), DATABASE_URL: url },
      port,
      readyPath: '/health',
    });
    try {
      rows.push(await measureScenario(server, 'sqlite', 'R', data, settings, baseline, label));
      if (settings.pairs > 0 && baseline)
        paired.push(await measurePairs(server, label, data, settings, baseline));
    } finally {
      await server.stop();
    }
  }
  return { rows, paired };
}

function checkTargets(
  rows: ResultRow[],
  paired: PairedRatio[],
  peaks: Record<string, number | null>,
): TargetCheck[] {
  const find = (db: Dialect, scenario: Scenario) => rows.find((r) => r.db === db && r.scenario === scenario);
  const checks: TargetCheck[] = [];
  const ratio = (scenario: Scenario, min: number) => {
    const r = find('sqlite', scenario);
    if (r?.ratio == null) return;
    checks.push({
      target: `${scenario} ≥ ${min}× baseline (SQLite)`,
      actual: `${r.ratio.toFixed(2)}×`,
      ok: r.ratio >= min,
    });
  };
  ratio('R', 0.5);
  // The same target by the steadier measure, when it was taken (`--pairs`).
  const rPairs = paired.find((p) => p.scenario === 'R');
  if (rPairs)
    checks.push({
      target: `R ≥ 0.5× baseline, median of ${rPairs.pairs.length} pairs (SQLite)`,
      actual: `${rPairs.median.toFixed(2)}×`,
      ok: rPairs.median >= 0.5,
    });
  ratio('W', 0.25);
  // Issue 21: closing a visit is a write like a manual transaction. Counted in requests/s (each
  // checkout is three), against W's requests/s.
  const w = find('sqlite', 'W');
  const v = find('sqlite', 'V');
  if (w && v)
    checks.push({
      target: "V ≥ 1/3 of W's rate (SQLite, requests/s)",
      actual: `${(v.rps / w.rps).toFixed(2)}× (${Math.round(v.rps)} against ${Math.round(w.rps)} req/s)`,
      ok: v.rps / w.rps >= 1 / 3,
    });
  const vPairs = paired.find((p) => p.scenario === 'V');
  if (vPairs)
    checks.push({
      target: `V ≥ 1/3 of W's rate, median of ${vPairs.pairs.length} pairs (SQLite, requests/s)`,
      actual: `${vPairs.median.toFixed(2)}×`,
      ok: vPairs.median >= 1 / 3,
    });
  for (const db of ['sqlite', 'postgres'] as const) {
    for (const scenario of ['R', 'W'] as const) {
      const r = find(db, scenario);
      if (r)
        checks.push({ target: `${scenario} p99 < 25 ms (${db})`, actual: `${r.p99} ms`, ok: r.p99 < 25 });
    }
  }
  for (const [db, peak] of Object.entries(peaks)) {
    if (peak !== null)
      checks.push({ target: `peak RSS < 200 MB (${db})`, actual: `${peak.toFixed(0)} MB`, ok: peak < 200 });
  }
  for (const r of rows) {
    if (r.brokenCheckouts) {
      checks.push({
        target: `${r.db ?? ''} ${r.scenario}: every checkout step answered as the next one needs`,
        actual: `${r.brokenCheckouts} checkouts broken off`,
        ok: false,
      });
    }
    if (r.non2xx > 0 || r.errors > 0) {
      checks.push({
        target: `${r.db ?? ''} ${r.scenario}: every answer 2xx`,
        actual: `${r.non2xx} non-2xx, ${r.errors} errors`,
        ok: false,
      });
    }
  }
  return checks;
}

/** Which generator drove the run, as the JSON records it. */
interface GeneratorRecord {
  name: LoadGenerator['name'];
  description: string;
  /** True when wrk was wanted (no --generator) but could not be run. */
  fallback: boolean;
  /** Set whenever autocannon drove the run: what that does to the figures. */
  warning: string | null;
}

/**
 * wrk unless told otherwise; autocannon when wrk cannot be run, and then loudly: its ceiling on
 * a small machine is below the baseline's, so the baseline would measure autocannon.
 */
function chooseGenerator(
  options: Omit<Settings, 'load'>,
  work: string,
): { load: LoadGenerator; record: GeneratorRecord } {
  const wrk = options.generator === 'autocannon' ? null : findWrk();
  if (wrk?.found) {
    const load = wrkGenerator(wrk, { threads: options.wrkThreads, work });
    return { load, record: { name: 'wrk', description: load.description, fallback: false, warning: null } };
  }
  if (options.generator === 'wrk')
    throw new Error(`--generator wrk: ${wrk!.reason} (BENCH_WRK names the binary)`);
  const why = wrk ? `wrk could not be run (${wrk.reason})` : 'chosen with --generator autocannon';
  const warning =
    `load generator: autocannon in the benchmark's own process, ${why}. It tops out below what the ` +
    'raw node:http baseline answers on a small machine, so the baseline measures autocannon and the ' +
    'ratios to it come out too high; install wrk (Debian: apt-get install wrk) for honest figures.';
  return {
    load: autocannonGenerator,
    record: {
      name: 'autocannon',
      description: autocannonGenerator.description,
      fallback: wrk !== null,
      warning,
    },
  };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  mkdirSync(options.out, { recursive: true });
  const entry = options.server
    ? { args: [...startFlags(), resolve(options.server)], via: 'given' as const }
    : serverEntry();
  log(`server: ${entry.via === 'tsx' ? 'source under tsx' : `${entry.args.at(-1)} (${entry.via})`}`);
  const work = mkdtempSync(join(tmpdir(), 'loyalty-bench-'));
  let generator: ReturnType<typeof chooseGenerator>;
  try {
    generator = chooseGenerator(options, work);
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
  const settings: Settings = { ...options, load: generator.load };
  log(`load generator: ${generator.record.description}`);
  if (generator.record.warning) log(`WARNING: ${generator.record.warning}`);

  const rows: ResultRow[] = [];
  const baseline = {
    current: null as Baseline | null,
    start: (body: string, type: string, data: BenchDataset) =>
      Baseline.start(body, type, data, settings, work),
  };

  const peaks: Record<string, number | null> = {};
  const runs: Record<string, Omit<DialectRun, 'rows' | 'rBody' | 'paired'>> = {};
  const paired: PairedRatio[] = [];
  const profiles: string[] = [];
  const notes: string[] = [];
  let sqliteBody: string | null = null;
  try {
    for (const kind of settings.dialects) {
      let url: string;
      let stop = () => {};
      if (kind === 'sqlite') {
        url = `file:${join(work, 'bench.sqlite')}`;
      } else {
        try {
          const cluster = await startPostgres();
          url = cluster.url;
          stop = cluster.stop;
        } catch (error) {
          const note = `PostgreSQL skipped: ${(error as Error).message}`;
          log(note);
          notes.push(note);
          continue;
        }
      }
      try {
        const run = await runDialect(kind, url, entry, settings, baseline);
        rows.push(...run.rows);
        peaks[kind] = run.peakRssMb;
        runs[kind] = {
          peakRssMb: run.peakRssMb,
          datasetSeconds: run.datasetSeconds,
          ledgerMismatches: run.ledgerMismatches,
          closedVisits: run.closedVisits,
          visitsNotEarnedOnce: run.visitsNotEarnedOnce,
          profile: run.profile,
        };
        if (run.profile) profiles.push(run.profile);
        paired.push(...run.paired);
        if (kind === 'sqlite') sqliteBody = run.rBody;
        else if (sqliteBody !== null && sqliteBody !== run.rBody)
          notes.push('R answers differ between SQLite and PostgreSQL');
      } finally {
        stop();
      }
    }
    if (baseline.current) rows.unshift(baseline.current.row());
  } finally {
    await baseline.current?.stop();
    rmSync(work, { recursive: true, force: true });
  }

  const targets = checkTargets(rows, paired, peaks);
  for (const [kind, run] of Object.entries(runs)) {
    if (run.ledgerMismatches > 0)
      targets.push({
        target: `ledger invariant (${kind})`,
        actual: `${run.ledgerMismatches} cards differ`,
        ok: false,
      });
    if (run.visitsNotEarnedOnce > 0)
      targets.push({
        target: `every visit closed earned once (${kind})`,
        actual: `${run.visitsNotEarnedOnce} of ${run.closedVisits} closed visits did not`,
        ok: false,
      });
  }

  const table = formatTable(rows);
  process.stdout.write(`\nload generator: ${generator.record.description}\n`);
  if (generator.record.warning) process.stdout.write(`WARNING: ${generator.record.warning}\n`);
  process.stdout.write(`\n${table}\n\n`);
  for (const line of formatCheckouts(rows)) process.stdout.write(`${line}\n`);
  process.stdout.write(`\n${formatTargets(targets)}\n`);
  for (const p of paired) process.stdout.write(`${formatPairs(p)}\n`);
  for (const note of notes) process.stdout.write(`note: ${note}\n`);

  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = join(settings.out, `bench-${settings.quick ? 'quick-' : ''}${stamp}.json`);
  const { out: _out, server: _server, load: _load, ...recorded } = settings;
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: {
          cpus: cpus().length,
          cpu: cpus()[0]?.model ?? '',
          memoryGiB: Math.round(totalmem() / 2 ** 30),
          node: process.version,
        },
        server: entry.via === 'given' ? entry.args.at(-1) : entry.via,
        generator: generator.record,
        settings: recorded,
        rows,
        baselineSlices:
          baseline.current?.slices.map((m) => ({ ...m.result, cpuUsPerRequest: m.cpuUsPerRequest })) ?? [],
        targets,
        paired,
        dialects: runs,
        notes,
        table,
      },
      null,
      2,
    )}\n`,
  );
  process.stdout.write(`results: ${file}\n`);

  for (const profile of profiles) process.stdout.write(`\n${summarizeProfile(profile)}\n`);
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
