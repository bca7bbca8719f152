import { describe, expect, it } from 'vitest';
import { MemoryRateLimitStore, type RateDecision, RateLimiter, type RateLimitStore } from './rate-limit.ts';

function clock(start = 1_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('RateLimiter', () => {
  it('allows a burst up to capacity, then refuses with the wait until the next token', () => {
    const time = clock();
    const limiter = new RateLimiter({ rps: 10, burst: 5, now: time.now });
    const decisions = Array.from({ length: 6 }, () => limiter.check('alice'));
    expect(decisions.slice(0, 5).every((d) => (d as RateDecision).allowed)).toBe(true);
    expect(decisions[5]).toEqual({ allowed: false, retryAfterMs: 100 });
    expect(limiter.limited).toBe(1);
  });

  it('refills at the configured rate', () => {
    const time = clock();
    const limiter = new RateLimiter({ rps: 2, burst: 2, now: time.now });
    limiter.check('k');
    limiter.check('k');
    expect(limiter.check('k')).toEqual({ allowed: false, retryAfterMs: 500 });
    time.advance(250);
    // half a token: still refused, and the wait shrinks
    expect(limiter.check('k')).toEqual({ allowed: false, retryAfterMs: 250 });
    time.advance(250);
    expect(limiter.check('k')).toEqual({ allowed: true, remaining: 0 });
    time.advance(10_000);
    // never more than capacity, however long the pause
    expect(limiter.check('k')).toEqual({ allowed: true, remaining: 1 });
  });

  it('keeps a separate bucket per key', () => {
    const time = clock();
    const limiter = new RateLimiter({ rps: 1, burst: 1, now: time.now });
    expect(limiter.check('a')).toMatchObject({ allowed: true });
    expect(limiter.check('a')).toMatchObject({ allowed: false });
    expect(limiter.check('b')).toMatchObject({ allowed: true });
  });

  it('sustains exactly the configured rate over time', () => {
    const time = clock();
    const limiter = new RateLimiter({ rps: 50, burst: 100, now: time.now });
    let allowed = 0;
    // 10 simulated seconds of 1,000 requests a second
    for (let i = 0; i < 10_000; i++) {
      if ((limiter.check('flood') as RateDecision).allowed) allowed++;
      time.advance(1);
    }
    // the burst plus 50 per second for 10 s (within a token of rounding)
    expect(allowed).toBeGreaterThanOrEqual(599);
    expect(allowed).toBeLessThanOrEqual(601);
  });

  it('is off at 0 rps', () => {
    const limiter = new RateLimiter({ rps: 0 });
    for (let i = 0; i < 1_000; i++) expect((limiter.check('x') as RateDecision).allowed).toBe(true);
    expect(limiter.enabled).toBe(false);
  });

  it('refuses a negative rate and a cost beyond capacity', () => {
    expect(() => new RateLimiter({ rps: -1 })).toThrow(RangeError);
    expect(() => new RateLimiter({ rps: 1, burst: 2 }).check('k', 3)).toThrow(RangeError);
  });

  it('uses an asynchronous store, such as a shared one, through the same interface', async () => {
    const memory = new MemoryRateLimitStore();
    const calls: string[] = [];
    const remote: RateLimitStore = {
      take: async (key, cost, rule, now) => {
        calls.push(key);
        return memory.take(key, cost, rule, now);
      },
    };
    const limiter = new RateLimiter({ rps: 1, burst: 1, store: remote, now: () => 0 });
    await expect(limiter.check('shared')).resolves.toEqual({ allowed: true, remaining: 0 });
    await expect(limiter.check('shared')).resolves.toEqual({ allowed: false, retryAfterMs: 1000 });
    expect(calls).toEqual(['shared', 'shared']);
    expect(limiter.limited).toBe(1);
  });
});

describe('MemoryRateLimitStore', () => {
  it('stays bounded with many keys, forgetting the least recently seen', () => {
    const store = new MemoryRateLimitStore({ maxKeys: 1_000 });
    const rule = { capacity: 1, refillPerSecond: 1 };
    for (let i = 0; i < 50_000; i++) store.take(`client-${i}`, 1, rule, 0);
    expect(store.size).toBe(1_000);
    // the newest keys are remembered: still empty
    expect(store.take('client-49999', 1, rule, 0)).toMatchObject({ allowed: false });
  });

  it('makes room by forgetting the bucket seen least recently, not the one created first', () => {
    const store = new MemoryRateLimitStore({ maxKeys: 3 });
    const rule = { capacity: 2, refillPerSecond: 0.0001 }; // nothing refills during the test
    for (const key of ['a', 'b', 'c']) store.take(key, 1, rule, 1);
    store.take('a', 1, rule, 2_000); // a is seen again: now b is the least recently seen
    store.take('d', 1, rule, 2_001);
    expect(store.size).toBe(3);
    // a and c kept their (empty or half-empty) buckets; b was forgotten and starts full
    expect(store.take('a', 1, rule, 2_002)).toMatchObject({ allowed: false });
    expect(store.take('c', 1, rule, 2_003)).toEqual({ allowed: true, remaining: 0 });
    expect(store.take('b', 2, rule, 2_004)).toEqual({ allowed: true, remaining: 0 });
  });

  it('forgets a bucket once it would be full again', () => {
    // (lru-cache takes a start time of 0 as 'no TTL'; real clocks never read 0)
    const time = clock();
    const store = new MemoryRateLimitStore({ now: time.now });
    const rule = { capacity: 10, refillPerSecond: 10 };
    store.take('idle', 5, rule, time.now());
    expect(store.size).toBe(1);
    time.advance(500);
    store.take('other', 1, rule, time.now());
    store.prune();
    expect(store.size).toBe(2);
    time.advance(501);
    store.prune();
    // the idle bucket would be full again: gone; the other one is still refilling
    expect(store.size).toBe(1);
    expect(store.take('idle', 10, rule, time.now())).toEqual({ allowed: true, remaining: 0 });
  });
});
