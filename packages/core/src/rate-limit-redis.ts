// The rate limiter's buckets in Redis, shared by every replica: the same token bucket as the memory
// store, taken atomically by one Lua script per request. ioredis with our own script rather than
// rate-limiter-flexible: that library counts fixed windows (or pairs two limiters for a burst),
// while this keeps the exact token-bucket semantics (burst, then rps) the memory store has, so a
// limit means the same with one replica or ten; the script is short and tested against a real Redis.
import type { BucketRule, RateDecision, RateLimitStore } from './rate-limit.ts';
import type { RedisLink } from './redis.ts';

/**
 * KEYS[1]: the bucket. ARGV: capacity, refill per second, tokens needed, tokens wanted (>= needed:
 * the rest is a lease the replica spends locally). The clock is Redis's own (TIME), so replicas
 * whose clocks disagree still share one bucket correctly. Answers {granted (0 when refused), whole
 * tokens left, ms to wait}. The bucket expires once it would be full again.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local need = tonumber(ARGV[3])
local want = tonumber(ARGV[4])
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(bucket[1])
local ts = tonumber(bucket[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate / 1000)
local granted = 0
local wait = 0
if tokens >= need then
  granted = math.max(need, math.min(want, math.floor(tokens)))
  tokens = tokens - granted
else
  wait = math.ceil((need - tokens) / rate * 1000)
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'ts', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
return {granted, math.floor(tokens), wait}
`;

/** What a request gets while Redis cannot be asked: `allow` (fail open) or `refuse` (fail closed). */
export type RedisDownPolicy = 'allow' | 'refuse';

export interface RedisRateLimitStoreOptions {
  /** Prefixes every bucket key, so servers sharing one Redis keep apart (`mcp-stack:rl:users:`). */
  prefix: string;
  /** Default `allow`: an outage of Redis does not take the servers down with it. */
  whenDown?: RedisDownPolicy;
}

type Take = (
  key: string,
  capacity: number,
  rate: number,
  need: number,
  want: number,
) => Promise<[number, number, number]>;

/** Tokens taken from Redis ahead of need, spent here without asking again until they expire. */
interface Lease {
  tokens: number;
  expiresMs: number;
}

/** How long leased tokens stay usable: short, so a replica never sits on a client's tokens for long. */
const LEASE_MS = 250;
/** Most tokens one ask takes beyond its need: big buckets (busy clients) ask Redis once per 50 calls. */
const LEASE_MAX = 50;
/** Most leases kept (one per active client); past it the oldest is dropped (its tokens are lost, never doubled). */
const MAX_LEASES = 10_000;

export class RedisRateLimitStore implements RateLimitStore {
  readonly whenDown: RedisDownPolicy;
  readonly #link: RedisLink;
  readonly #prefix: string;
  readonly #leases = new Map<string, Lease>();
  /** The ask in flight per client: others wait for it, then spend its lease (or share its refusal). */
  readonly #asking = new Map<string, Promise<RateDecision>>();

  constructor(link: RedisLink, options: RedisRateLimitStoreOptions) {
    this.#link = link;
    this.#prefix = options.prefix;
    this.whenDown = options.whenDown ?? 'allow';
    // ioredis sends EVALSHA and falls back to EVAL once when Redis does not know the script
    if (!('mcpTakeTokens' in link.client))
      link.client.defineCommand('mcpTakeTokens', { numberOfKeys: 1, lua: TAKE });
  }

  /**
   * Spends leased tokens when it holds some (no round trip); otherwise takes what is needed from
   * Redis plus a small lease (a twentieth of the bucket, 50 at most), so a busy client costs one
   * script per many requests, not one per request. A replica never spends more than it took, so
   * the limit holds across replicas; leased tokens a replica does not use within 250 ms are lost,
   * which can only allow a client slightly less (a bucket of 20 or less takes no lease: exact).
   */
  take(key: string, cost: number, rule: BucketRule, nowMs: number): RateDecision | Promise<RateDecision> {
    const lease = this.#leases.get(key);
    if (lease !== undefined) {
      if (nowMs < lease.expiresMs && lease.tokens >= cost) {
        lease.tokens -= cost;
        return { allowed: true, remaining: Math.floor(lease.tokens) };
      }
      this.#leases.delete(key);
    }
    const inFlight = this.#asking.get(key);
    if (inFlight !== undefined) {
      // one ask per client at a time: a burst of concurrent calls spends the lease it brings
      return inFlight.then((decision) => (decision.allowed ? this.take(key, cost, rule, nowMs) : decision));
    }
    const want = Math.max(cost, Math.min(LEASE_MAX, Math.floor(rule.capacity / 20)));
    const asked = this.#ask(key, cost, want, rule, nowMs).finally(() => this.#asking.delete(key));
    this.#asking.set(key, asked);
    return asked;
  }

  async #ask(
    key: string,
    cost: number,
    want: number,
    rule: BucketRule,
    nowMs: number,
  ): Promise<RateDecision> {
    try {
      const [granted, remaining, waitMs] = await this.#link.run((client) =>
        (client as unknown as { mcpTakeTokens: Take }).mcpTakeTokens(
          this.#prefix + key,
          rule.capacity,
          rule.refillPerSecond,
          cost,
          want,
        ),
      );
      if (granted === 0) return { allowed: false, retryAfterMs: waitMs };
      if (granted > cost) {
        // concurrent asks for one client each bring a lease: they add up, none is dropped
        const held = this.#leases.get(key);
        if (held !== undefined && nowMs < held.expiresMs) held.tokens += granted - cost;
        else {
          if (this.#leases.size >= MAX_LEASES)
            this.#leases.delete(this.#leases.keys().next().value as string);
          this.#leases.set(key, { tokens: granted - cost, expiresMs: nowMs + LEASE_MS });
        }
      }
      return { allowed: true, remaining };
    } catch {
      // the link logged the outage once; the policy decides, at once
      return this.whenDown === 'allow'
        ? { allowed: true, remaining: 0 }
        : { allowed: false, retryAfterMs: 1_000 };
    }
  }
}
