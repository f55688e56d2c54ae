import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';

/**
 * SQLite copies the WAL back into the database file (a checkpoint) inside the commit that takes
 * the WAL past its threshold, and with synchronous=NORMAL that checkpoint fsyncs both files.
 * better-sqlite3 is synchronous, so in the server that is a stall of the whole event loop every
 * few hundred writes (milliseconds on a slow disk), and it dominated the commit time of the
 * write benchmark. Here a worker thread with its own connection runs PASSIVE checkpoints (they
 * never wait for, nor block, readers and writers) every INTERVAL_MS instead, and the server's
 * own automatic checkpoint is kept only as a backstop at a higher threshold: it still restarts
 * the WAL under sustained writes, but then finds almost everything already copied.
 *
 * The backstop is high (16 000 pages, 64 MB of WAL at most) because under sustained random
 * writes the WAL seldom restarts by itself: a writer restarts it only when it begins while every
 * frame is already copied, and group commits (db/group-commit.ts) keep appending. At 4 000 pages
 * the backstop's stalls set the write benchmark's p99 (25 ms against 10 ms at 16 000). After a
 * restart the file is cut back to JOURNAL_LIMIT bytes.
 */
const INTERVAL_MS = 50;
const BACKSTOP_PAGES = 16_000;
const JOURNAL_LIMIT = 16 * 1024 * 1024;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
let stopping = false;
parentPort.once('message', () => { stopping = true; });
const tick = () => {
  if (stopping) { db.close(); parentPort.close(); return; }
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or closing: the next tick retries */ }
  setTimeout(tick, workerData.intervalMs);
};
tick();
`;

interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(database: SQLite.Database, file: string): Checkpointer {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      file,
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      intervalMs: INTERVAL_MS,
    },
    resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
  });
  worker.unref();
  database.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  database.pragma(`journal_size_limit = ${JOURNAL_LIMIT}`);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  // Without the worker, the server's own checkpoints take over again at SQLite's default.
  worker.once('error', () => {
    if (database.open) database.pragma('wal_autocheckpoint = 1000');
  });
  return {
    async stop() {
      worker.postMessage('stop');
      const timer = setTimeout(() => void worker.terminate(), 1000);
      await exited;
      clearTimeout(timer);
    },
  };
}
