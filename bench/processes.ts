import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
export { freePort } from '../scripts/throwaway-postgres.mjs';

/** Resident set size of a process in bytes, from /proc (Linux); null elsewhere or once it is gone. */
export function memoryOf(pid: number): { rss: number; hwm: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1] ?? 0);
    return { rss: kb('VmRSS') * 1024, hwm: kb('VmHWM') * 1024 };
  } catch {
    return null;
  }
}

/**
 * CPU time (user + system) a process has used so far, in ms, from /proc (Linux); null elsewhere.
 * Per request, this is the figure least disturbed by whatever else the machine is doing.
 */
export function cpuTimeOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks (USER_HZ, 100 on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/**
 * A server under test, in its own process. RSS is sampled every 100 ms; `peakSince(mark)` gives
 * the largest sample since a mark, so each scenario reports its own peak.
 */
export class ChildServer {
  private readonly samples: { at: number; rss: number }[] = [];
  private readonly output: string[] = [];
  private readonly sampler: NodeJS.Timeout;
  private exited = false;
  readonly exitPromise: Promise<number | null>;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly baseUrl: string,
  ) {
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString());
      if (this.output.length > 200) this.output.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exitPromise = new Promise((resolve) =>
      child.on('exit', (code) => {
        this.exited = true;
        resolve(code);
      }),
    );
    this.sampler = setInterval(() => this.sample(), 100);
  }

  static async start(options: {
    name: string;
    args: string[];
    env: NodeJS.ProcessEnv;
    port: number;
    readyPath: string;
  }): Promise<ChildServer> {
    const child = spawn(process.execPath, options.args, {
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new ChildServer(options.name, child, `http://127.0.0.1:${options.port}`);
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (server.exited) throw new Error(`${options.name} exited during start-up:\n${server.log()}`);
      try {
        const response = await fetch(`${server.baseUrl}${options.readyPath}`);
        await response.arrayBuffer();
        if (response.ok) return server;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await server.stop();
        throw new Error(`${options.name} did not become ready in 30 s:\n${server.log()}`);
      }
      await sleep(100);
    }
  }

  get pid(): number {
    return this.child.pid!;
  }

  private sample(): void {
    const memory = memoryOf(this.pid);
    if (memory) this.samples.push({ at: Date.now(), rss: memory.rss });
  }

  /** Largest RSS sampled since `since` (ms epoch), in bytes. */
  peakSince(since: number): number | null {
    this.sample();
    let peak: number | null = null;
    for (const s of this.samples) if (s.at >= since && (peak === null || s.rss > peak)) peak = s.rss;
    return peak;
  }

  cpuTime(): number | null {
    return cpuTimeOf(this.pid);
  }

  /** The kernel's own high-water mark of the process (VmHWM), in bytes. */
  highWaterMark(): number | null {
    return memoryOf(this.pid)?.hwm ?? null;
  }

  log(): string {
    return this.output.join('').split('\n').slice(-40).join('\n');
  }

  /** SIGTERM (the server drains and closes; a --cpu-prof profile is written on exit), then SIGKILL. */
  async stop(): Promise<void> {
    clearInterval(this.sampler);
    if (this.exited) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exitPromise;
    clearTimeout(timer);
  }
}
