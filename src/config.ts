/** Environment → one typed, validated configuration object. */
export type DatabaseKind = 'sqlite' | 'postgres';

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  databaseKind: DatabaseKind;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  bodyLimit: number;
  /** Milliseconds for a request's line and headers to arrive, from its first byte (else 408). */
  headersTimeout: number;
  /** Milliseconds for the whole request, headers and body, to arrive (else 408). */
  requestTimeout: number;
  /** Milliseconds a keep-alive connection may stay idle between requests before it is closed. */
  keepAliveTimeout: number;
  /** Demo mode allows the fixed demo tokens of SPEC §5 to exist. */
  demo: boolean;
  /** Database fast paths switched off, to debug (DB_FAST_PATHS_OFF); none by default. */
  fastPathsOff: FastPath[];
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * The database's fast paths that DB_FAST_PATHS_OFF can switch off (the README's "Performance
 * mechanisms" says what each does and relies on). Each only costs speed when off: every answer
 * stays the same.
 */
export const FAST_PATHS = [
  'setup-cache',
  'read-snapshots',
  'arrival-sharing',
  'group-commit',
  'query-templates',
  'named-statements',
  'statement-cache',
  'writer-queue',
  'background-checkpoints',
] as const;
export type FastPath = (typeof FAST_PATHS)[number];

export const DEFAULT_DATABASE_URL = 'file:./data/loyalty.sqlite';

/**
 * Timeouts suited to an API whose requests are small (64 KiB at most) and whose clients are
 * programs: a slow or stalled client cannot hold a connection for long.
 */
export const DEFAULT_TIMEOUTS: Pick<Config, 'headersTimeout' | 'requestTimeout' | 'keepAliveTimeout'> = {
  headersTimeout: 5_000,
  requestTimeout: 10_000,
  keepAliveTimeout: 5_000,
};

export function databaseKindOf(url: string): DatabaseKind {
  if (/^postgres(ql)?:\/\//i.test(url)) return 'postgres';
  if (/^(file:|sqlite:)/i.test(url) || !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return 'sqlite';
  throw new ConfigError(
    `DATABASE_URL: unsupported scheme in "${url.replace(/\/\/[^@]*@/, '//***@')}" (use postgres://… or file:…)`,
  );
}

/** SQLite file path from `file:./x.sqlite`, `sqlite:x`, or a bare path. */
export function sqlitePath(url: string): string {
  return url.replace(/^(file:|sqlite:)(\/\/)?/i, '');
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name}: expected an integer, got "${raw}"`);
  const value = Number(raw.trim());
  if (value < min || value > max)
    throw new ConfigError(`${name}: must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** DB_FAST_PATHS_OFF: `all`, or a comma-separated list of FAST_PATHS; empty for none. */
function fastPathsOff(env: NodeJS.ProcessEnv): FastPath[] {
  const names = (env.DB_FAST_PATHS_OFF ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  if (names.length === 1 && names[0] === 'all') return [...FAST_PATHS];
  for (const name of names) {
    if (!(FAST_PATHS as readonly string[]).includes(name)) {
      throw new ConfigError(
        `DB_FAST_PATHS_OFF: unknown fast path "${name}" (use all, or a comma-separated list of: ${FAST_PATHS.join(', ')})`,
      );
    }
  }
  return FAST_PATHS.filter((name) => names.includes(name));
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const databaseUrl = env.DATABASE_URL?.trim() || DEFAULT_DATABASE_URL;
  const logLevel = (env.LOG_LEVEL?.trim() || 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL: expected one of ${LOG_LEVELS.join(', ')}, got "${env.LOG_LEVEL}"`);
  }
  const host = env.HOST?.trim() || '127.0.0.1';
  if (!/^[\w.:-]+$/.test(host)) throw new ConfigError(`HOST: not a host name or address: "${host}"`);
  const headersTimeout = integer(env, 'HEADERS_TIMEOUT_MS', DEFAULT_TIMEOUTS.headersTimeout, 100, 600_000);
  const requestTimeout = integer(env, 'REQUEST_TIMEOUT_MS', DEFAULT_TIMEOUTS.requestTimeout, 100, 600_000);
  if (headersTimeout > requestTimeout) {
    // The headers are part of the request (Node refuses the opposite).
    throw new ConfigError(
      `HEADERS_TIMEOUT_MS: must not exceed REQUEST_TIMEOUT_MS (${requestTimeout}), got ${headersTimeout}`,
    );
  }
  return {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host,
    databaseUrl,
    databaseKind: databaseKindOf(databaseUrl),
    logLevel: logLevel as Config['logLevel'],
    bodyLimit: integer(env, 'BODY_LIMIT', 65536, 1024, 10 * 1024 * 1024),
    headersTimeout,
    requestTimeout,
    keepAliveTimeout: integer(env, 'KEEP_ALIVE_TIMEOUT_MS', DEFAULT_TIMEOUTS.keepAliveTimeout, 100, 600_000),
    demo: env.DEMO === '1' || env.DEMO === 'true',
    fastPathsOff: fastPathsOff(env),
  };
}
