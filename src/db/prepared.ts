import type { Compilable, CompiledQuery } from 'kysely';
import type { QueryResultRow } from 'pg';
import {
  postgresOf,
  sqliteConnectionsOf,
  type Executor,
  type PostgresConnections,
  type SqliteConnections,
} from './connections.js';
import { setupMayHaveChanged } from './freshness.js';
import { nameStatement } from './postgres/named-statements.js';
import { keep, usablePostgresSetupCache, usableSetupCache } from './setup-cache.js';
import { SETUP_TABLES } from './setup-tables.js';
import { snapshotReader } from './sqlite/read-snapshot.js';

/**
 * Queries compiled once: `prepared()` builds and compiles a query's SQL on its first call (per
 * dialect, and per length of each list parameter), and every later call only binds values. On
 * SQLite they run synchronously on better-sqlite3 where they can (the reader's read snapshot,
 * or the writer inside a transaction); on PostgreSQL outside a transaction, straight to the pool
 * as named statements. A query marked `{ setup: true }` keeps its rows in the setup cache.
 *
 * The rules they rely on, for whoever writes one:
 * - the builder must not branch on parameter values (it is called with placeholders): every
 *   call with the same list lengths must build the same query;
 * - a setup query is a SELECT that reads setup tables only (db/setup-tables.ts), since only
 *   their changes move the version its kept rows are checked against. This one is checked when
 *   the query is compiled: anything else is refused with an error naming the table. (Tables
 *   named inside raw `sql` fragments are not seen: build setup queries with the query builder.)
 */

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

/** The name a TableNode stands for (schema aside). */
const nameOf = (tableNode: unknown): string =>
  (tableNode as { table?: { identifier?: { name?: string } } } | undefined)?.table?.identifier?.name ?? '';

/**
 * What a compiled statement does: whether it writes, and whether it names a setup table. For a
 * setup query, also checks that it is a SELECT reading setup tables only (else throws).
 */
function classify(query: CompiledQuery['query'], setup: boolean): Pick<Template, 'select' | 'writesSetup'> {
  let writes = false;
  let namesSetup = false;
  /** Every table read from (column references aside), and the names the query's WITH defines. */
  const tables = new Set<string>();
  const withNames = new Set<string>();
  const visit = (value: unknown, inReference: boolean): void => {
    if (Array.isArray(value)) value.forEach((item) => visit(item, inReference));
    else if (value && typeof value === 'object') {
      const node = value as { kind?: string; table?: unknown };
      if (node.kind && WRITE_NODES.has(node.kind)) writes = true;
      if (node.kind === 'TableNode') {
        const name = nameOf(node);
        // `l.id` names its table (or alias) too: a source of the query, counted there.
        if (!inReference) tables.add(name);
        if (SETUP.has(name)) namesSetup = true;
      }
      if (node.kind === 'CommonTableExpressionNameNode') withNames.add(nameOf(node.table));
      const reference = inReference || node.kind === 'ReferenceNode';
      for (const child of Object.values(value)) visit(child, reference);
    }
  };
  visit(query, false);
  const select = query.kind === 'SelectQueryNode' && !writes;
  if (setup) {
    if (!select) {
      throw new Error(
        'prepared(…, { setup: true }) is given a query that writes: a setup query must be a SELECT, ' +
          'whose rows are kept and shared. Do not mark this query { setup: true }.',
      );
    }
    for (const table of tables) {
      if (SETUP.has(table) || withNames.has(table)) continue;
      throw new Error(
        `prepared(…, { setup: true }) reads table "${table}", which is not a setup table: its changes ` +
          'do not move setup_version, so rows kept from it would be served stale. Either add it to ' +
          'SETUP_TABLES (src/db/setup-tables.ts) together with a migration that creates its ' +
          'setup_version triggers on both dialects, or do not mark this query { setup: true }.',
      );
    }
  }
  return { select, writesSetup: writes && namesSetup };
}

interface PreparedOptions {
  /**
   * The query reads setup tables only (db/setup-tables.ts; checked when it is compiled): its rows
   * are kept in memory, per parameter values, while the setup data is unchanged
   * (db/setup-cache.ts).
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
      ...classify(compiled.query, options.setup === true),
    };
  };

  // Which parameters are lists is fixed by the parameter type: found on the first call.
  let listKeys: string[] | undefined;

  /** The query's template; kept unless `query-templates` is switched off (`keepTemplate`). */
  const templateFor = (executor: Executor, params: P, keepTemplate: boolean): Template => {
    listKeys ??= Object.keys(params).filter((key) => Array.isArray(params[key]));
    let shape = '';
    for (const key of listKeys) {
      const length = (params[key] as unknown[]).length;
      if (length > MAX_CACHED_LIST) return compile(executor, params);
      shape += `${length},`;
    }
    if (!keepTemplate) {
      const template = compile(executor, params);
      nameStatement(template.sql);
      return template;
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
    const sqlite = sqliteConnectionsOf(executor);
    const postgres = sqlite ? undefined : postgresOf(executor);
    const template = templateFor(executor, params, (sqlite ?? postgres)?.compileOnce !== false);
    const parameters = template.slots.map((slot) => {
      if ('constant' in slot) return slot.constant;
      const value = params[slot.param];
      return slot.index === null ? value : (value as unknown[])[slot.index];
    });
    if (sqlite) {
      const rows = runOnSqlite<R>(sqlite, executor.isTransaction, template, parameters, options);
      if (rows) return rows;
    }
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
    // that names no setup table (their triggers move the version only for those) leaves the
    // setup data as it was.
    if (postgres && template.writesSetup && !executor.isTransaction && postgres.setup) {
      setupMayHaveChanged(postgres.setup);
    }
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
