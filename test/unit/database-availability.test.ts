import { afterEach, describe, expect, it, vi } from 'vitest';
import { DatabaseAvailability, STRAGGLER_MS } from '../../src/db/availability.js';
import {
  isDatabaseUnreachable,
  isRetryableDatabaseError,
  isTransientDatabaseError,
} from '../../src/db/errors.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('database errors: a lost or unreachable database', () => {
  it.each([
    // node-postgres: no SQLSTATE, no network code (issue 19, item 2)
    new Error('Connection terminated unexpectedly'),
    new Error('Client has encountered a connection error and is not queryable'),
    new Error('Connection terminated due to connection timeout'),
    // the network
    withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
    withCode('read ECONNRESET', 'ECONNRESET'),
    new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], 'connect failed'),
    // PostgreSQL shutting down, crashed, starting up, out of connections; connection exceptions
    withCode('terminating connection due to administrator command', '57P01'),
    withCode('terminating connection because of crash of another server process', '57P02'),
    withCode('the database system is starting up', '57P03'),
    withCode('sorry, too many clients already', '53300'),
    withCode('connection failure', '08006'),
  ])('%s: unreachable, 503, never retried blindly', (error) => {
    expect(isDatabaseUnreachable(error)).toBe(true);
    expect(isTransientDatabaseError(error)).toBe(true);
    expect(isRetryableDatabaseError(error)).toBe(false);
  });

  it('no free pooled connection in time: busy (503), not unreachable', () => {
    const error = new Error('timeout exceeded when trying to connect');
    expect(isTransientDatabaseError(error)).toBe(true);
    expect(isDatabaseUnreachable(error)).toBe(false);
  });

  it.each([
    new Error('boom'),
    new Error('Connection terminated'), // this process ended it (shutdown), nothing was lost
    withCode('duplicate key value violates unique constraint', '23505'),
    withCode('canceling statement due to statement timeout', '57014'),
    withCode('could not obtain lock', '55P03'),
    withCode('database is locked', 'SQLITE_BUSY'),
    'Connection terminated unexpectedly',
    null,
  ])('%s: not an unreachable database', (error) => {
    expect(isDatabaseUnreachable(error)).toBe(false);
  });
});

describe('database availability: one report per change', () => {
  afterEach(() => vi.useRealTimers());

  it('reports an outage once when it begins and once when it ends', () => {
    vi.useFakeTimers();
    const availability = new DatabaseAvailability();
    const changes: [boolean, unknown][] = [];
    availability.onChange((available, error) => changes.push([available, error]));
    const first = new Error('Connection terminated unexpectedly');
    availability.reached();
    availability.lost(first);
    for (let i = 0; i < 1000; i++) availability.lost(new Error('connect ECONNREFUSED'));
    expect(availability.available).toBe(false);
    availability.reached();
    availability.reached();
    expect(changes).toEqual([
      [false, first],
      [true, undefined],
    ]);
    expect(availability.available).toBe(true);
  });

  it("takes errors reported just after the database is back as the outage's stragglers", () => {
    vi.useFakeTimers();
    const availability = new DatabaseAvailability();
    const changes: boolean[] = [];
    const stop = availability.onChange((available) => changes.push(available));
    availability.lost(new Error('a'));
    availability.reached();
    vi.advanceTimersByTime(STRAGGLER_MS - 1);
    availability.lost(new Error('straggler'));
    expect(availability.available).toBe(true);
    vi.advanceTimersByTime(1);
    availability.lost(new Error('a new outage'));
    expect(changes).toEqual([false, true, false]);
    stop();
    availability.reached();
    expect(changes).toEqual([false, true, false]);
  });
});
