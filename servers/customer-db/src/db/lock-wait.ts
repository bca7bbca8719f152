// Waiting for another process's write lock without blocking the event loop. SQLite's own busy
// timeout sleeps inside the call, on the one thread that also answers every other request: one
// write waiting 5 s for a lock stalled every read for 5 s. Here a write tries the lock without
// waiting (the repository's `failFastOnLock`), and when it is taken, sleeps on a timer and
// tries again, on SQLite's own schedule, until `waitMs` has passed: reads go on meanwhile.
import { setTimeout as delay } from 'node:timers/promises';
import { AppError, isAppError } from '@mcp-stack/core';

/** Runs a write (all or nothing), waiting for the write lock as configured. */
export type WriteRunner = <T>(write: () => T | Promise<T>, signal?: AbortSignal) => Promise<T>;

export interface LockWaitOptions {
  /** How long a write waits for another process's write lock in all, in ms. */
  waitMs: number;
  /** Default: timers/promises setTimeout, honouring the signal. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Default: performance.now. */
  now?: () => number;
}

/** The waits between tries, as SQLite's default busy handler spaces them; then 100 ms each. */
const STEPS_MS = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];

/** A write refused because another connection holds the lock (SQLITE_BUSY, SQLITE_LOCKED). */
export function isLockBusy(error: unknown): boolean {
  if (!isAppError(error) || error.code !== 'UNAVAILABLE') return false;
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/**
 * Retries a write while the lock is busy, sleeping between tries, until `waitMs` has passed (one
 * last try at the deadline).
 * Safe to repeat: a write that met a busy lock failed at `BEGIN IMMEDIATE` and changed nothing.
 */
export function lockWaiter(options: LockWaitOptions): WriteRunner {
  const { waitMs } = options;
  const sleep = options.sleep ?? ((ms, signal) => delay(ms, undefined, signal && { signal }));
  const now = options.now ?? (() => performance.now());
  return async (write, signal) => {
    const started = now();
    for (let attempt = 0; ; attempt++) {
      try {
        return await write();
      } catch (error) {
        if (!isLockBusy(error)) throw error;
        const left = waitMs - (now() - started);
        if (left <= 0) throw busyFor(waitMs, error);
        // the last pause ends at the deadline, for one more try there
        await sleep(Math.min(STEPS_MS[Math.min(attempt, STEPS_MS.length - 1)] as number, left), signal);
      }
    }
  };
}

/** Writes as they come, with no waiting of their own (the connection's busy timeout, if any). */
export const writeNow: WriteRunner = async (write) => write();

function busyFor(waitMs: number, cause: unknown): AppError {
  return new AppError(
    'UNAVAILABLE',
    `the database is busy: another process held the write lock for the ${waitMs} ms this server waits (CUSTOMER_DB_LOCK_WAIT_MS); retry shortly`,
    { cause },
  );
}
