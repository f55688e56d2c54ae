import type { Kysely } from 'kysely';
import type { DatabaseKind } from '../../config.js';

/**
 * Columns the location and client operations carry that 001 did not: a location's phone list
 * and social links (JSON text), and a client's card number, national id, custom fields, and the
 * balance and spent amounts an integrator may give when adding a client (integer minor units);
 * and the services and products a promotion is limited to (`custom_allowed`).
 */
export function aroundCards(_kind: DatabaseKind) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // One column per statement: SQLite's ALTER TABLE adds a single column at a time.
      const text = (table: string, column: string, fallback: string) =>
        db.schema
          .alterTable(table)
          .addColumn(column, 'text', (c) => c.notNull().defaultTo(fallback))
          .execute();
      const money = (table: string, column: string) =>
        db.schema
          .alterTable(table)
          .addColumn(column, 'bigint', (c) => c.notNull().defaultTo(0))
          .execute();
      await text('locations', 'phones', '[]');
      await text('locations', 'social', '{}');
      await text('clients', 'card', '');
      await text('clients', 'national_id', '');
      await text('clients', 'custom_fields', '{}');
      await money('clients', 'balance_minor');
      await money('clients', 'spent_minor');

      await db.schema
        .createTable('program_items')
        .addColumn('program_id', 'integer', (c) => c.notNull().references('programs.id').onDelete('cascade'))
        .addColumn('item_id', 'integer', (c) => c.notNull())
        .addColumn('is_service', 'integer', (c) => c.notNull())
        .addColumn('is_category', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('program_items_pk', [
          'program_id',
          'is_service',
          'is_category',
          'item_id',
        ] as never)
        .execute();
    },
  };
}
