// The HTTP client's GET cache, second level: Redis shared by the replicas (MCP_REDIS_URL), behind
// each process's own TtlCache. One upstream request per key across the replicas (a short lock,
// waiters polling), invalidation that reaches every replica (a generation per resource in Redis,
// and a bus message that evicts every replica's first level), and never a wait on a Redis that is
// down or slow: its command timeout, then straight to the upstream.
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { SharedRedis } from './shared.ts';

/** What the cache holds: the parsed body and how it was obtained; `ttlMs`: what is left of it, read from Redis. */
export interface CachedResponse {
  data: unknown;
  status: number;
  attempts: number;
  ttlMs?: number;
}

export interface SharedHttpCacheOptions {
  redis: SharedRedis;
  /** Names this cache in keys and channels (`<prefix>cache:<namespace>:…`): the upstream, `users-api`. */
  namespace: string;
  /** A body whose JSON is larger is not stored in Redis (the first level still keeps it). Default 256 KiB. */
  maxValueBytes?: number;
  /** Longest wait for another replica's request of the same key before asking the upstream too. Default 2 s. */
  waitMs?: number;
  /** How long a replica's claim on a key holds when it never answers (it crashed). Default 10 s. */
  lockMs?: number;
  /** Between two looks at a key another replica is loading. Default 20 ms. */
  pollMs?: number;
}

export interface HttpCacheStats {
  /** Answered from this process: a cached value, or a request in flight shared. */
  l1Hits: number;
  /** Answered from Redis: another replica (or an earlier life of this one) asked the upstream. */
  l2Hits: number;
  /** Requests that went to the upstream. */
  upstream: number;
  /** Redis commands that failed or timed out (the request went to the upstream, or was not stored). */
  l2Failures: number;
  /** Bodies not stored in Redis for their size. */
  l2TooLarge: number;
  /** Waits for another replica's request that ran out, then asked the upstream. */
  waitsExpired: number;
}

/** KEYS: generation, value, lock. ARGV: token, lock ms. Answers {generation, value or '', locked, value's ms left}. */
const GET_OR_LOCK = `
local g = redis.call('GET', KEYS[1]) or '0'
local v = redis.call('GET', KEYS[2])
if v then
  local sep = string.find(v, '|', 1, true)
  if sep and string.sub(v, 1, sep - 1) == g then
    return {g, string.sub(v, sep + 1), 0, redis.call('PTTL', KEYS[2])}
  end
end
if redis.call('SET', KEYS[3], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {g, '', 1, 0}
end
return {g, '', 0, 0}
`;

/** KEYS: generation, value, lock. ARGV: generation read, payload ('' stores nothing), ttl ms, token. */
const STORE = `
local g = redis.call('GET', KEYS[1]) or '0'
local stored = 0
if ARGV[2] ~= '' and g == ARGV[1] then
  redis.call('SET', KEYS[2], g .. '|' .. ARGV[2], 'PX', ARGV[3])
  stored = 1
end
if redis.call('GET', KEYS[3]) == ARGV[4] then
  redis.call('DEL', KEYS[3])
end
return stored
`;

/** KEYS: generation. ARGV: its ttl ms. */
const BUMP = `
local g = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return g
`;

type Scripts = {
  mcpCacheGetOrLock(
    g: string,
    v: string,
    l: string,
    token: string,
    lockMs: number,
  ): Promise<[string, string, number, number]>;
  mcpCacheStore(
    g: string,
    v: string,
    l: string,
    gen: string,
    payload: string,
    ttlMs: number,
    token: string,
  ): Promise<number>;
  mcpCacheBump(g: string, ttlMs: number): Promise<number>;
};

/** A generation outlives every value it guards (a forgotten one restarts at 0: older values are long gone). */
const GENERATION_TTL_MS = 24 * 60 * 60 * 1000;
/** Resource prefixes remembered to evict on another replica's word (their hashes travel, never URLs). */
const MAX_KNOWN_PREFIXES = 10_000;

const hash = (text: string) => createHash('sha256').update(text).digest('base64url');

export interface SharedHttpCache {
  /**
   * The value for `key`: from Redis, else from `upstream` (one replica asks; the others wait for
   * its answer, at most `waitMs`). `identity` is hashed into the key with it: what makes the answer
   * differ besides the URL (the auth headers), never stored in the clear.
   */
  load(
    key: string,
    prefix: string,
    identity: string,
    upstream: () => Promise<CachedResponse>,
  ): Promise<CachedResponse>;
  /** After a successful write under `prefix`: newer generation in Redis, and every replica evicts its own copies. */
  invalidate(prefix: string): Promise<void>;
  stats(): Omit<HttpCacheStats, 'l1Hits'>;
  close(): void;
}

