import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, postgresOf, type DatabaseHandle } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrator.js';
import { AuthRepository } from '../../src/modules/auth/auth.repository.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../helpers/databases.js';

// PostgreSQL only: what is checked is the server's per-connection statement cache.
describe.runIf(DIALECTS.includes('postgres'))('named statements [postgres]', () => {
  let test: TestDatabase;
  let handle: DatabaseHandle;

  beforeAll(async () => {
    test = await freshDatabase('postgres');
    // One connection, so the session that ran the queries is the one asked afterwards.
    handle = createDatabase(test.url, { poolSize: 1 });
    await migrate(handle.db, handle.kind);
  });
  afterAll(async () => {
    await handle?.close();
    await test?.drop();
  });

  const preparedOnServer = async () => {
    const { rows } = await postgresOf(handle.db)!.pool.query<{ statement: string }>(
      'select statement from pg_prepared_statements',
    );
    return rows.map((r) => r.statement);
  };

  it('prepared() queries run as named statements, outside and inside a transaction', async () => {
    const repo = new AuthRepository(handle.db);
    expect(await repo.findPartnerByTokenHash('no such hash')).toBeUndefined();
    expect(await repo.findPartnerByTokenHash('another')).toBeUndefined();
    const outside = await preparedOnServer();
    expect(outside.filter((s) => s.includes('"partners"'))).toHaveLength(1);

    await handle.db.transaction().execute(async (trx) => {
      expect(await new AuthRepository(trx).locationAccess(1, 1, null)).toBeUndefined();
    });
    const inside = await preparedOnServer();
    expect(inside.filter((s) => s.includes('"locations" as "l"'))).toHaveLength(1);
    // Queries built per call (Kysely's own) are not named.
    expect(inside.some((s) => s.includes('kysely_migration'))).toBe(false);
  });
});
