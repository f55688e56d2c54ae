import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigError, FAST_PATHS, loadConfig } from '../../src/config.js';

describe('configuration', () => {
  it('has defaults for everything', () => {
    expect(loadConfig({})).toEqual({
      port: 8080,
      host: '127.0.0.1',
      databaseUrl: 'file:./data/loyalty.sqlite',
      databaseKind: 'sqlite',
      logLevel: 'info',
      bodyLimit: 65536,
      headersTimeout: 5000,
      requestTimeout: 10000,
      keepAliveTimeout: 5000,
      demo: false,
      fastPathsOff: [],
    });
  });

  it('reads the database fast paths to switch off: a list, or all', () => {
    expect(loadConfig({ DB_FAST_PATHS_OFF: '' }).fastPathsOff).toEqual([]);
    // In FAST_PATHS order, each once, whatever the case and spacing.
    expect(
      loadConfig({ DB_FAST_PATHS_OFF: ' Group-Commit, setup-cache ,group-commit,' }).fastPathsOff,
    ).toEqual(['setup-cache', 'group-commit']);
    expect(loadConfig({ DB_FAST_PATHS_OFF: 'all' }).fastPathsOff).toEqual([...FAST_PATHS]);
    for (const name of FAST_PATHS)
      expect(loadConfig({ DB_FAST_PATHS_OFF: name }).fastPathsOff).toEqual([name]);
  });

  it('reads the timeouts in milliseconds', () => {
    expect(
      loadConfig({ HEADERS_TIMEOUT_MS: '2000', REQUEST_TIMEOUT_MS: '3000', KEEP_ALIVE_TIMEOUT_MS: '61000' }),
    ).toMatchObject({ headersTimeout: 2000, requestTimeout: 3000, keepAliveTimeout: 61000 });
  });

  it('selects PostgreSQL by URL', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }).databaseKind).toBe('postgres');
  });

  it.each([
    [{ PORT: 'abc' }, /^PORT:/],
    [{ PORT: '70000' }, /^PORT:/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL:/],
    [{ BODY_LIMIT: '-1' }, /^BODY_LIMIT:/],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL:/],
    [
      { DB_FAST_PATHS_OFF: 'setup-cache,cache' },
      /^DB_FAST_PATHS_OFF: unknown fast path "cache" \(use all, or /,
    ],
    [{ DB_FAST_PATHS_OFF: 'all,reader' }, /^DB_FAST_PATHS_OFF: unknown fast path "all"/],
    [{ HEADERS_TIMEOUT_MS: '5s' }, /^HEADERS_TIMEOUT_MS:/],
    [{ REQUEST_TIMEOUT_MS: '0' }, /^REQUEST_TIMEOUT_MS: must be between 100 and 600000/],
    [{ KEEP_ALIVE_TIMEOUT_MS: '700000' }, /^KEEP_ALIVE_TIMEOUT_MS:/],
    [{ HEADERS_TIMEOUT_MS: '20000' }, /^HEADERS_TIMEOUT_MS: must not exceed REQUEST_TIMEOUT_MS \(10000\)/],
  ])('refuses %j naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('stops the process with one line and a non-zero exit code', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, PORT: 'not-a-port' },
      encoding: 'utf8',
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^PORT: /);
  });
});
