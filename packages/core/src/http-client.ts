import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { TtlCache } from './cache.ts';
import { describeIssues, type SchemaIssue } from './errors.ts';
import { authHeaders, type HttpAuth } from './http-auth.ts';
import {
  createSharedHttpCache,
  type HttpCacheStats,
  type SharedHttpCache,
  type SharedHttpCacheOptions,
} from './http-cache-redis.ts';
import { codeForStatus, HttpError, parseRetryAfter, ResponseTooLargeError, redactUrl } from './http-error.ts';
import { checkMaxBytes, DEFAULT_MAX_RESPONSE_BYTES, readBoundedText } from './response-body.ts';
import { type Release, Semaphore } from './semaphore.ts';
import { httpClientSpan, recordHttpOutcome } from './tracing/http-span.ts';
import { injectInto } from './tracing/propagation.ts';
import { inSpan, tracingActive } from './tracing/spans.ts';

export type HttpMethod = 'GET' | 'HEAD' | 'OPTIONS' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RetryOptions {
  /** Retries after the first attempt; default 2 (at most 3 requests). */
  limit?: number;
  /** Backoff before retry n (1-based) is random() * min(maxDelayMs, baseDelayMs * 2^(n-1)). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A longer Retry-After is not waited for: the error is raised at once. Default 30000. */
  maxRetryAfterMs?: number;
  /** Statuses retried (idempotent methods only). Default 408, 429, 500, 502, 503, 504. */
  statusCodes?: readonly number[];
}

