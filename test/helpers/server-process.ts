import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../scripts/throwaway-postgres.mjs';
import { expect } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.js';
import { createServices } from '../../src/services.js';
import type { DatabaseKind } from '../../src/config.js';
import { freshDatabase, openMigrated, type TestDatabase } from './databases.js';
import { Factory } from './factory.js';
import { manualTransactionPath } from './cards.js';

/**
 * Real server processes for the cross-process tests: `node --import tsx src/main.ts` on a free
 * loopback port and a shared database (one SQLite file, or one PostgreSQL database), driven over
 * HTTP with keep-alive connections. Every process started here is killed when the test process
 * exits, whatever happens to the test.
 */

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const live = new Set<ChildProcess>();
const MAX_LINES = 20_000;
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json(): any;
}

export class ServerProcess {
  private readonly output: string[] = [];
  /** Every complete line printed (the first MAX_LINES), and how many there were in all. */
  private readonly printed: string[] = [];
  private printedCount = 0;
  private partialLine = '';
  private readonly exited: Promise<number | null>;
  private done = false;
  readonly agent: http.Agent;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly databaseUrl: string,
    maxSockets: number,
  ) {
    const keep = (chunk: Buffer) => {
      const text = chunk.toString();
      this.output.push(text);
      if (this.output.length > 200) this.output.shift();
      const lines = (this.partialLine + text).split('\n');
      this.partialLine = lines.pop()!;
      this.printedCount += lines.length;
      for (const line of lines) if (this.printed.length < MAX_LINES) this.printed.push(line);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        this.done = true;
        live.delete(child);
        resolve(code);
      }),
    );
    // Bounded sockets: requests beyond them queue in the client, not as hundreds of connections.
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  /** Starts a server on the database and waits until `/health` answers 200 (60 s at most). */
  static async start(
    databaseUrl: string,
    options: { port?: number; maxSockets?: number; env?: Record<string, string> } = {},
  ): Promise<ServerProcess> {
    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (await freePort());
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: ROOT,
        env: {
          ...process.env,
          PORT: String(port),
          HOST: '127.0.0.1',
          DATABASE_URL: databaseUrl,
          LOG_LEVEL: 'warn',
          DEMO: '',
          ...options.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      live.add(child);
      const server = new ServerProcess(child, port, databaseUrl, options.maxSockets ?? 64);
      try {
        await server.waitReady();
        return server;
      } catch (error) {
        await server.kill();
        // Another process may have taken the free port in between: try another one.
        if (attempt < 3 && options.port === undefined && /EADDRINUSE/.test(server.log())) continue;
        throw error;
      }
    }
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return !this.done;
  }

  private async waitReady(): Promise<void> {
    // Generous: on a small machine busy with other tests' processes, starting takes a while.
    const deadline = Date.now() + 60_000;
    let last = 'no answer yet';
    for (;;) {
      if (this.done) throw new Error(`server exited during start-up:\n${this.log()}`);
      try {
        const answer = await this.request('GET', '/health', { timeoutMs: 10_000 });
        if (answer.status === 200) return;
        last = `${answer.status} ${answer.text}`;
      } catch (error) {
        last = (error as Error).message; // not listening yet
      }
      if (Date.now() > deadline) {
        throw new Error(`server not ready in 60 s (last /health: ${last}):\n${this.log()}`);
      }
      await sleep(100);
    }
  }

  log(): string {
    return this.output.join('').split('\n').slice(-40).join('\n');
  }

  /** Everything the process printed that is still kept (the last 200 chunks). */
  fullLog(): string {
    return this.output.join('');
  }

  /**
   * The lines printed since the start (the first 20,000 of them), and how many were printed in
   * all: `{ lines, count }`.
   */
  printedLines(): { lines: string[]; count: number } {
    return { lines: [...this.printed], count: this.printedCount };
  }

  /** Resolves with the exit code once the process has ended. */
  exitCode(): Promise<number | null> {
    return this.exited;
  }

  request(
    method: string,
    path: string,
    options: { headers?: Record<string, string>; body?: unknown; timeoutMs?: number } = {},
    retried = false,
  ): Promise<HttpAnswer> {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: this.port,
          method,
          path,
          agent: this.agent,
          headers: {
            accept: 'application/json',
            ...(payload === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
            ...options.headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              text,
              json: () => JSON.parse(text),
            });
          });
        },
      );
      req.setTimeout(options.timeoutMs ?? 60_000, () => req.destroy(new Error('request timed out')));
      req.on('error', (error: NodeJS.ErrnoException) => {
        // A kept-alive socket the server closed for idleness just as this request went out on it
        // (its keep-alive timeout): the server never read the request, so it is sent again on a
        // new socket, as Node's documentation advises (`request.reusedSocket`). Only then.
        if (req.reusedSocket && error.code === 'ECONNRESET' && !retried) {
          resolve(this.request(method, path, options, true));
        } else {
          reject(error);
        }
      });
      req.end(payload);
    });
  }

  /** `kill -9`: no graceful shutdown, in-flight requests die with the process. */
  async kill(): Promise<void> {
    if (!this.done) this.child.kill('SIGKILL');
    await this.exited;
    this.agent.destroy();
  }

  /** SIGTERM (in-flight requests finish, the database closes), then SIGKILL after 10 s. */
  async stop(): Promise<void> {
    if (!this.done) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(timer);
    }
    this.agent.destroy();
  }
}

