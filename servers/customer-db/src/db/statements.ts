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

export interface QueriesOptions {
  /** Sees every statement run, with its parameters. */
  onQuery?: QueryHook | undefined;
  /**
   * A write finding another connection's write lock fails at once with UNAVAILABLE (for the
   * caller to wait without blocking, see lock-wait.ts) instead of sleeping in the connection's
   * busy timeout. Reads keep the busy timeout: in WAL mode they never wait for a writer.
   */
  failFastOnLock?: boolean | undefined;
}

export function createQueries(db: Database, options: QueriesOptions = {}): Queries {
  const { onQuery } = options;
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
  const withoutBusyWait = options.failFastOnLock ? busyWaitOff(db) : undefined;
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
    write: <T>(fn: () => T) =>
      guard(() => (withoutBusyWait ? withoutBusyWait(fn) : db.transaction(fn).immediate())),
  };
}

/**
 * Runs a function in `BEGIN IMMEDIATE` with the busy timeout at 0 while it takes the lock, then
 * back at the connection's (read once: set it before creating the queries). Not prepared
 * statements: SQLite applies `PRAGMA busy_timeout` when it compiles one, so a prepared one run
 * again may do nothing.
 */
function busyWaitOff(db: Database): <T>(fn: () => T) => T {
  const restore = `busy_timeout = ${Math.trunc(db.pragma('busy_timeout', { simple: true }) as number)}`;
  return (fn) => {
    db.pragma('busy_timeout = 0');
    try {
      return db.transaction(fn).immediate();
    } finally {
      db.pragma(restore);
    }
  };
}