/** Structural, so pino's and core's loggers fit. */
export interface HttpLogger {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Anything with zod's `safeParse` (v3 or v4). */
export interface ResponseSchema<T> {
  safeParse(
    data: unknown,
  ): { success: true; data: T } | { success: false; error: { issues: readonly SchemaIssue[] } };
}

/** What the GET cache holds: the parsed body, and how it was obtained (`ttlMs`: what is left, when read from Redis). */
export interface HttpCacheEntry {
  data: unknown;
  status: number;
  attempts: number;
  ttlMs?: number;
}

/** The GET cache: in this process, and optionally in Redis behind it (`shared`, for replicas). */
export interface HttpCacheOptions {
  ttlMs: number;
  max: number;
  /** A second level in the Redis the replicas share: one upstream request per key for all of them. */
  shared?: Omit<SharedHttpCacheOptions, 'ttlMs'> | undefined;
}

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface HttpClientOptions {
  /** Absolute http(s) URL; a path and query (e.g. `?api_key=`) are kept, `user:pass@` becomes Basic auth. */
  baseUrl: string;
  auth?: HttpAuth;
  /** Per attempt, in ms; default 10000. */
  timeoutMs?: number;
  /** Across all attempts and the waits between them, in ms; default none. */
  totalTimeoutMs?: number;
  /**
   * The largest response body accepted, in bytes; default 10 MiB (`DEFAULT_MAX_RESPONSE_BYTES`).
   * A larger one (declared in Content-Length, or counted as it streams) is refused with a
   * `ResponseTooLargeError`, not retried, and never buffered past the limit.
   */
  maxResponseBytes?: number;
  retry?: RetryOptions;
  concurrency?: number | Semaphore;
  cache?: HttpCacheOptions | TtlCache<HttpCacheEntry>;
  logger?: HttpLogger;
  /** Default: globalThis.fetch, looked up at each call. */
  fetch?: FetchLike;
  /** Default: timers/promises setTimeout, honouring the signal. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** In [0, 1), for backoff jitter; default Math.random. */
  random?: () => number;
  /** Epoch ms, for Retry-After dates; default Date.now. */
  now?: () => number;
}

export type QueryValue = string | number | boolean | null | undefined;
export type QueryParams = Record<string, QueryValue | readonly QueryValue[]>;

export interface RequestOptions<T = unknown> {
  /** Appended as search params; undefined and null values are skipped, arrays repeat the key. */
  query?: QueryParams;
  /** JSON-encoded. */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  schema?: ResponseSchema<T>;
  /** Overrides the client's per-attempt timeout. */
  timeoutMs?: number;
  /** false: neither read nor fill the GET cache. */
  cache?: boolean;
}

type Call = <T = unknown>(path: string, options?: RequestOptions<T>) => Promise<T>;

export interface HttpClient {
  request<T = unknown>(method: HttpMethod, path: string, options?: RequestOptions<T>): Promise<T>;
  get: Call;
  post: Call;
  put: Call;
  patch: Call;
  delete: Call;
  /** The GET cache's counts (first and second level), for /metrics; undefined without a cache. */
  cacheStats(): HttpCacheStats | undefined;
}

const IDEMPOTENT = new Set<HttpMethod>(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const MUTATIONS = new Set<HttpMethod>(['POST', 'PUT', 'PATCH', 'DELETE']);

interface Prepared {
  method: HttpMethod;
  url: URL;
  safeUrl: string;
  headers: Headers;
  body: string | undefined;
  timeoutMs: number;
}

type Outcome =
  | { kind: 'response'; status: number; statusText: string; headers: Headers; text: string }
  | { kind: 'tooLarge'; status: number; declared: number | undefined; received: number }
  | { kind: 'failed'; timedOut: boolean; error: unknown };

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const { base, basicAuth } = parseBaseUrl(options.baseUrl);
  const timeoutMs = checkMs('timeoutMs', options.timeoutMs ?? 10_000);
  const totalTimeoutMs =
    options.totalTimeoutMs === undefined ? undefined : checkMs('totalTimeoutMs', options.totalTimeoutMs);
  const retry = resolveRetry(options.retry ?? {});
  const maxResponseBytes = checkMaxBytes(
    'maxResponseBytes',
    options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
  );
  const { auth, logger } = options;
  if (auth && !['bearer', 'apiKey', 'headers'].includes(auth.type)) {
    throw new TypeError(`http client auth.type must be bearer, apiKey or headers, got ${String(auth.type)}`);
  }
  const semaphore =
    typeof options.concurrency === 'number'
      ? new Semaphore({ limit: options.concurrency })
      : options.concurrency;
  const cache =
    options.cache === undefined || options.cache instanceof TtlCache
      ? options.cache
      : new TtlCache<HttpCacheEntry>({
          ttlMs: options.cache.ttlMs,
          max: options.cache.max,
          ttlOf: (entry) => entry.ttlMs,
        });
  const sharedOptions = options.cache instanceof TtlCache ? undefined : options.cache?.shared;
  const shared: SharedHttpCache | undefined =
    cache && sharedOptions && !(options.cache instanceof TtlCache)
      ? createSharedHttpCache({
          ...sharedOptions,
          ttlMs: (options.cache as HttpCacheOptions).ttlMs,
          evict: (prefix) => evictResource(cache, prefix),
        })
      : undefined;
  let upstreamLoads = 0;
  const fetchImpl: FetchLike = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
  const sleep = options.sleep ?? ((ms, signal) => delay(ms, undefined, signal && { signal }));
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;

  async function request<T>(method: HttpMethod, path: string, call: RequestOptions<T> = {}): Promise<T> {
    const url = buildUrl(base, path, call.query);
    const headers = new Headers({ accept: 'application/json' });
    if (basicAuth) headers.set('authorization', `Basic ${basicAuth}`);
    for (const [name, value] of Object.entries(await authHeaders(auth))) headers.set(name, value);
    if (call.body !== undefined) headers.set('content-type', 'application/json');
    for (const [name, value] of Object.entries(call.headers ?? {})) headers.set(name, value);
    const req: Prepared = {
      method,
      url,
      safeUrl: redactUrl(url),
      headers,
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      timeoutMs: call.timeoutMs === undefined ? timeoutMs : checkMs('timeoutMs', call.timeoutMs),
    };
    let received: HttpCacheEntry;
    if (cache && method === 'GET' && call.cache !== false) {
      // one shared load for every concurrent caller: it does not stop when one of them gives up
      const key = `GET ${url.href}`;
      const load = cache.getOrLoad(key, () => {
        if (!shared) {
          upstreamLoads++;
          return send(req, undefined);
        }
        // what else makes the answer differ (auth headers): hashed into the Redis key, never stored
        const identity = createHash('sha256')
          .update(JSON.stringify([...req.headers]))
          .digest('base64url');
        return shared.load(key, resourcePrefix(base, url), identity, () => send(req, undefined));
      });
      received = await untilAborted(load, call.signal, () => cancelled(req, 0, call.signal?.reason));
    } else {
      received = await send(req, call.signal);
      if (cache && MUTATIONS.has(method)) {
        const prefix = resourcePrefix(base, url);
        evictResource(cache, prefix);
        await shared?.invalidate(prefix);
      }
    }
    return call.schema ? checkBody(call.schema, received, req) : (received.data as T);
  }

  /** The attempts of one request: retries, backoff, Retry-After, and the error when it gives up. */
  async function send(req: Prepared, callerSignal: AbortSignal | undefined): Promise<HttpCacheEntry> {
    const total = totalTimeoutMs === undefined ? undefined : AbortSignal.timeout(totalTimeoutMs);
    const signal = anySignal([callerSignal, total]);
    const stopped = (attempts: number): HttpError | undefined => {
      if (callerSignal?.aborted) return cancelled(req, attempts, callerSignal.reason);
      if (!total?.aborted) return undefined;
      const message = `${req.method} ${req.safeUrl} did not complete within ${totalTimeoutMs} ms${tried(attempts)}`;
      return new HttpError('UPSTREAM_TIMEOUT', message, { method: req.method, url: req.safeUrl, attempts });
    };
    for (let attempt = 1; ; attempt++) {
      const outcome = tracingActive()
        ? await tracedAttempt(req, attempt, signal, () => stopped(attempt))
        : await attemptOnce(req, attempt, signal, () => stopped(attempt), req.headers);
      const stop = stopped(attempt);
      if (stop) throw stop;
      if (outcome.kind === 'response' && outcome.status >= 200 && outcome.status < 300) {
        return { data: parseJson(req, outcome, attempt), status: outcome.status, attempts: attempt };
      }
      const wait =
        IDEMPOTENT.has(req.method) && attempt <= retry.limit ? retryDelay(outcome, attempt) : undefined;
      if (wait === undefined) throw failure(req, outcome, attempt);
      const reason = outcome.kind === 'failed' ? describeFailure(req, outcome) : `status ${outcome.status}`;
      logger?.warn(
        { method: req.method, url: req.safeUrl, attempt, delayMs: wait, reason },
        'retrying request',
      );
      try {
        await sleep(wait, signal);
      } catch (error) {
        throw stopped(attempt) ?? error;
      }
    }
  }

  /** An attempt in a CLIENT span, its `traceparent` sent so the upstream continues the trace. */
  function tracedAttempt(
    req: Prepared,
    attempt: number,
    signal: AbortSignal | undefined,
    stopped: () => HttpError | undefined,
  ): Promise<Outcome> {
    return inSpan(httpClientSpan(req.method, req.url, attempt), async (span) => {
      const headers = new Headers(req.headers);
      injectInto(headers);
      const outcome = await attemptOnce(req, attempt, signal, stopped, headers);
      recordHttpOutcome(span, outcome);
      return outcome;
    });
  }

  async function attemptOnce(
    req: Prepared,
    attempt: number,
    signal: AbortSignal | undefined,
    stopped: () => HttpError | undefined,
    sent: Headers,
  ): Promise<Outcome> {
    let release: Release | undefined;
    if (semaphore) {
      try {
        release = await semaphore.acquire(signal ? { signal } : {});
      } catch (error) {
        throw stopped() ?? error; // QUEUE_FULL and TIMEOUT as they are
      }
    }
    const attemptTimeout = AbortSignal.timeout(req.timeoutMs);
    const started = performance.now();
    const line = { method: req.method, url: req.safeUrl, attempt };
    try {
      const response = await fetchImpl(req.url.href, {
        method: req.method,
        headers: sent,
        body: req.body ?? null,
        signal: anySignal([signal, attemptTimeout]) ?? attemptTimeout,
      });
      const body = await readBoundedText(response, maxResponseBytes);
      const { status, statusText, headers } = response;
      if (body.kind === 'tooLarge') {
        const { declared, received } = body;
        logger?.warn({ ...line, status, declared, received, limit: maxResponseBytes }, 'response too large');
        return { kind: 'tooLarge', status, declared, received };
      }
      logger?.debug({ ...line, status, bytes: body.bytes, ms: since(started) }, 'http request');
      return { kind: 'response', status, statusText, headers, text: body.text };
    } catch (error) {
      const failed: Outcome = { kind: 'failed', timedOut: attemptTimeout.aborted, error };
      logger?.debug(
        { ...line, error: describeFailure(req, failed), ms: since(started) },
        'http request failed',
      );
      return failed;
    } finally {
      release?.();
    }
  }

  /** The wait before the next attempt, or undefined when this outcome is not worth retrying. */
  function retryDelay(outcome: Outcome, attempt: number): number | undefined {
    if (outcome.kind === 'tooLarge') return undefined; // the same request would bring the same body
    if (outcome.kind === 'response') {
      if (!retry.statusCodes.includes(outcome.status)) return undefined;
      const retryAfterMs = parseRetryAfter(outcome.headers.get('retry-after'), now());
      if (retryAfterMs !== undefined) return retryAfterMs <= retry.maxRetryAfterMs ? retryAfterMs : undefined;
    }
    const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(random() * ceiling);
  }

  function failure(req: Prepared, outcome: Outcome, attempts: number): HttpError {
    const where = { method: req.method, url: req.safeUrl, attempts };
    if (outcome.kind === 'tooLarge') {
      const { status, declared, received } = outcome;
      const size = declared === undefined ? 'more than that' : `${declared} bytes`;
      const message = `${req.method} ${req.safeUrl} answered ${status} with a body over the ${maxResponseBytes}-byte limit (${size}); refused, not retried`;
      return new ResponseTooLargeError(message, {
        ...where,
        status,
        limitBytes: maxResponseBytes,
        declaredBytes: declared,
        receivedBytes: received,
      });
    }
    if (outcome.kind === 'failed') {
      const reason = describeFailure(req, outcome);
      if (outcome.timedOut) {
        return new HttpError('UPSTREAM_TIMEOUT', `${reason}${tried(attempts)}`, {
          ...where,
          cause: outcome.error,
        });
      }
      const message = `${req.method} ${req.safeUrl} is unavailable${tried(attempts)}: ${reason}`;
      return new HttpError('UPSTREAM_ERROR', message, { ...where, cause: outcome.error });
    }
    const { status, statusText, text } = outcome;
    const retryAfterMs = parseRetryAfter(outcome.headers.get('retry-after'), now());
    const after = retryAfterMs === undefined ? '' : `; retry after ${Math.ceil(retryAfterMs / 1000)} s`;
    const message = `${req.method} ${req.safeUrl} answered ${status}${statusText && ` ${statusText}`}${tried(attempts)}${after}`;
    return new HttpError(codeForStatus(status), message, {
      ...where,
      status,
      bodyExcerpt: text.slice(0, 200),
      ...(retryAfterMs !== undefined && { details: { retryAfterMs } }),
    });
  }

  const call =
    (method: HttpMethod): Call =>
    (path, callOptions) =>
      request(method, path, callOptions);
  return {
    request,
    get: call('GET'),
    post: call('POST'),
    put: call('PUT'),
    patch: call('PATCH'),
    delete: call('DELETE'),
    cacheStats() {
      if (!cache) return undefined;
      const l2 = shared?.stats();
      return {
        l1Hits: cache.stats().hits,
        l2Hits: l2?.l2Hits ?? 0,
        upstream: upstreamLoads + (l2?.upstream ?? 0),
        l2Failures: l2?.l2Failures ?? 0,
        l2TooLarge: l2?.l2TooLarge ?? 0,
        waitsExpired: l2?.waitsExpired ?? 0,
      };
    },
  };
}

function parseBaseUrl(value: string): { base: URL; basicAuth: string | undefined } {
  const url = typeof value === 'string' ? URL.parse(value) : null;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    const got = url ? `a ${url.protocol} URL` : JSON.stringify(String(value).slice(0, 20));
    throw new TypeError(
      `http client baseUrl must be an absolute http(s) URL like https://api.example.com/v1, got ${got}`,
    );
  }
  const basicAuth =
    url.username || url.password
      ? Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString(
          'base64',
        )
      : undefined;
  url.username = '';
  url.password = '';
  url.hash = '';
  return { base: url, basicAuth };
}

