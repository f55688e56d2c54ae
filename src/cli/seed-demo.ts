import { loadConfig } from '../config.js';
import { createDatabase } from '../db/database.js';
import { migrate } from '../db/migrator.js';
import { loadDemo } from '../demo/dataset.js';
import { exitOnError } from '../server.js';

/** `npm run seed:demo`: the SPEC §5 dataset into the configured database (once; idempotent). */
try {
  const config = loadConfig();
  const database = createDatabase(config.databaseUrl);
  await migrate(database.db, database.kind);
  await loadDemo(database);
  await database.close();
  process.stdout.write(`demo dataset loaded into ${config.databaseKind}\n`);
} catch (error) {
  exitOnError(error);
}
