import { AppError } from '@mcp-stack/core';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openTempDb, type TempDb } from '../test-fixtures/temp-db.ts';
import { isLockBusy, lockWaiter } from './lock-wait.ts';

const busy = () =>
  new AppError('UNAVAILABLE', 'the database is busy', {
    cause: Object.assign(new Error('busy'), { code: 'SQLITE_BUSY' }),
  });

/** A clock that moves only when the waiter sleeps, and the sleeps it asked for. */
function fakeTime() {
  let at = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => at,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      at += ms;
    },
  };
}

describe('lockWaiter', () => {
  it('retries a write while the lock is busy, on SQLite’s schedule, and returns its result', async () => {
    const time = fakeTime();
    let tries = 0;
    const run = lockWaiter({ waitMs: 5_000, ...time });
    const result = await run(() => {
      if (++tries < 5) throw busy();
      return 'written';
    });
    expect(result).toBe('written');
    expect(time.sleeps).toEqual([1, 2, 5, 10]);
  });

  it('gives up at the deadline, after one last try there, with UNAVAILABLE naming the setting', async () => {
    const time = fakeTime();
    let tries = 0;
    const run = lockWaiter({ waitMs: 300, ...time });
    const error = await run(() => {
      tries++;
      throw busy();
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UNAVAILABLE' });
    expect((error as Error).message).toBe(
      'the database is busy: another process held the write lock for the 300 ms this server waits (CUSTOMER_DB_LOCK_WAIT_MS); retry shortly',
    );
    expect(time.now()).toBe(300);
    expect(time.sleeps.reduce((a, b) => a + b, 0)).toBe(300);
    expect(tries).toBe(time.sleeps.length + 1);
  });

  it('passes any other error through at once, untried again', async () => {
    const time = fakeTime();
    const run = lockWaiter({ waitMs: 5_000, ...time });
    const conflict = new AppError('CONFLICT', 'email taken');
    await expect(
      run(() => {
        throw conflict;
      }),
    ).rejects.toBe(conflict);
    expect(time.sleeps).toEqual([]);
    expect(isLockBusy(conflict)).toBe(false);
    expect(isLockBusy(new Error('SQLITE_BUSY'))).toBe(false);
  });
});

describe('a repository with failFastOnLock, while another connection holds the write lock', () => {
  let t: TempDb;
  let other: BetterSqlite3.Database;
  afterEach(() => {
    if (other?.inTransaction) other.exec('ROLLBACK');
    other?.close();
    t?.cleanup();
  });

  it('fails a write at once instead of sleeping in the 5 s busy timeout, keeps it for reads, then writes', async () => {
    t = openTempDb({ failFastOnLock: true });
    other = new BetterSqlite3(t.path);
    other.exec('BEGIN IMMEDIATE');
    const started = performance.now();
    let refused: unknown;
    try {
      await t.repository.customers.update('1234', { name: 'Alice Busy' });
    } catch (error) {
      refused = error;
    }
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(isLockBusy(refused)).toBe(true);
    expect(t.db.pragma('busy_timeout', { simple: true })).toBe(5_000);
    expect((await t.repository.customers.get('1234')).name).toBe('Alice Johnson'); // reads go on
    const waited = lockWaiter({ waitMs: 5_000 })(() =>
      t.repository.customers.update('1234', { name: 'Alice Later' }),
    );
    setTimeout(() => other.exec('COMMIT'), 50);
    await expect(waited).resolves.toMatchObject({ name: 'Alice Later' });
  });
});
