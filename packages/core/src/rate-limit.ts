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
  /** When it would be full again, counted from its last use (then it is as good as gone). */
  expiresMs: number;
  /** When it last moved to the end of the recency order. */
  seenMs: number;
}

export interface MemoryStoreOptions {
  /** Most keys remembered; the least recently seen are forgotten first (default 100,000). */
  maxKeys?: number;
  now?: () => number;
}

/**
 * Buckets in process memory, bounded in count. A bucket that would be full again is equivalent
 * to no bucket, so each is dropped once its refill time has passed since it was last seen, and
 * forgetting one never helps a client. A plain Map in recency order (a bucket moves to the end
 * when seen, at most once a second): one lookup per request, no timers, nothing allocated up
 * front. At `maxKeys`, the least recently seen bucket makes room for the new one. (lru-cache did
 * the same with TTLs; its bookkeeping cost 4% of a trivial call's throughput.)
 */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly #buckets = new Map<string, Bucket>();
  readonly #maxKeys: number;
  readonly #now: () => number;

  constructor(options: MemoryStoreOptions = {}) {
    this.#maxKeys = options.maxKeys ?? 100_000;
    this.#now = options.now ?? (() => performance.now());
  }

  get size(): number {
    return this.#buckets.size;
  }

  /** Drops the buckets that would be full again (a timer may call it; lookups refill them anyway). */
  prune(nowMs = this.#now()): void {
    for (const [key, bucket] of this.#buckets) if (nowMs > bucket.expiresMs) this.#buckets.delete(key);
  }

  take(key: string, cost: number, rule: BucketRule, nowMs: number): RateDecision {
    const refillMs = (rule.capacity / rule.refillPerSecond) * 1000;
    let bucket = this.#buckets.get(key);
    if (bucket === undefined || nowMs > bucket.expiresMs) {
      if (bucket !== undefined) this.#buckets.delete(key);
      else if (this.#buckets.size >= this.#maxKeys) this.#evictOldest();
      bucket = { tokens: rule.capacity, updatedMs: nowMs, expiresMs: nowMs + refillMs, seenMs: nowMs };
      this.#buckets.set(key, bucket);
    } else {
      const elapsedMs = Math.max(0, nowMs - bucket.updatedMs);
      bucket.tokens = Math.min(rule.capacity, bucket.tokens + (elapsedMs * rule.refillPerSecond) / 1000);
      bucket.updatedMs = nowMs;
      bucket.expiresMs = nowMs + refillMs;
      if (nowMs - bucket.seenMs >= 1_000) {
        // to the end of the Map's order: the least recently seen stay first
        bucket.seenMs = nowMs;
        this.#buckets.delete(key);
        this.#buckets.set(key, bucket);
      }
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

  #evictOldest(): void {
    for (const key of this.#buckets.keys()) {
      this.#buckets.delete(key);
      return;
    }
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
