import type { Compilable, CompiledQuery } from 'kysely';
import type { QueryResultRow } from 'pg';
import {
  nameStatement,
  postgresOf,
  snapshotReader,
  sqliteConnectionsOf,
  type Executor,
  type PostgresConnections,
  type SqliteConnections,
} from './database.js';
import { SETUP_TABLES } from './migrations/003-setup-version.js';
import { keep, setupMayHaveChanged, usablePostgresSetupCache, usableSetupCache } from './setup-cache.js';

/** Stands in for a parameter (or one item of a list parameter) while a prepared query is built. */
class Placeholder {
  constructor(
    readonly name: string,
    readonly index: number | null,
  ) {}
}

type Slot = { param: string; index: number | null } | { constant: unknown };

interface Template {
  sql: string;
  query: CompiledQuery['query'];
  queryId: CompiledQuery['queryId'];
  /** Per bound value: the parameter (or list item) it takes, or a constant of the query itself. */
  slots: Slot[];
  /** A SELECT that writes nothing (no data-modifying WITH): it may run on SQLite's reader. */
  select: boolean;
  /** A write naming a setup table: once committed, the setup data kept in memory is in doubt. */
  writesSetup: boolean;
}

const WRITE_NODES = new Set(['InsertQueryNode', 'UpdateQueryNode', 'DeleteQueryNode', 'MergeQueryNode']);
const SETUP = new Set<string>(SETUP_TABLES);

/** What a compiled statement does: whether it writes, and whether it names a setup table. */
function classify(query: CompiledQuery['query']): Pick<Template, 'select' | 'writesSetup'> {
  let writes = false;
  let namesSetup = false;
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      const node = value as { kind?: string; table?: { identifier?: { name?: string } } };
      if (node.kind && WRITE_NODES.has(node.kind)) writes = true;
      if (node.kind === 'TableNode' && SETUP.has(node.table?.identifier?.name ?? '')) namesSetup = true;
      Object.values(value).forEach(visit);
    }
  };
  visit(query);
  return { select: query.kind === 'SelectQueryNode' && !writes, writesSetup: writes && namesSetup };
}

export interface PreparedOptions {
  /**
   * The query reads setup tables only (migration 003's SETUP_TABLES): its rows are kept in
   * memory, per parameter values, while the setup data is unchanged (db/setup-cache.ts).
   */
  setup?: boolean;
}

/** Longer lists are compiled per call rather than kept as templates of their own. */
const MAX_CACHED_LIST = 32;

/**
 * A query whose SQL is built and compiled once per dialect (and per length of each list
 * parameter, for `in` lists); each call only binds new values.
 *
 * Kysely builds an immutable operation tree and compiles it to SQL on every execution. For the
 * short indexed queries every request runs (authentication, the card reads, programs, the
 * balance update) that costs more than the query itself, and its garbage shows in GC time (see
 * docs/performance.md). The builder is called with placeholders, so it must
 * not branch on parameter values: every call with the same list lengths must build the same
 * query (compute `x ?? -1` before the call, and make one prepared query per optional condition).
 */
