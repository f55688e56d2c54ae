import { rmSync } from 'node:fs';
import { loadConfig } from '../config.js';
import { DEMO, loadDemo } from '../demo/dataset.js';
import { exitOnError, runServer } from '../server.js';

/** `npm run demo`: a fresh embedded database with the SPEC §5 dataset, and the server on it. */
const DEMO_FILE = './data/demo.sqlite';

try {
  for (const suffix of ['', '-wal', '-shm']) rmSync(DEMO_FILE + suffix, { force: true });
  const config = { ...loadConfig({ ...process.env, DATABASE_URL: `file:${DEMO_FILE}` }), demo: true };
  const { address } = await runServer(config, loadDemo);
  const base = address.replace('0.0.0.0', '127.0.0.1');
  process.stdout.write(
    [
      '',
      'Demo server ready on a fresh embedded database (SPEC §5 dataset).',
      `  partner token : ${DEMO.partnerToken}`,
      `  demo login    : ${DEMO.login} / ${DEMO.password}`,
      `  user token    : ${DEMO.userToken}`,
      '  try:',
      `  curl -s ${base}/api/v1/loyalty/cards/${DEMO.phone}/${DEMO.chainId}/${DEMO.locationId} -H 'Accept: application/vnd.api.v2+json' -H 'Authorization: Bearer ${DEMO.partnerToken}, User ${DEMO.userToken}'`,
      '',
    ].join('\n') + '\n',
  );
} catch (error) {
  exitOnError(error);
}
