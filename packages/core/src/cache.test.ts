import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { TtlCache } from './cache.ts';

function clock() {
  let now = 1_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('TtlCache', () => {
  it('runs one loader for 100 concurrent callers of the same key', async () => {
    const cache = new TtlCache<{ n: number }>({ max: 10, ttlMs: 60_000 });
    let loads = 0;
    const loader = async () => {
      loads++;
      await delay(5);
      return { n: 42 };
    };
    const results = await Promise.all(Array.from({ length: 100 }, () => cache.getOrLoad('k', loader)));
    expect(loads).toBe(1);
    expect(results.every((r) => r.n === 42)).toBe(true);
    // and the value is cached afterwards
    await cache.getOrLoad('k', loader);
    expect(loads).toBe(1);
    expect(cache.stats()).toMatchObject({ misses: 1, hits: 100, size: 1, loading: 0 });
  });

  it('does not cache failures: every waiter gets the error, the next call loads again', async () => {
    const cache = new TtlCache<string>({ max: 10, ttlMs: 60_000 });
    let loads = 0;
    const failing = async () => {
      loads++;
      await delay(1);
      throw new Error('upstream down');
    };
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => cache.getOrLoad('k', failing)));
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
    expect(loads).toBe(1);
    await expect(cache.getOrLoad('k', async () => 'ok')).resolves.toBe('ok');
    expect(cache.get('k')).toBe('ok');
  });

  it('expires entries after their TTL', async () => {
    const time = clock();
    const cache = new TtlCache<string>({ max: 10, ttlMs: 100, now: time.now });
    cache.set('a', 'first');
    time.advance(99);
    expect(cache.get('a')).toBe('first');
    time.advance(2);
    expect(cache.get('a')).toBeUndefined();
    let loads = 0;
    await cache.getOrLoad('a', async () => `load ${++loads}`);
    expect(cache.get('a')).toBe('load 1');
  });

  it('evicts the least recently used beyond max, and counts evictions', () => {
    const cache = new TtlCache<number>({ max: 3, ttlMs: 60_000 });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    cache.get('a');
    cache.set('d', 4);
    expect(cache.has('b')).toBe(false);
    expect(cache.has('a')).toBe(true);
    expect(cache.stats().evictions).toBe(1);
    expect(cache.stats().size).toBe(3);
  });

  it('bounds total size when given a size measure', () => {
    const cache = new TtlCache<string>({ max: 100, ttlMs: 60_000, maxSize: 10, sizeOf: (v) => v.length });
    cache.set('a', '12345');
    cache.set('b', '12345');
    cache.set('c', '123');
    expect(cache.has('a')).toBe(false);
    expect(cache.stats().size).toBe(2);
  });

  it('invalidates by key and by prefix', () => {
    const cache = new TtlCache<number>({ max: 10, ttlMs: 60_000 });
    cache.set('GET /users', 1);
    cache.set('GET /users/1', 2);
    cache.set('GET /orders/1', 3);
    expect(cache.invalidate('GET /orders/1')).toBe(true);
    expect(cache.invalidate('GET /orders/1')).toBe(false);
    expect(cache.invalidatePrefix('GET /users')).toBe(2);
    expect(cache.stats().size).toBe(0);
  });

  it('never stores a value loaded before an invalidation that happened during the load', async () => {
    const cache = new TtlCache<string>({ max: 10, ttlMs: 60_000 });
    let release!: (v: string) => void;
    const slow = cache.getOrLoad('GET /users/1', () => new Promise<string>((r) => (release = r)));
    await delay(0);
    cache.invalidatePrefix('GET /users');
    // a caller after the invalidation does not join the stale load
    const fresh = cache.getOrLoad('GET /users/1', async () => 'after write');
    release('before write');
    await expect(slow).resolves.toBe('before write');
    await expect(fresh).resolves.toBe('after write');
    expect(cache.get('GET /users/1')).toBe('after write');
  });

  it('keeps a loaded value only for its own TTL when shorter (a value read from Redis keeps what is left of it there)', async () => {
    const time = clock();
    const cache = new TtlCache<{ v: string; ttlMs?: number }>({
      max: 10,
      ttlMs: 1_000,
      now: time.now,
      ttlOf: (value) => value.ttlMs,
    });
    await cache.getOrLoad('short', async () => ({ v: 'from redis', ttlMs: 100 }));
    await cache.getOrLoad('long', async () => ({ v: 'claims more', ttlMs: 5_000 }));
    await cache.getOrLoad('plain', async () => ({ v: 'from upstream' }));
    time.advance(101);
    expect(cache.get('short')).toBeUndefined();
    expect(cache.get('plain')?.v).toBe('from upstream');
    time.advance(900);
    // never longer than the cache's own TTL
    expect(cache.get('long')).toBeUndefined();
    expect(cache.get('plain')).toBeUndefined();
  });

  it('refuses nonsensical bounds', () => {
    expect(() => new TtlCache({ max: 0, ttlMs: 1 })).toThrow(RangeError);
    expect(() => new TtlCache({ max: 1, ttlMs: 0 })).toThrow(RangeError);
  });
});
