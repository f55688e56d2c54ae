import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig, type DatabaseKind } from '../../src/config.js';
import { createDatabase, type DatabaseHandle, type DatabaseOptions } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrator.js';

/**
 * Every test that touches data runs on both dialects. SQLite is always there; PostgreSQL is the
 * throwaway cluster `scripts/test.mjs` starts (TEST_PG_URL). Under CI a missing PostgreSQL is a
 * failure, not a skip.
 */
export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? '';

export const DIALECTS: DatabaseKind[] = PG_ADMIN_URL ? ['sqlite', 'postgres'] : ['sqlite'];

if (!PG_ADMIN_URL && process.env.CI === 'true') {
  throw new Error('TEST_PG_URL is not set: under CI the PostgreSQL tier must run (use npm test)');
}

export interface TestDatabase {
  url: string;
  kind: DatabaseKind;
  drop(): Promise<void>;
}

/** A brand-new, empty database of the given dialect (migrated when `migrated` is true). */
export async function freshDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'loyalty-test-'));
    return {
      url: `file:${join(dir, 'test.sqlite')}`,
      kind,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  return {
    url,
    kind,
    drop: async () => {
      const client = new pg.Client({ connectionString: PG_ADMIN_URL });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

/**
 * The database fast paths every test database is opened without: DB_FAST_PATHS_OFF, read as the
 * server reads it (none by default). Running tests with it set shows that a switched-off fast
 * path keeps every guarantee (see the README's "Performance mechanisms").
 */
const FAST_PATHS_OFF = loadConfig({ DB_FAST_PATHS_OFF: process.env.DB_FAST_PATHS_OFF }).fastPathsOff;

export async function openMigrated(url: string, options: DatabaseOptions = {}): Promise<DatabaseHandle> {
  const handle = createDatabase(url, { poolSize: 5, fastPathsOff: FAST_PATHS_OFF, ...options });
  await migrate(handle.db, handle.kind);
  return handle;
}
