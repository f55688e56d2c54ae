// `npm test`: the type checker, ESLint, the Prettier check, then every Vitest test — each test
// that touches data on SQLite and on a real PostgreSQL. Without DATABASE_URL a throwaway
// PostgreSQL is started here and removed afterwards; with CI=true, failing to start one fails
// the run instead of skipping that tier.
import { spawnSync } from 'node:child_process';
import { startPostgres } from './throwaway-postgres.mjs';

const ci = process.env.CI === 'true';
const args = process.argv.slice(2);

function step(title, command, commandArgs, env = process.env) {
  process.stdout.write(`\n▶ ${title}\n`);
  const result = spawnSync(command, commandArgs, { stdio: 'inherit', env });
  if (result.status !== 0) {
    process.stderr.write(`✗ ${title} failed\n`);
    process.exit(result.status ?? 1);
  }
}

const bin = (name) => `node_modules/.bin/${name}`;
if (!args.includes('--no-checks')) {
  step('typecheck', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);
  step('lint', bin('eslint'), ['.', '--max-warnings=0']);
  step('format', bin('prettier'), ['--check', '.', '--log-level=warn']);
}

let pgUrl = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : '';
let cluster = null;
if (!pgUrl) {
  try {
    cluster = await startPostgres();
    pgUrl = cluster.url;
    process.stdout.write(`\n▶ throwaway PostgreSQL at ${pgUrl}\n`);
  } catch (error) {
    if (ci) {
      process.stderr.write(`✗ ${error.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`! ${error.message}\n! running the SQLite tier only\n`);
  }
}
const stop = () => cluster?.stop();
process.on('SIGINT', () => {
  stop();
  process.exit(130);
});
process.on('SIGTERM', () => {
  stop();
  process.exit(143);
});

const env = { ...process.env, TEST_PG_URL: pgUrl };
delete env.DATABASE_URL;
const vitest = spawnSync(bin('vitest'), ['run', ...args.filter((a) => a !== '--no-checks')], {
  stdio: 'inherit',
  env,
});
stop();
process.exit(vitest.status ?? 1);
