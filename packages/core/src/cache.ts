import { LRUCache } from 'lru-cache';

export interface CacheOptions<V> {
  /** Most entries kept; the least recently used goes first. */
  max: number;
  /** Time to live of an entry, in ms. */
  ttlMs: number;
  /** Optional bound on the total size, with `sizeOf` measuring each entry. */
  maxSize?: number;
  sizeOf?: (value: V, key: string) => number;
  /** Milliseconds from any origin; injectable so tests can move time. Default: performance.now. */
  now?: () => number;
  /**
   * A loaded value's own time to live, when shorter than `ttlMs` (a value read from a shared cache
   * keeps its remaining time there, not a fresh one); undefined: `ttlMs`.
   */
  ttlOf?: (value: V) => number | undefined;
}

export interface CacheStats {
  size: number;
  hits: number;
  misses: number;
  /** Entries pushed out by the size bounds (not expiries or invalidations). */
  evictions: number;
  /** Loads in flight right now. */
  loading: number;
}

interface InFlight<V> {
  promise: Promise<V>;
}

/**
 * A TTL and size-bounded cache (lru-cache underneath) with single-flight loading: any number of
 * concurrent `getOrLoad` calls for one key run one loader and share its result. Failed loads are
 * not cached. Invalidation (by key or prefix) also detaches loads in flight, so a value read
 * before a write is never stored after it.
 */
export class TtlCache<V extends {}> {
  readonly #lru: LRUCache<string, V>;
  readonly #inFlight = new Map<string, InFlight<V>>();
  readonly #ttlMs: number;
  readonly #ttlOf: ((value: V) => number | undefined) | undefined;
  #hits = 0;
  #misses = 0;
  #evictions = 0;

  constructor(options: CacheOptions<V>) {
    if (!Number.isInteger(options.max) || options.max < 1) {
      throw new RangeError(`cache max must be an integer >= 1, got ${options.max}`);
    }
    if (!(options.ttlMs > 0)) throw new RangeError(`cache ttlMs must be > 0, got ${options.ttlMs}`);
    const now = options.now;
    this.#ttlMs = options.ttlMs;
    this.#ttlOf = options.ttlOf;
    this.#lru = new LRUCache<string, V>({
      max: options.max,
      ttl: options.ttlMs,
      ...(options.maxSize !== undefined && {
        maxSize: options.maxSize,
        sizeCalculation: options.sizeOf ?? (() => 1),
      }),
      ...(now && { perf: { now }, ttlResolution: 0 }),
      dispose: (_value, _key, reason) => {
        if (reason === 'evict') this.#evictions++;
      },
    });
  }

  /** The cached value, or undefined when absent or expired. Counts a hit or a miss. */
  get(key: string): V | undefined {
    const value = this.#lru.get(key);
    if (value === undefined) this.#misses++;
    else this.#hits++;
    return value;
  }

  set(key: string, value: V): void {
    this.#lru.set(key, value);
  }

  has(key: string): boolean {
    return this.#lru.has(key);
  }

  /**
   * The cached value, or the loader's: concurrent callers of one key share one loader call. A
   * loader that throws caches nothing, and every caller waiting on it gets the error.
   */
  getOrLoad(key: string, loader: () => Promise<V>): Promise<V> {
    const cached = this.#lru.get(key);
    if (cached !== undefined) {
      this.#hits++;
      return Promise.resolve(cached);
    }
    const running = this.#inFlight.get(key);
    if (running) {
      this.#hits++;
      return running.promise;
    }
    this.#misses++;
    const entry: InFlight<V> = {
      promise: Promise.resolve()
        .then(loader)
        .then(
          (value) => {
            // still current (not invalidated meanwhile): keep it
            if (this.#inFlight.get(key) === entry) {
              this.#inFlight.delete(key);
              const ttl = this.#ttlOf?.(value);
              if (ttl === undefined || ttl >= this.#ttlMs) this.#lru.set(key, value);
              else if (ttl > 0) this.#lru.set(key, value, { ttl });
            }
            return value;
          },
          (error: unknown) => {
            if (this.#inFlight.get(key) === entry) this.#inFlight.delete(key);
            throw error;
          },
        ),
    };
    this.#inFlight.set(key, entry);
    return entry.promise;
  }

  /** Drops one key; returns whether anything (a value or a load) was dropped. */
  invalidate(key: string): boolean {
    const hadLoad = this.#inFlight.delete(key);
    return this.#lru.delete(key) || hadLoad;
  }

  /** Drops every key that starts with `prefix`; returns how many were dropped. */
  invalidatePrefix(prefix: string): number {
    let dropped = 0;
    for (const key of [...this.#lru.keys()]) {
      if (key.startsWith(prefix) && this.#lru.delete(key)) dropped++;
    }
    for (const key of [...this.#inFlight.keys()]) {
      if (key.startsWith(prefix) && this.#inFlight.delete(key)) dropped++;
    }
    return dropped;
  }

  clear(): void {
    this.#lru.clear();
    this.#inFlight.clear();
  }

  stats(): CacheStats {
    return {
      size: this.#lru.size,
      hits: this.#hits,
      misses: this.#misses,
      evictions: this.#evictions,
      loading: this.#inFlight.size,
    };
  }
}