export function createSharedHttpCache(
  options: SharedHttpCacheOptions & { ttlMs: number; evict: (prefix: string) => void },
): SharedHttpCache {
  const { link, bus, prefix: redisPrefix } = options.redis;
  const base = `${redisPrefix}cache:${options.namespace}:`;
  const channel = `${base}invalidate`;
  const maxValueBytes = options.maxValueBytes ?? 256 * 1024;
  const waitMs = options.waitMs ?? 2_000;
  const lockMs = options.lockMs ?? 10_000;
  const pollMs = options.pollMs ?? 20;
  const stats = { l2Hits: 0, upstream: 0, l2Failures: 0, l2TooLarge: 0, waitsExpired: 0 };
  const known = new Map<string, string>();
  const client = link.client;
  if (!('mcpCacheGetOrLock' in client)) {
    client.defineCommand('mcpCacheGetOrLock', { numberOfKeys: 3, lua: GET_OR_LOCK });
    client.defineCommand('mcpCacheStore', { numberOfKeys: 3, lua: STORE });
    client.defineCommand('mcpCacheBump', { numberOfKeys: 1, lua: BUMP });
  }
  const run = <T>(command: (scripts: Scripts) => Promise<T>): Promise<T> =>
    link.run((c) => command(c as unknown as Scripts));
  const stopHearing = bus.subscribe(channel, (prefixHash) => {
    const evicted = known.get(prefixHash);
    if (evicted !== undefined) options.evict(evicted);
  });

  function parse(raw: string, ttlMs: number): CachedResponse | undefined {
    try {
      const value = JSON.parse(raw) as CachedResponse;
      if (typeof value !== 'object' || value === null || typeof value.status !== 'number') return undefined;
      return { data: value.data, status: value.status, attempts: value.attempts, ttlMs: Math.max(1, ttlMs) };
    } catch {
      return undefined;
    }
  }

  async function fetchAndStore(
    keys: [string, string, string],
    generation: string,
    token: string,
    upstream: () => Promise<CachedResponse>,
  ): Promise<CachedResponse> {
    stats.upstream++;
    let value: CachedResponse;
    try {
      value = await upstream();
    } catch (error) {
      // let a waiting replica try at once rather than at the lock's end
      void run((s) => s.mcpCacheStore(...keys, generation, '', 1, token)).catch(() => stats.l2Failures++);
      throw error;
    }
    let payload = JSON.stringify({ data: value.data, status: value.status, attempts: value.attempts });
    if (Buffer.byteLength(payload) > maxValueBytes) {
      stats.l2TooLarge++;
      payload = '';
    }
    // stored only if no write bumped the generation meanwhile: a value read before a write is never kept after it
    await run((s) => s.mcpCacheStore(...keys, generation, payload, options.ttlMs, token)).catch(
      () => stats.l2Failures++,
    );
    return value;
  }

  return {
    async load(key, prefix, identity, upstream) {
      const prefixHash = hash(prefix);
      if (!known.has(prefixHash) && known.size < MAX_KNOWN_PREFIXES) known.set(prefixHash, prefix);
      const valueHash = hash(`${identity}\n${key}`);
      const keys: [string, string, string] = [
        `${base}g:${prefixHash}`,
        `${base}v:${valueHash}`,
        `${base}l:${valueHash}`,
      ];
      const token = randomBytes(12).toString('base64url');
      const deadline = performance.now() + waitMs;
      for (;;) {
        let answer: [string, string, number, number];
        try {
          answer = await run((s) => s.mcpCacheGetOrLock(...keys, token, lockMs));
        } catch {
          // Redis down or slow: the link logged it; the upstream answers, nothing is stored
          stats.l2Failures++;
          stats.upstream++;
          return upstream();
        }
        const [generation, raw, locked, ttlLeft] = answer;
        if (raw !== '') {
          const value = parse(raw, Number(ttlLeft));
          if (value) {
            stats.l2Hits++;
            return value;
          }
        }
        if (Number(locked) === 1 || raw !== '') return fetchAndStore(keys, generation, token, upstream);
        // another replica is asking the upstream: look again shortly, for a bounded time
        if (performance.now() + pollMs > deadline) {
          stats.waitsExpired++;
          return fetchAndStore(keys, generation, token, upstream);
        }
        await delay(pollMs);
      }
    },
    async invalidate(prefix) {
      const prefixHash = hash(prefix);
      try {
        await run((s) =>
          s.mcpCacheBump(`${base}g:${prefixHash}`, Math.max(GENERATION_TTL_MS, options.ttlMs * 2)),
        );
      } catch {
        stats.l2Failures++;
      }
      void bus.publish(channel, prefixHash);
    },
    stats: () => ({ ...stats }),
    close: () => stopHearing(),
  };
}
