import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { HttpCacheStats } from '../http-cache-redis.ts';
import type { ListensObserver } from '../listens.ts';
import type { RedisLink } from '../redis.ts';
import type { RedisBus } from '../redis-bus.ts';
import type { Semaphore } from '../semaphore.ts';
import type { TaskEvent } from '../tasks/engine.ts';
import { busMetrics, httpCacheMetrics } from './metrics-shared.ts';

/** What the tables report about each request and tool call (see dispatch.ts). */
export interface Observer {
  request(method: string, seconds: number, ok: boolean): void;
  /** `code`: the error code of a tool error result (`NOT_FOUND`, `INTERNAL`…). */
  toolCall(tool: string, outcome: 'ok' | 'error', seconds: number, code?: string): void;
  /** A task created or ended (Tasks extension). */
  task(event: TaskEvent): void;
}

export interface Metrics extends Observer, ListensObserver {
  readonly registry: Registry;
  httpResponse(status: number): void;
  rateLimited(): void;
  /** A connection refused over a cap: `total` (MCP_MAX_CONNECTIONS) or `address` (per address). */
  connectionRefused(scope: 'total' | 'address'): void;
  /** A new session refused at a bound: `caller` (MCP_MAX_SESSIONS_PER_CALLER) or `process` (MCP_MAX_SESSIONS). */
  sessionRefused(scope: 'caller' | 'process'): void;
  /** The Prometheus text for `/metrics`. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** Anything with a GET cache to report (core's HTTP client). */
export interface HttpCacheSource {
  cacheStats(): HttpCacheStats | undefined;
}

export interface MetricsOptions {
  /** Open sessions right now (stateful HTTP). */
  sessions?: () => number;
  /** Open `subscriptions/listen` streams right now. */
  listens?: () => number;
  /** Open HTTP connections right now (the MCP listener). */
  connections?: () => number;
  /** Semaphores to report (active and queued), by name: an upstream's concurrency bound. */
  semaphores?: Record<string, Semaphore>;
  /** The link to the Redis replicas share, when there is one. */
  redis?: RedisLink;
  /** The pub/sub bus between replicas (shared.ts), when there is one. */
  bus?: Pick<RedisBus, 'stats' | 'listening'> | undefined;
  /** HTTP clients' GET caches, by name (the upstream: `users-api`). */
  httpCaches?: ReadonlyMap<string, HttpCacheSource> | undefined;
  /** Node's process metrics (memory, event loop lag, GC); default true. */
  processMetrics?: boolean;
}

const BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30];

interface Series {
  labels: Record<string, string>;
  value: number;
  counts?: number[];
  sum?: number;
}

/**
 * A counter or histogram whose hot path is a map lookup and an add: prom-client validates and
 * hashes the labels on every observation, which the fast path cannot afford. The registry reads
 * it through the metric interface prom-client documents (`get()`), at scrape time only.
 */
class HotMetric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  readonly aggregator = 'sum' as const;
  readonly #series = new Map<string, Series>();

  constructor(name: string, help: string, type: 'counter' | 'histogram') {
    this.name = name;
    this.help = help;
    this.type = type;
  }

  /** The series for a label set, by a key made of its values. */
  find(key: string): Series | undefined {
    return this.#series.get(key);
  }

  add(key: string, labels: Record<string, string>): Series {
    const series: Series = {
      labels,
      value: 0,
      ...(this.type === 'histogram' && { counts: BUCKETS.map(() => 0), sum: 0 }),
    };
    this.#series.set(key, series);
    return series;
  }

  inc(series: Series, by = 1): void {
    series.value += by;
  }

  observe(series: Series, seconds: number): void {
    series.value++;
    series.sum = (series.sum ?? 0) + seconds;
    const counts = series.counts as number[];
    for (let i = 0; i < BUCKETS.length; i++) {
      if (seconds <= (BUCKETS[i] as number)) {
        counts[i] = (counts[i] as number) + 1;
        break;
      }
    }
  }

  async get() {
    const values: Array<{ labels: Record<string, string | number>; value: number; metricName?: string }> = [];
    for (const series of this.#series.values()) {
      if (this.type === 'counter') {
        values.push({ labels: series.labels, value: series.value });
        continue;
      }
      let cumulative = 0;
      BUCKETS.forEach((bound, i) => {
        cumulative += series.counts?.[i] ?? 0;
        values.push({
          metricName: `${this.name}_bucket`,
          labels: { ...series.labels, le: bound },
          value: cumulative,
        });
      });
      values.push({
        metricName: `${this.name}_bucket`,
        labels: { ...series.labels, le: '+Inf' },
        value: series.value,
      });
      values.push({ metricName: `${this.name}_sum`, labels: series.labels, value: series.sum ?? 0 });
      values.push({ metricName: `${this.name}_count`, labels: series.labels, value: series.value });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    this.#series.clear();
  }
}

