/**
 * Whether the database can be reached, as this process last saw it: one state per database
 * handle, so that an outage is reported once when it begins and once when it ends, not once per
 * request that met it (a PostgreSQL restart under load fails thousands of requests in seconds).
 *
 * It goes "unavailable" when a request meets an unreachable-database error (see
 * `isDatabaseUnreachable`), and "available" again when a connection is made or a statement runs
 * on a live connection (db/database.ts), or `/health` reaches the database. It decides nothing:
 * every request still tries the database, so recovery needs no restart and no probe.
 */
export type AvailabilityListener = (available: boolean, error?: unknown) => void;

/**
 * After the database is back, errors reported within this time are taken to be the outage's
 * stragglers: requests that met it before it ended and report it only now (a keyed write first
 * gives its key back, on a new connection). A new outage is reported with the first error after.
 */
export const STRAGGLER_MS = 2000;

export class DatabaseAvailability {
  #available = true;
  #reachedAt = -Infinity;
  readonly #listeners = new Set<AvailabilityListener>();

  get available(): boolean {
    return this.#available;
  }

  /** The database could not be reached, or a connection to it was lost. */
  lost(error: unknown): void {
    if (!this.#available || Date.now() - this.#reachedAt < STRAGGLER_MS) return;
    this.#available = false;
    for (const listener of this.#listeners) listener(false, error);
  }

  /** The database answered. */
  reached(): void {
    if (this.#available) return;
    this.#available = true;
    this.#reachedAt = Date.now();
    for (const listener of this.#listeners) listener(true);
  }

  /** Calls `listener` on each change; returns the function that stops it. */
  onChange(listener: AvailabilityListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
