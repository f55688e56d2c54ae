/** One measured line of the results table. */
export interface ResultRow {
  db: 'sqlite' | 'postgres' | null;
  scenario: 'baseline' | 'R' | 'W' | 'H' | 'V' | 'R floor: node' | 'R floor: Fastify';
  /** The load generator that drove this row (autocannon only as the fallback, see bench/run.ts). */
  generator: 'wrk' | 'autocannon';
  rps: number;
  p50: number;
  p99: number;
  /** Peak RSS of the server process during the scenario (warm-up included), in MB. */
  peakRssMb: number | null;
  /** CPU time (user + system) the server process spent per request while measured, in µs. */
  cpuUsPerRequest: number | null;
  /** req/s divided by the baseline's req/s measured right before and after this scenario. */
  ratio: number | null;
  baselineRps: number | null;
  requests: number;
  non2xx: number;
  errors: number;
  /** V only: checkouts completed (3 requests each: create, pay, close), per second, and broken off. */
  checkouts?: number;
  checkoutsPerSecond?: number;
  brokenCheckouts?: number;
}

/**
 * R's ratio (or a floor's) measured in alternating slices of the baseline and it, or V's in
 * alternating slices of W and V (`--pairs`).
 */
export interface PairedRatio {
  db: 'sqlite' | 'postgres';
  scenario: 'R' | 'R floor: node' | 'R floor: Fastify' | 'V';
  /** What the scenario is divided by: the baseline (R and its floors), or W (V). */
  reference: 'baseline' | 'W';
  seconds: number;
  /** `baselineRps` is the reference's req/s in the slice before the scenario's. */
  pairs: { baselineRps: number; rps: number; ratio: number }[];
  median: number;
  /** The scenario's requests over the reference's, all pairs together. */
  total: number;
}

export interface TargetCheck {
  target: string;
  actual: string;
  ok: boolean;
}

export const SCENARIO_TITLES: Record<ResultRow['scenario'], string> = {
  baseline: 'raw node:http, same bytes as R',
  R: 'GET cards by phone, random phones',
  W: 'POST manual transaction, random cards, ±1',
  H: 'POST manual transaction, one hot card',
  V: 'checkout: create appointment, pay, close; random clients',
  'R floor: node': "node:http + R's query, no API",
  'R floor: Fastify': "Fastify + R's query, no API",
};

const fixed = (value: number | null, digits: number) => (value === null ? '—' : value.toFixed(digits));

/** The results as a Markdown table: readable in a terminal and pasteable into the README. */
export function formatTable(rows: ResultRow[]): string {
  const header = [
    'db',
    'scenario',
    'req/s',
    'p50 ms',
    'p99 ms',
    'peak RSS MB',
    'CPU µs/req',
    '× baseline',
    'non-2xx/errors',
    'load',
  ];
  const body = rows.map((r) => [
    r.db ?? '—',
    `${r.scenario} (${SCENARIO_TITLES[r.scenario]})`,
    Math.round(r.rps).toString(),
    fixed(r.p50, 1),
    fixed(r.p99, 1),
    fixed(r.peakRssMb, 0),
    fixed(r.cpuUsPerRequest, 0),
    r.scenario === 'baseline' ? '1.00' : fixed(r.ratio, 2),
    `${r.non2xx}/${r.errors}`,
    r.generator,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]!.length)));
  // Figures right-aligned; the names (db, scenario, load generator) left-aligned.
  const figure = (i: number) => i >= 2 && i < header.length - 1;
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (figure(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (figure(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(header), rule, ...body.map(line)].join('\n');
}

export function formatTargets(checks: TargetCheck[]): string {
  return checks.map((c) => `${c.ok ? 'PASS' : 'FAIL'}  ${c.target}: ${c.actual}`).join('\n');
}

/** V's rate in checkouts, below the table (the table's req/s counts each of its three requests). */
export function formatCheckouts(rows: ResultRow[]): string[] {
  return rows
    .filter((r) => r.checkoutsPerSecond !== undefined)
    .map(
      (r) =>
        `${r.scenario} (${r.db}): ${Math.round(r.rps)} req/s = ${Math.round(r.checkoutsPerSecond!)} checkouts/s ` +
        `(create, pay, close); ${r.checkouts} completed, ${r.brokenCheckouts} broken off`,
    );
}

export function formatPairs(p: PairedRatio): string {
  const ratios = p.pairs.map((pair) => pair.ratio);
  return (
    `${p.scenario} ÷ ${p.reference} in ${p.pairs.length} alternating pairs of ${p.seconds} s slices (${p.db}): ` +
    `median ${p.median.toFixed(2)}×, ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}× ` +
    `per pair, ${p.total.toFixed(2)}× over all of them`
  );
}
