import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type SQLite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCheckpointer } from '../../src/db/checkpointer.js';
import { openSqlite } from '../../src/db/database.js';

/**
 * Background WAL checkpoints (db/checkpointer.ts): a worker thread copies the WAL back into the
 * database file, so commits do not; the server's own checkpoint in a commit stays as a backstop
 * at a higher threshold. SQLite only, on purpose: PostgreSQL checkpoints by itself.
 */
describe('background WAL checkpoints (SQLite only)', () => {
  let dir: string;
  let file: string;
  let database: SQLite.Database;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'loyalty-checkpoint-'));
    file = join(dir, 'test.sqlite');
    database = openSqlite(file);
    database.exec('create table t (id integer primary key, payload text)');
  });
  afterEach(() => {
    database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** ~2 MB of pages, fewer than SQLite's own threshold of 1 000: no commit checkpoints them. */
  const write = () => {
    const insert = database.prepare('insert into t (payload) values (?)');
    for (let i = 0; i < 200; i++) insert.run('x'.repeat(10_000));
  };
  const until = async (condition: () => boolean) => {
    for (let waited = 0; waited < 5000 && !condition(); waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return condition();
  };

  it('the worker copies committed pages into the database file; commits leave that to it', async () => {
    const checkpointer = startCheckpointer(database, file);
    try {
      expect(database.pragma('wal_autocheckpoint', { simple: true })).toBe(16_000);
      const before = statSync(file).size;
      write();
      expect(await until(() => statSync(file).size > before + 2_000_000)).toBe(true);
    } finally {
      await checkpointer.stop();
    }
  });

  it('without it, those pages stay in the WAL (the check above would not pass by itself)', async () => {
    const before = statSync(file).size;
    write();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(statSync(file).size).toBe(before);
  });

  it('stops: the worker ends and the database stays usable', async () => {
    const checkpointer = startCheckpointer(database, file);
    await checkpointer.stop();
    write();
    expect(database.prepare('select count(*) from t').pluck().get()).toBe(200);
  });
});
