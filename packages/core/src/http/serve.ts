import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthError, type Authenticator, protectedResourceMetadata, wwwAuthenticate } from '../auth.ts';
import { buildTables } from '../dispatch.ts';
import { type ListenLimits, type Listens, listensFor } from '../listens.ts';
import { type RateDecision, RateLimiter } from '../rate-limit.ts';
import { type RedisDownPolicy, RedisRateLimitStore } from '../rate-limit-redis.ts';
import type { RedisLink } from '../redis.ts';
import { createRequestStateCodec } from '../request-state.ts';
import type { Semaphore } from '../semaphore.ts';
import type { CallerIdentity, ServerDefinition } from '../server.ts';
import type { TaskOptions } from '../tasks/engine.ts';
import { clientAddress, resolveClientAddress, trustedProxies } from './client-address.ts';
import {
  CONNECTION_DEFAULTS,
  CONNECTIONS_CHECKING_INTERVAL_MS,
  type ConnectionGuard,
  type ConnectionLimits,
  guardConnections,
  isRefused,
} from './connections.ts';
import { checkRequest, type GuardOptions, guardOptions, isLoopbackHost } from './guards.ts';
import { createMcpServe, type McpHttpHandlerOptions } from './handler.ts';
import { listen } from './listen.ts';
import { createMetrics, type Metrics, type MetricsOptions } from './metrics.ts';
import type { SessionManager } from './sessions.ts';

export interface ServeHttpOptions extends Omit<McpHttpHandlerOptions, 'signal' | 'callerOf'> {
  /** Task bounds (Tasks extension), for a definition with task tools. */
  tasks?: TaskOptions;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Where MCP is served (default `/mcp`). */
  path?: string;
  /** Inbound auth; none: every caller is allowed (refused on a non-loopback host, see below). */
  auth?: Authenticator | undefined;
  /** Allow a non-loopback bind with no auth (`--insecure-no-auth`). */
  insecureNoAuth?: boolean;
  /** The public base URL (`MCP_PUBLIC_URL`), for the resource metadata; default http://host:port. */
  publicUrl?: string | undefined;
  allowedHosts?: ReadonlyArray<string> | undefined;
  allowedOrigins?: ReadonlyArray<string> | undefined;
  /**
   * The load balancers in front (MCP_TRUSTED_PROXIES): addresses and CIDR ranges whose
   * X-Forwarded-For names the client. Anonymous callers are then limited by the client's address,
   * not the balancer's, and connections from them are held to the total cap only. Default none.
   */
  trustedProxies?: ReadonlyArray<string> | undefined;
  /** Per client (key id, else address); `rps: 0` turns it off. Default 50/s, burst 100. */
  rateLimit?: { rps: number; burst?: number } | RateLimiter;
  /**
   * Redis shared by the replicas (MCP_REDIS_URL): the rate limiter's buckets live there, so a
   * client's limit holds across replicas. Reported on /readyz and /metrics; closed on stop.
   */
  redis?: RedisLink | undefined;
  /** More for `/metrics`: the bus between replicas, HTTP clients' GET caches (shared.ts). */
  metricSources?: Pick<MetricsOptions, 'bus' | 'httpCaches'> | undefined;
  /** Prefix of the keys written in Redis (MCP_REDIS_PREFIX, default `mcp-stack:`). */
  redisPrefix?: string;
  /** While Redis cannot answer: `allow` (default: fail open) or `refuse` (fail closed, and not ready). */
  rateLimitWhenRedisDown?: RedisDownPolicy;
  /** Sessions on the SDK transport (`--stateful`) instead of the stateless fast path. */
  stateful?:
    | false
    | { idleMs?: number; maxSessions?: number; maxSessionsPerCaller?: number; maxLifetimeMs?: number };
  /** `/metrics` in Prometheus text; default on. */
  metrics?: boolean;
  /**
   * A port of its own for `/metrics`, `/healthz` and `/readyz` (MCP_METRICS_PORT), on the same host:
   * probes and scrapers reach them there, and the MCP listener answers 404 for them. 0 picks a
   * free one. Unset: they are served beside MCP.
   */
  metricsPort?: number | undefined;
  /** Bounds of `subscriptions/listen` (MCP_MAX_LISTENS, MCP_MAX_LISTENS_PER_CALLER). */
  listenLimits?: Partial<ListenLimits> | undefined;
  /** Semaphores to report on /metrics (an upstream's concurrency bound). */
  semaphores?: Record<string, Semaphore>;
  /** How long in-flight requests may take to finish on shutdown (default 10 s). */
  shutdownGraceMs?: number;
  /**
   * Keys signing the `requestState` of questions to the client (MCP_REQUEST_STATE_KEYS), newest
   * first. Replicas behind one balancer must share them: the retry with the answers may reach
   * another replica. Default one random key per process.
   */
  requestStateKeys?: ReadonlyArray<string> | undefined;
  /**
   * Behind a load balancer: how long to keep serving after shutdown begins, answering /readyz
   * with 503, before the listener closes (MCP_SHUTDOWN_DELAY_MS, default 0). A connection the
   * balancer opens just as the listener closes is cut before its request is read, and the
   * balancer cannot tell whether it was served; a delay of a few health-check intervals lets it
   * take the replica out of rotation first.
   */
  shutdownDelayMs?: number;
  /** Each readiness check's time limit (default 5 s). */
  readinessTimeoutMs?: number;
  /** Stop on SIGTERM and SIGINT (default true). */
  handleSignals?: boolean;
  /**
   * Timeouts and connection caps (MCP_HEADERS_TIMEOUT_MS, MCP_REQUEST_TIMEOUT_MS,
   * MCP_KEEP_ALIVE_TIMEOUT_MS, MCP_MAX_CONNECTIONS, MCP_MAX_CONNECTIONS_PER_ADDRESS); see
   * `CONNECTION_DEFAULTS`. The ops port (`metricsPort`) gets the same, counted apart.
   */
  connections?: Partial<ConnectionLimits> | undefined;
}