/**
 * Prometheus metrics in a registry of this server's own: HTTP responses by status, JSON-RPC
 * requests by method and outcome, tool calls by tool and outcome with durations, rate-limited
 * requests, semaphore queue depth and open sessions, and Node's process metrics (prom-client).
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const hot = (name: string, help: string, type: 'counter' | 'histogram') => {
    const metric = new HotMetric(name, help, type);
    registry.registerMetric(metric as never);
    return metric;
  };
  const responses = hot('mcp_http_responses_total', 'HTTP responses by status code', 'counter');
  const requests = hot(
    'mcp_requests_total',
    'JSON-RPC requests by method and outcome (error: a JSON-RPC error answer)',
    'counter',
  );
  const toolCalls = hot(
    'mcp_tool_call_duration_seconds',
    'tool calls by tool and outcome (error: a tool error result)',
    'histogram',
  );
  const toolErrors = hot(
    'mcp_tool_errors_total',
    'tool calls that ended in a tool error result, by tool and error code (INVALID_INPUT, NOT_FOUND, UPSTREAM_ERROR, INTERNAL…)',
    'counter',
  );
  const limited = hot('mcp_rate_limited_total', 'requests refused with 429', 'counter');
  const tasksCreated = hot('mcp_tasks_created_total', 'tasks created (Tasks extension)', 'counter');
  const tasksCreatedSeries = tasksCreated.add('', {});
  const tasksEnded = hot(
    'mcp_tasks_finished_total',
    'tasks ended, by status (completed, failed, cancelled, expired: stopped at its TTL)',
    'counter',
  );
  let tasksOpen = 0;
  new Gauge({
    name: 'mcp_tasks_open',
    help: 'tasks working or waiting for input',
    registers: [registry],
    collect() {
      this.set(tasksOpen);
    },
  });
  const limitedSeries = limited.add('', {});
  const refusedListens = hot(
    'mcp_listens_refused_total',
    'subscriptions/listen refused at a bound, by scope (caller: MCP_MAX_LISTENS_PER_CALLER, process: MCP_MAX_LISTENS)',
    'counter',
  );
  const listenNotifications = hot(
    'mcp_listen_notifications_total',
    'notifications delivered on listen streams (acknowledgements not counted)',
    'counter',
  );
  const listenNotificationsSeries = listenNotifications.add('', {});
  const droppedListens = hot(
    'mcp_listens_dropped_total',
    'listen streams closed because their client stopped reading (its buffer was full)',
    'counter',
  );
  const droppedListensSeries = droppedListens.add('', {});
  const listens = options.listens;
  new Gauge({
    name: 'mcp_listens_open',
    help: 'open subscriptions/listen streams',
    registers: [registry],
    collect() {
      this.set(listens?.() ?? 0);
    },
  });

  const semaphores = Object.entries(options.semaphores ?? {});
  if (semaphores.length) {
    new Gauge({
      name: 'mcp_semaphore_queue_depth',
      help: 'calls waiting for a slot, by semaphore',
      labelNames: ['name'],
      registers: [registry],
      collect() {
        for (const [name, semaphore] of semaphores) this.set({ name }, semaphore.pending);
      },
    });
    new Gauge({
      name: 'mcp_semaphore_active',
      help: 'calls holding a slot, by semaphore',
      labelNames: ['name'],
      registers: [registry],
      collect() {
        for (const [name, semaphore] of semaphores) this.set({ name }, semaphore.active);
      },
    });
  }
  const { redis } = options;
  if (redis) {
    new Gauge({
      name: 'mcp_redis_up',
      help: '1 while the shared Redis answers, 0 during an outage',
      registers: [registry],
      collect() {
        this.set(redis.up ? 1 : 0);
      },
    });
    let reported = 0;
    new Counter({
      name: 'mcp_redis_failures_total',
      help: 'Redis commands that failed or timed out (the policy answered instead)',
      registers: [registry],
      collect() {
        this.inc(redis.failures - reported);
        reported = redis.failures;
      },
    });
  }
  const refusedConnections = hot(
    'mcp_connections_refused_total',
    'connections refused at a cap, by scope (total: MCP_MAX_CONNECTIONS, address: MCP_MAX_CONNECTIONS_PER_ADDRESS)',
    'counter',
  );
  const refusedSessions = hot(
    'mcp_sessions_refused_total',
    'new sessions refused at a bound, by scope (caller: MCP_MAX_SESSIONS_PER_CALLER, process: MCP_MAX_SESSIONS)',
    'counter',
  );
  const openConnections = options.connections;
  new Gauge({
    name: 'mcp_connections_open',
    help: 'open HTTP connections to the MCP listener',
    registers: [registry],
    collect() {
      this.set(openConnections?.() ?? 0);
    },
  });
  if (options.bus) busMetrics(registry, options.bus);
  if (options.httpCaches) httpCacheMetrics(registry, options.httpCaches);
  const sessions = options.sessions;
  new Gauge({
    name: 'mcp_sessions_open',
    help: 'open stateful sessions',
    registers: [registry],
    collect() {
      this.set(sessions?.() ?? 0);
    },
  });

  return {
    registry,
    // keys: the label values (the error variant suffixed), so the ok path allocates nothing
    httpResponse(status) {
      const key = String(status);
      responses.inc(responses.find(key) ?? responses.add(key, { status: key }));
    },
    request(method, _seconds, ok) {
      const key = ok ? method : `${method}\0error`;
      requests.inc(requests.find(key) ?? requests.add(key, { method, outcome: ok ? 'ok' : 'error' }));
    },
    toolCall(tool, outcome, seconds, code) {
      const key = outcome === 'ok' ? tool : `${tool}\0error`;
      toolCalls.observe(toolCalls.find(key) ?? toolCalls.add(key, { tool, outcome }), seconds);
      if (outcome === 'ok') return;
      const errorKey = `${tool}\0${code ?? 'INTERNAL'}`;
      toolErrors.inc(
        toolErrors.find(errorKey) ?? toolErrors.add(errorKey, { tool, code: code ?? 'INTERNAL' }),
      );
    },
    rateLimited() {
      limited.inc(limitedSeries);
    },
    sessionRefused(scope) {
      refusedSessions.inc(refusedSessions.find(scope) ?? refusedSessions.add(scope, { scope }));
    },
    connectionRefused(scope) {
      refusedConnections.inc(refusedConnections.find(scope) ?? refusedConnections.add(scope, { scope }));
    },
    listenRefused(scope) {
      refusedListens.inc(refusedListens.find(scope) ?? refusedListens.add(scope, { scope }));
    },
    listenNotified() {
      listenNotifications.inc(listenNotificationsSeries);
    },
    listenDropped() {
      droppedListens.inc(droppedListensSeries);
    },
    task(event) {
      if (event === 'created') {
        tasksOpen++;
        return tasksCreated.inc(tasksCreatedSeries);
      }
      tasksOpen--;
      tasksEnded.inc(tasksEnded.find(event) ?? tasksEnded.add(event, { status: event }));
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
