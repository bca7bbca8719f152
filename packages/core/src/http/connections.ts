// The bounds of an HTTP listener, set on purpose rather than left at Node's defaults: how long a
// client may take to send its headers and its whole request, how long an idle kept-alive
// connection is held, how many connections are open in all and from one address; and Node's own
// refusals (a malformed request line, headers too large, a request that took too long) answered
// with a JSON-RPC error body like every other refusal.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../logger.ts';
import type { TrustedProxies } from './client-address.ts';

export interface ConnectionLimits {
  /** Time to receive a request's headers (MCP_HEADERS_TIMEOUT_MS, default 10 s; Node's: 60 s). */
  headersTimeoutMs: number;
  /** Time to receive a whole request, body included (MCP_REQUEST_TIMEOUT_MS, default 30 s; Node's: 300 s). */
  requestTimeoutMs: number;
  /** How long an idle kept-alive connection is held (MCP_KEEP_ALIVE_TIMEOUT_MS, default 5 s). */
  keepAliveTimeoutMs: number;
  /** Open connections at most (MCP_MAX_CONNECTIONS, default 1,000). */
  maxConnections: number;
  /** Open connections from one client address at most (MCP_MAX_CONNECTIONS_PER_ADDRESS, default 256; 0: no cap). */
  maxConnectionsPerAddress: number;
}

export const CONNECTION_DEFAULTS: ConnectionLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1_000,
  maxConnectionsPerAddress: 256,
};

/**
 * How often Node looks for requests past their time (its default, 30 s, let a 10 s headers
 * timeout run to 40 s). Passed to `createServer`.
 */
export const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;

export type RefusedScope = 'total' | 'address';

export interface ConnectionGuard {
  /** Connections open now. */
  readonly open: number;
}

/** How often a refusal of the same kind is logged again, at most (with the count since). */
const LOG_EVERY_MS = 60_000;

/**
 * Applies `limits` to `server`: its timeouts, and a cap on open connections in all and per
 * address. A connection over a cap is answered 503 with a JSON-RPC error and Retry-After, then
 * closed, without reading a request; the first refusal is logged at once, then at most once a
 * minute with the count. Node's own refusals get a JSON-RPC body (`clientError`).
 */
export function guardConnections(
  server: Server,
  limits: ConnectionLimits,
  options: {
    logger: Logger;
    onRefused?: (scope: RefusedScope) => void;
    /** Balancers (MCP_TRUSTED_PROXIES): every client comes through them, so no per-address cap. */
    trusted?: TrustedProxies;
  },
): ConnectionGuard {
  const { logger } = options;
  server.headersTimeout = limits.headersTimeoutMs;
  // Node requires requestTimeout >= headersTimeout (or 0)
  server.requestTimeout = Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs);
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;

  const perAddress = new Map<string, number>();
  let open = 0;
  // what each cap says, in the log and to the client; how many it refused since its last line
  const caps: Record<
    RefusedScope,
    { count: number; loggedAt: number; bound: Record<string, number>; log: string; answer: string }
  > = {
    total: {
      count: 0,
      loggedAt: -Infinity,
      bound: { maxConnections: limits.maxConnections },
      log: 'connection refused: too many open connections (MCP_MAX_CONNECTIONS)',
      answer: `too many open connections (${limits.maxConnections}): try again shortly`,
    },
    address: {
      count: 0,
      loggedAt: -Infinity,
      bound: { maxConnectionsPerAddress: limits.maxConnectionsPerAddress },
      log: 'connection refused: too many open connections from one address (MCP_MAX_CONNECTIONS_PER_ADDRESS)',
      answer: `too many open connections from your address (${limits.maxConnectionsPerAddress}): reuse or close one, or try again shortly`,
    },
  };

  function refuse(socket: Socket, scope: RefusedScope, address: string): void {
    options.onRefused?.(scope);
    const cap = caps[scope];
    cap.count++;
    const now = performance.now();
    if (now - cap.loggedAt >= LOG_EVERY_MS) {
      cap.loggedAt = now;
      logger.warn({ ...cap.bound, ...(scope === 'address' && { address }), refused: cap.count }, cap.log);
      cap.count = 0;
    }
    refuseSocket(socket, 503, cap.answer, { 'retry-after': '1' });
  }

  // before Node's own listener: a refused connection is never given to the HTTP parser's requests
  server.prependListener('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const fromAddress = perAddress.get(address) ?? 0;
    if (open >= limits.maxConnections) return refuse(socket, 'total', address);
    if (
      limits.maxConnectionsPerAddress > 0 &&
      fromAddress >= limits.maxConnectionsPerAddress &&
      !options.trusted?.has(address)
    )
      return refuse(socket, 'address', address);
    open++;
    perAddress.set(address, fromAddress + 1);
    socket.once('close', () => {
      open--;
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left > 0) perAddress.set(address, left);
      else perAddress.delete(address);
    });
  });

  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const code = error.code ?? '';
    // Gone, refused already, or answered already: a connection that has had an answer (a 413 or
    // a 429 before its body ended, or earlier requests) is closed without another, which its
    // client could take for the answer to a request it has not sent yet.
    if (
      code === 'ECONNRESET' ||
      code === 'EPIPE' ||
      !socket.writable ||
      REFUSED.has(socket) ||
      socket.bytesWritten > 0
    ) {
      socket.destroy();
      return;
    }
    const [status, message] = clientErrorAnswer(code);
    refuseSocket(socket, status, message);
  });

  return {
    get open() {
      return open;
    },
  };
}

/** Sockets answered before any request was read: Node's parser may still see their bytes. */
const REFUSED = new WeakSet<Socket>();

/** How long a refused socket may stay open for its answer to be read, at most. */
const REFUSED_LINGER_MS = 1_000;

/** What Node's parser refused, as a status and a message. */
function clientErrorAnswer(code: string): [number, string] {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'request headers too large'];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'request not received in time'];
    case 'HPE_INVALID_METHOD':
    case 'HPE_INVALID_URL':
    case 'HPE_INVALID_VERSION':
      return [400, 'malformed HTTP request line'];
    default:
      return [400, 'malformed HTTP request'];
  }
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
  503: 'Service Unavailable',
};

/**
 * Writes a whole HTTP response on a socket the parser does not own (a refused connection, or a
 * request the parser gave up on), then closes it: at once once written, or after
 * REFUSED_LINGER_MS for a client that does not read.
 */
function refuseSocket(
  socket: Socket,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  REFUSED.add(socket);
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message } });
  const head = [
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}`,
    'content-type: application/json',
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ].join('\r\n');
  const timer = setTimeout(() => socket.destroy(), REFUSED_LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.end(`${head}\r\n\r\n${body}`);
}

/**
 * True for a connection refused over a cap: Node's parser still reads what the client sends, and
 * a request it parses there must not be served (the request handler drops it).
 */
export function isRefused(socket: Socket): boolean {
  return REFUSED.has(socket);
}