function checkMs(name: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value))
    throw new RangeError(`http client ${name} must be > 0 ms, got ${value}`);
  return value;
}

function resolveRetry(retry: RetryOptions): Required<RetryOptions> {
  const resolved = {
    limit: retry.limit ?? 2,
    baseDelayMs: retry.baseDelayMs ?? 200,
    maxDelayMs: retry.maxDelayMs ?? 5000,
    maxRetryAfterMs: retry.maxRetryAfterMs ?? 30_000,
    statusCodes: retry.statusCodes ?? [408, 429, 500, 502, 503, 504],
  };
  if (!Number.isInteger(resolved.limit) || resolved.limit < 0) {
    throw new RangeError(`http client retry.limit must be an integer >= 0, got ${resolved.limit}`);
  }
  for (const name of ['baseDelayMs', 'maxDelayMs', 'maxRetryAfterMs'] as const) {
    if (!(resolved[name] >= 0))
      throw new RangeError(`http client retry.${name} must be >= 0, got ${resolved[name]}`);
  }
  return resolved;
}

/** `.`, `..` and their percent-encoded forms, which URL parsing resolves: they would climb out of the base. */
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;

/**
 * base + path (relative to the base path, never another origin or above the base path) + the
 * path's, the base's and `query` params. The base path is kept as it is: `http://h/api` + `users`
 * is `http://h/api/users`, and an empty path is `http://h/api` itself (no slash added).
 */
