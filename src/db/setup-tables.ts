/**
 * The setup tables: tenancy, access and what a card answer is made of. Every request reads them
 * (authentication, access grants, a card type's programs and rules) and they change rarely, so
 * their rows may be kept in memory (db/setup-cache.ts).
 *
 * The rule this list stands for: every listed table has triggers, on both dialects, that move
 * the one-row `setup_version` counter in every transaction that changes the table. Kept rows are
 * valid only while that counter has not moved (db/freshness.ts), so a table without them must
 * never be kept. Checked in code:
 * - `prepared()` (db/prepared.ts) refuses a query marked `{ setup: true }` that reads any table
 *   not listed here;
 * - test/unit/setup-tables.test.ts finds each listed table's triggers in each database's catalog.
 *
 * To add a table: add it here and, in the same change, a new migration creating its triggers on
 * both dialects (as migration 003 did for the tables it knew). Migration 003 keeps its own,
 * frozen copy of the list, which never changes: a migration that ran must stay what it was.
 */
export const SETUP_TABLES: readonly string[] = [
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
];
