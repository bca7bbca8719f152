import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { ServerTables } from '../dispatch.ts';
import { requestIdOf } from '../jsonrpc.ts';
import type { Logger } from '../logger.ts';
import { errorResponse, ProtocolError, RPC_ERROR } from '../protocol-error.ts';
import { createSdkServer } from '../sdk-server.ts';
import type { CallerIdentity } from '../server.ts';
import { BodyTooLargeError, readJsonBody } from './body.ts';
import { clientAddress } from './client-address.ts';

export interface SessionManagerOptions {
  tables: ServerTables;
  logger: Logger;
  /** A session with no request open and none for this long is closed (`MCP_SESSION_IDLE_MS`). */
  idleMs: number;
  /** Open sessions at most (`MCP_MAX_SESSIONS`); beyond it a new initialize gets 503. */
  maxSessions: number;
  /**
   * Open sessions of one caller at most (`MCP_MAX_SESSIONS_PER_CALLER`, default 32): its API key
   * or token subject, or its address when anonymous. Beyond it its initialize gets 429, so one
   * client holding sessions open cannot take every slot.
   */
  maxSessionsPerCaller?: number;
  /** A session ends this long after it opened, busy or not (`MCP_SESSION_MAX_LIFETIME_MS`, default 1 h). */
  maxLifetimeMs?: number;
  /** A new session refused at a bound: `caller` (per caller) or `process` (MCP_MAX_SESSIONS). */
  onRefused?: (scope: 'caller' | 'process') => void;
  /** Largest request body in bytes (default 4 MiB); larger gets 413. */
  maxBodyBytes?: number;
  now?: () => number;
  /** How often idle sessions are looked for (default a quarter of `idleMs`, 1 s to 60 s). */
  sweepIntervalMs?: number;
}

export interface SessionRequestOptions {
  /** The JSON body, when the caller already read it (express.json()). */
  parsedBody?: unknown;
  /** The authenticated identity; bound to the session at initialize. */
  caller?: CallerIdentity | undefined;
}

export interface SessionManager {
  /**
   * Handles one request to the MCP path: POST (initialize opens a session; anything else needs a
   * valid `Mcp-Session-Id`), GET (the session's server-to-client SSE stream), DELETE (ends it).
   */
  handle(req: IncomingMessage, res: ServerResponse, options?: SessionRequestOptions): Promise<void>;
  /** Open sessions, for metrics. */
  readonly size: number;
  /** Closes every session and refuses new ones (shutdown). */
  closeAll(): Promise<void>;
}

interface Session {
  id: string;
  server: Server;
  transport: StreamableHTTPServerTransport;
  /** The caller's clientId at initialize; every later request must come from the same one. */
  clientId: string | undefined;
  openedAt: number;
  lastSeen: number;
  /** Requests still open, the GET stream included: a session is never closed as idle while > 0. */
  inFlight: number;
  reason: string;
}

/** JSON-RPC code for an unknown or expired session (the SDK's, and what clients expect). */
const SESSION_NOT_FOUND = -32001;
const SERVER_BUSY = -32000;
const RETRY_AFTER_S = 5;

/**
 * Stateful Streamable HTTP (`--stateful`): one SDK `Server` and one SDK transport per session,
 * never one shared between sessions. Sessions end on DELETE, after `idleMs` without requests, or
 * at shutdown; each session's subscriptions stop with it.
 */