/** Runs the admin CLI (`npm run admin -- …`) on a database; resolves with its exit code and output. */
export function runAdmin(
  databaseUrl: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/admin.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * A world (chain, location, partner, user, card type) and one card with an opening balance,
 * written straight to the database before any server starts. The opening balance is a manual
 * top-up row, so the card's balance equals the sum of its rows from the start.
 */
export async function seedCard(
  database: DatabaseHandle,
  openingMinor: number,
  options: { programs?: boolean } = {},
) {
  const factory = new Factory(database);
  const world = await factory.world(options);
  const { cards } = createServices(database);
  const location = { id: world.locationId, chain_id: world.chainId };
  const card = await database.db
    .transaction()
    .execute((trx) =>
      cards.issue(trx, location, { loyalty_card_type_id: world.cardTypeId, phone: world.phone }),
    );
  if (openingMinor > 0) {
    await database.db
      .transaction()
      .execute((trx) =>
        cards.manualTransaction(
          trx,
          { partnerId: world.partner.id, user: null },
          { chainId: world.chainId, locationId: world.locationId },
          card.id,
          { amount: openingMinor / 100, title: 'opening balance' },
        ),
      );
  }
  return { ...world, factory, cardId: card.id, openingMinor };
}

/** Rows of the card's ledger, counted by title (each request of the load tests has its own). */
export async function rowsByTitle(database: DatabaseHandle, cardId: number): Promise<Map<string, number>> {
  const rows = await database.db
    .selectFrom('transactions')
    .select(['title'])
    .where('card_id', '=', cardId)
    .execute();
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.title, (counts.get(row.title) ?? 0) + 1);
  return counts;
}

// ─── Load: many manual transactions on one card, and the rules their answers must follow ───

/** One manual transaction of a load test: each has its own title, so its ledger row can be found. */
export interface Move {
  amountMinor: number;
  title: string;
  key?: string;
  /** Recorded at chain level (op 10) instead of at the location (op 9). */
  chainLevel?: boolean;
}

export interface Outcome extends Move {
  server: number;
  status: number;
  answer?: HttpAnswer;
  /** The request got no answer (connection refused or reset: the server died). */
  error?: string;
}

export interface CardTarget {
  chainId: number;
  locationId: number;
  cardId: number;
  auth: string;
}

export function pathOf(target: CardTarget, chainLevel = false): string {
  const at = chainLevel ? { chain: target.chainId } : { location: target.locationId };
  return `/api/v1${manualTransactionPath(at, target.cardId)}`;
}

