import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isLoopbackHost, type Logger, listen, silentLogger } from '@mcp-stack/core';
import { createUsersApi, type UsersApiOptions } from './app.ts';
import { type Db, openDatabase } from './database.ts';

export interface StartUsersApiOptions extends Omit<UsersApiOptions, 'db'> {
  /** A file, or `:memory:` (tests). */
  dbPath: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8000; 0 picks a free port. */
  port?: number;
  busyTimeoutMs?: number;
  /** Stop on SIGTERM/SIGINT (the bin: yes; tests: no, the default). */
  handleSignals?: boolean;
  /** How long requests in flight get to finish on shutdown (default 5000 ms). */
  shutdownGraceMs?: number;
}

export interface RunningUsersApi {
  /** `http://127.0.0.1:8000`, no trailing slash. */
  url: string;
  port: number;
  server: Server;
  db: Db;
  /** Stops accepting, lets requests in flight finish within the grace period, closes the database. */
  close(): Promise<void>;
  /** Resolves once stopped, however it was stopped. */
  closed: Promise<void>;
}

/** Opens the database and serves the API over HTTP; logs one `listening` line with the URL. */
export async function startUsersApi(options: StartUsersApiOptions): Promise<RunningUsersApi> {
  const logger: Logger = options.logger ?? silentLogger();
  const host = options.host ?? '127.0.0.1';
  const db = openDatabase(
    options.dbPath,
    options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs },
  );
  const api = createUsersApi({ ...options, db, logger });
  let inflight = 0;
  let drained: (() => void) | undefined;
  const server = createServer((req, res) => {
    inflight++;
    res.once('close', () => {
      inflight--;
      if (inflight === 0) drained?.();
    });
    api.handler(req, res);
  });
  try {
    await listen(server, host, options.port ?? 8000);
  } catch (error) {
    db.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const auth = options.apiKey ? 'api-key' : 'none';
  if (!options.apiKey && !isLoopbackHost(host)) {
    logger.warn(
      { host },
      'no USERS_API_KEY on a non-loopback address: anyone who can reach it can manage users',
    );
  }

  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let closing: Promise<void> | undefined;
  async function stop(reason: string): Promise<void> {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    const graceMs = options.shutdownGraceMs ?? 5_000;
    logger.info({ reason, inflight, graceMs }, 'stopping');
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    if (inflight > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => (drained = resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
      ]);
      clearTimeout(timer);
    }
    server.closeAllConnections();
    await stopped;
    db.close();
    logger.info({}, 'stopped');
    resolveClosed();
  }
  const close = (reason: string) => {
    closing ??= stop(reason);
    return closing;
  };
  const onSignal = (signal: NodeJS.Signals) => void close(signal);
  if (options.handleSignals) {
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
  // only once the signal handlers are in place: a supervisor may signal as soon as it reads this
  logger.info({ url, db: options.dbPath, auth }, 'listening');
  return { url, port, server, db, close: () => close('closed'), closed };
}
