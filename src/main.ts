import { loadConfig } from './config.js';
import { exitOnError, runServer } from './server.js';

try {
  await runServer(loadConfig());
} catch (error) {
  exitOnError(error);
}
