import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildTables, type ServerTables } from '../dispatch.ts';
import type { ServerDefinition } from '../server.ts';
import { createMcpHttpHandler, type McpHttpHandlerOptions } from './handler.ts';

export interface ServeHttpOptions extends Omit<McpHttpHandlerOptions, 'signal'> {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Where MCP is served (default `/mcp`). */
  path?: string;
  /** How long in-flight requests may take to finish on shutdown (default 10 s). */
  shutdownGraceMs?: number;
  /** Each readiness check's time limit (default 5 s). */
  readinessTimeoutMs?: number;
  /** Stop on SIGTERM and SIGINT (default true). */
  handleSignals?: boolean;
}

export interface RunningHttp {
  /** The MCP endpoint: `http://127.0.0.1:3001/mcp`. */
  url: string;
  port: number;
  server: Server;
  /** Stops accepting, lets in-flight requests finish within the grace period; true when all did. */
  close(): Promise<boolean>;
  /** Resolves (with the same flag) once stopped. */
  closed: Promise<boolean>;
}

/**
 * Listens and serves MCP at `path` (stateless fast path), `/healthz` (the process is up) and
 * `/readyz` (every readiness check of the definition passes). Logs one `listening` line with the
 * URL. On SIGTERM/SIGINT it stops accepting, waits for in-flight requests up to the grace period,
 * cuts the rest, and releases what the definition holds.
 */
export async function serveHttp(
  definition: ServerDefinition | ServerTables,
  options: ServeHttpOptions,
): Promise<RunningHttp> {
  const tables = 'handle' in definition ? definition : buildTables(definition);
  const { logger } = options;
  const path = options.path ?? '/mcp';
  const shutdown = new AbortController();
  const mcp = createMcpHttpHandler(tables, { ...options, signal: shutdown.signal });
  const readiness = Object.entries(tables.definition.readiness ?? {});
  const readinessTimeoutMs = options.readinessTimeoutMs ?? 5_000;

  const server = createServer((req, res) => {
    const pathname = (req.url ?? '/').split('?', 1)[0];
    if (pathname === path) return mcp(req, res);
    if (pathname === '/healthz') return json(res, 200, { status: 'ok' });
    if (pathname === '/readyz') return void ready(res);
    json(res, 404, {
      error: { code: 'NOT_FOUND', message: `nothing at ${pathname}; MCP is served at ${path}` },
    });
  });

  async function ready(res: ServerResponse): Promise<void> {
    const results = await Promise.all(
      readiness.map(async ([name, check]) => {
        try {
          await check(AbortSignal.timeout(readinessTimeoutMs));
          return [name, 'ok'] as const;
        } catch (error) {
          return [name, error instanceof Error ? error.message : String(error)] as const;
        }
      }),
    );
    const failed = results.some(([, outcome]) => outcome !== 'ok');
    json(res, failed ? 503 : 200, {
      status: failed ? 'not ready' : 'ready',
      checks: Object.fromEntries(results),
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(
          new Error(
            `port ${options.port} on ${options.host} is already in use: stop what holds it, or pick another with --port`,
          ),
        );
      } else if (error.code === 'EACCES') {
        reject(
          new Error(
            `not allowed to listen on ${options.host}:${options.port} (a port below 1024 needs privileges)`,
          ),
        );
      } else reject(error);
    });
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host}:${port}${path}`;
  logger.info({ server: tables.definition.name, url }, 'listening');

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
    logger.info({ reason, graceMs }, 'stopping: no new connections, finishing requests in flight');
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    const clean = await Promise.race([
      stopped.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (!clean) {
      logger.warn({ graceMs }, 'grace period over: cutting the requests still in flight');
      shutdown.abort(new Error('server shutting down'));
      server.closeAllConnections();
      await stopped;
    }
    try {
      await tables.definition.close?.();
    } catch (error) {
      logger.error({ err: error }, 'error while releasing the server');
    }
    logger.info({ clean }, 'stopped');
    resolveClosed(clean);
    return clean;
  }

  const onSignal = (signal: NodeJS.Signals) => void close(signal);
  if (options.handleSignals ?? true) {
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
  return { url, port, server, close: () => close('closed'), closed };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