export function prepared<P extends Record<string, unknown>, R>(
  build: (db: Executor, params: P) => Compilable<R>,
  options: PreparedOptions = {},
): (executor: Executor, params: P) => Promise<readonly R[]> {
  // Per dialect (the adapter's class identifies an executor's SQL dialect), per list shape.
  const templates = new WeakMap<object, Map<string, Template>>();

  const compile = (executor: Executor, params: P): Template => {
    const placeholders = new Proxy({} as P, {
      get: (_target, property) => {
        const name = String(property);
        const value = params[name];
        return Array.isArray(value)
          ? value.map((_item, index) => new Placeholder(name, index))
          : new Placeholder(name, null);
      },
    });
    const compiled = build(executor, placeholders).compile();
    return {
      sql: compiled.sql,
      query: compiled.query,
      queryId: compiled.queryId,
      slots: compiled.parameters.map((value) =>
        value instanceof Placeholder ? { param: value.name, index: value.index } : { constant: value },
      ),
      ...classify(compiled.query),
    };
  };

  // Which parameters are lists is fixed by the parameter type: found on the first call.
  let listKeys: string[] | undefined;

  const templateFor = (executor: Executor, params: P): Template => {
    listKeys ??= Object.keys(params).filter((key) => Array.isArray(params[key]));
    let shape = '';
    for (const key of listKeys) {
      const length = (params[key] as unknown[]).length;
      if (length > MAX_CACHED_LIST) return compile(executor, params);
      shape += `${length},`;
    }
    const dialect = executor.getExecutor().adapter.constructor;
    let byShape = templates.get(dialect);
    if (!byShape) templates.set(dialect, (byShape = new Map()));
    let template = byShape.get(shape);
    if (!template) {
      byShape.set(shape, (template = compile(executor, params)));
      nameStatement(template.sql);
    }
    return template;
  };

  return async (executor, params) => {
    const template = templateFor(executor, params);
    const parameters = template.slots.map((slot) => {
      if ('constant' in slot) return slot.constant;
      const value = params[slot.param];
      return slot.index === null ? value : (value as unknown[])[slot.index];
    });
    const sqlite = sqliteConnectionsOf(executor);
    if (sqlite) {
      const rows = runOnSqlite<R>(sqlite, executor.isTransaction, template, parameters, options);
      if (rows) return rows;
    }
    const postgres = sqlite ? undefined : postgresOf(executor);
    if (postgres && options.setup) {
      const cache = await usablePostgresSetupCache(executor, postgres);
      if (cache) {
        const key = setupKey(template, parameters);
        const kept = cache.entries.get(key) as readonly R[] | undefined;
        if (kept) return kept;
        const version = cache.version;
        const rows = Object.freeze(
          (await run<R>(executor, postgres, template, parameters)).map((row) => Object.freeze(row)),
        );
        keep(cache, version, key, rows);
        return rows;
      }
    }
    const rows = await run<R>(executor, postgres, template, parameters);
    // A write outside a transaction has committed (inside one, the transaction's end counts). One
    // that names no setup table (migration 003's triggers move the version only for those)
    // leaves the setup data as it was.
    if (postgres && template.writesSetup && !executor.isTransaction) setupMayHaveChanged(postgres.setup);
    return rows;
  };
}

/**
 * A query outside SQLite's fast paths. On PostgreSQL outside a transaction, straight to the pool:
 * a named statement (see `nameStatement`), without Kysely's executor.
 */
async function run<R>(
  executor: Executor,
  postgres: PostgresConnections | undefined,
  template: Template,
  parameters: unknown[],
): Promise<R[]> {
  const pool = executor.isTransaction ? undefined : postgres?.pool;
  if (pool) return (await pool.query<R & QueryResultRow>(template.sql, parameters)).rows;
  const { sql, query, queryId } = template;
  return (await executor.executeQuery<R>({ sql, query, queryId, parameters })).rows;
}

/** A setup query's entry in the setup cache: its SQL and values. */
const setupKey = (template: Template, parameters: unknown[]) =>
  `${template.sql}\0${JSON.stringify(parameters)}`;

/**
 * SQLite's fast paths, synchronous on better-sqlite3 (no Kysely executor, no promise per step):
 * - inside a transaction, on the writer connection, which the transaction holds;
 * - a SELECT outside one, on the reader connection (in its current read snapshot), which
 *   needs no turn in the writer's queue.
 * Anything else (a write outside a transaction, or `:memory:`) goes through Kysely and its queue.
 *
 * A setup query also keeps its rows, keyed by SQL and values, in the setup cache.
 */
function runOnSqlite<R>(
  sqlite: SqliteConnections,
  inTransaction: boolean,
  template: Template,
  parameters: unknown[],
  options: PreparedOptions,
): readonly R[] | null {
  const connection = inTransaction ? sqlite.writer : template.select ? snapshotReader(sqlite) : null;
  if (!connection) return null;
  if (!options.setup) return connection.all(template.sql, parameters) as R[];

  const cache = usableSetupCache(sqlite, inTransaction);
  if (!cache) return connection.all(template.sql, parameters) as R[];
  const key = setupKey(template, parameters);
  let rows = cache.entries.get(key) as readonly R[] | undefined;
  if (!rows) {
    // Frozen: every later caller shares these objects.
    rows = Object.freeze((connection.all(template.sql, parameters) as R[]).map((row) => Object.freeze(row)));
    keep(cache, cache.version, key, rows);
  }
  return rows;
}
