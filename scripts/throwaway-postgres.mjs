// Starts a throwaway PostgreSQL cluster on a free loopback port, for tests and benchmarks.
// Uses the server binaries installed on the machine (PostgreSQL 15 on Debian); never a mock.
// As root, the cluster runs as the `postgres` system user (initdb refuses root).
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function findBinDir() {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return join(which.stdout.trim(), '..');
  return null;
}

/** A free TCP port on the loopback interface (also used by the process tests and the benchmark). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function systemUser() {
  if (process.getuid?.() !== 0) return null;
  const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  if (id.status === 0) return { name: 'postgres', uid: Number(id.stdout.trim()) };
  const nobody = spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' });
  return { name: 'nobody', uid: Number(nobody.stdout.trim()) };
}

function run(user, bin, args) {
  const command = user ? 'runuser' : bin;
  const argv = user ? ['-u', user.name, '--', bin, ...args] : args;
  return execFileSync(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
}

/**
 * `crashSafe`: every acknowledged commit survives `crash()` (synchronous commits; slower).
 * @returns {Promise<{url: string, stop: () => void, crash: () => void, start: () => void}>}
 */
export async function startPostgres({ maxConnections = 300, crashSafe = false } = {}) {
  const bin = findBinDir();
  if (!bin) throw new Error('PostgreSQL server binaries (initdb, pg_ctl) not found; install postgresql');
  const user = systemUser();
  const dir = mkdtempSync(join(tmpdir(), 'loyalty-pg-'));
  if (user) chownSync(dir, user.uid, -1);
  const data = join(dir, 'data');
  const port = await freePort();
  const options =
    // fsync off survives a crash of PostgreSQL (not of the machine): the files are in the OS's
    // cache. An asynchronous commit does not: its WAL may still be in PostgreSQL's memory.
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off ` +
    `-c synchronous_commit=${crashSafe ? 'on' : 'off'} ` +
    `-c full_page_writes=off -c max_connections=${maxConnections} -c shared_buffers=128MB`;
  const startServer = () =>
    run(user, join(bin, 'pg_ctl'), [
      '-D',
      data,
      '-l',
      join(dir, 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      options,
      'start',
    ]);
  try {
    run(user, join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
    startServer();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const detail = error.stderr?.toString?.() || error.message;
    throw new Error(`could not start a throwaway PostgreSQL: ${detail.trim()}`);
  }
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    /**
     * A crash as the process tests need it: every backend dies at once, without a checkpoint;
     * the data directory stays, and `start` brings the cluster back (with crash recovery).
     */
    crash() {
      run(user, join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    },
    start: startServer,
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        run(user, join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already gone
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
