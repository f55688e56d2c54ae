import type { Kysely } from 'kysely';

/**
 * Indexes for reads that scanned at a million ledger rows (bench/million.ts, docs/performance.md):
 * the appointment list by location and dates (V5 `start_date`/`end_date`, also with `staff_id`)
 * filters on `local_date`, which `records_location_start` (location, start instant) does not
 * narrow, so a location's every appointment was read to find one week's.
 */
export function readIndexes() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createIndex('records_location_date')
        .on('records')
        .columns(['location_id', 'local_date'])
        .execute();
    },
  };
}
