import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/app.js';

const README = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'README.md');

/**
 * The README's "Checkout with curl" walk-through, run as written: every `curl` line of the section
 * (its method, path, headers and body, read out of README.md so they cannot drift) is sent in order
 * to the app on a fresh demo database, and every `# →` line after it is a part of the answer the
 * request must get (`toMatchObject`: objects may have more keys, arrays must have exactly these
 * items).
 */

interface Step {
  line: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  expected?: unknown;
}

/** The text of the README section with this heading, up to the next `## ` heading. */
function section(heading: string): string {
  const readme = readFileSync(README, 'utf8');
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README.md has no section "${heading}"`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/**
 * The words of one shell command line, as sh reads the few forms the README uses: single quotes
 * kept verbatim, double quotes with `$NAME` expanded, bare words with `$NAME` expanded.
 */
function words(line: string, variables: Record<string, string>): string[] {
  const expand = (text: string) =>
    text.replace(/\$([A-Z_]+)/g, (_, name: string) => {
      if (!(name in variables)) throw new Error(`undefined shell variable $${name} in: ${line}`);
      return variables[name]!;
    });
  const out: string[] = [];
  const pattern = /'([^']*)'|"([^"]*)"|(\S+)/g;
  for (const m of line.matchAll(pattern)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(expand(m[2]));
    else out.push(expand(m[3]!));
  }
  return out;
}

/** The section's shell blocks as steps: variable assignments first, then each curl and its `# →`. */
function steps(text: string): Step[] {
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const variables: Record<string, string> = {};
  const out: Step[] = [];
  for (const block of blocks) {
    // Continuation lines (a trailing backslash) join the next one.
    const lines = block
      .replace(/\\\n\s*/g, '')
      .split('\n')
      .filter(Boolean);
    for (const line of lines) {
      const assignment = /^([A-Z_]+)=(.*)$/.exec(line);
      if (assignment) {
        variables[assignment[1]!] = words(assignment[2]!, variables).join(' ');
      } else if (line.startsWith('# →')) {
        const step = out.at(-1);
        if (!step || step.expected !== undefined) throw new Error(`an answer line without its curl: ${line}`);
        step.expected = JSON.parse(line.slice('# →'.length));
      } else if (line.startsWith('curl ')) {
        out.push(curlStep(line, words(line, variables)));
      } else {
        throw new Error(`a line the walk-through test cannot run: ${line}`);
      }
    }
  }
  return out;
}

function curlStep(line: string, argv: string[]): Step {
  const step: Step = { line, method: 'GET', path: '', headers: {} };
  for (let i = 1; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '-s') continue;
    if (word === '-X') step.method = argv[++i]!;
    else if (word === '-H') {
      const header = argv[++i]!;
      const colon = header.indexOf(':');
      step.headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
    } else if (word === '-d') step.body = argv[++i]!;
    else if (/^https?:\/\//.test(word)) step.path = new URL(word).pathname + new URL(word).search;
    else throw new Error(`a curl option the walk-through test does not know: ${word} in ${line}`);
  }
  if (!step.path) throw new Error(`no URL in: ${line}`);
  return step;
}

const WALK = steps(section('Checkout with curl'));

describe('the README walk-through', () => {
  it('is read whole: both parts, every request with its expected answer', () => {
    expect(WALK).toHaveLength(16);
    for (const step of WALK) expect(step.expected, step.line).toBeDefined();
    const paths = WALK.map((s) => `${s.method} ${s.path}`);
    expect(paths).toContain('POST /api/v1/records/12345');
    expect(paths).toContain('POST /api/v1/visit/loyalty/apply_discount_program/12345/9210521/18007');
    expect(paths).toContain('POST /api/v1/visit/loyalty/apply_card_withdrawal/12345/9210521');
    expect(paths).toContain('GET /api/v1/loyalty/cards/12345/9210521/transactions');
  });
});

describeEachDialect('the README walk-through, run on the demo', (ctx) => {
  it('answers every request as the README says, and leaves the ledger exact', async () => {
    for (const step of WALK) {
      const res = await ctx.request({
        method: step.method as never,
        url: step.path,
        headers: step.headers,
        ...(step.body === undefined ? {} : { payload: step.body }),
      });
      expect(res.statusCode, `${step.line}\n${res.body}`).toBeLessThan(300);
      expect(res.json(), `${step.line}\n${res.body}`).toMatchObject(step.expected as object);
    }
    const report = await ctx.services.ledger.verify();
    expect(report.mismatches).toEqual([]);
    expect(report.rows).toEqual([]);
  });

  it('the keyed card payment, sent again, is replayed and pays nothing more', async () => {
    const payment = WALK.find((s) => s.headers['idempotency-key'])!;
    const res = await ctx.request({
      method: payment.method as never,
      url: payment.path,
      headers: payment.headers,
      payload: payment.body,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['idempotency-replayed']).toBe('true');
    const card = await ctx.request({
      method: 'GET',
      url: '/api/v1/loyalty/cards/13155550176/145071/12345',
      headers: { authorization: payment.headers.authorization! },
    });
    expect(card.json().data[0].balance).toBe(283.75);
  });
});
