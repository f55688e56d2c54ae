import type { Compilable, CompiledQuery } from 'kysely';
import type { Executor } from './database.js';

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
 * the Performance section of the README). The builder is called with placeholders, so it must
 * not branch on parameter values: every call with the same list lengths must build the same
 * query (compute `x ?? -1` before the call, and make one prepared query per optional condition).
 */
export function prepared<P extends Record<string, unknown>, R>(
  build: (db: Executor, params: P) => Compilable<R>,
): (executor: Executor, params: P) => Promise<R[]> {
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
    if (!template) byShape.set(shape, (template = compile(executor, params)));
    return template;
  };

  return async (executor, params) => {
    const { sql, query, queryId, slots } = templateFor(executor, params);
    const parameters = slots.map((slot) => {
      if ('constant' in slot) return slot.constant;
      const value = params[slot.param];
      return slot.index === null ? value : (value as unknown[])[slot.index];
    });
    const result = await executor.executeQuery<R>({ sql, query, queryId, parameters });
    return result.rows;
  };
}
