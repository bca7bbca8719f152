import { LRUCache } from 'lru-cache';

export interface BucketRule {
  /** Most tokens a bucket holds: the burst a client may send at once. */
  capacity: number;
  /** Tokens added per second: the sustained rate. */
  refillPerSecond: number;
}

export type RateDecision = { allowed: true; remaining: number } | { allowed: false; retryAfterMs: number };

/**
 * Where buckets live. `take` must be atomic per key: the memory store is (single thread); a
 * shared store (Redis, with a Lua script) must make it so. It may answer synchronously, so the
 * in-memory hot path costs no promise.
 */
export interface RateLimitStore {
  take(key: string, cost: number, rule: BucketRule, nowMs: number): RateDecision | Promise<RateDecision>;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export interface MemoryStoreOptions {
  /** Most keys remembered; the least recently seen are forgotten first (default 100,000). */
  maxKeys?: number;
  now?: () => number;
}

/**
 * Buckets in process memory, bounded in count. A bucket that would be full again is equivalent
 * to no bucket, so each expires after its refill time and forgetting one never helps a client.
 */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly #buckets: LRUCache<string, Bucket>;

  constructor(options: MemoryStoreOptions = {}) {
    this.#buckets = new LRUCache<string, Bucket>({
      // a count bound given as a size of 1 per bucket: with `max`, lru-cache allocates its arrays
      // for every slot up front (about 5 MB for 100,000 of them, at every start); with `maxSize`
      // they grow with use, and the least recently used bucket still goes first
      maxSize: options.maxKeys ?? 100_000,
      sizeCalculation: () => 1,
      // every set() passes its own ttl; this one turns TTL tracking on
      ttl: 60_000,
      ttlAutopurge: false,
      updateAgeOnGet: true,
      ...(options.now && { perf: { now: options.now }, ttlResolution: 0 }),
    });
  }

  get size(): number {
    return this.#buckets.size;
  }

  /** Drops buckets that are full again (a timer may call it; lookups also skip them). */
  prune(): void {
    this.#buckets.purgeStale();
  }

  take(key: string, cost: number, rule: BucketRule, nowMs: number): RateDecision {
    // one lookup, and the bucket updated in place (the get also restarts its time to live)
    let bucket = this.#buckets.get(key);
    if (bucket) {
      const elapsedMs = Math.max(0, nowMs - bucket.updatedMs);
      bucket.tokens = Math.min(rule.capacity, bucket.tokens + (elapsedMs * rule.refillPerSecond) / 1000);
      bucket.updatedMs = nowMs;
    } else {
      bucket = { tokens: rule.capacity, updatedMs: nowMs };
      this.#buckets.set(key, bucket, { ttl: Math.ceil((rule.capacity / rule.refillPerSecond) * 1000) });
    }
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return { allowed: true, remaining: Math.floor(bucket.tokens) };
    }
    return {
      allowed: false,
      retryAfterMs: Math.ceil(((cost - bucket.tokens) / rule.refillPerSecond) * 1000),
    };
  }
}

export interface RateLimiterOptions {
  /** Sustained requests per second per key; 0 turns limiting off. */
  rps: number;
  /** Requests a key may send at once; default 2 x rps. */
  burst?: number;
  store?: RateLimitStore;
  /** Milliseconds; injectable for tests. Default: performance.now. */
  now?: () => number;
}

/** Per-client request rate (token bucket): each key may burst to `burst`, then `rps` per second. */
export class RateLimiter {
  readonly enabled: boolean;
  readonly rule: BucketRule;
  readonly #store: RateLimitStore;
  readonly #now: () => number;
  #limited = 0;

  constructor(options: RateLimiterOptions) {
    if (!(options.rps >= 0) || !Number.isFinite(options.rps)) {
      throw new RangeError(`rate limit rps must be a number >= 0, got ${options.rps}`);
    }
    const burst = options.burst ?? Math.max(1, Math.ceil(options.rps * 2));
    if (options.rps > 0 && !(burst >= 1)) throw new RangeError(`rate limit burst must be >= 1, got ${burst}`);
    this.enabled = options.rps > 0;
    this.rule = { capacity: burst, refillPerSecond: options.rps };
    this.#now = options.now ?? (() => performance.now());
    this.#store = options.store ?? new MemoryRateLimitStore({ now: this.#now });
  }

  /** How many requests were refused so far (for metrics). */
  get limited(): number {
    return this.#limited;
  }

  /** Takes `cost` tokens from `key`'s bucket, or says how long to wait. */
  check(key: string, cost = 1): RateDecision | Promise<RateDecision> {
    if (!this.enabled) return { allowed: true, remaining: Number.POSITIVE_INFINITY };
    if (cost > this.rule.capacity) {
      throw new RangeError(`cost ${cost} exceeds the bucket capacity ${this.rule.capacity}`);
    }
    const decision = this.#store.take(key, cost, this.rule, this.#now());
    if (decision instanceof Promise) {
      return decision.then((d) => this.#count(d));
    }
    return this.#count(decision);
  }

  #count(decision: RateDecision): RateDecision {
    if (!decision.allowed) this.#limited++;
    return decision;
  }
}
