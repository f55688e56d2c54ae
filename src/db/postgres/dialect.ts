import { PostgresDialect, PostgresDriver } from 'kysely';
import type { Driver } from 'kysely';
import pg from 'pg';
import { registerPostgres, type PostgresConnections } from '../connections.js';
import { setupMayHaveChanged, type SetupCache } from '../freshness.js';

/**
 * Kysely's PostgreSQL dialect on this server's pool: the handle's pool and setup data are
 * registered under the adapter (db/connections.ts), for `prepared()`'s path straight to the pool,
 * and each connection released moves the setup data's freshness signal (db/freshness.ts).
 */
export class PoolRegisteringDialect extends PostgresDialect {
  constructor(private readonly connections: PostgresConnections) {
    super({ pool: connections.pool });
  }
  override createDriver(): Driver {
    return new ReleaseNotifyingPostgresDriver({ pool: this.connections.pool }, this.connections.setup);
  }
  override createAdapter() {
    const adapter = super.createAdapter();
    registerPostgres(adapter, this.connections);
    return adapter;
  }
}

class ReleaseNotifyingPostgresDriver extends PostgresDriver {
  constructor(
    config: ConstructorParameters<typeof PostgresDriver>[0],
    private readonly setup: SetupCache | null,
  ) {
    super(config);
  }

  // Whatever ran (a transaction, a write outside one) may have changed setup data: reads from
  // now on verify it again, as SQLite's reader takes a new snapshot when the writer is released.
  override async releaseConnection(connection: Parameters<PostgresDriver['releaseConnection']>[0]) {
    if (this.setup) setupMayHaveChanged(this.setup);
    return super.releaseConnection(connection);
  }
}

// int8 (COUNT, SUM, bigint money) would otherwise arrive as strings; every value we store is
// far below 2^53, so numbers are exact.
pg.types.setTypeParser(20, (value) => Number(value));
pg.types.setTypeParser(1700, (value) => Number(value));
