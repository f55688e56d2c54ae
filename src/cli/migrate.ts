import { loadConfig } from '../config.js';
import { createDatabase } from '../db/database.js';
import { migrate } from '../db/migrator.js';
import { exitOnError } from '../server.js';

try {
  const config = loadConfig();
  const database = createDatabase(config.databaseUrl);
  const applied = await migrate(database.db, database.kind);
  await database.close();
  process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
} catch (error) {
  exitOnError(error);
}
