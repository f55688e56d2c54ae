import type { FastifyInstance } from 'fastify';
import type { DatabaseAvailability } from '../db/availability.js';

/** Logs each change of the database's availability: one line when it goes, one when it is back. */
export function logAvailability(app: FastifyInstance, availability: DatabaseAvailability): void {
  const stop = availability.onChange((available, error) => {
    if (available) app.log.warn('database available again');
    else app.log.error({ reason: describe(error) }, 'database unavailable');
  });
  app.addHook('onClose', (_instance, done) => {
    stop();
    done();
  });
}

/** What went wrong, in one short line: the error's code and message, never its stack. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && !error.message.includes(code)
    ? `${code}: ${error.message}`
    : error.message;
}