export interface RunningHttp {
  /** The MCP endpoint: `http://127.0.0.1:3001/mcp`. */
  url: string;
  port: number;
  /** Where `/metrics`, `/healthz` and `/readyz` are served: `http://127.0.0.1:9464` (the MCP origin unless `metricsPort`). */
  opsUrl: string;
  server: Server;
  metrics: Metrics | undefined;
  /** Stops accepting, lets in-flight requests finish within the grace period; true when all did. */
  close(): Promise<boolean>;
  /** Resolves (with the same flag) once stopped. */
  closed: Promise<boolean>;
}

const METADATA_PATH = '/.well-known/oauth-protected-resource';

/**
 * Listens and serves MCP at `path`: Host/Origin/content-type/version guards, then auth, then the
 * per-client rate limit, then the stateless fast path or a session. Also `/healthz`, `/readyz`
 * (the definition's readiness checks), `/metrics`, and RFC 9728 metadata when auth is on. On
 * SIGTERM/SIGINT: stop accepting, let requests in flight finish within the grace period, cut the
 * rest, release the definition.
 */
export async function serveHttp(
  definition: ServerDefinition,
  options: ServeHttpOptions,
): Promise<RunningHttp> {
  const { logger, auth } = options;
  if (!auth && !options.insecureNoAuth && !isLoopbackHost(options.host)) {
    throw new Error(
      `refusing to serve on ${options.host} without auth: set MCP_API_KEYS or MCP_JWT_JWKS_URL, or pass --insecure-no-auth if something in front of this server authenticates`,
    );
  }
  const path = options.path ?? '/mcp';
  let sessions: SessionManager | undefined;
  let listens: Listens | undefined;
  let connections: ConnectionGuard | undefined;
  const metrics =
    options.metrics === false
      ? undefined
      : createMetrics({
          sessions: () => sessions?.size ?? 0,
          listens: () => listens?.size ?? 0,
          connections: () => connections?.open ?? 0,
          ...(options.semaphores && { semaphores: options.semaphores }),
          ...(options.redis && { redis: options.redis }),
          ...options.metricSources,
        });
  const tables = buildTables(definition, {
    ...(metrics && { observer: metrics }),
    requestState: createRequestStateCodec(options.requestStateKeys ? { keys: options.requestStateKeys } : {}),
    ...(options.tasks && { tasks: options.tasks }),
  });
  const shutdown = new AbortController();
  const openListens = listensFor(tables, { logger, observer: metrics, ...options.listenLimits });
  listens = openListens;

  if (options.stateful) {
    // loaded only here: the SDK transport it holds imports node:http2, 9 MiB of resident memory
    const { createSessionManager } = await import('./sessions.ts');
    sessions = createSessionManager({
      tables,
      logger,
      idleMs: options.stateful.idleMs ?? 600_000,
      maxSessions: options.stateful.maxSessions ?? 1_000,
      ...definedOnly({
        maxSessionsPerCaller: options.stateful.maxSessionsPerCaller,
        maxLifetimeMs: options.stateful.maxLifetimeMs,
      }),
      ...(metrics && { onRefused: metrics.sessionRefused }),
      ...(options.maxBodyBytes !== undefined && { maxBodyBytes: options.maxBodyBytes }),
    });
  }
  const sessionManager = sessions;
  // modern requests are stateless in both modes; with --stateful, the rest goes to the sessions
  const mcp = createMcpServe(tables, {
    ...options,
    listens: openListens,
    signal: shutdown.signal,
    sessions: sessionManager
      ? (req, res, caller, body) =>
          sessionManager.handle(req, res, {
            ...(caller && { caller }),
            ...(body !== undefined && { parsedBody: body }),
          })
      : undefined,
  });
  const { redis } = options;
  const whenRedisDown = options.rateLimitWhenRedisDown ?? 'allow';
  const limiter =
    options.rateLimit instanceof RateLimiter
      ? options.rateLimit
      : new RateLimiter({
          rps: options.rateLimit?.rps ?? 50,
          burst: options.rateLimit?.burst ?? 100,
          // one bucket per client for every replica of this server
          ...(redis && {
            store: new RedisRateLimitStore(redis, {
              prefix: `${options.redisPrefix ?? 'mcp-stack:'}rl:${definition.name}:`,
              whenDown: whenRedisDown,
            }),
          }),
        });
  const readiness = Object.entries(definition.readiness ?? {});
  const scopes = [...new Set((definition.tools ?? []).flatMap((tool) => tool.scopes ?? []))].sort();
  // the POSTs in flight: what shutdown waits for
  const inflight = new Set<ServerResponse>();
  let drained: (() => void) | undefined;
  let stopping = false;

  // shared listeners (no closure per request)
  function countResponse(this: ServerResponse): void {
    metrics?.httpResponse(this.statusCode);
  }
  function settled(this: ServerResponse): void {
    inflight.delete(this);
    if (inflight.size === 0) drained?.();
  }

  const limits: ConnectionLimits = { ...CONNECTION_DEFAULTS, ...definedOnly(options.connections) };
  const serverOptions = { connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS };
  const trusted = options.trustedProxies?.length ? trustedProxies(options.trustedProxies) : undefined;
  const server = createServer(serverOptions, (req, res) => {
    // a connection refused over a cap, whose request the parser read anyway
    if (isRefused(req.socket)) return void req.socket.destroy();
    if (trusted) resolveClientAddress(req, trusted);
    if (metrics) res.on('finish', countResponse);
    // Shutting down: a request that came on a kept-alive connection is served, but it is the
    // connection's last, or clients would keep it busy (and the drain waiting) to the deadline.
    if (stopping) res.setHeader('connection', 'close');
    const pathname = (req.url ?? '/').split('?', 1)[0] ?? '/';
    if (pathname === path) {
      const failed = (error: unknown) => {
        logger.error({ err: error }, 'request failed before reaching the server');
        if (!res.headersSent) rpcError(res, 500, 'internal error');
        else res.destroy();
      };
      try {
        return void serveMcp(req, res)?.catch(failed);
      } catch (error) {
        return failed(error);
      }
    }
    if (!opsServer && serveOps(pathname, res)) return;
    if (auth && (pathname === METADATA_PATH || pathname === `${METADATA_PATH}${path}`)) {
      return json(
        res,
        200,
        protectedResourceMetadata({
          resource: resourceUrl,
          authorizationServers: auth.authorizationServers,
          scopes,
          name: definition.name,
        }),
      );
    }
    json(res, 404, {
      error: { code: 'NOT_FOUND', message: `nothing at ${pathname}; MCP is served at ${path}` },
    });
  });

  /** `/healthz`, `/readyz`, `/metrics`; false for any other path. */
  function serveOps(pathname: string, res: ServerResponse): boolean {
    if (pathname === '/healthz') json(res, 200, { status: 'ok' });
    else if (pathname === '/readyz') void ready(res);
    else if (pathname === '/metrics' && metrics) void sendMetrics(res);
    else return false;
    return true;
  }
  const guardOptionsFor = {
    logger,
    ...(metrics && { onRefused: metrics.connectionRefused }),
    ...(trusted && { trusted }),
  };
  connections = guardConnections(server, limits, guardOptionsFor);
  const opsServer =
    options.metricsPort === undefined
      ? undefined
      : createServer(serverOptions, (req, res) => {
          if (isRefused(req.socket)) return void req.socket.destroy();
          const pathname = (req.url ?? '/').split('?', 1)[0] ?? '/';
          if (req.method !== 'GET' && req.method !== 'HEAD') {
            res.setHeader('allow', 'GET, HEAD');
            return json(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'GET only here' } });
          }
          if (!serveOps(pathname, res))
            json(res, 404, {
              error: {
                code: 'NOT_FOUND',
                message: `nothing at ${pathname}; here: /healthz, /readyz, /metrics`,
              },
            });
        });

  if (opsServer) guardConnections(opsServer, limits, guardOptionsFor);

  // set once listening (port 0: the allow-list needs the port actually bound), before any request
  let guards!: GuardOptions;
  let resourceUrl = '';
  let metadataUrl = '';

  /** Guards, auth, rate limit, then the call; synchronous unless a step is not (JWT, a remote store). */
  function serveMcp(req: IncomingMessage, res: ServerResponse): void | Promise<void> {
    const refusal = checkRequest(req, guards);
    if (refusal) return rpcError(res, refusal.status, refusal.message);
    if (!auth) return admit(req, res, undefined);
    let identity: CallerIdentity | Promise<CallerIdentity>;
    try {
      identity = auth.authenticate(req);
    } catch (error) {
      return refuse(req, res, error);
    }
    if (identity instanceof Promise) {
      return identity.then(
        (caller) => admit(req, res, caller),
        (error: unknown) => refuse(req, res, error),
      );
    }
    return admit(req, res, identity);
  }

  function refuse(req: IncomingMessage, res: ServerResponse, error: unknown): void | Promise<void> {
    if (!(error instanceof AuthError)) throw error;
    // failed attempts count against the address, so guessing keys is rate limited too
    return decide(limiter.check(`addr:${clientAddress(req)}`), res, () => {
      res.setHeader('www-authenticate', wwwAuthenticate(metadataUrl, error));
      rpcError(res, 401, error.message);
    });
  }

  function admit(
    req: IncomingMessage,
    res: ServerResponse,
    caller: CallerIdentity | undefined,
  ): void | Promise<void> {
    if (!limiter.enabled) return pass(req, res, caller);
    const key = caller ? `key:${caller.clientId}` : `addr:${clientAddress(req)}`;
    const decision = limiter.check(key);
    // no closure on the hot path: only an async store gets a promise
    if (decision instanceof Promise)
      return decision.then((d) => (allowed(d, res) ? pass(req, res, caller) : undefined));
    return allowed(decision, res) ? pass(req, res, caller) : undefined;
  }

  function pass(
    req: IncomingMessage,
    res: ServerResponse,
    caller: CallerIdentity | undefined,
  ): void | Promise<void> {
    // POSTs are the calls shutdown waits for; a session's GET stream is closed with the session
    if (req.method === 'POST') {
      inflight.add(res);
      res.once('close', settled);
    }
    // the caller is passed along, not stored on the request (a WeakMap or a new property on
    // every request measurably slows the hot path)
    mcp(req, res, caller);
  }

  /** Runs `next` when the rate limiter allows, else answers 429; a promise only for an async store. */
  function decide(
    decision: RateDecision | Promise<RateDecision>,
    res: ServerResponse,
    next: () => void | Promise<void>,
  ) {
    if (decision instanceof Promise) return decision.then((d) => (allowed(d, res) ? next() : undefined));
    return allowed(decision, res) ? next() : undefined;
  }

  function allowed(decision: RateDecision, res: ServerResponse): boolean {
    if (decision.allowed) return true;
    metrics?.rateLimited();
    const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    res.setHeader('retry-after', String(seconds));
    rpcError(res, 429, `rate limit exceeded: retry after ${seconds} s`);
    return false;
  }

  async function ready(res: ServerResponse): Promise<void> {
    // going away: out of the load balancer's rotation at once, whatever the checks say
    if (stopping) return json(res, 503, { status: 'stopping', checks: {} });
    const timeoutMs = options.readinessTimeoutMs ?? 5_000;
    const results = await Promise.all(
      readiness.map(async ([name, check]) => {
        try {
          await check(AbortSignal.timeout(timeoutMs));
          return [name, 'ok'] as const;
        } catch (error) {
          return [name, error instanceof Error ? error.message : String(error)] as const;
        }
      }),
    );
    let failed = results.some(([, outcome]) => outcome !== 'ok');
    const checks: Record<string, string> = Object.fromEntries(results);
    if (redis) {
      // asks Redis now (within its command timeout) rather than trusting the last request
      const up = await redis
        .run((client) => client.ping())
        .then(
          () => true,
          () => false,
        );
      if (up) checks.redis = 'ok';
      else if (whenRedisDown === 'refuse') {
        checks.redis = 'unavailable: requests are refused until it is back';
        failed = true;
      } else checks.redis = 'unavailable: serving, rate limits not enforced until it is back';
    }
    json(res, failed ? 503 : 200, { status: failed ? 'not ready' : 'ready', checks });
  }

  async function sendMetrics(res: ServerResponse): Promise<void> {
    const { contentType, body } = await (metrics as Metrics).render();
    res.writeHead(200, { 'content-type': contentType });
    res.end(body);
  }

  await listen(server, options.host, options.port);
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host}:${port}${path}`;
  let opsUrl = `http://${host}:${port}`;
  if (opsServer) {
    try {
      await listen(opsServer, options.host, options.metricsPort as number, 'MCP_METRICS_PORT');
    } catch (error) {
      server.close();
      throw error;
    }
    opsUrl = `http://${host}:${(opsServer.address() as AddressInfo).port}`;
  }
  const base = (options.publicUrl ?? `http://${host}:${port}`).replace(/\/+$/, '');
  resourceUrl = `${base}${path}`;
  metadataUrl = `${base}${METADATA_PATH}${path}`;
  guards = guardOptions({
    host: options.host,
    port,
    allowedHosts: options.allowedHosts,
    allowedOrigins: options.allowedOrigins,
  });

  let resolveClosed!: (clean: boolean) => void;
  const closed = new Promise<boolean>((resolve) => (resolveClosed = resolve));
  let closing: Promise<boolean> | undefined;
  const close = (reason: string) => {
    closing ??= stop(reason);
    return closing;
  };

  async function stop(reason: string): Promise<boolean> {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    const graceMs = options.shutdownGraceMs ?? 10_000;
    logger.info(
      { reason, graceMs, inflight: inflight.size },
      'stopping: no new connections, finishing requests in flight',
    );
    stopping = true;
    // tasks are not requests in flight: they stop now, and a poll in the grace period says cancelled
    await tables.stopTasks('the server is shutting down');
    const delayMs = options.shutdownDelayMs ?? 0;
    if (delayMs > 0) {
      // still serving (each answer its connection's last), while /readyz says 503
      logger.info({ delayMs }, 'stopping: out of rotation first (/readyz 503), then closing the listener');
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
    // the answers in flight are their connections' last: clients come back on a new connection,
    // which is refused, instead of sending more calls to a server that is going away
    for (const res of inflight) {
      if (!res.headersSent) res.setHeader('connection', 'close');
      else {
        const socket = res.socket;
        res.once('finish', () => socket?.end());
      }
    }
    // listen streams never finish by themselves: each ends now with its complete result, so the
    // drain below waits only for real calls, not for the grace period
    if (openListens.size > 0) logger.info({ listens: openListens.size }, 'stopping: ending listen streams');
    openListens.closeAll();
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    const clean =
      inflight.size === 0 ||
      (await Promise.race([
        new Promise<boolean>((resolve) => (drained = () => resolve(true))),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
      ]));
    clearTimeout(timer);
    if (!clean)
      logger.warn({ graceMs, cut: inflight.size }, 'grace period over: cutting the requests still in flight');
    shutdown.abort(new Error('server shutting down'));
    await sessions?.closeAll();
    server.closeAllConnections();
    await stopped;
    try {
      await definition.close?.();
    } catch (error) {
      logger.error({ err: error }, 'error while releasing the server');
    }
    await redis?.close();
    if (opsServer) {
      // probes saw 503 "stopping" until now
      const opsStopped = new Promise<void>((resolve) => opsServer.close(() => resolve()));
      opsServer.closeAllConnections();
      await opsStopped;
    }
    logger.info({ clean }, clean ? 'stopped' : 'stopped: requests were cut at the grace deadline');
    resolveClosed(clean);
    return clean;
  }

  const onSignal = (signal: NodeJS.Signals) => void close(signal);
  if (options.handleSignals ?? true) {
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
  // only now: a supervisor that reads this line may signal at once, and the handlers are in place
  logger.info(
    {
      server: definition.name,
      url,
      ...(opsServer && { ops: opsUrl }),
      auth: auth?.kind ?? 'none',
      mode: sessions ? 'stateful' : 'stateless',
    },
    'listening',
  );
  return { url, port, opsUrl, server, metrics, close: () => close('closed'), closed };
}

/** `value` without its undefined members (an option left unset keeps its default). */
function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** An HTTP-level refusal with a JSON-RPC error body (the request's id is not read by then). */
function rpcError(res: ServerResponse, status: number, message: string): void {
  json(res, status, { jsonrpc: '2.0', error: { code: -32000, message } });
}
