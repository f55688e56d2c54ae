import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrator.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../helpers/databases.js';

/**
 * Migration 007: the appointment list by location and dates reads through an index on
 * (location, local date) instead of every appointment of the location (bench/million.ts measured
 * 23 ms against 0.3 ms at 250 000 appointments; docs/performance.md).
 */
for (const kind of DIALECTS) {
  describe(`migration 007: read indexes [${kind}]`, () => {
    let test: TestDatabase;
    let handle: DatabaseHandle;

    beforeAll(async () => {
      test = await freshDatabase(kind);
      handle = createDatabase(test.url, { poolSize: 2 });
      expect(await migrate(handle.db, handle.kind)).toContain('007-read-indexes');
    });
    afterAll(async () => {
      await handle.close();
      await test.drop();
    });

    it('indexes records by location and local date', async () => {
      const columns =
        kind === 'sqlite'
          ? (
              await sql<{
                name: string;
              }>`select name from pragma_index_info('records_location_date') order by seqno`.execute(
                handle.db,
              )
            ).rows.map((r) => r.name)
          : (
              await sql<{
                indexdef: string;
              }>`select indexdef from pg_indexes where indexname = 'records_location_date'`.execute(handle.db)
            ).rows.map((r) => r.indexdef.replace(/^.*\((.*)\)$/, '$1'));
      expect(columns).toEqual(
        kind === 'sqlite' ? ['location_id', 'local_date'] : ['location_id, local_date'],
      );
    });

    // The statement VisitsRepository.records builds for a location and dates (its joins aside).
    it.runIf(kind === 'sqlite')('the appointment list by location and dates searches it', async () => {
      const plan = await sql<{ detail: string }>`explain query plan
        select r.id from records as r where r.location_id = ${1} and r.deleted_at is null
          and r.local_date >= ${'2026-03-02'} and r.local_date <= ${'2026-03-08'}
        order by r.starts_at, r.id limit 25`.execute(handle.db);
      expect(plan.rows.map((r) => r.detail).join('\n')).toMatch(/USING INDEX records_location_date/);
    });
  });
}
