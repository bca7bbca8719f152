import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit.ts';
import { RedisRateLimitStore } from './rate-limit-redis.ts';
import { connectRedis, type RedisLink, redisTarget } from './redis.ts';
import { captureLogs, serviceUrl } from './testing.ts';

const REDIS = await serviceUrl('redis');
const links: RedisLink[] = [];
afterEach(async () => {
  for (const link of links.splice(0)) await link.close();
});

async function link(url: string, logger = captureLogs().logger, commandTimeoutMs?: number) {
  const made = await connectRedis(url, {
    logger,
    consequence: 'rate limits are not enforced',
    ...(commandTimeoutMs !== undefined && { commandTimeoutMs }),
  });
  links.push(made);
  return made;
}

/** Takes one token at a time until refused; how many were allowed. */
async function drain(limiter: RateLimiter, key: string, max = 1_000): Promise<number> {
  let allowed = 0;
  for (let i = 0; i < max; i++) {
    const decision = await limiter.check(key);
    if (!decision.allowed) break;
    allowed++;
  }
  return allowed;
}

describe('redisTarget', () => {
  it('never shows a password', () => {
    expect(redisTarget('redis://user:s3cret@cache.internal:6380/2')).toBe('redis://cache.internal:6380/2');
    expect(redisTarget('redis://:s3cret@cache.internal:6379')).toBe('redis://cache.internal:6379');
  });
});

describe.skipIf(!REDIS)('the rate limiter with its buckets in Redis', () => {
  const url = REDIS as string;

  it('allows the burst, then refuses with the wait until the next token, like the memory store', async () => {
    const store = new RedisRateLimitStore(await link(url), { prefix: `test:${randomUUID()}:` });
    const limiter = new RateLimiter({ rps: 1, burst: 5, store });
    expect(await drain(limiter, 'client')).toBe(5);
    const refused = await limiter.check('client');
    expect(refused).toMatchObject({ allowed: false });
    expect((refused as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
    expect((refused as { retryAfterMs: number }).retryAfterMs).toBeLessThanOrEqual(1_000);
    // another client has its own bucket
    expect(await drain(limiter, 'other')).toBe(5);
  });

  it('is one bucket for every replica: three processes sharing Redis allow the burst once, not three times', async () => {
    const prefix = `test:${randomUUID()}:`;
    const replicas = await Promise.all(
      [1, 2, 3].map(
        async () =>
          new RateLimiter({
            rps: 0.001,
            burst: 30,
            store: new RedisRateLimitStore(await link(url), { prefix }),
          }),
      ),
    );
    // 90 requests from one client, spread over the replicas, all at once
    const decisions = await Promise.all(
      Array.from({ length: 90 }, (_, i) => (replicas[i % 3] as RateLimiter).check('key:agent')),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(30);
  });

  it('leases tokens in small batches: a busy client costs a script every few requests, and never more than its limit', async () => {
    const redis = await link(url);
    let scripts = 0;
    const counting = {
      ...redis,
      run: <T>(command: Parameters<typeof redis.run<T>>[0]) => {
        scripts++;
        return redis.run(command);
      },
    };
    const prefix = `test:${randomUUID()}:`;
    const one = new RateLimiter({
      rps: 0.001,
      burst: 1_000,
      store: new RedisRateLimitStore(counting, { prefix }),
    });
    expect(await drain(one, 'busy', 100)).toBe(100);
    expect(scripts).toBe(2); // 50 tokens per script: a twentieth of the bucket, 50 at most

    // three replicas, 600 concurrent calls against a bucket of 200: never more than 200, and
    // within 10% of it (leased tokens are spent where they were taken)
    const replicas = await Promise.all(
      [1, 2, 3].map(
        async () =>
          new RateLimiter({
            rps: 0.001,
            burst: 200,
            store: new RedisRateLimitStore(await link(url), { prefix }),
          }),
      ),
    );
    const decisions = await Promise.all(
      Array.from({ length: 600 }, (_, i) => (replicas[i % 3] as RateLimiter).check('crowd')),
    );
    const allowed = decisions.filter((d) => d.allowed).length;
    expect(allowed).toBeLessThanOrEqual(200);
    expect(allowed).toBeGreaterThanOrEqual(180);
  });

  it('refills at the configured rate', async () => {
    const store = new RedisRateLimitStore(await link(url), { prefix: `test:${randomUUID()}:` });
    const limiter = new RateLimiter({ rps: 20, burst: 2, store });
    expect(await drain(limiter, 'c')).toBe(2);
    const refused = (await limiter.check('c')) as { allowed: false; retryAfterMs: number };
    expect(refused.allowed).toBe(false);
    // wait for the time Redis said, then one more is allowed
    await new Promise((resolve) => setTimeout(resolve, refused.retryAfterMs + 20));
    expect((await limiter.check('c')).allowed).toBe(true);
  });
});

describe('when Redis cannot answer', () => {
  let silent: Server | undefined;
  const sockets = new Set<Socket>();
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => (silent ? silent.close(resolve) : resolve(undefined)));
  });

  /** A port that accepts connections and never answers: Redis hung, or a network that drops replies. */
  async function hungRedis(): Promise<string> {
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('data', () => {}); // read, never answer
    });
    await new Promise<void>((resolve) => silent?.listen(0, '127.0.0.1', resolve));
    return `redis://127.0.0.1:${(silent.address() as { port: number }).port}`;
  }

  /** A port nothing listens on. */
  async function downRedis(): Promise<string> {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    return `redis://127.0.0.1:${port}`;
  }

  it('fails open by default: every request is allowed, and the outage is logged once', async () => {
    const logs = captureLogs();
    const store = new RedisRateLimitStore(await link(await downRedis(), logs.logger), { prefix: 'x:' });
    const limiter = new RateLimiter({ rps: 1, burst: 1, store });
    const decisions = await Promise.all(Array.from({ length: 20 }, () => limiter.check('k')));
    expect(decisions.every((d) => d.allowed)).toBe(true);
    const outages = logs.lines().filter((l) => String(l.msg).startsWith('redis unavailable'));
    expect(outages).toHaveLength(1);
    expect(outages[0]?.msg).toBe('redis unavailable: rate limits are not enforced');
  });

  it('fails closed when told to: refused with a retry hint', async () => {
    const store = new RedisRateLimitStore(await link(await downRedis()), {
      prefix: 'x:',
      whenDown: 'refuse',
    });
    const limiter = new RateLimiter({ rps: 100, burst: 100, store });
    expect(await limiter.check('k')).toEqual({ allowed: false, retryAfterMs: 1_000 });
  });

  it('never waits past the command timeout on a Redis that does not answer', async () => {
    const logs = captureLogs();
    const redis = await link(await hungRedis(), logs.logger, 100);
    const limiter = new RateLimiter({
      rps: 1,
      burst: 1,
      store: new RedisRateLimitStore(redis, { prefix: 'x:' }),
    });
    // the answer comes from the policy, whatever the state of the connection (a test timeout,
    // not a measured time, is what fails if a call hangs)
    expect((await limiter.check('k')).allowed).toBe(true);
    expect(redis.up).toBe(false);
    expect(redis.failures).toBeGreaterThan(0);
  });
});
