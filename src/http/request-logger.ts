import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';

type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type LogArguments = Parameters<FastifyBaseLogger['info']>;

/** What the server's logger (pino) offers beyond Fastify's minimal logger interface. */
interface LevelAwareLogger extends FastifyBaseLogger {
  isLevelEnabled(level: string): boolean;
}

/**
 * Fastify gives every request its own logger: pino's child of the server's logger, bound to the
 * request id. Building that child (a new object, its bindings serialised to JSON) is most of
 * the logger's cost per request, and most requests log nothing at the configured level (the
 * per-request `info` lines are off at `warn`). So a request's logger is this stand-in: it builds
 * the real child on the first line logged at an enabled level, and what is written is exactly
 * what the child would have written.
 */
class LazyRequestLogger implements FastifyBaseLogger {
  #child: LevelAwareLogger | undefined;

  constructor(
    private readonly parent: LevelAwareLogger,
    private readonly bindings: Bindings,
  ) {}

  get level(): string {
    return this.#child?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.#real().level = level;
  }

  #real(): LevelAwareLogger {
    return (this.#child ??= this.parent.child(this.bindings) as LevelAwareLogger);
  }

  #enabled(level: Level): boolean {
    return this.#child ? this.#child.isLevelEnabled(level) : this.parent.isLevelEnabled(level);
  }

  fatal(...args: LogArguments): void {
    if (this.#enabled('fatal')) this.#real().fatal(...args);
  }

  error(...args: LogArguments): void {
    if (this.#enabled('error')) this.#real().error(...args);
  }

  warn(...args: LogArguments): void {
    if (this.#enabled('warn')) this.#real().warn(...args);
  }

  info(...args: LogArguments): void {
    if (this.#enabled('info')) this.#real().info(...args);
  }

  debug(...args: LogArguments): void {
    if (this.#enabled('debug')) this.#real().debug(...args);
  }

  trace(...args: LogArguments): void {
    if (this.#enabled('trace')) this.#real().trace(...args);
  }

  silent(): void {}

  isLevelEnabled(level: string): boolean {
    return this.#real().isLevelEnabled(level);
  }

  child(...args: Parameters<FastifyBaseLogger['child']>): FastifyBaseLogger {
    return this.#real().child(...args);
  }
}

/**
 * Fastify's `childLoggerFactory`. A route with its own log level or serialisers, or a logger
 * that cannot say which levels are on, gets the real child at once.
 */
export const requestLogger: NonNullable<FastifyServerOptions['childLoggerFactory']> = (
  logger,
  bindings,
  options,
) => {
  if (options.level !== undefined || options.serializers !== undefined || !levelAware(logger))
    return logger.child(bindings, options);
  return new LazyRequestLogger(logger, bindings);
};

const levelAware = (logger: FastifyBaseLogger): logger is LevelAwareLogger =>
  typeof (logger as Partial<LevelAwareLogger>).isLevelEnabled === 'function';
