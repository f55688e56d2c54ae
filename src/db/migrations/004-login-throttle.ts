import type { Kysely } from 'kysely';
import type { DatabaseKind } from '../../config.js';

/**
 * Login failures counted per user, whatever form of the login was typed (email, phone), and
 * per partner token (modules/auth): each row names the user the login matched (null for an
 * unknown login) and the partner whose token sent it (null while the attempt is still running).
 */
export function loginThrottle(_kind: DatabaseKind) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // One column per statement: SQLite's ALTER TABLE adds a single column at a time.
      await db.schema.alterTable('login_failures').addColumn('user_id', 'integer').execute();
      await db.schema.alterTable('login_failures').addColumn('partner_id', 'integer').execute();
      await db.schema
        .createIndex('login_failures_user')
        .on('login_failures')
        .columns(['user_id', 'created_at'])
        .execute();
      await db.schema
        .createIndex('login_failures_partner')
        .on('login_failures')
        .columns(['partner_id', 'created_at'])
        .execute();
    },
  };
}
