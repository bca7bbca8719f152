import {
  bearerAuth,
  createHttpClient,
  type FetchLike,
  type HttpCacheStats,
  type HttpLogger,
  type RetryOptions,
  redactUrl,
  type SharedRedis,
} from '@mcp-stack/core';
import { z } from 'zod';
import { User, UserList, type UserPage, type UserRecord } from './schemas.ts';
import { upstreamError } from './upstream-errors.ts';

export interface UsersApiClientOptions {
  /** The API's base URL: `http://localhost:8000`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>` when set. */
  apiKey?: string | undefined;
  /** Per attempt (default 5000 ms). */
  timeoutMs?: number;
  /** Retries of idempotent calls (GET, DELETE), never of POST or PATCH (default 2). */
  retries?: number;
  /** Calls in flight at once (default 16). */
  concurrency?: number;
  /** How long GET answers are kept; any successful change drops them. 0: no cache (default 2000 ms). */
  cacheTtlMs?: number;
  /**
   * The Redis the replicas share (MCP_REDIS_URL): the GET cache's second level, so one request
   * to the API answers every replica, and a change drops the cached GETs of all of them.
   */
  redis?: SharedRedis | undefined;
  /** The largest answer read from the API, in bytes (default 1 MiB; a page of 100 users is ~15 KB). */
  maxResponseBytes?: number;
  logger?: HttpLogger;
  /** For tests: the transport and the waits between retries. */
  fetch?: FetchLike;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  retry?: Omit<RetryOptions, 'limit'>;
}

export interface ListRequest {
  limit?: number | undefined;
  cursor?: string | undefined;
  query?: string | undefined;
}

export interface UsersApiClient {
  /** The base URL as shown in messages (no credentials). */
  readonly url: string;
  register(
    input: { username: string; email: string; password: string },
    signal?: AbortSignal,
  ): Promise<UserRecord>;
  get(id: number, signal?: AbortSignal): Promise<UserRecord>;
  list(request: ListRequest, signal?: AbortSignal): Promise<UserPage>;
  update(
    id: number,
    changes: { email?: string | undefined; password?: string | undefined },
    signal?: AbortSignal,
  ): Promise<UserRecord>;
  remove(id: number, signal?: AbortSignal): Promise<void>;
  /** Resolves when the API's /healthz answers 200; throws a message saying why not. */
  health(signal?: AbortSignal): Promise<void>;
  /** The GET cache's counts (for /metrics); undefined when the cache is off. */
  cacheStats(): HttpCacheStats | undefined;
}

const Health = z.object({ status: z.string() });

/** 1 MiB: about 70 times the largest page the API sends (100 users). */
export const DEFAULT_USERS_API_MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * Typed calls to the users REST API through core's HTTP client: a time limit per attempt,
 * retries with backoff for idempotent calls only, a bound on calls in flight, and a short GET
 * cache that any successful change invalidates. Failures become errors an agent can act on.
 */
export function createUsersApiClient(options: UsersApiClientOptions): UsersApiClient {
  const cacheTtlMs = options.cacheTtlMs ?? 2_000;
  const http = createHttpClient({
    baseUrl: options.baseUrl,
    ...(options.apiKey ? { auth: bearerAuth(options.apiKey) } : {}),
    timeoutMs: options.timeoutMs ?? 5_000,
    maxResponseBytes: options.maxResponseBytes ?? DEFAULT_USERS_API_MAX_RESPONSE_BYTES,
    retry: { ...options.retry, limit: options.retries ?? 2 },
    concurrency: options.concurrency ?? 16,
    ...(cacheTtlMs > 0 && {
      cache: {
        ttlMs: cacheTtlMs,
        max: 1_000,
        ...(options.redis && { shared: { redis: options.redis, namespace: 'users-api' } }),
      },
    }),
    ...(options.logger && { logger: options.logger }),
    ...(options.fetch && { fetch: options.fetch }),
    ...(options.sleep && { sleep: options.sleep }),
  });
  const url = redactUrl(options.baseUrl).replace(/\/+$/, '');
  const signalOf = (signal: AbortSignal | undefined) => (signal ? { signal } : {});

  async function call<T>(userId: number | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw upstreamError(error, userId === undefined ? { apiUrl: url } : { apiUrl: url, userId });
    }
  }

  return {
    url,
    register: (input, signal) =>
      call(undefined, () => http.post('/users/register', { body: input, schema: User, ...signalOf(signal) })),
    get: (id, signal) => call(id, () => http.get(`/users/${id}`, { schema: User, ...signalOf(signal) })),
    list: ({ limit, cursor, query }, signal) =>
      call(undefined, () =>
        http.get('/users', { query: { limit, cursor, q: query }, schema: UserList, ...signalOf(signal) }),
      ),
    update: (id, { email, password }, signal) =>
      call(id, () =>
        http.patch(`/users/${id}`, {
          body: { ...(email !== undefined && { email }), ...(password !== undefined && { password }) },
          schema: User,
          ...signalOf(signal),
        }),
      ),
    remove: (id, signal) => call(id, async () => void (await http.delete(`/users/${id}`, signalOf(signal)))),
    // the readiness check is read by an operator (/readyz), who needs the address
    health: async (signal) => {
      try {
        await http.get('/healthz', { schema: Health, cache: false, timeoutMs: 2_000, ...signalOf(signal) });
      } catch (error) {
        throw upstreamError(error, { apiUrl: url, showUrl: true });
      }
    },
    cacheStats: () => http.cacheStats(),
  };
}
