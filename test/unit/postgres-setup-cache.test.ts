import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDatabase, postgresOf, type DatabaseHandle } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrator.js';
import { prepared } from '../../src/db/prepared.js';
import { setupMayHaveChanged } from '../../src/db/freshness.js';
import { setupCached } from '../../src/db/setup-cache.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../helpers/databases.js';

/**
 * PostgreSQL's check of the setup cache (db/freshness.ts, `verifiedOnPostgres`): one version read
 * per epoch, shared by the setup reads of that epoch; a read begun before the epoch moved does
 * not vouch for what comes after. PostgreSQL only, on purpose: SQLite checks per read snapshot
 * (covered by test/unit/group-commit.test.ts and test/api/setup-cache.test.ts, which also covers
 * the observable behaviour on PostgreSQL).
 */
describe.runIf(DIALECTS.includes('postgres'))('setup cache on PostgreSQL', () => {
  let test: TestDatabase;
  let handle: DatabaseHandle;

  beforeAll(async () => {
    test = await freshDatabase('postgres');
    handle = createDatabase(test.url);
    await migrate(handle.db, handle.kind);
  });
  afterAll(async () => {
    await handle?.close();
    await test?.drop();
  });

  const postgres = () => postgresOf(handle.db)!;
  const setup = () => postgres().setup!;
  let versionReads: ReturnType<typeof vi.spyOn>;
  beforeEach(() => {
    versionReads?.mockRestore();
    const pool = postgres().pool;
    const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
    versionReads = vi.spyOn(pool, 'query');
    versionReads.mockImplementation(((...args: unknown[]) => query(...args)) as never);
    setupMayHaveChanged(setup());
  });
  const versionReadCount = () =>
    versionReads.mock.calls.filter((call: unknown[]) => String(call[0]).includes('setup_version')).length;

  let computed = 0;
  const value = (key: string) => setupCached(handle.db, key, async () => ({ n: ++computed }));

  it('setup reads of one epoch share one version read, and kept values are served', async () => {
    await Promise.all([value('a'), value('a'), value('b')]);
    expect(versionReadCount()).toBe(1);
    const kept = await value('a');
    expect(await value('a')).toBe(kept);
    expect(await value('b')).not.toBe(kept);
    expect(versionReadCount()).toBe(1);
  });

  it('each new epoch reads the version again; unchanged, the kept values stay', async () => {
    const kept = await value('c');
    setupMayHaveChanged(setup());
    expect(await value('c')).toBe(kept);
    setupMayHaveChanged(setup());
    expect(await value('c')).toBe(kept);
    expect(versionReadCount()).toBe(3);
  });

  it('a version read begun before the epoch moved does not serve the newer epoch', async () => {
    await value('d');
    setupMayHaveChanged(setup());
    const early = value('d'); // begins a version read
    setupMayHaveChanged(setup()); // e.g. a request arrives while it is under way
    await early;
    await value('d'); // needs a version read begun after the move
    expect(versionReadCount()).toBe(3);
  });

  it('a setup change committed elsewhere empties the cache at the next epoch', async () => {
    const kept = await value('e');
    await handle.db
      .updateTable('chains')
      .set({ title: 'no chain has this id' })
      .where('id', '=', -1)
      .execute();
    // The write above released a connection of this handle: a new epoch began.
    const fresh = await value('e');
    expect(fresh).not.toBe(kept);
    expect(fresh.n).toBeGreaterThan(kept.n);
  });

  it('a failed version read fails its readers, and the next read tries again', async () => {
    await value('f');
    setupMayHaveChanged(setup());
    versionReads.mockImplementationOnce((() => Promise.reject(new Error('connection lost'))) as never);
    await expect(value('f')).rejects.toThrow('connection lost');
    await expect(value('f')).resolves.toMatchObject({ n: expect.any(Number) });
  });

  it('a write outside a transaction moves the epoch only when it names a setup table', async () => {
    const balance = prepared((db, p: { id: number }) =>
      db.updateTable('cards').set({ balance_minor: 0 }).where('id', '=', p.id).returning('id'),
    );
    const title = prepared((db, p: { id: number }) =>
      db.updateTable('chains').set({ title: 'none' }).where('id', '=', p.id).returning('id'),
    );
    // A data-modifying WITH is a write, wherever in the statement the setup table is named.
    const titleInWith = prepared((db, p: { id: number }) =>
      db
        .with('changed', (qb) =>
          qb.updateTable('chains').set({ title: 'none' }).where('id', '=', p.id).returning('id'),
        )
        .selectFrom('changed')
        .selectAll(),
    );
    await value('g');
    const epoch = setup().epoch;
    await balance(handle.db, { id: -1 });
    expect(setup().epoch).toBe(epoch);
    await value('g');
    await title(handle.db, { id: -1 });
    expect(setup().epoch).toBe(epoch + 1);
    await titleInWith(handle.db, { id: -1 });
    expect(setup().epoch).toBe(epoch + 2);
    // Two version reads: the first value's, and one for the epoch the setup writes began; none
    // after the card write.
    await value('g');
    expect(versionReadCount()).toBe(2);
  });
});