export function createSessionManager(options: SessionManagerOptions): SessionManager {
  const { tables, logger, idleMs, maxSessions } = options;
  const now = options.now ?? Date.now;
  const maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const maxPerCaller = options.maxSessionsPerCaller ?? 32;
  const maxLifetimeMs = options.maxLifetimeMs ?? 3_600_000;
  const sessions = new Map<string, Session>();
  /** Sessions open or opening, by owner (`key:<clientId>` or `addr:<address>`). */
  const owned = new Map<string, number>();
  let opening = 0;
  let closing = false;

  const sweepMs =
    options.sweepIntervalMs ?? Math.min(Math.max(Math.min(idleMs, maxLifetimeMs) / 4, 1_000), 60_000);
  const sweeper = setInterval(() => {
    const time = now();
    for (const session of sessions.values()) {
      // a session past its lifetime ends even with a stream open: its client starts a new one
      if (time - session.openedAt >= maxLifetimeMs) void end(session, 'lifetime');
      else if (session.inFlight === 0 && time - session.lastSeen >= idleMs) void end(session, 'idle');
    }
  }, sweepMs);
  sweeper.unref();

  async function end(session: Session, reason: string): Promise<void> {
    session.reason = reason;
    try {
      await session.server.close();
    } catch (error) {
      logger.warn({ err: error, sessionId: session.id }, 'error while closing a session');
    }
  }

  async function open(req: IncomingMessage, res: ServerResponse, body: unknown, caller?: CallerIdentity) {
    const id = requestIdOf(body);
    if (closing) return fail(res, 503, id, SERVER_BUSY, 'the server is shutting down: try again shortly');
    if (sessions.size + opening >= maxSessions) {
      logger.warn({ maxSessions }, 'session refused: too many open sessions');
      options.onRefused?.('process');
      res.setHeader('retry-after', String(RETRY_AFTER_S));
      return fail(res, 503, id, SERVER_BUSY, `too many open sessions (${maxSessions}): try again later`);
    }
    const owner = caller ? `key:${caller.clientId}` : `addr:${clientAddress(req)}`;
    const ownedNow = owned.get(owner) ?? 0;
    if (ownedNow >= maxPerCaller) {
      // not logged with the owner: it may be a key id, and a flood of these is the caller's own
      logger.debug(
        { maxSessionsPerCaller: maxPerCaller },
        'session refused: too many open sessions of one caller',
      );
      options.onRefused?.('caller');
      res.setHeader('retry-after', String(RETRY_AFTER_S));
      return fail(
        res,
        429,
        id,
        SERVER_BUSY,
        `too many open sessions for this caller (${maxPerCaller}): end one with DELETE, or reuse it`,
      );
    }
    owned.set(owner, ownedNow + 1);
    let owning = true;
    const disown = () => {
      if (!owning) return;
      owning = false;
      const left = (owned.get(owner) ?? 1) - 1;
      if (left > 0) owned.set(owner, left);
      else owned.delete(owner);
    };
    opening++;
    let counted = true;
    const uncount = () => {
      if (counted) opening--;
      counted = false;
    };
    const server = createSdkServer(tables, { transport: 'stateful', logger });
    const session: Session = {
      id: '',
      server,
      clientId: caller?.clientId,
      openedAt: now(),
      lastSeen: now(),
      inFlight: 0,
      reason: 'closed',
      transport: new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomBytes(24).toString('base64url'),
        maxRequestBodySize: maxBodyBytes,
        onsessioninitialized: (sessionId) => {
          session.id = sessionId;
          sessions.set(sessionId, session);
          uncount();
          logger.info({ sessionId, sessions: sessions.size }, 'session opened');
        },
        onsessionclosed: () => {
          session.reason = 'deleted';
        },
      }),
    };
    const previousOnClose = server.onclose;
    server.onclose = () => {
      previousOnClose?.();
      disown();
      if (session.id && sessions.get(session.id) === session) {
        sessions.delete(session.id);
        logger.info({ sessionId: session.id, reason: session.reason }, 'session closed');
      }
    };
    server.onerror = (error) => logger.debug({ err: error }, 'session transport error');
    try {
      await server.connect(session.transport);
      await serve(session, req, res, body);
    } finally {
      uncount();
      // refused before it started (406, 415, a bad message), or opened while shutting down
      if (!session.id || closing) {
        await end(session, 'shutdown');
        disown();
      }
    }
  }

  async function serve(session: Session, req: IncomingMessage, res: ServerResponse, body: unknown) {
    session.inFlight++;
    session.lastSeen = now();
    let pending = true;
    const done = () => {
      if (!pending) return;
      pending = false;
      session.inFlight--;
      session.lastSeen = now();
    };
    res.once('close', done);
    try {
      await session.transport.handleRequest(req, res, body);
    } finally {
      done();
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse, options: SessionRequestOptions) {
    const method = req.method ?? 'GET';
    if (method !== 'POST' && method !== 'GET' && method !== 'DELETE') {
      res.setHeader('allow', 'GET, POST, DELETE');
      return fail(
        res,
        405,
        null,
        RPC_ERROR.InvalidRequest,
        `${method} is not supported here: use POST, GET or DELETE`,
      );
    }
    let body: unknown;
    if (method === 'POST') {
      body = options.parsedBody !== undefined ? options.parsedBody : await readJsonBody(req, maxBodyBytes);
      if (Array.isArray(body)) {
        return fail(
          res,
          400,
          null,
          RPC_ERROR.InvalidRequest,
          'batches are not supported: send one message per request',
        );
      }
    }
    const { caller } = options;
    if (caller) {
      (req as IncomingMessage & { auth?: AuthInfo }).auth = {
        token: '',
        clientId: caller.clientId,
        scopes: [...caller.scopes],
        ...(caller.extra !== undefined && { extra: caller.extra }),
      };
    }
    const sessionId = req.headers['mcp-session-id'];
    if (sessionId === undefined) {
      if (method === 'POST' && isInitializeRequest(body)) return open(req, res, body, caller);
      const what = method === 'POST' ? 'a request other than initialize' : `${method}`;
      return fail(
        res,
        400,
        requestIdOf(body),
        RPC_ERROR.InvalidRequest,
        `${what} needs an Mcp-Session-Id header: send initialize first to start a session`,
      );
    }
    const session = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
    // another caller's session is reported as missing, so its existence is not revealed
    if (!session || session.clientId !== caller?.clientId) {
      return fail(
        res,
        404,
        requestIdOf(body),
        SESSION_NOT_FOUND,
        'session not found: start a new one with initialize',
      );
    }
    return serve(session, req, res, body);
  }

  return {
    async handle(req, res, options = {}) {
      try {
        await route(req, res, options);
      } catch (error) {
        if (error instanceof BodyTooLargeError) {
          res.setHeader('connection', 'close');
          return fail(res, 413, null, RPC_ERROR.InvalidRequest, error.message);
        }
        if (error instanceof ProtocolError) return fail(res, 400, null, error.code, error.message);
        logger.error({ err: error }, 'stateful request failed');
        if (!res.headersSent) fail(res, 500, null, RPC_ERROR.InternalError, 'internal error');
        else res.destroy();
      }
    },
    get size() {
      return sessions.size;
    },
    async closeAll() {
      closing = true;
      clearInterval(sweeper);
      await Promise.all([...sessions.values()].map((session) => end(session, 'shutdown')));
    },
  };
}

function fail(
  res: ServerResponse,
  status: number,
  id: string | number | null,
  code: number,
  message: string,
) {
  if (res.headersSent) return;
  const json = errorResponse(id, new ProtocolError(code, message));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}
