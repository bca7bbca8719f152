import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { AppError } from './errors.ts';
import { Semaphore } from './semaphore.ts';

describe('Semaphore', () => {
  it('runs 200 tasks at limit 3 with a peak of exactly 3, starting them in FIFO order', async () => {
    const semaphore = new Semaphore({ limit: 3 });
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const tasks = Array.from({ length: 200 }, (_, i) =>
      semaphore.run(async () => {
        started.push(i);
        running++;
        peak = Math.max(peak, running);
        // uneven durations, so finishing order differs from starting order
        await delay(i % 7 === 0 ? 3 : 0);
        running--;
        return i;
      }),
    );
    const results = await Promise.all(tasks);
    expect(peak).toBe(3);
    expect(started).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(results).toEqual(started);
    expect(semaphore.active).toBe(0);
    expect(semaphore.pending).toBe(0);
    expect(semaphore.stats().acquired).toBe(200);
  });

  it('releases the slot when the task throws', async () => {
    const semaphore = new Semaphore({ limit: 1 });
    await expect(
      semaphore.run(() => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(semaphore.run(async () => Promise.reject(new Error('async boom')))).rejects.toThrow(
      'async boom',
    );
    expect(semaphore.active).toBe(0);
    await expect(semaphore.run(() => 'next')).resolves.toBe('next');
  });

  it('refuses with QUEUE_FULL beyond the max queue length, and serves the queued ones', async () => {
    const semaphore = new Semaphore({ limit: 1, maxQueue: 2 });
    const release = await semaphore.acquire();
    const queued = [semaphore.acquire(), semaphore.acquire()];
    const refused = semaphore.acquire();
    await expect(refused).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    expect(semaphore.pending).toBe(2);
    release();
    const second = await queued[0];
    second?.();
    const third = await queued[1];
    third?.();
    expect(semaphore.stats()).toMatchObject({ active: 0, pending: 0, rejected: 1 });
  });

  it('times out a wait with TIMEOUT and leaves the counts clean', async () => {
    const semaphore = new Semaphore({ limit: 1, acquireTimeoutMs: 20 });
    const release = await semaphore.acquire();
    const waits = await Promise.allSettled([semaphore.acquire(), semaphore.acquire({ timeoutMs: 10 })]);
    for (const wait of waits) {
      expect(wait.status).toBe('rejected');
      const error = wait.status === 'rejected' ? wait.reason : undefined;
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: 'TIMEOUT' });
    }
    expect(semaphore.pending).toBe(0);
    release();
    expect(semaphore.active).toBe(0);
    expect(semaphore.stats().timedOut).toBe(2);
  });

  it('abandons a wait when its signal aborts, and never grants it later', async () => {
    const semaphore = new Semaphore({ limit: 1 });
    const release = await semaphore.acquire();
    const controller = new AbortController();
    const aborted = semaphore.acquire({ signal: controller.signal });
    const next = semaphore.acquire();
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(semaphore.pending).toBe(1);
    release();
    // the slot goes to the waiter behind the aborted one
    const releaseNext = await next;
    expect(semaphore.active).toBe(1);
    releaseNext();
    expect(semaphore.stats()).toMatchObject({ active: 0, pending: 0, aborted: 1 });
  });

  it('refuses at once with an already aborted signal', async () => {
    const semaphore = new Semaphore({ limit: 2 });
    await expect(semaphore.acquire({ signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'CANCELLED',
    });
    expect(semaphore.active).toBe(0);
  });

  it('returns to zero after a storm of timeouts, aborts and completions', async () => {
    const semaphore = new Semaphore({ limit: 3, maxQueue: 50 });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 120 }, (_, i) => {
        const signal = i % 5 === 0 ? AbortSignal.timeout(1) : undefined;
        return semaphore.run(() => delay(2), {
          ...(signal && { signal }),
          ...(i % 3 === 0 && { timeoutMs: 5 }),
        });
      }),
    );
    expect(outcomes.some((o) => o.status === 'fulfilled')).toBe(true);
    expect(outcomes.some((o) => o.status === 'rejected')).toBe(true);
    expect(semaphore.active).toBe(0);
    expect(semaphore.pending).toBe(0);
  });

  it('releasing twice gives back one slot only', async () => {
    const semaphore = new Semaphore({ limit: 1 });
    const release = await semaphore.acquire();
    const waiting = semaphore.acquire();
    release();
    release();
    const second = await waiting;
    expect(semaphore.active).toBe(1);
    second();
    expect(semaphore.active).toBe(0);
  });

  it('rejects a nonsensical limit', () => {
    expect(() => new Semaphore({ limit: 0 })).toThrow(RangeError);
    expect(() => new Semaphore({ limit: 1.5 })).toThrow(RangeError);
  });
});