function buildUrl(base: URL, path: string, query?: QueryParams): URL {
  const url = new URL(base.href);
  const at = path.indexOf('?');
  const relative = (at < 0 ? path : path.slice(0, at)).replace(/^\/+/, '');
  if (relative.split('/').some((segment) => DOT_SEGMENT.test(segment)))
    throw new TypeError(
      `http client path ${JSON.stringify(path.slice(0, 100))} has a . or .. segment: paths stay below the base URL's path`,
    );
  if (relative !== '') url.pathname = `${base.pathname.replace(/\/+$/, '')}/${relative}`;
  if (at >= 0)
    for (const [key, value] of new URLSearchParams(path.slice(at + 1))) url.searchParams.append(key, value);
  for (const [key, value] of Object.entries(query ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== undefined && item !== null) url.searchParams.append(key, String(item));
    }
  }
  return url;
}

/**
 * After a successful mutation of `/<segment>/...` (relative to the base path), drops every cached GET
 * of `/<segment>` itself, with any query, and of everything below it; a mutation of the base path itself
 * drops all. So POST /users/1/roles invalidates GET /users?page=2, /users/1 and /users/1/roles, not /orders.
 */
/** The cache keys a write to `url` makes stale start with this: its first path segment below the base. */
function resourcePrefix(base: URL, url: URL): string {
  const basePath = base.pathname.replace(/\/+$/, '');
  const segment = url.pathname.slice(basePath.length).split('/')[1] ?? '';
  return `GET ${url.origin}${basePath}${segment && `/${segment}`}`;
}

