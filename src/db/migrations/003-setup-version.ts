import { sql, type Kysely } from 'kysely';
import type { DatabaseKind } from '../../config.js';

/**
 * The setup tables as this migration knew them, frozen: it creates their triggers. The live list
 * is db/setup-tables.ts; a table added to it later gets its triggers from a migration of its own.
 */
export const SETUP_TABLES_003 = [
  'chains',
  'locations',
  'partners',
  'partner_locations',
  'users',
  'user_tokens',
  'user_locations',
  'user_chains',
  'card_types',
  'card_type_locations',
  'card_type_programs',
  'programs',
  'program_rules',
  'program_locations',
  'program_items',
] as const;

/**
 * A counter that every change to the setup data moves, in the changing transaction, through
 * triggers: whatever writes (this server, another process, the admin CLI, a SQL console), the
 * counter moves when the change commits. Readers keep setup rows in memory as long as the
 * counter has not moved (see db/freshness.ts).
 */
export function setupVersion(kind: DatabaseKind) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('setup_version')
        .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
        .addColumn('version', 'bigint', (c) => c.notNull())
        .execute();
      await sql`insert into setup_version (id, version) values (1, 0)`.execute(db);
      const bump = sql.raw('update setup_version set version = version + 1 where id = 1');
      if (kind === 'postgres') {
        await sql`create function bump_setup_version() returns trigger language plpgsql as $$
          begin ${bump}; return null; end $$`.execute(db);
        for (const table of SETUP_TABLES_003) {
          await sql`create trigger ${sql.id(`${table}_setup_version`)}
            after insert or update or delete or truncate on ${sql.table(table)}
            for each statement execute function bump_setup_version()`.execute(db);
        }
        return;
      }
      for (const table of SETUP_TABLES_003) {
        for (const event of ['insert', 'update', 'delete']) {
          await sql`create trigger ${sql.id(`${table}_setup_version_${event}`)}
            after ${sql.raw(event)} on ${sql.table(table)} begin ${bump}; end`.execute(db);
        }
      }
    },
  };
}
