// The rate limiter's buckets in Redis, shared by every replica: the same token bucket as the memory
// store, taken atomically by one Lua script per request. ioredis with our own script rather than
// rate-limiter-flexible: that library counts fixed windows (or pairs two limiters for a burst),
// while this keeps the exact token-bucket semantics (burst, then rps) the memory store has, so a
// limit means the same with one replica or ten; the script is short and tested against a real Redis.
import type { BucketRule, RateDecision, RateLimitStore } from './rate-limit.ts';
import type { RedisLink } from './redis.ts';

/**
 * KEYS[1]: the bucket. ARGV: capacity, refill per second, cost. The clock is Redis's own (TIME),
 * so replicas whose clocks disagree still share one bucket correctly. Answers
 * {allowed 0|1, whole tokens left, ms to wait}. The bucket expires once it would be full again.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(bucket[1])
local ts = tonumber(bucket[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate / 1000)
local allowed = 0
local wait = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  wait = math.ceil((cost - tokens) / rate * 1000)
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'ts', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
return {allowed, math.floor(tokens), wait}
`;

/** What a request gets while Redis cannot be asked: `allow` (fail open) or `refuse` (fail closed). */
export type RedisDownPolicy = 'allow' | 'refuse';

export interface RedisRateLimitStoreOptions {
  /** Prefixes every bucket key, so servers sharing one Redis keep apart (`mcp-stack:rl:users:`). */
  prefix: string;
  /** Default `allow`: an outage of Redis does not take the servers down with it. */
  whenDown?: RedisDownPolicy;
}

type Take = (key: string, capacity: number, rate: number, cost: number) => Promise<[number, number, number]>;

export class RedisRateLimitStore implements RateLimitStore {
  readonly whenDown: RedisDownPolicy;
  readonly #link: RedisLink;
  readonly #prefix: string;

  constructor(link: RedisLink, options: RedisRateLimitStoreOptions) {
    this.#link = link;
    this.#prefix = options.prefix;
    this.whenDown = options.whenDown ?? 'allow';
    // ioredis sends EVALSHA and falls back to EVAL once when Redis does not know the script
    if (!('mcpTakeTokens' in link.client))
      link.client.defineCommand('mcpTakeTokens', { numberOfKeys: 1, lua: TAKE });
  }

  async take(key: string, cost: number, rule: BucketRule): Promise<RateDecision> {
    try {
      const [allowed, remaining, waitMs] = await this.#link.run((client) =>
        (client as unknown as { mcpTakeTokens: Take }).mcpTakeTokens(
          this.#prefix + key,
          rule.capacity,
          rule.refillPerSecond,
          cost,
        ),
      );
      return allowed === 1 ? { allowed: true, remaining } : { allowed: false, retryAfterMs: waitMs };
    } catch {
      // the link logged the outage once; the policy decides, at once
      return this.whenDown === 'allow'
        ? { allowed: true, remaining: 0 }
        : { allowed: false, retryAfterMs: 1_000 };
    }
  }
}
