// The metrics of what replicas share through Redis: the bus between them, and HTTP clients' GET
// caches (both levels). Counters fed at scrape time from the running totals their owners keep.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { HttpCacheStats } from '../http-cache-redis.ts';
import type { RedisBus } from '../redis-bus.ts';
import type { HttpCacheSource } from './metrics.ts';

/** A counter that reports, at scrape time, how far a running total moved since the last scrape. */
function totalCounter(registry: Registry, name: string, help: string, total: () => number): void {
  let reported = 0;
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const now = total();
      this.inc(now - reported);
      reported = now;
    },
  });
}

/** The bus between replicas: what it sent, what Redis refused, what it heard. */
export function busMetrics(registry: Registry, bus: Pick<RedisBus, 'stats' | 'listening'>): void {
  new Gauge({
    name: 'mcp_bus_listening',
    help: "1 while the bus's subscriber connection is up (changes of other replicas are heard), 0 during an outage",
    registers: [registry],
    collect() {
      this.set(bus.listening ? 1 : 0);
    },
  });
  totalCounter(
    registry,
    'mcp_bus_published_total',
    'messages sent to the other replicas',
    () => bus.stats().published,
  );
  totalCounter(
    registry,
    'mcp_bus_publish_failures_total',
    'messages Redis did not take (down, slow, too large): the other replicas never heard them',
    () => bus.stats().publishFailures,
  );
  totalCounter(
    registry,
    'mcp_bus_received_total',
    'messages heard from the other replicas',
    () => bus.stats().received,
  );
  totalCounter(
    registry,
    'mcp_bus_dropped_total',
    'messages heard and dropped (too large or malformed)',
    () => bus.stats().dropped,
  );
}

/** A labelled counter fed at scrape time from running totals, one per label set. */
function labelledTotals(
  registry: Registry,
  name: string,
  help: string,
  labelNames: string[],
  totals: () => Array<[Record<string, string>, number]>,
): void {
  const reported = new Map<string, number>();
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      for (const [labels, total] of totals()) {
        const key = JSON.stringify(labels);
        this.inc(labels, total - (reported.get(key) ?? 0));
        reported.set(key, total);
      }
    },
  });
}

/** Each HTTP client's GET cache: where answers came from (this process, Redis, the upstream). */
export function httpCacheMetrics(registry: Registry, caches: ReadonlyMap<string, HttpCacheSource>): void {
  const each = (pick: (stats: HttpCacheStats) => Array<[Record<string, string>, number]>) => () =>
    [...caches].flatMap(([cache, source]) => {
      const stats = source.cacheStats();
      return stats
        ? pick(stats).map(([labels, n]) => [{ cache, ...labels }, n] as [Record<string, string>, number])
        : [];
    });
  labelledTotals(
    registry,
    'mcp_http_cache_hits_total',
    'GET answers from the cache, by level (l1: this process, l2: the Redis replicas share)',
    ['cache', 'level'],
    each((s) => [
      [{ level: 'l1' }, s.l1Hits],
      [{ level: 'l2' }, s.l2Hits],
    ]),
  );
  labelledTotals(
    registry,
    'mcp_http_cache_upstream_total',
    'GETs the cache sent to the upstream (misses of both levels)',
    ['cache'],
    each((s) => [[{}, s.upstream]]),
  );
  labelledTotals(
    registry,
    'mcp_http_cache_redis_failures_total',
    'Redis commands of the cache that failed or timed out (the upstream answered instead)',
    ['cache'],
    each((s) => [[{}, s.l2Failures]]),
  );
  labelledTotals(
    registry,
    'mcp_http_cache_too_large_total',
    'answers not stored in Redis for their size (kept in the process only)',
    ['cache'],
    each((s) => [[{}, s.l2TooLarge]]),
  );
  labelledTotals(
    registry,
    'mcp_http_cache_waits_expired_total',
    "waits for another replica's request of the same GET that ran out (then sent to the upstream too)",
    ['cache'],
    each((s) => [[{}, s.waitsExpired]]),
  );
}
