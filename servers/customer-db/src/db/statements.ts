// Every SQL statement the repository runs goes through here: prepared once and cached, bound
// only by parameters, SQLite errors translated, and (for tests, or trace logs) reported to a hook.
import type { Database, RunResult, Statement } from 'better-sqlite3';
import { fromSqliteError } from './errors.ts';

/** Called before each statement runs, with its SQL and parameters. */
export type QueryHook = (sql: string, params: ReadonlyArray<unknown>) => void;

export interface Queries {
  get<T>(sql: string, ...params: unknown[]): T | undefined;
  all<T>(sql: string, ...params: unknown[]): T[];
  run(sql: string, ...params: unknown[]): RunResult;
  /** Runs `fn` in `BEGIN IMMEDIATE … COMMIT` (rolled back if it throws): the write lock first. */
  write<T>(fn: () => T): T;
}

export function createQueries(db: Database, onQuery?: QueryHook): Queries {
  const cache = new Map<string, Statement>();
  const prepare = (sql: string, params: unknown[]): Statement => {
    onQuery?.(sql, params);
    let statement = cache.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  };
  const guard = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      throw fromSqliteError(error);
    }
  };
  return {
    get: <T>(sql: string, ...params: unknown[]) => guard(() => prepare(sql, params).get(...params) as T),
    all: <T>(sql: string, ...params: unknown[]) => guard(() => prepare(sql, params).all(...params) as T[]),
    run: (sql: string, ...params: unknown[]) => guard(() => prepare(sql, params).run(...params)),
    write: <T>(fn: () => T) => guard(() => db.transaction(fn).immediate()),
  };
}
