import type SQLite from 'better-sqlite3';

/**
 * One better-sqlite3 connection with its statements kept, for the synchronous SQLite paths
 * (db/prepared.ts, db/group-commit.ts) and for Kysely's driver (db/sqlite/dialect.ts).
 *
 * Preparing is a large share of a short query's cost, so identical SQL text reuses its
 * prepared statement (Kysely's SQLite driver would prepare every statement anew). The rule it
 * relies on: a statement's SQL text alone decides what it does, and callers use it at once (a
 * statement is shared, so it never stays mid-iteration between two callers).
 */
export class StatementCache {
  readonly #statements = new Map<string, SQLite.Statement>();
  readonly #readers = new Map<string, RowReader>();

  constructor(readonly database: SQLite.Database) {}

  prepare(source: string): SQLite.Statement {
    let statement = this.#statements.get(source);
    if (!statement) {
      statement = this.database.prepare(source);
      if (this.#statements.size > 500) this.#statements.clear();
      this.#statements.set(source, statement);
    }
    return statement;
  }

  /**
   * Runs a statement: a reading one returns its rows, anything else none. Rows come as plain
   * objects of one shape per statement, built from better-sqlite3's raw (array) rows by a
   * function compiled for the statement's columns. better-sqlite3's own row objects are built
   * key by key (a hidden-class transition per column, and each name looked up again in V8's
   * string table), which costs more than the query itself for a short indexed read.
   */
  all(source: string, parameters: readonly unknown[]): Record<string, unknown>[] {
    let reader = this.#readers.get(source);
    if (!reader) {
      reader = rowReader(this.database.prepare(source));
      if (this.#readers.size > 500) this.#readers.clear();
      this.#readers.set(source, reader);
    }
    if (!reader.rowOf) {
      if (reader.statement.reader) return reader.statement.all(parameters) as Record<string, unknown>[];
      reader.statement.run(parameters);
      return [];
    }
    const values = reader.statement.all(parameters) as unknown[][];
    const rows = new Array<Record<string, unknown>>(values.length);
    for (let i = 0; i < values.length; i++) rows[i] = reader.rowOf(values[i]!);
    return rows;
  }
}

/**
 * The `statement-cache` fast path switched off (DB_FAST_PATHS_OFF): every statement is prepared
 * anew and its rows are better-sqlite3's own objects. The same answers, only slower.
 */
export class UncachedStatements extends StatementCache {
  override prepare(source: string): SQLite.Statement {
    return this.database.prepare(source);
  }

  override all(source: string, parameters: readonly unknown[]): Record<string, unknown>[] {
    const statement = this.database.prepare(source);
    if (statement.reader) return statement.all(parameters) as Record<string, unknown>[];
    statement.run(parameters);
    return [];
  }
}

interface RowReader {
  statement: SQLite.Statement;
  /** Null when the statement returns no rows. */
  rowOf: ((values: unknown[]) => Record<string, unknown>) | null;
}

function rowReader(statement: SQLite.Statement): RowReader {
  if (!statement.reader) return { statement, rowOf: null };
  const names = statement.columns().map((column) => column.name);
  statement.raw(true);
  // Keys are JSON string literals of the column names. As in better-sqlite3's own rows, a
  // repeated name keeps its last value, and a column named __proto__ sets the prototype
  // (with a BLOB or NULL value) or is dropped.
  const body = `return { ${names.map((name, i) => `${JSON.stringify(name)}: values[${i}]`).join(', ')} };`;
  const rowOf = new Function('values', body) as (values: unknown[]) => Record<string, unknown>;
  return { statement, rowOf };
}