export async function send(
  server: ServerProcess,
  index: number,
  target: CardTarget,
  move: Move,
): Promise<Outcome> {
  const headers: Record<string, string> = { authorization: target.auth };
  if (move.key) headers['idempotency-key'] = move.key;
  try {
    const answer = await server.request('POST', pathOf(target, move.chainLevel), {
      headers,
      body: { amount: move.amountMinor / 100, title: move.title },
    });
    return { ...move, server: index, status: answer.status, answer };
  } catch (error) {
    return { ...move, server: index, status: 0, error: (error as Error).message };
  }
}

/** Sends every move at once, spread round-robin over the servers. */
export function fireAll(servers: ServerProcess[], target: CardTarget, moves: Move[]): Promise<Outcome[]> {
  return Promise.all(
    moves.map((move, i) => send(servers[i % servers.length]!, i % servers.length, target, move)),
  );
}

/** Fisher–Yates with a fixed seed, so a failing order can be replayed. */
export function shuffled<T>(items: T[], seed = 42): T[] {
  const out = [...items];
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export interface Tally {
  accepted: Outcome[];
  refused: Outcome[];
  busy: Outcome[];
  acceptedSumMinor: number;
}

/**
 * The honesty rules every answer of a load must follow: 200 with a non-negative balance, 422
 * "exceeds the card balance" for a withdrawal, or 503 with Retry-After. Never 500, never a
 * refusal of a top-up.
 */
export function tally(outcomes: Outcome[]): Tally {
  const accepted: Outcome[] = [];
  const refused: Outcome[] = [];
  const busy: Outcome[] = [];
  for (const outcome of outcomes) {
    const { status, answer } = outcome;
    if (status === 200) {
      expect(answer!.json().data.balance).toBeGreaterThanOrEqual(0);
      accepted.push(outcome);
    } else if (status === 422) {
      expect(outcome.amountMinor).toBeLessThan(0);
      expect(answer!.json().meta.message).toBe('amount exceeds the card balance.');
      refused.push(outcome);
    } else if (status === 503) {
      expect(answer!.headers['retry-after']).toBeDefined();
      busy.push(outcome);
    } else {
      throw new Error(`unexpected answer ${status}: ${answer?.text ?? outcome.error}`);
    }
  }
  return { accepted, refused, busy, acceptedSumMinor: accepted.reduce((s, o) => s + o.amountMinor, 0) };
}

/** Every accepted request has exactly one ledger row, every refused or busy one none. */
export function expectRowsMatch(outcomes: Outcome[], rows: Map<string, number>): void {
  const wrong = outcomes.filter((o) => (rows.get(o.title) ?? 0) !== (o.status === 200 ? 1 : 0));
  expect(wrong.map((o) => `${o.title}: ${o.status}, rows ${rows.get(o.title) ?? 0}`)).toEqual([]);
}

export function report(line: string): void {
  process.stdout.write(`  ${line}\n`);
}

/** A fresh, migrated database of `kind` and two server processes on it (the process tests' setup). */
export interface ServersOnOneDatabase {
  db: TestDatabase;
  database: DatabaseHandle;
  servers: ServerProcess[];
}

export async function startTwoServers(kind: DatabaseKind, maxSockets: number): Promise<ServersOnOneDatabase> {
  const db = await freshDatabase(kind);
  const database = await openMigrated(db.url);
  const servers = await Promise.all([
    ServerProcess.start(db.url, { maxSockets }),
    ServerProcess.start(db.url, { maxSockets }),
  ]);
  return { db, database, servers };
}

/** Stops what `startTwoServers` started (any part of it may be missing after a failed start). */
export async function stopServers({ db, database, servers }: Partial<ServersOnOneDatabase>): Promise<void> {
  await Promise.all((servers ?? []).map((s) => s.stop()));
  await database?.close();
  await db?.drop();
}
