import { AppError } from './errors.ts';

export interface SemaphoreOptions {
  /** How many holders at once (>= 1). */
  limit: number;
  /** How many may wait; one more is refused with `QUEUE_FULL`. Default: unbounded. */
  maxQueue?: number;
  /** Default wait for a slot, in ms, before `TIMEOUT`. Default: wait as long as it takes. */
  acquireTimeoutMs?: number;
}

export interface AcquireOptions {
  signal?: AbortSignal;
  /** Overrides the semaphore's `acquireTimeoutMs` for this call. */
  timeoutMs?: number;
}

/** Gives the slot back. Calling it more than once is harmless. */
export type Release = () => void;

export interface SemaphoreStats {
  limit: number;
  active: number;
  pending: number;
  /** Totals since creation, for metrics. */
  acquired: number;
  rejected: number;
  timedOut: number;
  aborted: number;
}

interface Waiter {
  grant: () => void;
  settled: boolean;
}

/**
 * Bounded concurrency in the manner of p-limit, with what a server needs on top: a FIFO queue of
 * bounded length, a timeout and an AbortSignal for the wait, and counts for metrics.
 */
export class Semaphore {
  readonly limit: number;
  readonly maxQueue: number;
  readonly #acquireTimeoutMs: number | undefined;
  #active = 0;
  #pending = 0;
  // FIFO with lazy removal: a waiter that timed out or was aborted is marked settled and skipped
  #queue: Waiter[] = [];
  #head = 0;
  #acquired = 0;
  #rejected = 0;
  #timedOut = 0;
  #aborted = 0;

  constructor(options: SemaphoreOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1) {
      throw new RangeError(`semaphore limit must be an integer >= 1, got ${options.limit}`);
    }
    const maxQueue = options.maxQueue ?? Number.POSITIVE_INFINITY;
    if (!(maxQueue >= 0)) throw new RangeError(`semaphore maxQueue must be >= 0, got ${maxQueue}`);
    this.limit = options.limit;
    this.maxQueue = maxQueue;
    this.#acquireTimeoutMs = options.acquireTimeoutMs;
  }

  get active(): number {
    return this.#active;
  }

  get pending(): number {
    return this.#pending;
  }

  stats(): SemaphoreStats {
    return {
      limit: this.limit,
      active: this.#active,
      pending: this.#pending,
      acquired: this.#acquired,
      rejected: this.#rejected,
      timedOut: this.#timedOut,
      aborted: this.#aborted,
    };
  }

  /** Waits for a slot; resolves with the function that gives it back. */
  acquire(options: AcquireOptions = {}): Promise<Release> {
    const { signal } = options;
    if (signal?.aborted) {
      this.#aborted++;
      return Promise.reject(cancelled(signal));
    }
    if (this.#active < this.limit && this.#pending === 0) {
      this.#active++;
      this.#acquired++;
      return Promise.resolve(this.#releaser());
    }
    if (this.#pending >= this.maxQueue) {
      this.#rejected++;
      return Promise.reject(
        new AppError('QUEUE_FULL', `too many requests waiting (${this.#pending}); try again shortly`, {
          details: { pending: this.#pending, limit: this.limit },
        }),
      );
    }

    const timeoutMs = options.timeoutMs ?? this.#acquireTimeoutMs;
    return new Promise<Release>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const cleanup = () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        settled: false,
        grant: () => {
          cleanup();
          this.#acquired++;
          resolve(this.#releaser());
        },
      };
      const giveUp = (error: Error) => {
        if (waiter.settled) return;
        waiter.settled = true;
        this.#pending--;
        cleanup();
        this.#dropSettled();
        reject(error);
      };
      const onAbort = () => {
        this.#aborted++;
        giveUp(cancelled(signal));
      };
      if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
        timer = setTimeout(() => {
          this.#timedOut++;
          giveUp(
            new AppError('TIMEOUT', `no free slot within ${timeoutMs} ms (${this.limit} busy); try again`, {
              details: { timeoutMs },
            }),
          );
        }, timeoutMs);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(waiter);
      this.#pending++;
    });
  }

  /** Runs `task` in a slot; the slot is released however the task ends. */
  async run<T>(task: () => Promise<T> | T, options: AcquireOptions = {}): Promise<T> {
    const release = await this.acquire(options);
    try {
      return await task();
    } finally {
      release();
    }
  }

  #releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#active--;
      this.#grantNext();
    };
  }

  #grantNext(): void {
    while (this.#head < this.#queue.length && this.#active < this.limit) {
      const waiter = this.#queue[this.#head] as Waiter;
      this.#queue[this.#head] = undefined as unknown as Waiter;
      this.#head++;
      if (waiter.settled) continue;
      waiter.settled = true;
      this.#pending--;
      this.#active++;
      waiter.grant();
    }
    // compact now and then so a long-lived semaphore's queue does not grow without bound
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Forgets waiters that gave up, once they outnumber the live ones (all stuck behind busy slots). */
  #dropSettled(): void {
    const queued = this.#queue.length - this.#head;
    if (queued > 1024 && queued > 2 * this.#pending) {
      this.#queue = this.#queue.slice(this.#head).filter((waiter) => !waiter.settled);
      this.#head = 0;
    }
  }
}

function cancelled(signal: AbortSignal | undefined): AppError {
  return new AppError('CANCELLED', 'cancelled while waiting for a free slot', { cause: signal?.reason });
}