function evictResource(cache: TtlCache<HttpCacheEntry>, prefix: string): void {
  cache.invalidate(prefix);
  cache.invalidatePrefix(`${prefix}/`);
  cache.invalidatePrefix(`${prefix}?`);
}

function parseJson(req: Prepared, outcome: Outcome & { kind: 'response' }, attempts: number): unknown {
  if (outcome.text.trim() === '') return undefined;
  try {
    return JSON.parse(outcome.text);
  } catch (error) {
    const message = `${req.method} ${req.safeUrl} answered ${outcome.status} with a body that is not JSON`;
    const init = { method: req.method, url: req.safeUrl, attempts, status: outcome.status, cause: error };
    throw new HttpError('UPSTREAM_ERROR', message, {
      ...init,
      bodyExcerpt: outcome.text.slice(0, 200),
      details: { retryable: false },
    });
  }
}

function checkBody<T>(schema: ResponseSchema<T>, received: HttpCacheEntry, req: Prepared): T {
  const result = schema.safeParse(received.data);
  if (result.success) return result.data;
  const { text, fields } = describeIssues(result.error.issues);
  const message = `${req.method} ${req.safeUrl} answered an unexpected body: ${text}`;
  throw new HttpError('UPSTREAM_ERROR', message, {
    method: req.method,
    url: req.safeUrl,
    attempts: received.attempts,
    status: received.status,
    bodyExcerpt: JSON.stringify(received.data ?? null).slice(0, 200),
    // the fields of the upstream's body, not the caller's arguments; the same call brings the same body
    details: { bodyFields: fields, retryable: false },
  });
}

function describeFailure(req: Prepared, outcome: Outcome & { kind: 'failed' }): string {
  if (outcome.timedOut) return `${req.method} ${req.safeUrl} timed out after ${req.timeoutMs} ms`;
  const { error } = outcome;
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return error instanceof Error ? `${error.message}${cause}` : String(error);
}

function cancelled(req: Prepared, attempts: number, reason: unknown): HttpError {
  const message = `${req.method} ${req.safeUrl} was cancelled`;
  return new HttpError('CANCELLED', message, {
    method: req.method,
    url: req.safeUrl,
    attempts,
    cause: reason,
  });
}

function tried(attempts: number): string {
  return attempts > 1 ? ` (tried ${attempts} times)` : '';
}

function since(started: number): number {
  return Math.round(performance.now() - started);
}

function anySignal(signals: ReadonlyArray<AbortSignal | undefined>): AbortSignal | undefined {
  const present = signals.filter((signal) => signal !== undefined);
  return present.length > 1 ? AbortSignal.any(present) : present[0];
}

/** `promise`, or a rejection with `onAbort()` as soon as `signal` aborts (the work itself goes on). */
function untilAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  onAbort: () => Error,
): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(onAbort());
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(onAbort());
    signal.addEventListener('abort', abort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error);
      },
    );
  });
}
