import { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { createDatabase, type DatabaseHandle } from './db/database.js';
import { migrate } from './db/migrator.js';
import { createServices } from './services.js';

/**
 * Runs the server for a validated config: database → migrations → (prepare) → listen, with
 * graceful shutdown on SIGTERM/SIGINT (in-flight requests finish, then the database closes).
 */
export async function runServer(
  config: Config,
  prepare?: (database: DatabaseHandle) => Promise<void>,
): Promise<{ app: FastifyInstance; address: string }> {
  const database = createDatabase(config.databaseUrl, {
    backgroundCheckpoints: true,
    fastPathsOff: config.fastPathsOff,
  });
  await migrate(database.db, database.kind);
  if (prepare) await prepare(database);
  const services = createServices(database);
  const app = await buildApp({ services, config });
  if (config.fastPathsOff.length > 0) {
    app.log.warn(
      { fastPathsOff: config.fastPathsOff },
      'database fast paths switched off (DB_FAST_PATHS_OFF)',
    );
  }
  const purge = setInterval(
    () => void services.idempotency.purgeExpired().catch(() => undefined),
    10 * 60_000,
  );
  purge.unref();

  // Open connections, so that shutdown can end the keep-alive ones (below).
  const connections = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    clearInterval(purge);
    // Requests arriving from now on are answered with `Connection: close` (Fastify). A
    // keep-alive connection busy with an answer when close() began would otherwise stay open
    // after it, until the keep-alive timeout, and hold the shutdown back: that answer says
    // `Connection: close` too, and Node ends the connection after it.
    for (const socket of connections) closeAfterAnswer(socket);
    await app.close();
    await services.writes.drain();
    await database.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  const address = await app.listen({ port: config.port, host: config.host });
  return { app, address };
}

/** The answer in progress on a connection, if any, ends it (Node's own per-connection record). */
function closeAfterAnswer(socket: Socket): void {
  const answer = (socket as Socket & { _httpMessage?: unknown })._httpMessage;
  if (answer instanceof ServerResponse && !answer.headersSent) answer.shouldKeepAlive = false;
}

/** Loads the config or stops the process with a one-line message naming the variable. */
export function exitOnError(error: unknown): never {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit((error as Error).name === 'ConfigError' ? 2 : 1);
}
