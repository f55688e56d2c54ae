/** Environment → one typed, validated configuration object. */
export type DatabaseKind = 'sqlite' | 'postgres';

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  databaseKind: DatabaseKind;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  bodyLimit: number;
  /** Demo mode allows the fixed demo tokens of SPEC §5 to exist. */
  demo: boolean;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const DEFAULT_DATABASE_URL = 'file:./data/loyalty.sqlite';

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

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const databaseUrl = env.DATABASE_URL?.trim() || DEFAULT_DATABASE_URL;
  const logLevel = (env.LOG_LEVEL?.trim() || 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL: expected one of ${LOG_LEVELS.join(', ')}, got "${env.LOG_LEVEL}"`);
  }
  const host = env.HOST?.trim() || '127.0.0.1';
  if (!/^[\w.:-]+$/.test(host)) throw new ConfigError(`HOST: not a host name or address: "${host}"`);
  return {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host,
    databaseUrl,
    databaseKind: databaseKindOf(databaseUrl),
    logLevel: logLevel as Config['logLevel'],
    bodyLimit: integer(env, 'BODY_LIMIT', 65536, 1024, 10 * 1024 * 1024),
    demo: env.DEMO === '1' || env.DEMO === 'true',
  };
}
