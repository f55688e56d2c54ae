import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { DatabaseKind } from '../config.js';
import type { Db } from './database.js';
import { initial } from './migrations/001-initial.js';
import { aroundCards } from './migrations/002-around-cards.js';
import { setupVersion } from './migrations/003-setup-version.js';
import { loginThrottle } from './migrations/004-login-throttle.js';
import { visits } from './migrations/005-visits.js';
import { referral } from './migrations/006-referral.js';
import { readIndexes } from './migrations/007-read-indexes.js';

/**
 * Migrations are code, not files on disk, so the compiled server and `tsx` find the same set. A
 * migration that ran never changes: a change to the schema (such as a new setup table and its
 * triggers, db/setup-tables.ts) is a new migration.
 */
function provider(kind: DatabaseKind): MigrationProvider {
  return {
    getMigrations: async (): Promise<Record<string, Migration>> => ({
      '001-initial': initial(kind),
      '002-around-cards': aroundCards(kind),
      '003-setup-version': setupVersion(kind),
      '004-login-throttle': loginThrottle(kind),
      '005-visits': visits(kind),
      '006-referral': referral(kind),
      '007-read-indexes': readIndexes(),
    }),
  };
}

/** Runs the migrations not yet applied, up to the latest (or up to and including `to`: tests). */
export async function migrate(db: Db, kind: DatabaseKind, to?: string): Promise<string[]> {
  const migrator = new Migrator({ db, provider: provider(kind) });
  const { error, results } = await (to === undefined ? migrator.migrateToLatest() : migrator.migrateTo(to));
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
